// Rewrites the package.json inside an npm tarball as users should receive it: without the
// developer scripts (npm flags a `prepare` script on every install, and its file is not shipped)
// and without devDependencies. Usage: node scripts/published-manifest.mjs <package.tgz>
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const tarball = resolve(process.argv[2]);
const scratch = mkdtempSync(join(tmpdir(), 'published-manifest-'));
try {
  execFileSync('tar', ['-xzf', tarball, '-C', scratch]);
  const manifestPath = join(scratch, 'package', 'package.json');
  const { scripts: _scripts, devDependencies: _devDependencies, ...manifest } = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(manifestPath, `${JSON.stringify(manifest, undefined, 2)}\n`);
  execFileSync('tar', ['-czf', tarball, '-C', scratch, 'package']);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
