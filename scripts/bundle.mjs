// Bundles the custom-resource handler into one minified file that the construct ships as its
// Lambda asset, so that consumers need neither esbuild nor Docker at synth time, and the Lambda
// runs the pinned EMR Serverless client rather than whatever SDK its runtime carries.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Writes a file only when its content changes, and then whole: to a file of its own, renamed into
 * place. Two test runs in one checkout both bundle first, and neither may load a half-written bundle
 * of the other's (nor see its asset hash change under it). An unchanged file is touched instead, so
 * that its time still says it was built from lambda/ as it is now.
 */
function writeWhole(file, content) {
  if (existsSync(file) && readFileSync(file).equals(Buffer.from(content))) {
    const now = new Date();
    utimesSync(file, now, now);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, file);
}

const result = await build({
  entryPoints: [join(root, 'lambda', 'index.ts')],
  outfile: join(root, 'lambda-dist', 'session-handler', 'index.js'),
  bundle: true,
  platform: 'node',
  // The Lambda runtime the construct deploys it on (lambda.Runtime.NODEJS_24_X).
  target: 'node24',
  format: 'cjs',
  // Prefer the SDK's ES modules so that unused commands and serializers are tree-shaken away.
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  write: false,
});
for (const output of result.outputFiles) {
  writeWhole(output.path, output.contents);
}

// The bundle carries other people's code (the AWS SDK, Smithy, their dependencies): ship their
// licenses next to it, one entry per package that contributed bytes.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  // The innermost node_modules names the package: a nested copy is a package of its own.
  const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\/(?!.*node_modules\/)/.exec(input);
  if (match && !packages.has(match[1])) {
    const dir = join(root, match[1]);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(dir).find((name) => /^(licen[sc]e|copying)(\.|$)/i.test(name));
    const text = licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : `License: ${manifest.license}`;
    packages.set(match[1], `${manifest.name}@${manifest.version} (${manifest.license})\n\n${text}`);
  }
}
const notices = [...packages.keys()].sort().map((name) => packages.get(name));
writeWhole(
  join(root, 'lambda-dist', 'session-handler', 'THIRD-PARTY-NOTICES.txt'),
  `The session handler bundle (index.js) contains code from these ${notices.length} packages.\n\n` +
    notices.join(`\n\n${'-'.repeat(78)}\n\n`) +
    '\n',
);

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`bundled lambda/index.ts -> lambda-dist/session-handler/index.js (${(bytes / 1024).toFixed(0)} KiB)`);
