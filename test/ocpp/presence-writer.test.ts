/**
 * Presence changes are written in batches (src/ocpp/presence-writer.ts): what is written in one turn of the event
 * loop goes to the real store in one transaction, each write resolves once its batch is stored, a failed batch
 * rejects every write in it and the next batch is written anyway.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { PresenceChange } from '../../src/domain/stations.js';
import { PresenceWriter } from '../../src/ocpp/presence-writer.js';
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
  beforeEach(async () => {
    s = await openTestStorage();
    stations = new StationRepository(s.db);
    await s.db.insertInto('stations')
      .values(Array.from({ length: 1200 }, (_, i) => ({ id: `CS-${i}`, security_profile: 1, created_at: AT, updated_at: AT })))
      .execute();
    batches = [];
    failNext = false;
    writer = new PresenceWriter({
      recordPresences: (changes) => {
        batches.push([...changes]);
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('disk full'));
        }
        return stations.recordPresences(changes);
      },
    });
  });

  it('writes a storm of connects in a few transactions, every write resolving once stored', async () => {
    const at = (i: number) => `2026-10-25T01:${String(i % 60).padStart(2, '0')}:00.000Z`;
    await Promise.all(Array.from({ length: 1200 }, (_, i) => writer.write({ id: `CS-${i}`, kind: 'connected', at: at(i) })));
    // 1,200 changes of one turn: batches of at most 500, in the order written.
    expect(batches.map((b) => b.length)).toEqual([500, 500, 200]);
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
});
