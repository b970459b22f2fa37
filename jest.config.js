// TypeScript ESM tests with ESM-only dependencies (execa 9): ts-jest in ESM mode, run under
// node --experimental-vm-modules (see the "test" script). Imports keep their ".js" suffix,
// as NodeNext requires; the mapper strips it so Jest finds the .ts source.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  // Integration tests start real services; run files one at a time on a 2-core machine.
  maxWorkers: 1,
  testTimeout: 120000,
  verbose: true,
  // A client that a failed test left reconnecting (this machine answers connects to any address)
  // must not hold the run until CI's time limit: the failures are reported either way.
  forceExit: true,
};
