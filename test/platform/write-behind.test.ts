/**
 * The write-behind queue (src/platform/write-behind.ts) the message log and the EVSE state log share: a window on the
 * injected clock, one write at a time, at most maxBatch items per write with the rest written from the next turn, a
 * bounded queue, failures reported and not thrown, settled() writing what waits at once.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { WriteBehind, type WriteBehindOptions } from '../../src/platform/write-behind.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A store whose writes each wait until the test releases (or fails) them. */
function harness(o: Partial<WriteBehindOptions<number>> = {}) {
  const batches: number[][] = [];
  const open: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const errors: [string, number][] = [];
  const drops: [number, number][] = [];
  const queue = new WriteBehind<number>({
    write: (batch) => {
      batches.push([...batch]);
      return new Promise<void>((resolve, reject) => open.push({ resolve, reject }));
    },
    onError: (err, items) => errors.push([(err as Error).message, items]),
    maxPending: 1000,
    onDrop: (dropped, total) => drops.push([dropped, total]),
    ...o,
  });
  const release = async () => {
    open.shift()!.resolve();
    await turn();
  };
  return { queue, batches, open, errors, drops, release };
}

describe('write-behind', () => {
  it('without a window: a turn\'s items are one write in the next turn, one write at a time', async () => {
    const h = harness();
    h.queue.add(1);
    h.queue.add(2);
    expect(h.batches).toEqual([]);
    await turn();
    expect(h.batches).toEqual([[1, 2]]);
    h.queue.add(3);
    await turn();
    h.queue.add(4);
    await turn();
    expect(h.batches).toHaveLength(1); // waiting for the first write
    await h.release();
    await turn();
    expect(h.batches).toEqual([[1, 2], [3, 4]]);
    const settled = h.queue.settled();
    await h.release();
    await settled;
  });

  it('with a window: written when the window ends on the clock, or at once by settled()', async () => {
    const clock = new ManualClock('2026-12-07T10:00:00Z');
    const h = harness({ window: { clock, ms: 250 } });
    h.queue.add(1);
    await turn();
    h.queue.add(2); // a later turn, the same window
    await turn();
    clock.advance(249);
    expect(h.batches).toEqual([]);
    clock.advance(1);
    expect(h.batches).toEqual([[1, 2]]);
    await h.release();
    h.queue.add(3);
    const settled = h.queue.settled();
    await turn();
    expect(h.batches).toEqual([[1, 2], [3]]);
    await h.release();
    await settled;
    expect(h.queue.waiting).toBe(0);
  });

  it('at most maxBatch items per write; a full batch waits for no window, the rest does', async () => {
    const clock = new ManualClock('2026-12-07T10:00:00Z');
    const h = harness({ window: { clock, ms: 250 }, maxBatch: 3 });
    for (let i = 1; i <= 7; i++) h.queue.add(i);
    await turn();
    expect(h.batches).toEqual([[1, 2, 3]]);
    await h.release();
    await turn();
    expect(h.batches).toEqual([[1, 2, 3], [4, 5, 6]]);
    await h.release();
    await turn();
    expect(h.batches).toHaveLength(2); // one item left: it waits for the window
    clock.advance(250);
    expect(h.batches.at(-1)).toEqual([7]);
    await h.release();
  });

  it('a failed write is reported with its size, not thrown, and the next batch is written', async () => {
    const h = harness();
    h.queue.add(1);
    await turn();
    h.queue.add(2);
    h.open.shift()!.reject(new Error('disk full'));
    await turn();
    await turn();
    expect(h.errors).toEqual([['disk full', 1]]);
    expect(h.batches).toEqual([[1], [2]]);
    const settled = h.queue.settled();
    await h.release();
    await settled;
  });

  it('a write that throws at once is reported the same way', async () => {
    const errors: number[] = [];
    const queue = new WriteBehind<number>({
      write: () => { throw new Error('no connection'); },
      onError: (_err, items) => errors.push(items),
      maxPending: 10,
      onDrop: () => {},
    });
    queue.add(1);
    queue.add(2);
    await queue.settled();
    expect(errors).toEqual([2]);
  });

  it('beyond maxPending drops the oldest half, counted; compact shrinks a batch before it is written', async () => {
    const h = harness({ maxPending: 4, compact: (batch) => batch.filter((n) => n % 2 === 0) });
    h.queue.add(0);
    await turn(); // the first write hangs
    for (let i = 1; i <= 6; i++) h.queue.add(i);
    expect(h.drops).toEqual([[2, 2]]);
    expect(h.queue.dropped).toBe(2);
    await h.release();
    await turn();
    expect(h.batches).toEqual([[0], [4, 6]]); // 1 and 2 dropped, 3 and 5 compacted away
    await h.release();
    await h.queue.settled();
  });
});
