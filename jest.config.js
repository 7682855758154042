/**
 * Jest, two tiers:
 * - `unit` (test/unit): pure code and in-process fakes of nothing of ours, no database, no Redis,
 *   no network; `npm run test:unit` runs it alone in seconds.
 * - `integration` (every other test file): the global setup starts one embedded PostgreSQL and one
 *   redis-server for the run (test/support/global-setup.ts); each file starts the real services.
 * TypeScript goes through @swc/jest (ts-jest does not support TypeScript 7; `npm run typecheck` is
 * the type check). jose and cockatiel ship ESM only, so they are transformed too.
 */
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(jose|cockatiel)/)'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/test/unit'], testMatch: ['**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60_000,
  slowTestThreshold: 30,
  // Client libraries (Prisma's pool, ioredis reconnect timers) can keep the loop alive for a few
  // seconds after the last suite; the global teardown stops the servers, so exit right away.
  forceExit: true,
};
