/**
 * TransactionEvents that arrive in one event-loop turn (issue 15, TransactionRepository.applyEvent): on SQLite one
 * transaction with a savepoint per event (group commit), on PostgreSQL each its own as before. On either database
 * the same records come out as when each event is applied alone, a bad event fails alone without leaving anything
 * of itself, an event is answered only once it is committed, and events that meet another open transaction wait
 * for it instead of joining it. Then SQLite's WAL checkpoints, which run on a timer instead of in a commit.
 */
import { describe, expect, it } from 'vitest';
import type { TransactionEventRecord } from '../../src/domain/stations.js';
import { createOcppRepositories, type Db, type Storage } from '../../src/storage/index.js';
import { countAll, observeWrites } from '../../src/storage/sql/dialect.js';
import { checkpointWal, WAL_AUTOCHECKPOINT_PAGES } from '../../src/storage/sql/sqlite.js';
import { MAX_GROUP } from '../../src/storage/turn-group.js';
import { openTestStorage, postgresUrl, testDatabase } from '../helpers/test-database.js';

const AT = '2026-03-29T10:00:00.000Z';
const STATIONS = 6;

const at = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();

const event = (station: number, seqNo: number, over: Partial<TransactionEventRecord> = {}): TransactionEventRecord => ({
  stationId: `CS${station}`, transactionId: `T${station}`, seqNo, eventType: seqNo === 0 ? 'Started' : 'Updated',
  triggerReason: seqNo === 0 ? 'CablePluggedIn' : 'MeterValuePeriodic', timestamp: at(seqNo), offline: false, evseId: 1, connectorId: 1,
  chargingState: 'Charging',
  meterValues: [
    { timestamp: at(seqNo), measurand: 'Energy.Active.Import.Register', value: 1000 * station + 100 * seqNo, unit: 'Wh' },
    { timestamp: at(seqNo), measurand: 'Power.Active.Import', value: 7000 + seqNo, unit: 'W' },
  ],
  payload: { seqNo },
  ...over,
});

async function open(storage?: Storage) {
  const s = storage ?? await openTestStorage();
  const repos = createOcppRepositories(s.db);
  for (let i = 0; i < STATIONS; i++) await repos.stations.register({ id: `CS${i}`, passwordHash: null, securityProfile: 0 }, AT);
  const writes: number[] = [];
  observeWrites(s.db, (_dialect, seconds) => writes.push(seconds));
  return { s, db: s.db, ...repos, writes };
}

async function count(db: Db, table: 'transactions' | 'transaction_events' | 'meter_values') {
  return Number((await db.selectFrom(table).select(countAll().as('n')).executeTakeFirstOrThrow()).n);
}

/** What the database holds of the transactions, their events and samples, in a fixed order. */
async function contents(db: Db) {
  const txs = await db.selectFrom('transactions').select(['station_id', 'transaction_id', 'state', 'last_seq_no', 'energy_wh', 'meter_start_wh', 'evse_id', 'charging_state'])
    .orderBy('station_id').execute();
  const events = await db.selectFrom('transaction_events').select(['station_id', 'seq_no', 'event_type', 'payload']).orderBy('station_id').orderBy('seq_no').execute();
  const samples = await db.selectFrom('meter_values').select(['station_id', 'transaction_id', 'measurand', 'value']).orderBy('station_id').orderBy('measurand').orderBy('value').execute();
  const evses = await db.selectFrom('evses').select(['station_id', 'evse_id', 'current_transaction_id']).orderBy('station_id').execute();
  return { txs, events, samples, evses };
}

const sqlite = !postgresUrl;

describe(`TransactionEvents of one turn on ${sqlite ? 'SQLite (group commit)' : 'PostgreSQL'}`, () => {
  it('store what the same events applied one at a time store, and answer each as it would have been answered', async () => {
    const together = await open();
    const alone = await open();
    const batches = [
      Array.from({ length: STATIONS }, (_, i) => event(i, 0)),
      Array.from({ length: STATIONS }, (_, i) => event(i, 1)),
      // A retransmission and a second event of the same transaction in the same turn, in this order.
      [event(2, 1), event(3, 2), event(3, 3), event(4, 3, { eventType: 'Ended', stoppedReason: 'EVDisconnected' })],
    ];
    for (const batch of batches) {
      const writesBefore = together.writes.length;
      const answers = await Promise.all(batch.map((e) => together.transactions.applyEvent(e, AT)));
      const one: Awaited<ReturnType<typeof alone.transactions.applyEvent>>[] = [];
      for (const e of batch) one.push(await alone.transactions.applyEvent(e, AT));
      // Two events of one transaction at once: SQLite applies a turn's events in the order they came, PostgreSQL in
      // whichever order their row locks are granted (each answer then shows the record after it), so there only the
      // stored result is compared.
      if (sqlite || new Set(batch.map((e) => e.transactionId)).size === batch.length) expect(answers).toEqual(one);
      // SQLite: the turn's events in one write transaction; PostgreSQL: each in its own.
      expect(together.writes.length - writesBefore).toBe(sqlite ? 1 : batch.length);
    }
    expect(await contents(together.db)).toEqual(await contents(alone.db));
    const last = await together.transactions.get('CS3', 'T3');
    expect(last).toMatchObject({ lastSeqNo: 3, energyWh: 3300, state: 'Started' });
    expect(await together.transactions.get('CS4', 'T4')).toMatchObject({ state: 'Ended', stoppedReason: 'EVDisconnected' });
    expect(await count(together.db, 'transaction_events')).toBe(2 * STATIONS + 3);
  });

  it('fail a bad event alone: the others of its turn are stored, nothing of it is (not even its new transaction)', async () => {
    const { db, transactions, meterValues, writes } = await open();
    await transactions.applyEvent(event(0, 0), AT);
    const writesBefore = writes.length;
    // trigger_reason is NOT NULL: this one fails after its transaction row and before its samples were written.
    const bad = event(5, 0, { triggerReason: null as unknown as string });
    const results = await Promise.allSettled([event(0, 1), event(1, 0), bad, event(2, 0), event(0, 2)].map((e) => transactions.applyEvent(e, AT)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/trigger_reason|not-null|NOT NULL/i);
    expect(writes.length - writesBefore).toBe(sqlite ? 1 : 5);
    expect(await transactions.get('CS5', 'T5')).toBeUndefined();
    expect(await meterValues.forTransaction('CS5', 'T5')).toEqual([]);
    expect(await transactions.get('CS0', 'T0')).toMatchObject({ lastSeqNo: 2, energyWh: 200 });
    expect((await transactions.get('CS1', 'T1'))?.state).toBe('Started');
    expect((await transactions.get('CS2', 'T2'))?.state).toBe('Started');
    expect(await count(db, 'transactions')).toBe(3);
    expect(await count(db, 'transaction_events')).toBe(5);
    // The station's meter thinning started over: its next event still stores its samples.
    await transactions.applyEvent(event(5, 0), AT);
    expect(await meterValues.forTransaction('CS5', 'T5')).toHaveLength(2);
  });

  it('answer an event only once it is committed: another connection sees it when its promise resolves', async () => {
    const t = await testDatabase({ file: true });
    const { transactions } = await open(await t.open());
    const other = await t.open();
    const seen: boolean[] = [];
    const check = (station: number) => () => {
      // SQLite: read synchronously from the other connection in the callback itself (nothing can commit meanwhile).
      const row = other.sqlite?.prepare('SELECT count(*) AS n FROM transaction_events WHERE station_id = ?').get(`CS${station}`) as { n: number } | undefined;
      if (row) seen.push(row.n === 1);
    };
    await Promise.all([0, 1, 2].map((i) => transactions.applyEvent(event(i, 0), AT).then(check(i))));
    if (other.sqlite) expect(seen).toEqual([true, true, true]);
    expect(await count(other.db, 'transaction_events')).toBe(3);
  });

  it('wait for another transaction open on the connection instead of joining it, and outlive its rollback', async () => {
    const { db, transactions, writes } = await open();
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const other = db.transaction().execute(async (trx) => {
      await trx.updateTable('stations').set({ model: 'rolled back' }).where('id', '=', 'CS0').execute();
      await held;
      throw new Error('roll back');
    });
    await new Promise((r) => setImmediate(r));
    const applied = Promise.all([0, 1, 2].map((i) => transactions.applyEvent(event(i, 0), AT)));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    release();
    await expect(other).rejects.toThrow('roll back');
    expect((await applied).map((a) => a.duplicate)).toEqual([false, false, false]);
    expect(await count(db, 'transaction_events')).toBe(3);
    expect(await count(db, 'meter_values')).toBe(6);
    expect((await db.selectFrom('stations').select('model').where('id', '=', 'CS0').executeTakeFirstOrThrow()).model).toBeNull();
    expect(writes.length).toBeGreaterThanOrEqual(3);
  });

  it(`commit a turn of more than ${MAX_GROUP} events in transactions of at most ${MAX_GROUP}`, async () => {
    const { db, transactions, writes } = await open();
    const n = 2 * MAX_GROUP + 50;
    const events = Array.from({ length: n }, (_, k) => event(k % STATIONS, Math.floor(k / STATIONS)));
    const writesBefore = writes.length;
    const all = Promise.all(events.map((e) => transactions.applyEvent(e, AT)));
    if (sqlite) {
      // One group per turn of the event loop: after the first turn only the first group is in (the messages that
      // arrive meanwhile are read between the groups).
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes.length - writesBefore).toBe(1);
    }
    const answers = await all;
    expect(answers.every((a) => !a.duplicate)).toBe(true);
    expect(writes.length - writesBefore).toBe(sqlite ? 3 : n);
    expect(await count(db, 'transaction_events')).toBe(n);
    const lastSeq = Math.floor((n - 1) / STATIONS);
    expect((await transactions.get('CS0', 'T0'))?.lastSeqNo).toBe(lastSeq);
  });
});

describe.skipIf(!sqlite)('SQLite WAL checkpoints', () => {
  it(`run on a timer (checkpointWal): the commit path checkpoints only past ${WAL_AUTOCHECKPOINT_PAGES} pages`, async () => {
    const t = await testDatabase({ file: true });
    const s = await t.open();
    const handle = s.sqlite!;
    expect(handle.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_PAGES);
    const { transactions } = await open(s);
    await Promise.all(Array.from({ length: STATIONS }, (_, i) => transactions.applyEvent(event(i, 0), AT)));
    expect(checkpointWal(handle)).toBe(true);
    // Everything in the WAL is in the database file now: a second checkpoint finds every frame done.
    const [state] = handle.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    expect(state!.busy).toBe(0);
    expect(state!.checkpointed).toBe(state!.log);
    // Not inside a transaction open on the connection; not once closed.
    handle.exec('BEGIN');
    expect(checkpointWal(handle)).toBe(false);
    handle.exec('ROLLBACK');
    await s.close();
    expect(checkpointWal(handle)).toBe(false);
    const again = await t.open();
    expect(await count(again.db, 'transaction_events')).toBe(STATIONS);
  });
});
