/**
 * Migrated PostgreSQL schemas, reused within one test worker (`npm run test:postgres`).
 *
 * Creating a schema and running every migration costs ~0.3 s on a quiet machine and several seconds on a loaded one,
 * and dropping it ~0.07 s: measured on test/prices, half of the PostgreSQL suite's time went there. A test that asks
 * for a database gets, where it can, a schema an earlier test file of the same worker used: every table emptied (see
 * empty(): sequences back to their start, so ids start at 1 again, as in a new schema), `schema_migrations` kept.
 *
 * A schema goes back into the pool only when it is exactly what the migrations build: all of their versions
 * recorded, and the same columns, defaults and indexes as the reference schema this worker migrated itself first
 * (a fingerprint of the catalogue). A test that altered its schema, or opened it with fewer migrations, has its
 * schema dropped as before. Migrations seed no rows (checked: no INSERT in src/storage/migrations), so an emptied
 * schema equals a fresh one. The pool lives on `globalThis`: vitest re-evaluates this module for every test file,
 * while the worker process (and so the pool) stays; the run's global teardown drops whatever is left.
 */
import pg from 'pg';
import { openStorage } from '../../src/storage/database.js';
import { migrations } from '../../src/storage/migrations/index.js';

interface Pool {
  /** Emptied, fully migrated schemas ready to hand out. */
  ready: string[];
  /** The catalogue fingerprint of a schema the migrations built, or null until the first one is made. */
  reference: string | null;
}

/** At most this many emptied schemas wait per worker; more are dropped. */
const MAX_READY = 24;
const KEY = Symbol.for('chargeplan.test.postgres-schema-pool');
const pool: Pool = ((globalThis as Record<symbol, Pool | undefined>)[KEY] ??= { ready: [], reference: null });
const versions = migrations.map((m) => m.version);

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Columns (with types and defaults) and index definitions, with the schema's own name taken out. */
async function fingerprint(c: pg.Client, schema: string): Promise<string> {
  const { rows } = await c.query<{ f: string | null }>(
    `SELECT md5(
       coalesce((SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, ''), ',' ORDER BY table_name, ordinal_position)
                 FROM information_schema.columns WHERE table_schema = $1), '')
       || '|' ||
       coalesce((SELECT string_agg(replace(indexdef, $1 || '.', ''), ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = $1), '')
     ) AS f`,
    [schema],
  );
  return rows[0]?.f ?? '';
}

/** Whether the schema holds exactly what the migrations build (their versions and the reference catalogue). */
async function pristineShape(c: pg.Client, schema: string): Promise<boolean> {
  const table = await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${schema}.schema_migrations`]);
  if (!table.rows[0]?.t) return false;
  const applied = new Set((await c.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`)).rows.map((r) => Number(r.version)));
  if (applied.size !== versions.length || versions.some((v) => !applied.has(v))) return false;
  return pool.reference !== null && (await fingerprint(c, schema)) === pool.reference;
}

/**
 * A fully migrated, empty schema from the pool, or null when none waits. The first call of a worker migrates one
 * schema itself to learn the reference catalogue (`create` makes the empty schema).
 */
export async function takeMigratedSchema(url: string, create: () => Promise<string>): Promise<string | null> {
  if (pool.reference === null) {
    const schema = await create();
    const storage = await openStorage({ url, schema, poolSize: 1 });
    await storage.close();
    pool.reference = await withClient(url, (c) => fingerprint(c, schema));
    return schema;
  }
  return pool.ready.pop() ?? null;
}

/**
 * Ends the sessions that still hold a lock on one of the schema's tables: every connection the test file opened is
 * closed by now, so these are left behind (a killed node process's backend not yet gone, a query the test did not
 * wait for). Without this the emptying or DROP below would wait for them until the hook's timeout.
 */
async function endLeftovers(c: pg.Client, schema: string): Promise<void> {
  await c.query(
    `SELECT pg_terminate_backend(pid) FROM (
       SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class k ON k.oid = l.relation JOIN pg_namespace n ON n.oid = k.relnamespace
        WHERE n.nspname = $1 AND l.pid <> pg_backend_pid()) s`,
    [schema],
  );
}

/**
 * Empties the schema's tables in one transaction: only those that hold rows (a test touches a handful of the ~50),
 * with DELETE under `session_replication_role = replica` (no foreign-key triggers, so any order), and every sequence
 * back to its start, as TRUNCATE ... RESTART IDENTITY would. TRUNCATE of every table cost ~150 ms a schema here
 * (a new file per table and index) and several times that on a loaded machine: a file of 40 tests spent longer than
 * the 20 s hook timeout giving its schemas back (CI, stop 28: auth.test.ts and security-findings.test.ts). Where
 * the role may not set the replication role (not a superuser), TRUNCATE of the tables with rows, CASCADE.
 */
async function empty(c: pg.Client, schema: string): Promise<void> {
  const { rows: tables } = await c.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations' ORDER BY tablename", [schema],
  );
  const names = tables.map((r) => `${schema}."${r.tablename}"`);
  const filled = names.length === 0 ? [] : (await c.query<{ t: string }>(
    names.map((n, i) => `(SELECT ${i}::int AS t WHERE EXISTS (SELECT 1 FROM ${n}))`).join(' UNION ALL '),
  )).rows.map((r) => names[Number(r.t)]!);
  await c.query('BEGIN');
  try {
    if (filled.length > 0) {
      const superuser = (await c.query<{ s: string }>("SELECT current_setting('is_superuser') AS s")).rows[0]?.s === 'on';
      if (superuser) {
        await c.query('SET LOCAL session_replication_role = replica');
        for (const n of filled) await c.query(`DELETE FROM ${n}`);
      } else {
        await c.query(`TRUNCATE ${filled.join(', ')} CASCADE`);
      }
    }
    await c.query(
      `SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s
         JOIN pg_class k ON k.oid = s.seqrelid JOIN pg_namespace n ON n.oid = k.relnamespace WHERE n.nspname = $1`,
      [schema],
    );
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  }
}

/**
 * Empties the schema and keeps it for the next test when its shape is pristine; drops it otherwise. Called after
 * every connection to it is closed; a lock still held elsewhere ends its session first (endLeftovers), and should a
 * lock still be in the way, the emptying falls back to the drop, which fails after 10 s naming the schema rather
 * than hanging.
 */
export async function giveBackSchema(url: string, schema: string): Promise<void> {
  await withClient(url, async (c) => {
    await endLeftovers(c, schema);
    if (pool.ready.length < MAX_READY && (await pristineShape(c, schema).catch(() => false))) {
      try {
        await c.query("SET lock_timeout = '2s'");
        await empty(c, schema);
        pool.ready.push(schema);
        return;
      } catch {
        await endLeftovers(c, schema);
      }
    }
    try {
      await c.query("SET lock_timeout = '10s'");
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } catch (e) {
      throw new Error(`test database: could not drop schema ${schema}: ${(e as Error).message}`, { cause: e });
    }
  });
}
