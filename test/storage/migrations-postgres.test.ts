/**
 * The PostgreSQL scripts of the migrations build the same schema as the SQLite ones (issue 15), so one repository
 * serves both: the same tables and columns in the same order, the same keys, NOT NULLs, defaults, CHECKs, foreign
 * keys, unique constraints and indexes (partial ones with the same condition), and column types of the same class.
 * SQLite is read through its pragmas, PostgreSQL through information_schema and the catalog, both through Kysely.
 * Runs under `npm run test:postgres` (CHARGEPLAN_TEST_DATABASE_URL); SQLite alone has nothing to compare with.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Db, type Storage } from '../../src/storage/database.js';
import { postgresUrl, testDatabase } from '../helpers/test-database.js';

interface Column { name: string; type: string; notNull: boolean; default: string | null }
interface Index { table: string; unique: boolean; columns: (string | null)[]; where: string | null }
interface Shape {
  columns: Record<string, Column[]>;
  primaryKeys: Record<string, string[]>;
  /** Unique constraints (not the primary key) as "table(col, col)". */
  uniques: string[];
  /** "table(cols) -> table(cols) on delete X". */
  foreignKeys: string[];
  checks: Record<string, number>;
  /** Indexes created by CREATE INDEX, by name. */
  indexes: Record<string, Index>;
}

/** Columns holding an instant: timestamptz on PostgreSQL, UTC ISO text on SQLite. Everything else keeps its class. */
const INSTANT = /(_at|_utc|not_before|not_after)$|^(timestamp|since|at|departure_time)$/;

/** Predicates and defaults without casts, parentheses, quotes around numbers, spaces or case. */
function normal(text: string | null): string | null {
  if (text === null) return null;
  return text
    .replace(/::[a-z ]+/gi, '')
    .replace(/[()\s]/g, '')
    .replace(/'(-?\d+(\.\d+)?)'/g, '$1')
    .toLowerCase();
}

async function rows<T>(db: Db, query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

async function sqliteShape(db: Db): Promise<Shape> {
  const shape: Shape = { columns: {}, primaryKeys: {}, uniques: [], foreignKeys: [], checks: {}, indexes: {} };
  const tables = await rows(db, sql<{ name: string; sql: string }>`
    SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`);
  for (const t of tables) {
    const cols = await rows(db, sql<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>`
      SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(${t.name}) ORDER BY cid`);
    // A PRIMARY KEY column is NOT NULL on PostgreSQL; SQLite only promises it for INTEGER PRIMARY KEY, and the
    // product never writes a NULL key.
    shape.columns[t.name] = cols.map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1 || c.pk > 0, default: normal(c.dflt_value) }));
    shape.primaryKeys[t.name] = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    shape.checks[t.name] = (t.sql.match(/\bCHECK\s*\(/gi) ?? []).length;
    const fks = await rows(db, sql<{ id: number; seq: number; table: string; from: string; to: string; on_delete: string }>`
      SELECT id, seq, "table", "from", "to", on_delete FROM pragma_foreign_key_list(${t.name}) ORDER BY id, seq`);
    for (const id of new Set(fks.map((f) => f.id))) {
      const parts = fks.filter((f) => f.id === id);
      shape.foreignKeys.push(`${t.name}(${parts.map((f) => f.from).join(', ')}) -> ${parts[0]!.table}(${parts.map((f) => f.to).join(', ')}) on delete ${parts[0]!.on_delete.toLowerCase()}`);
    }
    const indexes = await rows(db, sql<{ name: string; unique: number; origin: string; partial: number }>`
      SELECT name, "unique", origin, partial FROM pragma_index_list(${t.name})`);
    for (const ix of indexes) {
      const cols = (await rows(db, sql<{ name: string | null }>`SELECT name FROM pragma_index_info(${ix.name}) ORDER BY seqno`)).map((c) => c.name);
      if (ix.origin === 'u') shape.uniques.push(`${t.name}(${cols.join(', ')})`);
      if (ix.origin !== 'c') continue;
      const [def] = await rows(db, sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ${ix.name}`);
      const where = ix.partial ? /\bWHERE\b([\s\S]*)$/i.exec(def!.sql)![1]! : null;
      shape.indexes[ix.name] = { table: t.name, unique: ix.unique === 1, columns: cols, where: normal(where) };
    }
  }
  return shape;
}

async function postgresShape(db: Db): Promise<Shape> {
  const shape: Shape = { columns: {}, primaryKeys: {}, uniques: [], foreignKeys: [], checks: {}, indexes: {} };
  const cols = await rows(db, sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>`
    SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
    WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`);
  for (const c of cols) {
    (shape.columns[c.table_name] ??= []).push({ name: c.column_name, type: c.data_type, notNull: c.is_nullable === 'NO', default: normal(c.column_default) });
    shape.checks[c.table_name] ??= 0;
    shape.primaryKeys[c.table_name] ??= [];
  }
  const constraints = await rows(db, sql<{ table: string; type: string; cols: string[]; ref: string | null; ref_cols: string[]; on_delete: string }>`
    SELECT t.relname::text AS table, c.contype::text AS type,
      array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
      r.relname::text AS ref,
      array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_cols,
      c.confdeltype::text AS on_delete
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN pg_class r ON r.oid = c.confrelid
    WHERE n.nspname = current_schema()`);
  const onDelete: Record<string, string> = { a: 'no action', c: 'cascade', r: 'restrict', n: 'set null', d: 'set default' };
  for (const c of constraints) {
    if (c.type === 'p') shape.primaryKeys[c.table] = c.cols;
    else if (c.type === 'u') shape.uniques.push(`${c.table}(${c.cols.join(', ')})`);
    else if (c.type === 'c') shape.checks[c.table] = (shape.checks[c.table] ?? 0) + 1;
    else if (c.type === 'f') shape.foreignKeys.push(`${c.table}(${c.cols.join(', ')}) -> ${c.ref}(${c.ref_cols.join(', ')}) on delete ${onDelete[c.on_delete]}`);
  }
  const indexes = await rows(db, sql<{ name: string; table: string; unique: boolean; cols: (string | null)[]; predicate: string | null }>`
    SELECT i.relname::text AS name, t.relname::text AS table, x.indisunique AS unique,
      array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, i)
            LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
      pg_get_expr(x.indpred, x.indrelid) AS predicate
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema()
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u'))`);
  for (const ix of indexes) shape.indexes[ix.name] = { table: ix.table, unique: ix.unique, columns: ix.cols, where: normal(ix.predicate) };
  return shape;
}

describe.skipIf(!postgresUrl)('the migrations build the same schema on PostgreSQL as on SQLite', () => {
  let lite: Storage;
  let pg: Storage;
  let a: Shape;
  let b: Shape;

  beforeAll(async () => {
    lite = await openStorage({ path: ':memory:' });
    pg = await (await testDatabase({ empty: true })).open();
    a = await sqliteShape(lite.db);
    b = await postgresShape(pg.db);
  });
  afterAll(async () => {
    await lite.close();
  });

  it('applies every migration on a fresh schema', () => {
    expect(pg.dialect).toBe('postgres');
    expect(pg.migrated).toEqual(lite.migrated);
  });

  it('has the same tables, and in each the same columns in the same order', () => {
    expect(Object.keys(b.columns).sort()).toEqual(Object.keys(a.columns).sort());
    for (const table of Object.keys(a.columns)) {
      expect({ table, columns: b.columns[table]!.map((c) => c.name) }).toEqual({ table, columns: a.columns[table]!.map((c) => c.name) });
    }
  });

  it('keeps each column in its class: instants as timestamptz, integers as integers, reals as double precision', () => {
    const expected = (table: string, c: Column): string[] => {
      if (c.type === 'INTEGER') return ['integer', 'bigint', 'smallint'];
      if (c.type === 'REAL') return ['double precision'];
      if (c.type === 'TEXT') return INSTANT.test(c.name) ? ['timestamp with time zone'] : ['text'];
      throw new Error(`${table}.${c.name}: SQLite type ${c.type} has no PostgreSQL class in this test`);
    };
    for (const [table, columns] of Object.entries(a.columns)) {
      columns.forEach((c, i) => {
        expect(expected(table, c), `${table}.${c.name} is ${b.columns[table]![i]!.type}`).toContain(b.columns[table]![i]!.type);
      });
    }
  });

  it('has the same NOT NULLs, defaults and primary keys', () => {
    for (const [table, columns] of Object.entries(a.columns)) {
      columns.forEach((c, i) => {
        const p = b.columns[table]![i]!;
        expect({ column: `${table}.${c.name}`, notNull: p.notNull }).toEqual({ column: `${table}.${c.name}`, notNull: c.notNull });
        // SQLite's "now" default is now() on PostgreSQL. (A rowid id has no SQLite default; a PostgreSQL identity
        // is not a column default either.)
        const sqliteDefault = c.default !== null && /^strftime.*'now'$/.test(c.default) ? 'now' : c.default;
        expect({ column: `${table}.${c.name}`, default: p.default }).toEqual({ column: `${table}.${c.name}`, default: sqliteDefault });
      });
    }
    expect(b.primaryKeys).toEqual(a.primaryKeys);
  });

  it('has the same foreign keys, unique constraints and number of CHECKs per table', () => {
    expect(b.foreignKeys.sort()).toEqual(a.foreignKeys.sort());
    expect(b.uniques.sort()).toEqual(a.uniques.sort());
    expect(b.checks).toEqual(a.checks);
  });

  it('has the same indexes, partial ones with the same condition', () => {
    const { users_username_nocase: nocase, ...pgIndexes } = b.indexes;
    // users.username COLLATE NOCASE UNIQUE on SQLite: a plain unique constraint (compared above; the product writes
    // lower-cased names and looks them up lower-cased) plus this index, so two names differing in case cannot both exist.
    expect(nocase).toEqual({ table: 'users', unique: true, columns: [null], where: null });
    // SQLite indexes julianday(started_at) because stations send offsets; a timestamptz is already the instant.
    expect(a.indexes.transactions_started!.columns).toEqual([null]);
    expect(pgIndexes.transactions_started!.columns).toEqual(['started_at']);
    pgIndexes.transactions_started!.columns = [null];
    expect(pgIndexes).toEqual(a.indexes);
  });

  it('compares text as SQLite does (byte order: COLLATE "C" on every text column, whatever the database default)', async () => {
    const other = await rows(pg.db, sql<{ column: string; collation: string | null }>`
      SELECT table_name || '.' || column_name AS column, collation_name AS collation FROM information_schema.columns
      WHERE table_schema = current_schema() AND data_type = 'text' AND coalesce(collation_name, '') <> 'C'`);
    expect(other).toEqual([]);
  });

  it('finds a period of transactions through transactions_started when it compares instants', async () => {
    // instant(db, 'started_at') is started_at::timestamptz on PostgreSQL: a no-op cast that keeps the index usable.
    const plan = await pg.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      return rows(trx, sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT * FROM transactions
        WHERE (started_at)::timestamptz >= (${'2025-03-01T00:00:00Z'})::timestamptz AND (started_at)::timestamptz < (${'2025-04-01T00:00:00+02:00'})::timestamptz`);
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/transactions_started/);
  });
});
