// Bundles the custom-resource handler into one minified file that the construct ships as its
// Lambda asset, so that consumers need neither esbuild nor Docker at synth time, and the Lambda
// runs the pinned EMR Serverless client rather than whatever SDK its runtime carries.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const result = await build({
  entryPoints: [join(root, 'lambda', 'index.ts')],
  outfile: join(root, 'lambda-dist', 'session-handler', 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // Prefer the SDK's ES modules so that unused commands and serializers are tree-shaken away.
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`bundled lambda/index.ts -> lambda-dist/session-handler/index.js (${(bytes / 1024).toFixed(0)} KiB)`);
