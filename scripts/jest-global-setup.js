/**
 * Every jest run tests the handler bundle built from lambda/ as it is now: the construct ships it as
 * its asset and the lifecycle suite runs it, so a bundle older than the sources would test old code.
 * esbuild takes under a second.
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = () => {
  execFileSync(process.execPath, [path.join(__dirname, 'bundle.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
};
