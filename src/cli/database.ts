/**
 * The configured database, as `npm start` and every command-line tool open it (issue 15): config `database` with
 * its files relative to the project root (an SQLite `path`, except ":memory:", and PostgreSQL's `ssl.caFile`), so
 * a tool run from any directory opens the same database the server does, SQLite or PostgreSQL.
 */
import { resolve } from 'node:path';
import { ROOT, type Config } from '../config.js';
import { openStorage, type DatabaseOptions, type OpenOptions, type Storage } from '../storage/database.js';

export function databaseOptions(database: Config['database'], root = ROOT): DatabaseOptions {
  const { path, ssl } = database;
  return {
    ...database,
    ...(path !== undefined && path !== ':memory:' ? { path: resolve(root, path) } : {}),
    ...(ssl?.caFile !== undefined ? { ssl: { ...ssl, caFile: resolve(root, ssl.caFile) } } : {}),
  };
}

/** Opens (and migrates) the configured database; the caller closes it. */
export function openConfiguredStorage(config: Pick<Config, 'database'>, options: OpenOptions = {}): Promise<Storage> {
  return openStorage(databaseOptions(config.database), options);
}

/**
 * A tool's `--db` option: an SQLite file, or a postgres:// URL with `--db-schema` naming the schema (default public),
 * so the same tool works on either database.
 */
export function cliDatabase(db: string | undefined, schema: string | undefined, otherwise: () => DatabaseOptions): DatabaseOptions {
  if (db === undefined) {
    if (schema !== undefined) throw new CliDatabaseError('--db-schema: only with --db postgres://...');
    return otherwise();
  }
  if (/^postgres(ql)?:\/\//.test(db)) return { url: db, ...(schema !== undefined ? { schema } : {}) };
  if (schema !== undefined) throw new CliDatabaseError('--db-schema: only for a postgres:// --db (an SQLite file has no schemas)');
  return { path: db };
}

export class CliDatabaseError extends Error {}
