/**
 * Every test file: close and drop the databases it opened (test/helpers/test-database.ts). Under PostgreSQL a failed
 * test (a timeout above all) also prints which sessions wait on a lock or sit idle in a transaction, and who blocks them.
 */
import { afterAll, beforeEach } from 'vitest';
import { dropTestDatabases, postgresUrl } from '../helpers/test-database.js';
import { describeSessions, stuckSessions } from '../helpers/postgres-waits.js';

beforeEach((ctx) => {
  const url = postgresUrl;
  if (!url) return;
  ctx.onTestFailed(async () => {
    console.error(describeSessions(await stuckSessions(url).catch(() => [])));
  });
});

// Longer than the 20 s of other hooks: a file of many tests gives back one schema per test here (~40 ms each on a
// quiet machine, several times that under CI's load).
afterAll(async () => {
  await dropTestDatabases();
}, 120_000);
