/**
 * PostgreSQL for a database that several processes share (issue 15, the foundation of issue 19): a `pg` pool behind
 * Kysely's PostgreSQL dialect. Sessions run in UTC with the configured schema first on the search path; the driver
 * hands instants back as the same UTC ISO text SQLite stores, and bigint counts as numbers, so repositories see one
 * shape of row on both databases.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Migration } from '../migrations/migration.js';
import type { Schema } from './schema.js';

export interface PostgresOptions {
  url: string;
  /** Tables live in this schema (created when missing); default `public`. */
  schema?: string | undefined;
  poolSize?: number | undefined;
  statementTimeoutMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  ssl?: { rejectUnauthorized?: boolean | undefined; caFile?: string | undefined } | undefined;
}

export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;

/** '2025-03-30 01:00:00.123456+00' (the session runs in UTC) -> '2025-03-30T01:00:00.123Z'. */
export function isoFromPg(text: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/.exec(text);
  if (!m) return text; // 'infinity' and friends: not written by us; pass through visibly
  const ms = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  if (!m[4] || (m[5] === '00' && (m[6] ?? '00') === '00' && (m[7] ?? '00') === '00')) return `${m[1]}T${m[2]}.${ms}Z`;
  return new Date(`${m[1]}T${m[2]}.${ms}${m[4]}${m[5]}:${m[6] ?? '00'}`).toISOString();
}

const parsers: Record<number, (v: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => Number(v),
  [TIMESTAMPTZ]: isoFromPg,
  [TIMESTAMP]: isoFromPg,
};

/** The URL without its password, for messages and the start-up line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DatabaseConfigError(`database.ssl.caFile: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

export function poolConfig(o: PostgresOptions): pg.PoolConfig {
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new DatabaseConfigError('database.url is not a URL: expected postgres://user:password@host:port/database');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new DatabaseConfigError(`database.url must start with postgres:// or postgresql://, got "${u.protocol}"`);
  }
  if (!u.pathname || u.pathname === '/') throw new DatabaseConfigError(`database.url names no database: ${redactUrl(o.url)}`);
  const schema = o.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new DatabaseConfigError(`database.schema must be a lower-case SQL identifier (letters, digits, _; at most 63; not pg_...), got "${schema}"`);
  }
  const ssl = o.ssl
    ? { rejectUnauthorized: o.ssl.rejectUnauthorized ?? true, ...(o.ssl.caFile ? { ca: readCa(o.ssl.caFile) } : {}) }
    : undefined;
  return {
    connectionString: o.url,
    max: o.poolSize ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    ...(o.statementTimeoutMs !== undefined ? { statement_timeout: o.statementTimeoutMs } : {}),
    ...(ssl ? { ssl } : {}),
    options: `-c search_path=${schema} -c timezone=UTC`,
    types: { getTypeParser: ((oid: number, format?: string) => parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser },
  };
}

/** Opens the pool and checks the server answers, naming the setting when it does not. */
export async function openPool(o: PostgresOptions, onConnectionError: (err: Error) => void = () => {}): Promise<pg.Pool> {
  const pool = new pg.Pool(poolConfig(o));
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor a checked-out one's (its session was terminated, its socket cut mid-transaction): pg emits that on the client
  // itself, and an 'error' with no listener ends the process. The query in flight rejects with it and the pool drops
  // the client when it is released; the listener reports it (start-up logs it) and nothing more.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  try {
    const client = await pool.connect();
    try {
      await ensureSchema(client, o.schema ?? 'public');
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw new DatabaseConfigError(`database.url: cannot open PostgreSQL at ${redactUrl(o.url)}: ${(e as Error).message}`);
  }
  return pool;
}

/** The advisory-lock namespace of migrations (sql/dialect.ts advisoryKeys uses another). */
const MIGRATION_LOCK = 16;

/**
 * Runs `work` in one transaction on `client` holding the schema's migration lock until it ends: nodes that start
 * together create the schema, the bookkeeping table and each migration one after the other (concurrent DDL on the
 * same names collides on PostgreSQL's catalog). `work` re-checks what it found missing before taking the lock. The
 * lock is the schema's own (by its name, which the session's search_path holds: it may not exist yet), so
 * deployments in other schemas of the database migrate at the same time.
 */
async function underMigrationLock(client: pg.PoolClient, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext(current_setting('search_path')))", [MIGRATION_LOCK]);
    await work();
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/**
 * Creates the schema when it is missing. Looked up first: CREATE SCHEMA IF NOT EXISTS asks for the CREATE privilege
 * on the database even when the schema exists, and an application role often lacks it.
 */
async function ensureSchema(client: pg.PoolClient, schema: string): Promise<void> {
  const exists = async () => (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount !== 0;
  if (await exists()) return;
  await underMigrationLock(client, async () => {
    if (!(await exists())) await client.query(`CREATE SCHEMA ${schema}`);
  });
}

export function postgresKysely(pool: pg.Pool): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Applies the migrations not yet applied, each in its own transaction under the advisory lock (a migration that
 * fails leaves nothing of itself behind; those before it stay applied). A database that is current takes no lock
 * and needs no privilege to create anything.
 */
export async function migratePostgres(pool: pg.Pool, migrations: readonly Migration[]): Promise<number[]> {
  const client = await pool.connect();
  const done: number[] = [];
  let failure: Error | undefined;
  try {
    const applied = async (): Promise<Set<number>> => {
      const table = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
      if (table.rows[0]?.t == null) return new Set();
      return new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    };
    const before = await applied();
    if (before.size === 0) {
      await underMigrationLock(client, async () => {
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version INTEGER PRIMARY KEY,
          name TEXT COLLATE "C" NOT NULL,
          applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )`);
      });
    }
    for (const m of migrations) {
      if (before.has(m.version)) continue;
      try {
        await underMigrationLock(client, async () => {
          // Another node may have applied it while this one waited for the lock.
          const seen = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
          if (seen.rowCount !== 0) return;
          await client.query(m.postgres);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          done.push(m.version);
        });
      } catch (e) {
        throw new Error(`migration ${m.version} (${m.name}) failed on PostgreSQL: ${(e as Error).message}`, { cause: e });
      }
    }
  } catch (e) {
    failure = e as Error;
    throw e;
  } finally {
    // A client whose session may be in doubt is closed, not handed to the next query.
    client.release(failure);
  }
  return done;
}
