/**
 * The few places where SQLite and PostgreSQL differ, named once (issue 15). Repositories build every query with the
 * query builder and reach for these helpers only where the two dialects disagree: instant comparisons (SQLite keeps
 * UTC text and compares through julianday, PostgreSQL a timestamptz), two-argument MIN/MAX, JSON arrays, "now".
 */
import { performance } from 'node:perf_hooks';
import { sql, PostgresAdapter, type Expression, type Kysely, type RawBuilder } from 'kysely';
import type { Schema } from './schema.js';

/** A database or an open transaction: every repository takes either (a transaction is a Kysely too). */
export type Db = Kysely<Schema>;
export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Db): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * An instant (a column or a bound ISO string) in a form that compares and orders as time on both databases:
 * julianday(x) in SQLite (text with or without milliseconds or offsets compares correctly), x::timestamptz in
 * PostgreSQL.
 */
export function instant(db: Db, value: Expression<unknown> | string): RawBuilder<number> {
  const v = typeof value === 'string' ? sql`${value}` : value;
  return dialectOf(db) === 'postgres' ? sql<number>`(${v})::timestamptz` : sql<number>`julianday(${v})`;
}

/** The smaller/larger of two values (SQLite's scalar MIN/MAX, PostgreSQL's LEAST/GREATEST; NULLs as each dialect treats them). */
export function least<T>(db: Db, a: Expression<T> | RawBuilder<T>, b: Expression<T> | RawBuilder<T>): RawBuilder<T> {
  return dialectOf(db) === 'postgres' ? sql<T>`least(${a}, ${b})` : sql<T>`min(${a}, ${b})`;
}
export function greatest<T>(db: Db, a: Expression<T> | RawBuilder<T>, b: Expression<T> | RawBuilder<T>): RawBuilder<T> {
  return dialectOf(db) === 'postgres' ? sql<T>`greatest(${a}, ${b})` : sql<T>`max(${a}, ${b})`;
}

/**
 * The elements of a JSON array of strings bound as one parameter, as a one-column table `value` to join or IN
 * against (SQLite's json_each, PostgreSQL's jsonb_array_elements_text). Binds one parameter however long the list.
 */
export function jsonStrings(db: Db, values: readonly string[]): RawBuilder<{ value: string }> {
  const json = JSON.stringify(values);
  return dialectOf(db) === 'postgres'
    ? sql<{ value: string }>`(SELECT value FROM jsonb_array_elements_text(${json}::jsonb) AS j(value))`
    : sql<{ value: string }>`(SELECT value FROM json_each(${json}))`;
}

/**
 * Pairs of strings bound as one JSON parameter, as a two-column table (a, b) to join against a two-column key: a bulk
 * read of (station, transaction) pairs then looks each pair up in the index, where two IN lists would look up every
 * station with every transaction (500 x 1,000 probes for a site of 1,000 sessions). SQLite's json_each with
 * json_extract, PostgreSQL's jsonb_array_elements.
 */
export function jsonPairs(db: Db, pairs: readonly (readonly [string, string])[]): RawBuilder<{ a: string; b: string }> {
  const json = JSON.stringify(pairs);
  return dialectOf(db) === 'postgres'
    ? sql<{ a: string; b: string }>`(SELECT e.v->>0 AS a, e.v->>1 AS b FROM jsonb_array_elements(${json}::jsonb) AS e(v))`
    : sql<{ a: string; b: string }>`(SELECT json_extract(value, '$[0]') AS a, json_extract(value, '$[1]') AS b FROM json_each(${json}))`;
}

/** The current instant as the database sees it, as UTC ISO text (defaults and audit columns only; the app's clock is the clock). */
export function nowText(db: Db): RawBuilder<string> {
  return dialectOf(db) === 'postgres' ? sql<string>`now()` : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ','now')`;
}

/** A count(*) as a number on both dialects (PostgreSQL's bigint arrives as a number through the driver's parser). */
export function countAll(): RawBuilder<number> {
  return sql<number>`count(*)`;
}

/**
 * Runs `work` in one transaction: a new one on a database, or the caller's when `db` already is a transaction
 * (Kysely cannot nest them), so a repository built on a caller's transaction joins it instead of failing.
 */
export function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  const observe = writeObserver(db);
  if (!observe) return db.transaction().execute(work);
  const t0 = performance.now();
  return db.transaction().execute(work).finally(() => observe(dialectOf(db), (performance.now() - t0) / 1000));
}

/** How long a write transaction took, from its BEGIN to its COMMIT or ROLLBACK (issue 17's /metrics). */
export type WriteObserver = (dialect: DialectName, seconds: number) => void;
/** Per database (its adapter, which its transactions share): at most one observer, set by observeWrites. */
const writeObservers = new WeakMap<object, WriteObserver>();

/**
 * Reports every write transaction on `db` that opens its own (inTransaction; on SQLite also runNow's synchronous
 * ones) to `fn`; a transaction joined by a caller's is the caller's. Returns the call that stops it.
 */
export function observeWrites(db: Db, fn: WriteObserver): () => void {
  const key = db.getExecutor().adapter;
  writeObservers.set(key, fn);
  return () => { if (writeObservers.get(key) === fn) writeObservers.delete(key); };
}

export function writeObserver(db: Db): WriteObserver | undefined {
  return writeObservers.get(db.getExecutor().adapter);
}

/** Our namespace among PostgreSQL's two-key advisory locks (apart from the migration lock's, sql/postgres.ts). */
const LOCK_NAMESPACE = 15;

/**
 * The two keys of `key`'s advisory lock: our namespace, and a hash of the schema the session works in with the key.
 * Advisory locks belong to the whole database, not to a schema: two deployments in two schemas of one database (or
 * two test files on one PostgreSQL) would otherwise wait for each other's price zones, sites and stations.
 */
export function advisoryKeys(key: string): RawBuilder<unknown> {
  return sql`${sql.lit(LOCK_NAMESPACE)}, hashtext(current_schema() || ':' || ${key})`;
}

/**
 * Holds `key` (a price zone, a station's profile ids) until the transaction `trx` ends, so that two transactions
 * reading and then writing under one key run one after the other: pg_advisory_xact_lock on `advisoryKeys(key)` on
 * PostgreSQL (a hash collision only makes two keys wait for each other); nothing on SQLite, where every transaction
 * already runs alone on the one connection. Call it first inside the transaction.
 */
export async function lockKey(trx: Db, key: string): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  await sql`SELECT pg_advisory_xact_lock(${advisoryKeys(key)})`.execute(trx);
}
