/**
 * The dialect helpers (src/storage/sql/dialect.ts) and the row shapes the two drivers hand back, on the database the
 * run uses: the same query gives the same rows on SQLite and PostgreSQL (instants ordered as time whatever their
 * offset, ids and byte counts beyond 2^31 as numbers, flags 0/1, doubles exact, counts as numbers), and the
 * transaction helpers keep read-then-write sequences whole under concurrency.
 */
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db, Storage } from '../../src/storage/database.js';
import { countAll, greatest, inTransaction, instant, jsonStrings, least, lockKey, nowText } from '../../src/storage/sql/dialect.js';
import { openTestStorage, postgresUrl } from '../helpers/test-database.js';

const AT = '2025-10-26T00:59:59.999Z';

async function station(db: Db, id: string, createdAt = AT): Promise<void> {
  await db.insertInto('stations').values({ id, created_at: createdAt, updated_at: AT }).execute();
}

describe('dialect helpers', () => {
  let s: Storage;
  beforeEach(async () => {
    s = await openTestStorage();
  });

  it('instant() orders and compares station text with offsets, with and without milliseconds, as time', async () => {
    // Oslo's autumn night: 02:30+02:00 (00:30Z) comes before 02:15+01:00 (01:15Z), though its text sorts after.
    const sent = { A: '2025-10-26T02:30:00+02:00', B: '2025-10-26T02:15:00+01:00', C: '2025-10-26T01:00:00Z', D: '2025-10-26T00:45:00.250Z' };
    for (const [id, at] of Object.entries(sent)) await station(s.db, id, at);
    const created = instant(s.db, sql.ref('created_at'));
    const ordered = await s.db.selectFrom('stations').select('id').orderBy(created).execute();
    expect(ordered.map((r) => r.id)).toEqual(['A', 'D', 'C', 'B']);
    const from = await s.db.selectFrom('stations').select('id')
      .where(created, '>=', instant(s.db, '2025-10-26T02:45:00.250+02:00')).orderBy('id').execute();
    expect(from.map((r) => r.id)).toEqual(['B', 'C', 'D']);
  });

  it('jsonStrings() binds any list of strings as one parameter: empty, one, odd characters, thousands', async () => {
    const odd = ["O'Brien", 'a"b', 'back\\slash', 'æøå-Ω-🚗', '', ' spaced ', 'NULL', '%_'];
    for (const id of [...odd, 'OTHER']) await station(s.db, id);
    const inList = (values: readonly string[]) => s.db.selectFrom('stations').select('id')
      .where(sql<boolean>`${sql.ref('id')} IN ${jsonStrings(s.db, values)}`).orderBy('id').execute();
    expect(await inList([])).toEqual([]);
    expect(await inList(['OTHER'])).toEqual([{ id: 'OTHER' }]);
    expect((await inList(odd)).map((r) => r.id)).toEqual([...odd].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const many = Array.from({ length: 5000 }, (_, i) => `S-${i}`);
    const compiled = s.db.selectFrom('stations').select('id').where(sql<boolean>`${sql.ref('id')} IN ${jsonStrings(s.db, many)}`).compile();
    expect(compiled.parameters).toHaveLength(1);
    expect(await inList([...many, 'OTHER'])).toEqual([{ id: 'OTHER' }]);
  });

  it('text compares and sorts by bytes on both databases (SQLite BINARY, PostgreSQL COLLATE "C")', async () => {
    for (const id of ['b', 'B', 'a-2', 'a_1', 'a1', 'Ä', 'a']) await station(s.db, id);
    const ids = (await s.db.selectFrom('stations').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual(['B', 'a', 'a-2', 'a1', 'a_1', 'b', 'Ä']);
    expect(await s.db.selectFrom('stations').select('id').where('id', '=', 'A').execute()).toEqual([]);
    expect(await s.db.selectFrom('stations').select('id').where('id', '>', 'a_').orderBy('id').execute()).toEqual([{ id: 'a_1' }, { id: 'b' }, { id: 'Ä' }]);
  });

  it('least() and greatest() of two columns, countAll() as a number, nowText() as ISO text', async () => {
    await s.db.insertInto('vehicles').values({ id: 'leaf', name: 'Leaf', battery_kwh: 39.5, max_ac_kw: 6.6, phases: 1, updated_at: AT }).execute();
    const row = await s.db.selectFrom('vehicles').select([
      least(s.db, sql.ref<number>('battery_kwh'), sql.ref<number>('max_ac_kw')).as('lo'),
      greatest(s.db, sql.ref<number>('battery_kwh'), sql.ref<number>('max_ac_kw')).as('hi'),
      greatest(s.db, sql<number>`999`, sql.ref<number>('phases')).as('atLeast'),
    ]).executeTakeFirstOrThrow();
    expect(row).toEqual({ lo: 6.6, hi: 39.5, atLeast: 999 });
    expect(await s.db.selectFrom('stations').select(countAll().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 0 });
    expect(await s.db.selectFrom('vehicles').select(countAll().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 1 });
    const now = await sql<{ now: string }>`SELECT ${nowText(s.db)} AS now`.execute(s.db);
    expect(now.rows[0]!.now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('ids, byte counts past 2^31, flags and doubles read back as the numbers written', async () => {
    await station(s.db, 'S1');
    const big = 2 ** 40 + 7;
    const ids: number[] = [];
    for (const action of ['DataTransfer', 'SecurityEventNotification']) {
      const { id } = await s.db.insertInto('station_messages')
        .values({ station_id: 'S1', action, payload: '{}', received_at: AT, payload_bytes: big, payload_sha256: null })
        .returning('id').executeTakeFirstOrThrow();
      ids.push(id);
    }
    expect(ids).toEqual([1, 2]);
    const row = await s.db.selectFrom('station_messages').select(['id', 'payload_bytes', 'received_at']).where('id', '=', 2).executeTakeFirstOrThrow();
    expect(row).toEqual({ id: 2, payload_bytes: big, received_at: AT });
    await s.db.insertInto('charging_limits').values({ station_id: 'S1', source: 'SO', is_grid_critical: 1, received_at: AT }).execute();
    const limit = await s.db.selectFrom('charging_limits').select(['id', 'evse_id', 'is_grid_critical', 'cleared_at']).executeTakeFirstOrThrow();
    expect(limit).toEqual({ id: 1, evse_id: 0, is_grid_critical: 1, cleared_at: null });
    const flags = await s.db.selectFrom('stations').select(['auto_registered', 'security_profile']).executeTakeFirstOrThrow();
    expect(flags).toEqual({ auto_registered: 0, security_profile: 1 });
    const value = 0.1 + 0.2;
    await s.db.insertInto('meter_values').values({
      station_id: 'S1', evse_id: 1, timestamp: AT, measurand: 'Energy.Active.Import.Register', value, source: 'MeterValues', received_at: AT,
    }).execute();
    expect(await s.db.selectFrom('meter_values').select(['value', 'phase', 'multiplier']).executeTakeFirstOrThrow())
      .toEqual({ value, phase: '', multiplier: 0 });
  });

  it('inTransaction() joins the caller\'s transaction: its work is undone with the caller\'s', async () => {
    const failed = s.db.transaction().execute(async (trx) => {
      await inTransaction(trx, (inner) => station(inner, 'JOINED'));
      throw new Error('caller fails after the inner work');
    });
    await expect(failed).rejects.toThrow('caller fails after the inner work');
    expect(await s.db.selectFrom('stations').select('id').execute()).toEqual([]);
    await inTransaction(s.db, (trx) => station(trx, 'OWN'));
    expect(await s.db.selectFrom('stations').select('id').execute()).toEqual([{ id: 'OWN' }]);
  });

  it('lockKey() makes twenty concurrent read-then-write transactions on one key run one after the other', async () => {
    await s.db.insertInto('profile_ids').values({ station_id: 'S1', key: 'counter', profile_id: 0 }).execute();
    const increment = () => inTransaction(s.db, async (trx) => {
      await lockKey(trx, 'counter:S1');
      const { profile_id: n } = await trx.selectFrom('profile_ids').select('profile_id').where('key', '=', 'counter').executeTakeFirstOrThrow();
      await trx.updateTable('profile_ids').set({ profile_id: n + 1 }).where('key', '=', 'counter').execute();
      return n;
    });
    const seen = await Promise.all(Array.from({ length: 20 }, increment));
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await s.db.selectFrom('profile_ids').select('profile_id').executeTakeFirstOrThrow()).toEqual({ profile_id: 20 });
  });

  it.skipIf(!postgresUrl)('lockKey() is the schema\'s own: a key held in one schema does not hold the same key in another (PostgreSQL)', async () => {
    const other = await openTestStorage();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = inTransaction(s.db, async (trx) => {
      await lockKey(trx, 'sites');
      locked();
      await held;
    });
    await isLocked;
    // The other schema takes 'sites' at once, although this one holds it open.
    await inTransaction(other.db, async (trx) => {
      await sql`SET LOCAL lock_timeout = '2s'`.execute(trx);
      await lockKey(trx, 'sites');
    });
    // The same schema waits: a second transaction on it times out while the first holds the key.
    await expect(inTransaction(s.db, async (trx) => {
      await sql`SET LOCAL lock_timeout = '200ms'`.execute(trx);
      await lockKey(trx, 'sites');
    })).rejects.toThrow(/lock timeout/);
    release();
    await holder;
  });
});

