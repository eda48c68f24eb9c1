// Bundles the custom-resource handler into one minified file that the construct ships as its
// Lambda asset, so that consumers need neither esbuild nor Docker at synth time, and the Lambda
// runs the pinned EMR Serverless client rather than whatever SDK its runtime carries.
import { build } from 'esbuild';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
});

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
writeFileSync(
  join(root, 'lambda-dist', 'session-handler', 'THIRD-PARTY-NOTICES.txt'),
  `The session handler bundle (index.js) contains code from these ${notices.length} packages.\n\n` +
    notices.join(`\n\n${'-'.repeat(78)}\n\n`) +
    '\n',
);

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`bundled lambda/index.ts -> lambda-dist/session-handler/index.js (${(bytes / 1024).toFixed(0)} KiB)`);
