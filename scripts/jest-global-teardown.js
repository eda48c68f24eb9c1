/** Removes the run's temporary directory (see jest-global-setup.js), with every cloud assembly in it. */
const fs = require('node:fs');

module.exports = () => {
  const dir = process.env.CDK_EMR_SESSION_TEST_TMPDIR;
  if (dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
