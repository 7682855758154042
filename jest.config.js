/**
 * Jest: TypeScript through @swc/jest (ts-jest does not support TypeScript 7; `npm run typecheck` is
 * the type check). jose ships ESM only, so it is transformed too. The global setup starts an
 * embedded PostgreSQL and a redis-server for the whole run (test/support/global-setup.ts).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  slowTestThreshold: 30,
  // Client libraries (Prisma's pool, ioredis reconnect timers) can keep the loop alive for a few
  // seconds after the last suite; the global teardown stops the servers, so exit right away.
  forceExit: true,
};
