/**
 * Rate-limit windows in the database (issue 19), on SQLite and PostgreSQL: counted per key and window length,
 * started again when the window is over, read without counting, and long-over rows pruned.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { RateWindowRepository } from '../../src/storage/rate-window-repository.js';
import { MemoryRateWindows } from '../../src/http/auth/rate-windows.js';
import { openTestStorage } from '../helpers/test-database.js';

const MINUTE = 60_000;

describe('rate windows in the database', () => {
  it('count hits per key and window, start a new window when the last is over, and peek without counting', async () => {
    const storage = await openTestStorage();
    const clock = new ManualClock('2026-12-06T10:00:00Z');
    const db = new RateWindowRepository(storage.db, clock);
    const memory = new MemoryRateWindows(clock);
    for (const w of [db, memory]) {
      expect(await w.peek('a', MINUTE)).toEqual({ count: 0, ttl: 0 });
      expect(await w.hit('a', MINUTE)).toEqual({ count: 1, ttl: MINUTE });
      clock.advance(20_000);
      expect(await w.hit('a', MINUTE)).toEqual({ count: 2, ttl: 40_000 });
      // The same key under another window length, and another key, count apart.
      expect(await w.hit('a', 3_600_000)).toEqual({ count: 1, ttl: 3_600_000 });
      expect(await w.hit('b', MINUTE)).toEqual({ count: 1, ttl: MINUTE });
      expect(await w.peek('a', MINUTE)).toEqual({ count: 2, ttl: 40_000 });
      clock.advance(40_000);
      expect(await w.peek('a', MINUTE)).toEqual({ count: 0, ttl: 0 });
      expect(await w.hit('a', MINUTE)).toEqual({ count: 1, ttl: MINUTE });
      clock.advance(-60_000); // the next round starts where this one did
    }
  });

  it('two repositories on one database (two nodes) count against the same window', async () => {
    const storage = await openTestStorage();
    const clock = new ManualClock('2026-12-06T10:00:00Z');
    const nodeA = new RateWindowRepository(storage.db, clock);
    const nodeB = new RateWindowRepository(storage.db, clock);
    await nodeA.hit('login', MINUTE);
    await nodeB.hit('login', MINUTE);
    await Promise.all([nodeA.hit('login', MINUTE), nodeB.hit('login', MINUTE), nodeA.hit('login', MINUTE)]);
    expect(await nodeB.peek('login', MINUTE)).toEqual({ count: 5, ttl: MINUTE });
  });

  it('prunes the rows of windows over more than an hour ago', async () => {
    const storage = await openTestStorage();
    const clock = new ManualClock('2026-12-06T10:00:00Z');
    const w = new RateWindowRepository(storage.db, clock);
    await w.hit('old', MINUTE);
    clock.advance(2 * 3_600_000);
    await w.hit('new', MINUTE);
    expect(await w.prune()).toBe(1);
    expect(await w.peek('new', MINUTE)).toMatchObject({ count: 1 });
    expect((await storage.db.selectFrom('rate_windows').select('key').execute()).map((r) => r.key)).toEqual([`${MINUTE}:new`]);
  });
});
