/**
 * The tests mutation testing runs: the unit tests of the handler and of the synth-time validation
 * (the mutated files). The gates are left out: a mutant has to be killed by a fast test.
 */
module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/test/lambda/**/*.test.ts', '<rootDir>/test/validate-props.test.ts', '<rootDir>/test/handle.test.ts'],
};
