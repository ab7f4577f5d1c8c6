/**
 * openStorage on the database the run uses (SQLite under `npm test`, a fresh PostgreSQL schema under
 * `npm run test:postgres`): every migration applied once and in order, each atomic, and two processes starting on
 * the same fresh database at once (PostgreSQL's advisory lock; SQLite's IMMEDIATE transactions). Then the settings:
 * a bad database.url is a DatabaseConfigError naming it, fast; and how instants come back from each database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DatabaseConfigError, dialectOf, openStorage, type Db, type Storage } from '../../src/storage/database.js';
import { instant } from '../../src/storage/sql/dialect.js';
import { isoFromPg } from '../../src/storage/sql/postgres.js';
import { migrations, type Migration } from '../../src/storage/migrations/index.js';
import { postgresUrl, testDatabase } from '../helpers/test-database.js';

const allVersions = migrations.map((m) => m.version);
const both = (version: number, name: string, script: string): Migration => ({ version, name, sqlite: script, postgres: script });

/** The tables of this database (PostgreSQL: of its schema, the search path's first). */
async function tableNames(db: Db): Promise<string[]> {
  const query = dialectOf(db) === 'postgres'
    ? sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`
    : sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`;
  return (await query.execute(db)).rows.map((r) => r.name).sort();
}
async function appliedVersions(db: Db): Promise<number[]> {
  return (await db.selectFrom('schema_migrations').select('version').orderBy('version').execute()).map((r) => r.version);
}

describe(`storage on ${postgresUrl ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('applies every migration once, in order, and none when opened again', async () => {
    const t = await testDatabase({ file: true, empty: true });
    const first = await t.open();
    expect(first.migrated).toEqual(allVersions);
    expect(await appliedVersions(first.db)).toEqual(allVersions);
    await first.close();
    const again = await t.open();
    expect(again.migrated).toEqual([]);
    expect(await appliedVersions(again.db)).toEqual(allVersions);
  });

  it('opens with foreign keys enforced (SQLite: in WAL mode) and says which database it opened', async () => {
    const t = await testDatabase({ file: true });
    const s = await t.open();
    expect(s.dialect).toBe(t.dialect);
    if (s.dialect === 'sqlite') {
      expect(s.description).toBe(`SQLite ${t.options.path}`);
      expect(s.sqlite).not.toBeNull();
      const { rows } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(s.db);
      expect(rows).toEqual([{ journal_mode: 'wal' }]);
    } else {
      expect(s.description).toBe(`PostgreSQL ${new URL(postgresUrl!).toString()} (schema ${t.options.schema})`);
      expect(s.sqlite).toBeNull();
    }
    const orphan = s.db.insertInto('connectors').values({
      station_id: 'NO-SUCH-STATION', evse_id: 1, connector_id: 1, status: 'Available',
      status_at: '2025-03-30T00:00:00.000Z', updated_at: '2025-03-30T00:00:00.000Z',
    });
    await expect(orphan.execute()).rejects.toThrow(/foreign key/i);
  });

  it('a migration that fails leaves nothing of itself behind; the ones before it stay applied', async () => {
    const t = await testDatabase({ file: true, empty: true });
    const steps = [
      both(1, 'fine', 'CREATE TABLE fine_a (x INTEGER)'),
      both(2, 'half', 'CREATE TABLE half_a (x INTEGER); CREATE TABLE half_b (x INTEGER); CREATE TABLE half_a (y INTEGER);'),
      both(3, 'after', 'CREATE TABLE after_a (x INTEGER)'),
    ];
    const dialect = t.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite';
    await expect(t.open({ migrations: steps })).rejects.toThrow(new RegExp(`migration 2 \\(half\\) failed on ${dialect}: .*already exists`));
    const s = await t.open({ migrations: [] });
    expect(await tableNames(s.db)).toEqual(['fine_a', 'schema_migrations']);
    expect(await appliedVersions(s.db)).toEqual([1]);
    await s.close();
    // Fixed, it runs from where it stopped.
    steps[1] = both(2, 'half', 'CREATE TABLE half_a (x INTEGER)');
    const fixed = await t.open({ migrations: steps });
    expect(fixed.migrated).toEqual([2, 3]);
    expect(await tableNames(fixed.db)).toEqual(['after_a', 'fine_a', 'half_a', 'schema_migrations']);
  });

  it('refuses migrations out of order before touching the database', async () => {
    const t = await testDatabase({ file: true, empty: true });
    await expect(t.open({ migrations: [both(2, 'b', 'CREATE TABLE b (x INTEGER)'), both(1, 'a', 'CREATE TABLE a (x INTEGER)')] }))
      .rejects.toThrow('migrations out of order: 2 is followed by 1');
    await expect(t.open({ migrations: [both(1, 'a', ''), both(1, 'again', '')] })).rejects.toThrow(/out of order: 1 is followed by 1/);
    const s = await t.open({ migrations: [] });
    expect(await tableNames(s.db)).toEqual(['schema_migrations']);
  });

  it('two processes opening the same fresh database at once both succeed and apply each migration once', async () => {
    const t = await testDatabase({ file: true, empty: true });
    const opened = await Promise.all([t.open(), t.open(), t.open()]);
    expect(opened.flatMap((s) => s.migrated).sort((a, b) => a - b)).toEqual(allVersions);
    for (const s of opened) expect(await appliedVersions(s.db)).toEqual(allVersions);
  });

  it.skipIf(!postgresUrl)('PostgreSQL: creates a missing schema once when several nodes start on it together', async () => {
    const t = await testDatabase();
    // Starts with the run's prefix, so the run's teardown drops it even if this test fails before its own drop.
    const schema = `${t.options.schema}_late`;
    const opened: Storage[] = [];
    try {
      const results = await Promise.allSettled([1, 2, 3].map(() => openStorage({ ...t.options, schema, poolSize: 2 })));
      for (const r of results) if (r.status === 'fulfilled') opened.push(r.value);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
      expect(opened.flatMap((s) => s.migrated).sort((a, b) => a - b)).toEqual(allVersions);
      const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(opened[0]!.db);
      expect(rows).toEqual([{ schema }]);
      expect(await appliedVersions(opened[0]!.db)).toEqual(allVersions);
    } finally {
      if (opened[0]) await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(opened[0].db);
      for (const s of opened) await s.close();
    }
  });
});

describe('database settings', () => {
  async function configError(options: Parameters<typeof openStorage>[0]): Promise<DatabaseConfigError> {
    const e: unknown = await openStorage(options).then(async (s) => { await s.close(); return null; }, (err: unknown) => err);
    expect(e).toBeInstanceOf(DatabaseConfigError);
    return e as DatabaseConfigError;
  }

  it('a url that is not a postgres:// URL, or names no database, is refused naming database.url', async () => {
    for (const url of ['', 'chargeplan on db.example.com', '//db.example.com:5432/chargeplan']) {
      expect((await configError({ url })).message).toBe('database.url is not a URL: expected postgres://user:password@host:port/database');
    }
    expect((await configError({ url: 'mysql://app:s3cret@127.0.0.1:3306/chargeplan' })).message)
      .toBe('database.url must start with postgres:// or postgresql://, got "mysql:"');
    expect((await configError({ url: 'db.example.com:5432/chargeplan' })).message)
      .toBe('database.url must start with postgres:// or postgresql://, got "db.example.com:"');
    const noDb = await configError({ url: 'postgres://app:s3cret@127.0.0.1:5432' });
    expect(noDb.message).toMatch(/^database\.url names no database: postgres:\/\/app:\*\*\*@127\.0\.0\.1:5432/);
    expect(noDb.message).not.toContain('s3cret');
  });

  it('neither path nor url, or a schema that is not a plain identifier, is refused naming the setting', async () => {
    expect((await configError({})).message).toBe('database: set path (an SQLite file) or url (postgres://...)');
    for (const schema of ['Fleet', 'fleet-a', 'pg_fleet', 'a; DROP SCHEMA public']) {
      expect((await configError({ url: 'postgres://app@127.0.0.1:1/test', schema })).message).toMatch(/^database\.schema must be/);
    }
  });

  it('nothing listening on the port: refused at once, naming database.url, without the password', async () => {
    const e = await configError({ url: 'postgres://app:s3cret@127.0.0.1:1/test', connectTimeoutMs: 2000 });
    expect(e.message).toMatch(/^database\.url: cannot open PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    expect(e.message).not.toContain('s3cret');
  }, 5000);

  it('a server that never answers: gives up after connectTimeoutMs, naming database.url', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const e = await configError({ url: `postgres://app@127.0.0.1:${port}/test`, connectTimeoutMs: 200 });
      expect(e.message).toMatch(new RegExp(`^database\\.url: cannot open PostgreSQL at postgres://app@127\\.0\\.0\\.1:${port}/test: .*timeout`));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 5000);

  it('an SQLite path that cannot be a database is refused naming database.path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeplan-db-'));
    try {
      const notADatabase = join(dir, 'notes.txt');
      writeFileSync(notADatabase, 'these are not the tables you are looking for\n'.repeat(100));
      expect((await configError({ path: notADatabase })).message)
        .toBe(`database.path: cannot open the SQLite database ${notADatabase}: file is not a database`);
      const underAFile = join(notADatabase, 'db.sqlite');
      expect((await configError({ path: underAFile })).message).toMatch(new RegExp(`^database\\.path: cannot open the SQLite database ${underAFile}: .*(ENOTDIR|EEXIST)`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a CA file that cannot be read is refused naming database.ssl.caFile', async () => {
    const e = await configError({ url: 'postgres://app@127.0.0.1:1/test', ssl: { caFile: '/nonexistent/ca.pem' } });
    expect(e.message).toMatch(/^database\.ssl\.caFile: cannot read \/nonexistent\/ca\.pem: ENOENT/);
  });

  it.skipIf(!postgresUrl)('PostgreSQL answers but has no such database: refused naming database.url', async () => {
    const url = new URL(postgresUrl!);
    url.pathname = '/chargeplan_no_such_database';
    expect((await configError({ url: url.toString() })).message)
      .toMatch(/^database\.url: cannot open PostgreSQL at .*: database "chargeplan_no_such_database" does not exist$/);
  });
});

describe('instants', () => {
  it('isoFromPg turns PostgreSQL timestamptz text into the UTC ISO text SQLite keeps', () => {
    expect(isoFromPg('2025-03-30 01:00:00+00')).toBe('2025-03-30T01:00:00.000Z');
    expect(isoFromPg('2025-03-30 01:00:00.5+00')).toBe('2025-03-30T01:00:00.500Z');
    expect(isoFromPg('2025-03-30 01:00:00.123456+00')).toBe('2025-03-30T01:00:00.123Z');
    expect(isoFromPg('2025-10-26 00:59:59.999999+00:00')).toBe('2025-10-26T00:59:59.999Z');
    expect(isoFromPg('2025-03-30 03:00:00+02')).toBe('2025-03-30T01:00:00.000Z');
    expect(isoFromPg('2025-03-29 20:30:00-04:30')).toBe('2025-03-30T01:00:00.000Z');
    expect(isoFromPg('2025-03-30 06:30:00+05:30')).toBe('2025-03-30T01:00:00.000Z');
    expect(isoFromPg('2025-03-30 01:00:00')).toBe('2025-03-30T01:00:00.000Z'); // timestamp without zone: UTC
    expect(isoFromPg('2025-03-30T01:00:00Z')).toBe('2025-03-30T01:00:00Z'); // not PostgreSQL's form: kept
    expect(isoFromPg('infinity')).toBe('infinity');
  });

  it('an instant written with an offset reads back as the same instant (PostgreSQL: as UTC), and compares as time', async () => {
    const s = await (await testDatabase()).open();
    const sent = '2025-03-30T00:40:00+01:00'; // a station's local time, the night Oslo moves to summer time
    await s.db.insertInto('stations').values({ id: 'HOME-0042', created_at: sent, updated_at: '2025-03-30T01:00:00Z' }).execute();
    const row = await s.db.selectFrom('stations').select(['created_at', 'updated_at']).executeTakeFirstOrThrow();
    expect(row).toEqual(s.dialect === 'postgres'
      ? { created_at: '2025-03-29T23:40:00.000Z', updated_at: '2025-03-30T01:00:00.000Z' }
      : { created_at: sent, updated_at: '2025-03-30T01:00:00Z' });
    const between = (from: string, to: string) => s.db.selectFrom('stations').select('id')
      .where(instant(s.db, sql.ref('created_at')), '>=', instant(s.db, from))
      .where(instant(s.db, sql.ref('created_at')), '<', instant(s.db, to)).execute();
    // As text, '2025-03-30T00:40...' sorts after '2025-03-29T23:50Z'; as time it is 23:40Z.
    expect(await between('2025-03-29T23:30:00Z', '2025-03-29T23:50:00.000Z')).toEqual([{ id: 'HOME-0042' }]);
    expect(await between('2025-03-30T00:00:00Z', '2025-03-30T01:00:00Z')).toEqual([]);
  });
});
