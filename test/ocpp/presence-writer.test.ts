/**
 * Presence changes are written in batches (src/ocpp/presence-writer.ts): what is written in one turn of the event
 * loop goes to the real store in one transaction, each write resolves once its batch is stored, a failed batch
 * rejects every write in it and the next batch is written anyway. A batch is bounded by rows and by time: the next
 * one is sized from the last one's time per row (a manual clock, advanced by the store wrapper per row written).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PresenceChange } from '../../src/domain/stations.js';
import { PresenceWriter } from '../../src/ocpp/presence-writer.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Storage } from '../../src/storage/database.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { openTestStorage } from '../helpers/test-database.js';

const AT = '2026-10-25T00:30:00.000Z';

describe('PresenceWriter', () => {
  let s: Storage;
  let stations: StationRepository;
  let batches: PresenceChange[][];
  let failNext: boolean;
  let writer: PresenceWriter;
  let clock: ManualClock;
  /** What one row costs the store, in the manual clock's milliseconds (a batch's time is rows x this). */
  let msPerRow: number;
  /** The event-loop turn each batch was written in (counted by the writer's yieldTurn). */
  let turns: number;
  let batchTurns: number[];
  const writerWith = (limits: { presenceBatchRows?: number; presenceBatchMs?: number }) => new PresenceWriter({
    recordPresences: async (changes) => {
      batches.push([...changes]);
      batchTurns.push(turns);
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      await stations.recordPresences(changes);
      clock.advance(changes.length * msPerRow);
    },
  }, clock, limits, async () => {
    await nextTurn();
    turns++;
  });
  /** Every write resolved, and the turn they resolved in is over (the writer sizes the next batch at its end). */
  const all = async (writes: Promise<unknown>[]) => {
    await Promise.all(writes);
    await nextTurn();
  };
  beforeEach(async () => {
    s = await openTestStorage();
    stations = new StationRepository(s.db);
    await s.db.insertInto('stations')
      .values(Array.from({ length: 1200 }, (_, i) => ({ id: `CS-${i}`, security_profile: 1, created_at: AT, updated_at: AT })))
      .execute();
    batches = [];
    batchTurns = [];
    turns = 0;
    failNext = false;
    clock = new ManualClock(AT);
    msPerRow = 0;
    writer = writerWith({});
  });

  it('writes a storm of connects in a few transactions, every write resolving once stored', async () => {
    const at = (i: number) => `2026-10-25T01:${String(i % 60).padStart(2, '0')}:00.000Z`;
    await all(Array.from({ length: 1200 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'connected', at: at(i) })));
    // 1,200 changes of one turn, rows taking no measurable time: from 32 rows, each full batch doubles the next up to
    // the 500 rows of the default, in the order written, one batch per turn from the next one on.
    expect(batches.map((b) => b.length)).toEqual([32, 64, 128, 256, 500, 220]);
    expect(batchTurns).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches.flat().map((c) => c.id)).toEqual(Array.from({ length: 1200 }, (_, i) => `CS-${i}`));
    for (const i of [0, 499, 500, 1199]) {
      const r = await stations.get(`CS-${i}`);
      expect([r?.lastConnectedAt, r?.lastSeenAt]).toEqual([at(i), at(i)]);
    }
  });

  it('keeps a station\'s changes in order across turns, and a failed batch rejects its writes only', async () => {
    failNext = true;
    const first = [writer.write({ id: 'CS-1', kind: 'connected', at: AT }), writer.write({ id: 'CS-2', kind: 'connected', at: AT })];
    const settled = await Promise.allSettled(first);
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await stations.get('CS-1'))?.lastConnectedAt).toBeNull();

    await writer.write({ id: 'CS-1', kind: 'connected', at: '2026-10-25T02:00:00.000Z' });
    await writer.write({ id: 'CS-1', kind: 'disconnected', at: '2026-10-25T02:05:00.000Z' });
    const r = await stations.get('CS-1');
    expect([r?.lastConnectedAt, r?.lastDisconnectedAt, r?.lastSeenAt])
      .toEqual(['2026-10-25T02:00:00.000Z', '2026-10-25T02:05:00.000Z', '2026-10-25T02:05:00.000Z']);
    expect(batches.map((b) => b.length)).toEqual([2, 1, 1]);
  });

  it('sizes each batch to take at most presenceBatchMs at the last batch\'s time per row', async () => {
    writer = writerWith({ presenceBatchRows: 500, presenceBatchMs: 8 });
    msPerRow = 1 / 16; // 128 rows fit 8 ms
    await all(Array.from({ length: 1000 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'connected', at: AT })));
    // 32 (2 ms), 64 (4 ms), then 128 rows of 8 ms each: the doubling stops where the time is spent.
    expect(batches.map((b) => b.length)).toEqual([32, 64, 128, 128, 128, 128, 128, 128, 128, 8]);
    expect(batches.flat().map((c) => c.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `CS-${i}`));
    expect(writer.batchRows).toBe(128);

    // The store slows down (1 ms a row): one batch over the budget, then 8 rows per batch.
    batches = [];
    msPerRow = 1;
    await all(Array.from({ length: 200 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'disconnected', at: AT })));
    expect(batches.map((b) => b.length)).toEqual([128, 8, 8, 8, 8, 8, 8, 8, 8, 8]);
    expect(writer.batchRows).toBe(8);

    // Slower than the budget per row: one row per batch, never none.
    batches = [];
    msPerRow = 20;
    await all(Array.from({ length: 3 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'connected', at: AT })));
    expect(batches.map((b) => b.length)).toEqual([3]);
    expect(writer.batchRows).toBe(1);
    batches = [];
    await all(Array.from({ length: 3 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'connected', at: AT })));
    expect(batches.map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it('counts what a batch\'s resolved writes set off in its turn (the announcements) as the batch\'s time', async () => {
    // A store that commits without I/O, as SQLite does (on PostgreSQL the commit waits for I/O and its end counts):
    // the batch, its writes' resolution and what that sets off all run in one turn.
    writer = new PresenceWriter({ recordPresences: async (changes) => void batches.push([...changes]) }, clock, { presenceBatchRows: 500, presenceBatchMs: 8 });
    // The store takes no time; each write's continuation (the server's announcement: listeners that write and read
    // the store, on SQLite in the same turn's microtasks) costs 1/16 ms, a few promise hops after it resolved.
    const announced = (i: number) => writer.write({ id: `CS-${i}`, kind: 'connected', at: AT })
      .then(() => Promise.resolve())
      .then(() => clock.advance(1 / 16));
    await all(Array.from({ length: 600 }, (_, i) => announced(i)));
    // As if the rows themselves took 1/16 ms: 128 rows fit 8 ms, the doubling stops there.
    expect(batches.map((b) => b.length)).toEqual([32, 64, 128, 128, 128, 120]);
    expect(writer.batchRows).toBe(128);
  });

  it('a change written while a batch is stored joins a later batch of the same flush, in order', async () => {
    const order: string[] = [];
    const first = writer.write({ id: 'CS-1', kind: 'connected', at: AT }).then(() => {
      order.push('CS-1');
      return writer.write({ id: 'CS-2', kind: 'connected', at: AT }).then(() => order.push('CS-2'));
    });
    await first;
    expect(order).toEqual(['CS-1', 'CS-2']);
    expect(batches.map((b) => b.map((c) => c.id))).toEqual([['CS-1'], ['CS-2']]);
    expect(batchTurns).toEqual([1, 2]);
  });

  it('a small batch within the time does not shrink the next; presenceBatchRows caps the growth', async () => {
    writer = writerWith({ presenceBatchRows: 100, presenceBatchMs: 8 });
    msPerRow = 1 / 128;
    // A trickle of 3 changes a turn keeps the size it had.
    await all(Array.from({ length: 3 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'connected', at: AT })));
    expect(writer.batchRows).toBe(32);
    batches = [];
    await all(Array.from({ length: 400 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'connected', at: AT })));
    expect(batches.map((b) => b.length)).toEqual([32, 64, 100, 100, 100, 4]);
  });

  it('refuses limits that are not positive, naming the field', () => {
    expect(() => writerWith({ presenceBatchRows: 0 })).toThrow(/ocpp\.limits\.presenceBatchRows must be a positive integer/);
    expect(() => writerWith({ presenceBatchRows: 2.5 })).toThrow(/presenceBatchRows/);
    expect(() => writerWith({ presenceBatchMs: Number.NaN })).toThrow(/ocpp\.limits\.presenceBatchMs must be a positive number/);
  });
});
