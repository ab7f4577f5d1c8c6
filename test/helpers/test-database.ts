/**
 * The database a test runs on (issue 15). `npm test` gives SQLite (a fresh in-memory database, or a file in a temp
 * directory when the test restarts the product); `npm run test:postgres` sets CHARGEPLAN_TEST_DATABASE_URL and every
 * database a test asks for is a fresh PostgreSQL schema of that run, dropped when the test file ends (and any left
 * over by a crash, when the run ends: test/setup/postgres-global.ts).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStorage, type DatabaseOptions, type OpenOptions, type Storage } from '../../src/storage/database.js';
import { giveBackSchema, takeMigratedSchema } from './postgres-schema-pool.js';

export const postgresUrl = process.env.CHARGEPLAN_TEST_DATABASE_URL;
/** Schemas of this run start with this; the global teardown drops them all. */
export const schemaPrefix = `t_${process.env.CHARGEPLAN_TEST_RUN ?? 'local'}_`;

/**
 * Unique to this evaluation of the module: a worker runs many test files one after the other (vitest.config.ts), and
 * each file starts its count again, so the pid alone would give the next file the names of the last one's schemas.
 */
const fileTag = randomBytes(3).toString('hex');
let counter = 0;
const cleanups: (() => Promise<void>)[] = [];

export interface TestDatabase {
  /** What `database` in the config says (open it as often as the test restarts the product). */
  options: DatabaseOptions;
  dialect: 'sqlite' | 'postgres';
  open(openOptions?: OpenOptions): Promise<Storage>;
  /** Drops the schema or deletes the file; also done for every database at the end of the test file. */
  drop(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A database of this test's own, empty of rows. On SQLite it is new and not yet migrated (opening it migrates). On
 * PostgreSQL it may be a schema an earlier test file of this worker used, emptied and already fully migrated
 * (test/helpers/postgres-schema-pool.ts); `empty: true` asks for a new schema with no tables at all, for a test
 * that applies migrations of its own or checks which ones ran.
 */
export async function testDatabase(opts: { file?: boolean; empty?: boolean } = {}): Promise<TestDatabase> {
  const opened: Storage[] = [];
  let dropped = false;
  // A close that waits on a query still in flight (one blocked on a lock) is given 5 s: the schema's give-back then
  // ends the session it waits for (postgres-schema-pool.ts endLeftovers), which lets the close finish.
  const closeAll = async () => {
    for (const s of opened.splice(0)) await Promise.race([s.close().catch(() => {}), delay(5_000, undefined, { ref: false })]);
  };
  let db: TestDatabase;
  if (postgresUrl) {
    const url = postgresUrl;
    const create = async () => {
      const name = `${schemaPrefix}${process.pid}_${fileTag}_${++counter}`;
      await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`);
      return name;
    };
    const schema = (opts.empty ? null : await takeMigratedSchema(url, create)) ?? (await create());
    db = {
      options: { url: postgresUrl, schema, poolSize: 4 },
      dialect: 'postgres',
      open: async (o) => { const s = await openStorage(db.options, o); opened.push(s); return s; },
      drop: async () => {
        if (dropped) return;
        dropped = true;
        await closeAll();
        await giveBackSchema(url, schema);
      },
    };
  } else {
    const dir = opts.file ? mkdtempSync(join(tmpdir(), 'chargeplan-db-')) : null;
    db = {
      options: { path: dir ? join(dir, 'test.sqlite') : ':memory:' },
      dialect: 'sqlite',
      open: async (o) => { const s = await openStorage(db.options, o); opened.push(s); return s; },
      drop: async () => {
        if (dropped) return;
        dropped = true;
        await closeAll();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  cleanups.push(() => db.drop());
  return db;
}

/** A fresh, migrated database for one test: the replacement for `openDatabase(':memory:')`. */
export async function openTestStorage(openOptions?: OpenOptions): Promise<Storage> {
  return (await testDatabase()).open(openOptions);
}

/** Called after each test file (test/setup/storage.ts): closes and drops everything the file opened. */
export async function dropTestDatabases(): Promise<void> {
  const queue = cleanups.splice(0);
  const errors: unknown[] = [];
  // Three at a time: a file of many tests gives back as many schemas, each a few round trips.
  await Promise.all(Array.from({ length: Math.min(3, queue.length) }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) await c().catch((e: unknown) => { errors.push(e); });
  }));
  if (errors.length > 0) throw errors[0];
}
