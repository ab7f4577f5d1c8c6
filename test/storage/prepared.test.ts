/**
 * Prepared queries (src/storage/sql/prepared.ts), on the database the run uses: compiled once, they give the same
 * rows and effects as the same query built each time, inside and outside transactions; a builder that computes
 * from a parameter instead of binding it whole is refused on its first use rather than run with a stale value.
 * Multi-row statements (prepareRows) write the rows they are given, chunk by chunk and the rest one by one.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db, Storage } from '../../src/storage/database.js';
import { inTransaction } from '../../src/storage/sql/dialect.js';
import { prepare, prepareRows, rowSteps, runSteps, runStepsNow, type Steps } from '../../src/storage/sql/prepared.js';
import { openTestStorage, postgresUrl } from '../helpers/test-database.js';

const AT = '2026-03-29T00:59:59.999Z';

const insertStation = prepare('test.insert', (db: Db, p: { id: string; at: string; profile: number }) =>
  db.insertInto('stations').values({ id: p.id, security_profile: p.profile, created_at: p.at, updated_at: p.at })
    .onConflict((oc) => oc.doNothing()).returning(['id', 'security_profile']));
const byProfile = prepare('test.select', (db: Db, p: { profile: number; from: string }) =>
  db.selectFrom('stations').select(['id', 'security_profile', 'model']).where('security_profile', '=', p.profile)
    .where('id', '>=', p.from).orderBy('id'));
const setModel = prepare('test.update', (db: Db, p: { id: string; model: string | null }) =>
  db.updateTable('stations').set({ model: p.model, vendor_name: 'constant vendor' }).where('id', '=', p.id));

describe('prepared queries', () => {
  let s: Storage;
  beforeEach(async () => {
    s = await openTestStorage();
  });

  it('give the rows and effects of the same query built each time, with constants of the query kept', async () => {
    expect(await insertStation.all(s.db, { id: 'CP-2', at: AT, profile: 2 })).toEqual([{ id: 'CP-2', security_profile: 2 }]);
    expect(await insertStation.first(s.db, { id: 'CP-1', at: AT, profile: 1 })).toEqual({ id: 'CP-1', security_profile: 1 });
    // ON CONFLICT DO NOTHING returns no row the second time: the prepared form reports that as the builder does.
    expect(await insertStation.first(s.db, { id: 'CP-1', at: AT, profile: 3 })).toBeUndefined();
    await s.db.insertInto('stations').values({ id: 'CP-3', security_profile: 2, created_at: AT, updated_at: AT }).execute();

    const updated = await setModel.run(s.db, { id: 'CP-2', model: "O'Brien æøå" });
    expect(Number(updated.numAffectedRows)).toBe(1);
    expect(Number((await setModel.run(s.db, { id: 'NOPE', model: 'x' })).numAffectedRows)).toBe(0);

    const built = await s.db.selectFrom('stations').select(['id', 'security_profile', 'model']).where('security_profile', '=', 2)
      .where('id', '>=', 'CP').orderBy('id').execute();
    expect(await byProfile.all(s.db, { profile: 2, from: 'CP' })).toEqual(built);
    expect(built.map((r) => [r.id, r.model])).toEqual([['CP-2', "O'Brien æøå"], ['CP-3', null]]);
    expect(await byProfile.all(s.db, { profile: 2, from: 'CP-3' })).toEqual([{ id: 'CP-3', security_profile: 2, model: null }]);
    const vendor = await s.db.selectFrom('stations').select('vendor_name').where('id', '=', 'CP-2').executeTakeFirstOrThrow();
    expect(vendor.vendor_name).toBe('constant vendor');
  });

  it('bind null and undefined as NULL, and run inside a caller\'s transaction, rolled back with it', async () => {
    await insertStation.run(s.db, { id: 'CP-1', at: AT, profile: 1 });
    await setModel.run(s.db, { id: 'CP-1', model: 'first' });
    await setModel.run(s.db, { id: 'CP-1', model: undefined as unknown as null });
    expect((await byProfile.first(s.db, { profile: 1, from: '' }))?.model).toBeNull();

    await expect(s.db.transaction().execute(async (trx) => {
      await insertStation.run(trx, { id: 'CP-9', at: AT, profile: 1 });
      expect((await byProfile.all(trx, { profile: 1, from: '' })).map((r) => r.id)).toEqual(['CP-1', 'CP-9']);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect((await byProfile.all(s.db, { profile: 1, from: '' })).map((r) => r.id)).toEqual(['CP-1']);
  });

  it('outside a transaction, wait for another one that is open instead of joining it, and survive its rollback', async () => {
    let begun!: () => void;
    const inside = new Promise<void>((resolve) => (begun = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rolledBack = s.db.transaction().execute(async (trx) => {
      await insertStation.run(trx, { id: 'IN-1', at: AT, profile: 1 });
      begun();
      await gate;
      throw new Error('roll back');
    });
    await inside;
    // The transaction is open and holds SQLite's one connection: this insert must not become part of it.
    const outside = insertStation.first(s.db, { id: 'OUT-1', at: AT, profile: 1 });
    release();
    await expect(rolledBack).rejects.toThrow('roll back');
    expect(await outside).toEqual({ id: 'OUT-1', security_profile: 1 });
    expect((await byProfile.all(s.db, { profile: 1, from: '' })).map((r) => r.id)).toEqual(['OUT-1']);
  });

  it('refuse a builder that computes from a parameter, naming the query and the parameter', async () => {
    const flag = prepare('test.flag', (db: Db, p: { id: string; on: boolean }) =>
      db.updateTable('stations').set({ auto_registered: p.on ? 1 : 0 }).where('id', '=', p.id));
    await expect(flag.run(s.db, { id: 'CP-1', on: true })).rejects.toThrow(/test\.flag: parameter on reaches no bound value/);
    const json = prepare('test.json', (db: Db, p: { id: string; tags: string }) =>
      db.updateTable('stations').set({ model: JSON.stringify({ tags: p.tags }) }).where('id', '=', p.id));
    await expect(json.run(s.db, { id: 'CP-1', tags: 'a' })).rejects.toThrow(/test\.json: bound value 1 is computed from a parameter/);
    const shape = prepare('test.shape', (db: Db, p: { id: string }) =>
      db.selectFrom('stations').select('id').$if(p.id.includes('b:'), (q) => q.where('id', '=', p.id)));
    await expect(shape.all(s.db, { id: 'CP-1' })).rejects.toThrow(/test\.shape: its SQL depends on a parameter's value/);
  });

  describe('as steps of a sequence (a TransactionEvent\'s statements)', () => {
    /** Inserts the ids one after another, reading the profile back after each; fails before `failAt` when given. */
    function* insertAll(ids: string[], failAt?: string): Steps<number[]> {
      const profiles: number[] = [];
      for (const id of ids) {
        if (id === failAt) throw new Error(`refused ${id}`);
        const r = yield insertStation.step({ id, at: AT, profile: profiles.length + 1 });
        profiles.push((r.rows[0] as { security_profile: number } | undefined)?.security_profile ?? -1);
      }
      return profiles;
    }
    const ids = async () => (await byProfile.all(s.db, { profile: 1, from: '' })).concat(await byProfile.all(s.db, { profile: 2, from: '' })).map((r) => r.id).sort();

    it('run at once on SQLite, in one transaction that a throw rolls back whole; on PostgreSQL they are left to runSteps', async () => {
      const now = runStepsNow(s.db, () => insertAll(['A-1', 'A-2']));
      if (postgresUrl) {
        expect(now).toBeUndefined();
        expect(await inTransaction(s.db, (trx) => runSteps(trx, insertAll(['A-1', 'A-2'])))).toEqual([1, 2]);
      } else {
        expect(now).toEqual({ value: [1, 2] });
        expect(() => runStepsNow(s.db, () => insertAll(['B-1', 'B-2'], 'B-2'))).toThrow('refused B-2');
      }
      await expect(inTransaction(s.db, (trx) => runSteps(trx, insertAll(['C-1', 'C-2'], 'C-2')))).rejects.toThrow('refused C-2');
      expect(await ids()).toEqual(['A-1', 'A-2']);
    });

    it('join a caller\'s transaction and roll back with it', async () => {
      await expect(s.db.transaction().execute(async (trx) => {
        const steps = () => insertAll(['T-1']);
        const now = runStepsNow(trx, steps);
        if (now === undefined) await runSteps(trx, steps());
        expect((await byProfile.all(trx, { profile: 1, from: '' })).map((r) => r.id)).toEqual(['T-1']);
        throw new Error('roll back');
      })).rejects.toThrow('roll back');
      expect(await ids()).toEqual([]);
    });

    it('outside a transaction while another one is open: not at once (it would join it), and then not lost with its rollback', async () => {
      let begun!: () => void;
      const inside = new Promise<void>((resolve) => (begun = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const rolledBack = s.db.transaction().execute(async (trx) => {
        await insertStation.run(trx, { id: 'IN-1', at: AT, profile: 1 });
        begun();
        await gate;
        throw new Error('roll back');
      });
      await inside;
      expect(runStepsNow(s.db, () => insertAll(['OUT-1']))).toBeUndefined();
      const outside = inTransaction(s.db, (trx) => runSteps(trx, insertAll(['OUT-1'])));
      release();
      await expect(rolledBack).rejects.toThrow('roll back');
      expect(await outside).toEqual([1]);
      expect(await ids()).toEqual(['OUT-1']);
    });
  });

  describe('over several rows at once (prepareRows: the message log\'s and the EVSE state log\'s batches)', () => {
    type Row = { id: string; at: string; security_profile: number };
    const insertMany = prepareRows<Row>('test.insert-rows', ['id', 'at', 'security_profile'], 4, (db, rows) =>
      db.insertInto('stations').values(rows.map((r) => ({ id: r.id, security_profile: r.security_profile, created_at: r.at, updated_at: r.at, model: 'constant model' })))
        .onConflict((oc) => oc.doNothing()));
    const insertRow = prepare('test.insert-row', (db: Db, r: Row) =>
      db.insertInto('stations').values({ id: r.id, security_profile: r.security_profile, created_at: r.at, updated_at: r.at, model: 'constant model' })
        .onConflict((oc) => oc.doNothing()));
    const rows = (prefix: string, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(2, '0')}`, at: AT, security_profile: i % 3 }));
    const stored = async (prefix: string) => (await s.db.selectFrom('stations').select(['id', 'security_profile', 'model', 'created_at'])
      .where('id', 'like', `${prefix}-%`).orderBy('id').execute()).map((r) => [r.id, r.security_profile, r.model, new Date(r.created_at).toISOString()]);
    const expected = (list: Row[]) => list.map((r) => [r.id, r.security_profile, 'constant model', AT]);

    it('write every row, its values in place and the query\'s constants kept, at once on SQLite or step by step', async () => {
      const eleven = rows('R', 11); // two statements of 4, then 3 single rows
      const now = runStepsNow(s.db, () => rowSteps(eleven, insertMany, insertRow));
      if (now === undefined) await inTransaction(s.db, (trx) => runSteps(trx, rowSteps(eleven, insertMany, insertRow)));
      expect(await stored('R')).toEqual(expected(eleven));
      const four = rows('Q', 4);
      expect(Number((await insertMany.run(s.db, four)).numAffectedRows)).toBe(4);
      expect(await stored('Q')).toEqual(expected(four));
    });

    it('refuse a count other than their size, and a builder that computes from a column', async () => {
      await expect(insertMany.run(s.db, rows('W', 3))).rejects.toThrow(/test\.insert-rows: 3 rows given for a statement of 4/);
      expect(await stored('W')).toEqual([]);
      const computed = prepareRows<Row>('test.computed-rows', ['id', 'at', 'security_profile'], 2, (db, list) =>
        db.insertInto('stations').values(list.map((r) => ({ id: r.id, security_profile: r.security_profile + 1, created_at: r.at, updated_at: r.at }))));
      await expect(computed.run(s.db, rows('X', 2))).rejects.toThrow(/test\.computed-rows: parameter 0\.security_profile reaches no bound value/);
    });
  });
});
