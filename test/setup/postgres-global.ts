/**
 * `npm run test:postgres`: before any test, PostgreSQL must answer (the run fails rather than skipping); after the
 * run, every schema this run created is dropped, including those of a test file that crashed before its cleanup.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const url = process.env.CHARGEPLAN_TEST_DATABASE_URL;
  if (!url) return undefined;
  const run = process.env.CHARGEPLAN_TEST_RUN ?? randomBytes(4).toString('hex');
  process.env.CHARGEPLAN_TEST_RUN = run;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (e) {
    throw new Error(`test:postgres: PostgreSQL is not reachable at CHARGEPLAN_TEST_DATABASE_URL=${url}: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  return async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query<{ nspname: string }>(
        'SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [`t_${run}_`],
      );
      for (const r of rows) await c.query(`DROP SCHEMA IF EXISTS "${r.nspname}" CASCADE`);
    } finally {
      await c.end();
    }
  };
}
