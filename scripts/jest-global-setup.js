/**
 * Every jest run tests the handler bundle built from lambda/ as it is now: the construct ships it as
 * its asset and the lifecycle suite runs it, so a bundle older than the sources would test old code.
 * esbuild takes under a second.
 *
 * Every `app.synth()` without an outdir writes a cloud assembly to a new directory under the OS's
 * temporary directory, and leaves it there: the run gets a temporary directory of its own (TMPDIR,
 * which the test workers inherit), and the teardown removes it, so a run leaves nothing behind.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = () => {
  execFileSync(process.execPath, [path.join(__dirname, 'bundle.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.CDK_EMR_SESSION_TEST_TMPDIR = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-emr-session-tests-'));
  process.env.TMPDIR = process.env.CDK_EMR_SESSION_TEST_TMPDIR;
};
