import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file closes and drops the databases it opened; `npm run test:postgres` checks the server first (issue 15).
    setupFiles: ['test/setup/storage.ts'],
    globalSetup: ['test/setup/postgres-global.ts'],
    environment: 'node',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Tests use real sockets and SQLite files; keep worker count modest on the 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
