/**
 * The embedded default: one SQLite file through better-sqlite3, behind Kysely's SQLite dialect. better-sqlite3 is
 * synchronous; Kysely serialises queries on its one connection (a transaction holds it until commit), so an async
 * caller sees the same atomicity as before. Statements are prepared once per SQL text and reused: Kysely asks for a
 * prepare on every query, and preparing costs more than running most of ours.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { Migration } from '../migrations/migration.js';
import type { Schema } from './schema.js';

export type SqliteHandle = Database.Database;

/** Distinct SQL texts kept prepared; the product has a few hundred, so this bound only guards against a runaway. */
const STATEMENT_CACHE = 2000;

export function openSqliteFile(path: string): SqliteHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable against application crashes under WAL; only a power cut can lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    db.close(); // not a database (SQLite reads the header only now), or no permission to write beside it
    throw e;
  }
  return db;
}

export function sqliteKysely(handle: SqliteHandle): Kysely<Schema> {
  const statements = new Map<string, Database.Statement>();
  const database = {
    close: () => {
      statements.clear();
      handle.close();
    },
    prepare: (text: string) => {
      let s = statements.get(text);
      if (s === undefined) {
        s = handle.prepare(text);
        if (statements.size >= STATEMENT_CACHE) statements.clear();
        statements.set(text, s);
      }
      return s;
    },
  };
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database }) });
}

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
