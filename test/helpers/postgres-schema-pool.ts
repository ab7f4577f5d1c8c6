/**
 * Migrated PostgreSQL schemas, reused within one test worker (`npm run test:postgres`).
 *
 * Creating a schema and running every migration costs ~0.3 s on a quiet machine and several seconds on a loaded one,
 * and dropping it ~0.07 s: measured on test/prices, half of the PostgreSQL suite's time went there. A test that asks
 * for a database gets, where it can, a schema an earlier test file of the same worker used: every table emptied with
 * TRUNCATE ... RESTART IDENTITY (ids start at 1 again, as in a new schema), `schema_migrations` kept.
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
 * Empties the schema and keeps it for the next test when its shape is pristine; drops it otherwise. Called after
 * every connection to it is closed; a lock still held elsewhere (a killed node process's backend not yet gone)
 * makes it fall back to the drop.
 */
export async function giveBackSchema(url: string, schema: string): Promise<void> {
  await withClient(url, async (c) => {
    if (pool.ready.length < MAX_READY && (await pristineShape(c, schema).catch(() => false))) {
      try {
        await c.query("SET lock_timeout = '2s'");
        const { rows } = await c.query<{ tablename: string }>(
          "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'", [schema],
        );
        if (rows.length > 0) await c.query(`TRUNCATE ${rows.map((r) => `${schema}."${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
        pool.ready.push(schema);
        return;
      } catch {
        await c.query('RESET lock_timeout');
      }
    }
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}
