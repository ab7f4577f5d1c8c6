import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { SiteLoop } from '../../src/scheduler/site-loop.js';

/**
 * One site's loop on the manual clock (issue 15: its cycle reads the stores, so it awaits): one cycle at a time,
 * triggers that arrive meanwhile coalesce into the next one, a rejected cycle goes to onError and is retried.
 */
const T0 = '2026-11-23T16:05:00Z';

/** A cycle that stays open until the test lets it finish: what an awaited store read looks like to the loop. */
function gatedCycles() {
  const calls: string[][] = [];
  const gates: { open: () => void; fail: (e: Error) => void }[] = [];
  const cycle = (reasons: string[]) => {
    calls.push(reasons);
    return new Promise<void>((resolve, reject) => gates.push({ open: resolve, fail: reject }));
  };
  return { calls, gates, cycle };
}

const turn = () => new Promise<void>((r) => setImmediate(r));
/** A few turns of the event loop: a leading cycle starts after the current I/O (setImmediate), after the one before it ends. */
const turns = async () => {
  for (let i = 0; i < 3; i++) await turn();
};

describe('the site loop', () => {
  it('runs one cycle at a time: triggers during a running cycle become one cycle after it', async () => {
    const clock = new ManualClock(T0);
    const { calls, gates, cycle } = gatedCycles();
    const loop = new SiteLoop({ clock, debounceMs: 2000, slotMs: 900_000, random: () => 0.5, cycle, onError: async () => {} });
    loop.start();
    loop.trigger('a', { leading: true });
    await turn();
    expect(calls).toEqual([['a']]);
    loop.trigger('b');
    loop.trigger('c', { leading: true });
    clock.advance(5000);
    await turn();
    expect(calls).toHaveLength(1); // still running: nothing starts beside it
    expect(loop.busy).toBe(true);
    gates[0]!.open();
    await turns();
    expect(calls[1]).toEqual(['b', 'c']);
    gates[1]!.open();
    await loop.done();
    expect(loop.busy).toBe(false);
    loop.stop();
  });

  it('a rejected cycle goes to onError with its retry time and runs again after the backoff, with its reasons', async () => {
    const clock = new ManualClock(T0);
    const { calls, gates, cycle } = gatedCycles();
    const errors: { message: string; retryAt: number }[] = [];
    const loop = new SiteLoop({
      clock, debounceMs: 2000, slotMs: 900_000, random: () => 0.5, cycle,
      onError: async (err, retryAt) => {
        await turn(); // recording it is a store write: awaited before the loop is free again
        errors.push({ message: (err as Error).message, retryAt });
      },
    });
    loop.start();
    loop.trigger('prices-updated', { leading: true });
    await turn();
    gates[0]!.fail(new Error('database is gone'));
    await loop.done();
    // 5 s base backoff, jitter 0.5 + 0.5 = 1: retried 5 s later.
    expect(errors).toEqual([{ message: 'database is gone', retryAt: Date.parse(T0) + 5000 }]);
    expect(loop.waiting).toBe(true);
    clock.advance(5000);
    await turn();
    expect(calls).toEqual([['prices-updated'], ['prices-updated']]);
    gates[1]!.open();
    await loop.done();
    loop.stop();
  });

  it('an onError that rejects leaves no unhandled rejection and the loop goes on', async () => {
    const clock = new ManualClock(T0);
    const { calls, gates, cycle } = gatedCycles();
    const loop = new SiteLoop({ clock, debounceMs: 2000, slotMs: 900_000, random: () => 0.5, cycle, onError: () => Promise.reject(new Error('log is gone too')) });
    loop.start();
    loop.trigger('a', { leading: true });
    await turn();
    gates[0]!.fail(new Error('first'));
    await loop.done();
    clock.advance(5000);
    await turn();
    expect(calls).toHaveLength(2);
    gates[1]!.open();
    await loop.done();
    loop.stop();
  });
});
