import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/platform/map-limit.js';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in the items\' order', async () => {
    let inFlight = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const done = mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight--;
      return n * 10;
    });
    // Release the calls one by one, last started first: the order of the results still follows the items.
    while (gates.length > 0 || inFlight > 0) {
      await Promise.resolve();
      gates.pop()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(most).toBe(2);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(mapLimit([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('two failed');
      return n;
    })).rejects.toThrow('two failed');
    expect(started).toEqual([1, 2]);
  });

  it('names a bad limit, and maps an empty list to an empty list', async () => {
    await expect(mapLimit([1], 0, async (n) => n)).rejects.toThrow(/limit must be a positive integer, got 0/);
    expect(await mapLimit([], 4, async (n: number) => n)).toEqual([]);
  });
});
