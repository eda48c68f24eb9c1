/**
 * Two jest projects. `unit` is the inner loop (`npm run test:unit`, seconds): the handler with a
 * mocked SDK, the construct, validation, the contract, the emulator, the example app. `gates` are
 * the slower checks CI runs once each: the jsii assembly and API.md, cdk-nag and cfn-lint, scale,
 * the lifecycle against the emulator, the integ snapshot, examples/client.py and deploy:local.
 * `npm test` runs both. A new test file is a unit test unless it matches a gate here, so none can
 * fall between the two.
 */
const GATES = [
  '/test/api-reference\\.test\\.ts$',
  '/test/compliance\\.test\\.ts$',
  '/test/scale\\.test\\.ts$',
  '/test/lifecycle/.*\\.test\\.ts$',
  '/test/integ/.*\\.test\\.ts$',
  '/test/client-example\\.test\\.ts$',
  '/test/deploy-local\\.test\\.ts$',
  '/test/histories/.*\\.test\\.ts$',
];

const common = {
  testEnvironment: 'node',
  // Stryker's sandboxes copy the tests: never run those copies.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  // 'ts' first: jsii compiles lib/*.js in place, and jest must never run that stale output.
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/setup-env.js'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
  globalTeardown: '<rootDir>/scripts/jest-global-teardown.js',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testRegex: '/test/.*\\.test\\.ts$',
      testPathIgnorePatterns: ['/node_modules/', '/.stryker-tmp/', ...GATES],
    },
    { ...common, displayName: 'gates', testRegex: GATES, testPathIgnorePatterns: ['/node_modules/', '/.stryker-tmp/'] },
  ],
};
