import { describe, expect, it } from 'vitest';
import { TurnBatchedLookup } from '../../src/platform/turn-lookup.js';

/** Turns under the test's control: each `turn()` lets the lookups waiting for a turn run. */
function manualTurns() {
  let waiting: (() => void)[] = [];
  return {
    yieldTurn: () => new Promise<void>((resolve) => waiting.push(resolve)),
    async turn() {
      const now = waiting;
      waiting = [];
      for (const go of now) go();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

describe('TurnBatchedLookup', () => {
  it('answers the questions of one turn with one lookup of their distinct keys, the next turn\'s with another', async () => {
    const turns = manualTurns();
    const asked: string[][] = [];
    const members = new Set(['b', 'd']);
    const lookup = new TurnBatchedLookup(async (keys: string[]) => {
      asked.push(keys);
      return new Set(keys.filter((k) => members.has(k)));
    }, 500, turns.yieldTurn);
    const first = Promise.all(['a', 'b', 'a', 'c'].map((k) => lookup.has(k)));
    expect(asked).toEqual([]); // nothing is read in the turn the questions are asked
    await turns.turn();
    expect(await first).toEqual([false, true, false, false]);
    const second = Promise.all(['d', 'e'].map((k) => lookup.has(k)));
    await turns.turn();
    expect(await second).toEqual([true, false]);
    expect(asked).toEqual([['a', 'b', 'c'], ['d', 'e']]);
  });

  it('reads at most maxKeys keys at a time', async () => {
    const turns = manualTurns();
    const asked: number[][] = [];
    const lookup = new TurnBatchedLookup(async (keys: number[]) => {
      asked.push(keys);
      return new Set(keys.filter((k) => k % 2 === 0));
    }, 2, turns.yieldTurn);
    const answers = Promise.all([1, 2, 3, 4, 5].map((k) => lookup.has(k)));
    await turns.turn();
    expect(await answers).toEqual([false, true, false, true, false]);
    expect(asked).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects the questions of a lookup that failed, and the next turn reads again', async () => {
    const turns = manualTurns();
    let fail = true;
    const lookup = new TurnBatchedLookup(async (keys: string[]) => {
      if (fail) throw new Error('database gone');
      return new Set(keys);
    }, 500, turns.yieldTurn);
    const failed = Promise.allSettled([lookup.has('a'), lookup.has('b')]);
    await turns.turn();
    expect((await failed).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    const again = lookup.has('a');
    await turns.turn();
    expect(await again).toBe(true);
  });

  it('waits for a real turn of the event loop by default', async () => {
    const lookup = new TurnBatchedLookup(async (keys: string[]) => new Set(keys));
    expect(await Promise.all([lookup.has('x'), lookup.has('y')])).toEqual([true, true]);
  });
});
