/**
 * The embedded default: one SQLite file through better-sqlite3, behind Kysely's SQLite dialect. better-sqlite3 is
 * synchronous; Kysely serialises queries on its one connection (a transaction holds it until commit), so an async
 * caller sees the same atomicity as before. Statements are prepared once per SQL text and reused: Kysely asks for a
 * prepare on every query, and preparing costs more than running most of ours.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kysely, SqliteDialect, type QueryResult } from 'kysely';
import type { Migration } from '../migrations/migration.js';
import type { Schema } from './schema.js';
import { writeObserver } from './dialect.js';

export type SqliteHandle = Database.Database;

/** Distinct SQL texts kept prepared; the product has a few hundred, so this bound only guards against a runaway. */
const STATEMENT_CACHE = 2000;

/**
 * WAL checkpoints (issue 15). SQLite's default checkpoints in the commit that takes the WAL past 1,000 pages: at
 * 1,000 stations (a TransactionEvent, the message log and the EVSE state log: several thousand WAL pages a second)
 * that was a checkpoint every quarter second inside some station's commit, each copying the hot pages (the
 * transactions' rows, the indexes) to the database file again and syncing it. A PASSIVE checkpoint every
 * CHECKPOINT_MS instead copies each page changed in that second once, and no commit pays for it; the commit that
 * crosses WAL_AUTOCHECKPOINT_PAGES (~40 MB) still checkpoints, should the timer fall behind. Durability is as
 * before: a commit is in the WAL (synchronous = NORMAL), which a checkpoint only copies.
 */
export const CHECKPOINT_MS = 1000;
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

export function openSqliteFile(path: string): SqliteHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable against application crashes under WAL; only a power cut can lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Checkpoints run on a timer (sqliteKysely); the commit that crosses this many WAL pages checkpoints only when
    // the timer falls behind (see WAL_AUTOCHECKPOINT_PAGES).
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  } catch (e) {
    db.close(); // not a database (SQLite reads the header only now), or no permission to write beside it
    throw e;
  }
  return db;
}

/**
 * A prepared statement whose rows are read as arrays and made into objects by a function built once for its
 * columns (an object literal of them). better-sqlite3's own row objects cost twice as much: a TransactionEvent's
 * locked transaction row, a Heartbeat's station and a planning cycle's transactions are 10-25 columns each, and
 * making them was most of what those reads cost (10 transactions of 25 columns: 85 µs as objects, 37 µs this way).
 * The rows are the same objects: the same keys in the same order, a later duplicate name winning.
 */
export class RowStatement {
  readonly reader: boolean;
  private make: ((values: unknown[]) => unknown) | null = null;
  private width = 0;

  constructor(private readonly stmt: Database.Statement) {
    this.reader = stmt.reader;
    if (this.reader) this.build();
  }

  all(...parameters: unknown[]): unknown[] {
    if (this.make === null) return this.stmt.all(...parameters);
    const rows = this.stmt.all(...parameters) as unknown[][];
    // A schema change prepares the statement again inside SQLite, possibly with other columns.
    if (rows.length > 0 && rows[0]!.length !== this.width) this.build();
    const make = this.make;
    const out = rows as unknown[];
    for (let i = 0; i < rows.length; i++) out[i] = make(rows[i]!);
    return out;
  }

  run(...parameters: unknown[]): Database.RunResult {
    return this.stmt.run(...parameters);
  }

  *iterate(...parameters: unknown[]): IterableIterator<unknown> {
    for (const row of this.stmt.iterate(...parameters)) yield this.make === null ? row : this.make(row as unknown[]);
  }

  private build(): void {
    const names = this.stmt.raw(false).columns().map((c) => c.name);
    // An object literal's __proto__ would set the prototype: such a statement keeps the driver's objects.
    if (names.includes('__proto__')) {
      this.make = null;
      return;
    }
    // Source built from the statement's own column names, each quoted by JSON.stringify.
    this.make = new Function('v', `return { ${names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ')} };`) as (values: unknown[]) => unknown;
    this.width = names.length;
    this.stmt.raw(true);
  }
}

export function sqliteKysely(handle: SqliteHandle): Kysely<Schema> {
  const statements = new Map<string, RowStatement>();
  const timer = handle.memory ? undefined : setInterval(() => checkpointWal(handle), CHECKPOINT_MS);
  timer?.unref();
  const database = {
    close: () => {
      clearInterval(timer);
      statements.clear();
      handle.close();
    },
    prepare: (text: string) => {
      let s = statements.get(text);
      if (s === undefined) {
        s = new RowStatement(handle.prepare(text));
        if (statements.size >= STATEMENT_CACHE) statements.clear();
        statements.set(text, s);
      }
      return s;
    },
  };
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database }) });
  // Kysely's transactions share their database's adapter: the key finds the handle from either.
  direct.set(db.getExecutor().adapter, { handle, prepare: database.prepare, transaction: handle.transaction((work: () => unknown) => work()) });
  return db;
}

/**
 * One PASSIVE checkpoint of the WAL (the timer's, CHECKPOINT_MS): copies what no reader still needs, never waits for
 * a reader or writer. Skipped while a transaction is open on the connection (an asynchronous one between two of its
 * statements), and returns false then; a checkpoint that fails (another process holds the file) is left to the
 * next tick or the auto-checkpoint: nothing committed depends on it.
 */
export function checkpointWal(handle: SqliteHandle): boolean {
  if (!handle.open || handle.inTransaction) return false;
  try {
    handle.pragma('wal_checkpoint(PASSIVE)');
    return true;
  } catch {
    return false;
  }
}

interface Direct {
  handle: SqliteHandle;
  prepare(text: string): RowStatement;
  /** better-sqlite3's BEGIN ... COMMIT (ROLLBACK on a throw) around a synchronous function, made once per handle. */
  transaction(work: () => unknown): unknown;
}
const direct = new WeakMap<object, Direct>();

/**
 * Runs a compiled statement on the SQLite handle at once, without Kysely's executor (prepared.ts), or returns
 * undefined when it must take the executor's way. Safe where the executor would run it the same way: inside the
 * caller's own transaction (which holds the one connection), or outside any transaction when none is open on the
 * connection (better-sqlite3's `inTransaction`); a statement outside a transaction while another one's transaction
 * is open waits its turn through the executor, as it must, or it would join that transaction. A prepared TransactionEvent
 * or Heartbeat then costs what the synchronous store cost (issue 15: at most 10 % more on bench:ocpp), where
 * Kysely's executor (connection mutex, several promise hops per query) added about a sixth.
 */
export function runDirect(db: Kysely<Schema>, sql: string, parameters: readonly unknown[]): QueryResult<unknown> | undefined {
  const d = direct.get(db.getExecutor().adapter);
  if (d === undefined || (!db.isTransaction && d.handle.inTransaction)) return undefined;
  return runStatement(d, sql, parameters);
}

function runStatement(d: Direct, sql: string, parameters: readonly unknown[]): QueryResult<unknown> {
  const stmt = d.prepare(sql);
  if (stmt.reader) return { rows: stmt.all(...parameters) };
  const { changes, lastInsertRowid } = stmt.run(...parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** Runs a compiled statement on the handle at once: only inside work that runNow (below) admitted. */
export function runOnHandle(db: Kysely<Schema>, sql: string, parameters: readonly unknown[]): QueryResult<unknown> {
  const d = direct.get(db.getExecutor().adapter);
  if (d === undefined) throw new Error('runOnHandle: not a SQLite database of this product');
  return runStatement(d, sql, parameters);
}

/**
 * Runs `work`, a synchronous sequence of statements (prepared.ts's runStepsNow), as one transaction on the SQLite
 * handle, or returns undefined when it must take the asynchronous way. Admitted where runDirect runs single
 * statements: inside the caller's own transaction (which holds the one connection: `work` joins it), or when no
 * transaction is open on the connection, and then in a BEGIN ... COMMIT of its own. Nothing else can run in between:
 * `work` never yields to the event loop, so no other query, through Kysely or not, can join or interleave with it.
 * A TransactionEvent then pays neither Kysely's transaction (connection mutex, begin and commit through the executor)
 * nor a promise per statement.
 */
export function runNow<T>(db: Kysely<Schema>, work: () => T): { value: T } | undefined {
  const d = direct.get(db.getExecutor().adapter);
  if (d === undefined) return undefined;
  if (db.isTransaction) return { value: work() };
  if (d.handle.inTransaction) return undefined;
  const observe = writeObserver(db);
  if (!observe) return { value: d.transaction(work) as T };
  const t0 = performance.now();
  try {
    return { value: d.transaction(work) as T };
  } finally {
    observe('sqlite', (performance.now() - t0) / 1000);
  }
}

/**
 * Runs `works` as one transaction on the SQLite handle (group commit), each in a savepoint of its own, so that a work
 * that throws is undone alone and the others commit; returns each one's value or error. Admitted as runNow admits a
 * transaction of its own (never inside a caller's transaction, none open on the connection), else undefined and
 * nothing ran. One commit for many works costs far less than one each: a commit writes every page the transaction
 * touched to the WAL, and works of one event-loop turn touch mostly the same pages. Throws when the transaction as a
 * whole failed (its COMMIT, or an error after which SQLite rolled the whole transaction back): then nothing of it is
 * stored, whatever the outcomes said, and the caller runs the works again one by one.
 */
export function runEachNow<T>(db: Kysely<Schema>, works: readonly (() => T)[]): Outcome<T>[] | undefined {
  const d = direct.get(db.getExecutor().adapter);
  if (d === undefined || db.isTransaction || d.handle.inTransaction) return undefined;
  const all = () => {
    const out = new Array<Outcome<T>>(works.length);
    for (let i = 0; i < works.length; i++) {
      try {
        out[i] = { value: d.transaction(works[i]!) as T };
      } catch (error) {
        // The savepoint was rolled back; if SQLite rolled back the whole transaction instead, so does the group.
        if (!d.handle.inTransaction) throw new Error('a grouped transaction was rolled back as a whole', { cause: error });
        out[i] = { error };
      }
    }
    return out;
  };
  const observe = writeObserver(db);
  if (!observe) return d.transaction(all) as Outcome<T>[];
  const t0 = performance.now();
  try {
    return d.transaction(all) as Outcome<T>[];
  } finally {
    observe('sqlite', (performance.now() - t0) / 1000);
  }
}

/** What one work of a group came to (runEachNow). */
export type Outcome<T> = { value: T; error?: undefined } | { error: unknown; value?: undefined };

/** Applies the migrations not yet applied, each with its bookkeeping row in one transaction. Returns the versions applied. */
export function migrateSqlite(db: SqliteHandle, migrations: readonly Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  )`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const done: number[] = [];
  const seen = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE takes the write lock first, and the re-check under it lets a second process opening the same file
    // at the same time (the CLI next to the server) skip what the first one applied.
    let ran: boolean;
    try {
      ran = db.transaction(() => {
        if (seen.get(m.version) !== undefined) return false;
        db.exec(m.sqlite);
        db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(m.version, m.name);
        return true;
      }).immediate();
    } catch (e) {
      throw new Error(`migration ${m.version} (${m.name}) failed on SQLite: ${(e as Error).message}`, { cause: e });
    }
    if (ran) done.push(m.version);
  }
  return done;
}
