/**
 * Opens the product's storage on either database (issue 15): `database.path` keeps the embedded SQLite file (the
 * default), `database.url: postgres://...` selects PostgreSQL. Both apply the numbered migrations before anything
 * reads, and both hand back one query builder that every repository takes.
 */
import { migrations as allMigrations, type Migration } from './migrations/index.js';
import type { Db, DialectName } from './sql/dialect.js';
import { migrateSqlite, openSqliteFile, sqliteKysely, type SqliteHandle } from './sql/sqlite.js';
import { DatabaseConfigError, migratePostgres, openPool, postgresKysely, redactUrl, type PostgresOptions } from './sql/postgres.js';

export type { Db, DialectName } from './sql/dialect.js';
export { dialectOf } from './sql/dialect.js';
export { DatabaseConfigError } from './sql/postgres.js';

/** config `database`: exactly what the product needs to open its storage. */
export interface DatabaseOptions {
  /** SQLite file (":memory:" for none); used when no url is given. */
  path?: string | undefined;
  /** postgres://user:password@host:port/database selects PostgreSQL. */
  url?: string | undefined;
  schema?: string | undefined;
  poolSize?: number | undefined;
  statementTimeoutMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  ssl?: PostgresOptions['ssl'];
}

export interface Storage {
  db: Db;
  dialect: DialectName;
  /** "SQLite /var/lib/chargeplan/db.sqlite" or "PostgreSQL postgres://app:***@db:5432/chargeplan (schema public)". */
  description: string;
  /** Migration versions this open applied (empty when the database was current). */
  migrated: number[];
  /** The SQLite handle, for the few SQLite-only maintenance calls (VACUUM, backup); null on PostgreSQL. */
  sqlite: SqliteHandle | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Migrations to apply; defaults to the project's full list. */
  migrations?: readonly Migration[];
  /** PostgreSQL: told when the server drops a connection the product holds (the query on it fails with the error too). */
  onConnectionError?: (err: Error) => void;
}

export async function openStorage(o: DatabaseOptions, options: OpenOptions = {}): Promise<Storage> {
  const migrations = options.migrations ?? allMigrations;
  checkOrder(migrations);
  if (o.url !== undefined) {
    const pool = await openPool({ ...o, url: o.url }, options.onConnectionError);
    let migrated: number[];
    try {
      migrated = await migratePostgres(pool, migrations);
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
    const db = postgresKysely(pool);
    return {
      db,
      dialect: 'postgres',
      description: `PostgreSQL ${redactUrl(o.url)} (schema ${o.schema ?? 'public'})`,
      migrated,
      sqlite: null,
      close: () => db.destroy(),
    };
  }
  if (o.path === undefined) throw new DatabaseConfigError('database: set path (an SQLite file) or url (postgres://...)');
  let handle: SqliteHandle;
  try {
    handle = openSqliteFile(o.path);
  } catch (e) {
    // A directory that cannot be made, a file that is not an SQLite database, no permission: name the setting.
    throw new DatabaseConfigError(`database.path: cannot open the SQLite database ${o.path}: ${(e as Error).message}`, { cause: e });
  }
  let migrated: number[];
  try {
    migrated = migrateSqlite(handle, migrations);
  } catch (e) {
    handle.close();
    throw e;
  }
  const db = sqliteKysely(handle);
  return { db, dialect: 'sqlite', description: `SQLite ${o.path}`, migrated, sqlite: handle, close: () => db.destroy() };
}

function checkOrder(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) {
      throw new Error(`migrations out of order: ${migrations[i - 1]!.version} is followed by ${migrations[i]!.version}`);
    }
  }
}
