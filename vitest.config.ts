import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const include = ['test/**/*.test.ts'];

/**
 * Test files that replace a module (vi.mock / vi.doMock) run in a fresh worker each. Every other file shares its
 * worker's imported packages (fastify, kysely, pg, ajv, ...) with the files before it: vitest still evaluates the
 * project's own modules (src/, test/) anew for every file, but importing the packages again per file cost ~20% of a
 * run (the `import` and `setup` phases of the summary). A mocked package stays mocked in a shared worker, hence the
 * split; found by reading the files, so a new test that mocks is isolated without anyone listing it.
 */
function filesThatMock(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesThatMock(path));
    else if (entry.name.endsWith('.test.ts') && /\bvi\s*\.\s*(do)?[mM]ock\s*\(/.test(readFileSync(path, 'utf8'))) out.push(path);
  }
  return out;
}
const mocking = filesThatMock('test').map((p) => p.split('\\').join('/'));
/**
 * CHARGEPLAN_TEST_SKIP_BROWSER=1 leaves test/browser out (CI's run on the Node LTS: the page scripts run in Chromium
 * whatever the server's Node is). The command line's --exclude does not reach the projects below, hence a variable.
 */
const skipped = [
  ...(process.env.CHARGEPLAN_TEST_SKIP_BROWSER ? ['test/browser/**'] : []),
  // On PostgreSQL (`npm run test:postgres`) the solver's tests are left out: solver/ imports nothing of src/ (depcheck
  // holds it to that), so they open no database and a second run of them repeats the SQLite run bit for bit.
  ...(process.env.CHARGEPLAN_TEST_DATABASE_URL ? ['test/solver/**'] : []),
];

export default defineConfig({
  test: {
    // Each file closes and drops the databases it opened; `npm run test:postgres` checks the server first (issue 15).
    setupFiles: ['test/setup/storage.ts'],
    globalSetup: ['test/setup/postgres-global.ts'],
    environment: 'node',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Tests use real sockets and SQLite files; keep worker count modest on the 2-core CI machine.
    // CHARGEPLAN_TEST_WORKERS overrides it: the PostgreSQL run waits on the server more than it computes.
    pool: 'forks',
    maxWorkers: Number(process.env.CHARGEPLAN_TEST_WORKERS) || 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The root names no `include`: a project that extends the root would add it to its own (arrays are merged).
    projects: [
      { extends: true, test: { name: 'shared', include, exclude: [...mocking, ...skipped], isolate: false } },
      { extends: true, test: { name: 'mocking', include: mocking.length > 0 ? mocking : ['test/no-such-file'], exclude: skipped, isolate: true } },
    ],
  },
});
