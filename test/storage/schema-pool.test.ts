/**
 * The PostgreSQL test harness reuses migrated schemas within a worker (test/helpers/postgres-schema-pool.ts): a
 * reused schema must be indistinguishable from a fresh one (no rows, ids from 1, every migration recorded), and a
 * schema a test changed must never be handed out again. PostgreSQL only (`npm run test:postgres`).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { postgresUrl, testDatabase } from '../helpers/test-database.js';

const T = '2025-03-30T01:00:00.000Z';

/** Appends an audit row and returns its generated id. */
async function audit(db: Db): Promise<number> {
  const row = await db.insertInto('audit_log')
    .values({ at: T, actor_kind: 'system', actor_id: null, actor_name: 'test', action: 'test.pool', target_kind: 'none', target_id: '-', detail: null })
    .returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

describe.skipIf(!postgresUrl)('reused PostgreSQL test schemas', () => {
  it('come back empty, with ids from 1 and every migration recorded', async () => {
    const first = await testDatabase();
    const a = await first.open();
    await a.db.insertInto('stations').values({ id: 'POOL-1', created_at: T, updated_at: T }).execute();
    expect(await audit(a.db)).toBe(1);
    expect(await audit(a.db)).toBe(2);
    await first.drop();

    const second = await testDatabase();
    expect(second.options.schema).toBe(first.options.schema);
    const b = await second.open();
    expect(b.migrated).toEqual([]);
    expect((await b.db.selectFrom('schema_migrations').select('version').execute()).length).toBe(migrations.length);
    expect(await b.db.selectFrom('stations').selectAll().execute()).toEqual([]);
    expect(await audit(b.db)).toBe(1);
    await second.drop();
  });

  it('a schema a test altered is dropped, not reused', async () => {
    const altered = await testDatabase();
    const s = await altered.open();
    await sql`CREATE TABLE extra_table (x INTEGER)`.execute(s.db);
    await altered.drop();
    const next = await testDatabase();
    expect(next.options.schema).not.toBe(altered.options.schema);
    const n = await next.open();
    expect((await sql<{ t: string | null }>`SELECT to_regclass('extra_table')::text AS t`.execute(n.db)).rows[0]?.t).toBeNull();
    await next.drop();
  });

  it('`empty: true` gives a schema with no tables, and one opened with fewer migrations is not reused', async () => {
    const t = await testDatabase({ empty: true });
    const s = await t.open({ migrations: migrations.slice(0, 2) });
    expect(s.migrated).toEqual(migrations.slice(0, 2).map((m) => m.version));
    await t.drop();
    const next = await testDatabase();
    expect(next.options.schema).not.toBe(t.options.schema);
    await next.drop();
  });
});
