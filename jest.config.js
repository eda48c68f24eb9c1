/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // 'ts' first: jsii compiles lib/*.js in place, and jest must never run that stale output.
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 60000,
};
