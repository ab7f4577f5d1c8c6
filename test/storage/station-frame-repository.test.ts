/**
 * The station page's message log in the database (issue 16, migration 0024) on SQLite and PostgreSQL: each station's
 * newest 100 frames in 100 slots, newest first, across batches, within one batch larger than 100, and across two
 * repositories on one database (a station that moved to another node continues its sequence).
 */
import { describe, expect, it } from 'vitest';
import { StationFrameRepository } from '../../src/storage/station-frame-repository.js';
import type { StationFrame } from '../../src/domain/station-frames.js';
import { openTestStorage } from '../helpers/test-database.js';

const frame = (stationId: string, n: number): StationFrame => ({
  stationId, at: new Date(Date.UTC(2026, 11, 7, 3, 0, n)).toISOString(), direction: n % 2 ? 'out' : 'in',
  type: n % 2 ? 'CALLRESULT' : 'CALL', messageId: `m${n}`, action: n === 7 ? null : 'Heartbeat', payload: `{"n":${n}}`, payloadChars: 8 + String(n).length,
});
const ids = (frames: StationFrame[]) => frames.map((f) => f.messageId);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('the station message log store', () => {
  it('keeps each station’s newest 100, newest first, across batches and within one large batch', async () => {
    const storage = await openTestStorage();
    const repo = new StationFrameRepository(storage.db);
    await repo.append(range(0, 30).map((n) => frame('A', n)));
    expect(await repo.newest('A', 100)).toHaveLength(30);
    expect((await repo.newest('A', 3))[2]).toEqual(frame('A', 27));
    expect((await repo.newest('A', 30)).find((f) => f.messageId === 'm7')).toEqual(frame('A', 7));
    // 230 more in one batch with another station's between them.
    await repo.append([...range(30, 160).map((n) => frame('A', n)), frame('B', 0), ...range(160, 260).map((n) => frame('A', n))]);
    expect(ids(await repo.newest('A', 100))).toEqual(range(160, 260).reverse().map((n) => `m${n}`));
    expect(ids(await repo.newest('A', 500))).toHaveLength(100);
    expect(ids(await repo.newest('B', 100))).toEqual(['m0']);
    for (let batch = 0; batch < 5; batch++) await repo.append(range(300 + batch * 30, 330 + batch * 30).map((n) => frame('A', n)));
    expect(ids(await repo.newest('A', 100))).toEqual(range(350, 450).reverse().map((n) => `m${n}`));
    const rows = await storage.db.selectFrom('station_frames').select(['station_id']).execute();
    expect(rows.filter((r) => r.station_id === 'A')).toHaveLength(100);
    expect(await repo.newest('NONE', 100)).toEqual([]);
  });

  it('two repositories on one database (the station moved to another node and back) continue one sequence', async () => {
    const storage = await openTestStorage();
    const nodeA = new StationFrameRepository(storage.db);
    const nodeB = new StationFrameRepository(storage.db);
    await nodeA.append(range(0, 60).map((n) => frame('S', n)));
    await nodeB.append(range(60, 130).map((n) => frame('S', n)));
    await nodeA.append(range(130, 140).map((n) => frame('S', n)));
    expect(ids(await nodeB.newest('S', 100))).toEqual(range(40, 140).reverse().map((n) => `m${n}`));
    // Named connections: each node reads the sequence once per connection, then numbers on from memory.
    const on = (connection: string, from: number, to: number) => range(from, to).map((n) => ({ ...frame('T', n), connection }));
    await nodeA.append(on('a1', 0, 30));
    await nodeA.append(on('a1', 30, 50));
    await nodeB.append(on('b1', 50, 120)); // the station moved to node B
    await nodeA.append(on('a2', 120, 125)); // and back to node A on a new connection
    await nodeA.append(on('a2', 125, 130));
    expect(ids(await nodeA.newest('T', 100))).toEqual(range(30, 130).reverse().map((n) => `m${n}`));
  });

  it('a batch of several stations new to this node reads their sequences together: each continues its own, a new one starts at 0', async () => {
    const storage = await openTestStorage();
    const nodeA = new StationFrameRepository(storage.db);
    const nodeB = new StationFrameRepository(storage.db);
    await nodeA.append([...range(0, 40).map((n) => frame('P', n)), ...range(0, 130).map((n) => frame('Q', n))]);
    // P, Q and R (no frames yet) reach node B in one batch, interleaved.
    await nodeB.append([frame('R', 0), frame('P', 40), frame('Q', 130), frame('R', 1), frame('P', 41)]);
    expect(ids(await nodeB.newest('P', 3))).toEqual(['m41', 'm40', 'm39']);
    expect(ids(await nodeB.newest('Q', 100))).toEqual(range(31, 131).reverse().map((n) => `m${n}`));
    expect(ids(await nodeB.newest('R', 100))).toEqual(['m1', 'm0']);
    const seqs = await storage.db.selectFrom('station_frames').select(['station_id', 'seq']).where('station_id', 'in', ['P', 'R']).execute();
    expect(Math.max(...seqs.filter((r) => r.station_id === 'P').map((r) => Number(r.seq)))).toBe(41);
    expect(seqs.filter((r) => r.station_id === 'R').map((r) => Number(r.seq)).sort()).toEqual([0, 1]);
  });
});
