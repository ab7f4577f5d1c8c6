/**
 * The handshake queue is worked off a bounded share of each event-loop turn (src/ocpp/handshake-guard.ts,
 * ocpp.limits.handshakesPerTurn and handshakeTurnMs): a reconnect storm's handshakes may not fill a turn while the
 * connected stations' frames wait (issue 20, the storm's probe heartbeat). A manual clock stands for the CPU time a
 * handshake takes (each run advances it); the guard's yieldTurn counts the turns.
 */
import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { HandshakeGuard } from '../../src/ocpp/handshake-guard.js';
import { DEFAULT_TURN_LIMITS, type ConnectLimits, type TurnLimits } from '../../src/ocpp/handshake-limits.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';

const CONNECT: ConnectLimits = {
  handshakesPerAddressPerMinute: 100_000, failuresPerAddressPerMinute: 1000, maxPendingHandshakes: 100_000, maxConnections: 100_000,
  listenBacklog: 200, handshakeTimeoutSeconds: 10, backoffInitialSeconds: 10, backoffMaxSeconds: 600,
};

describe('HandshakeGuard: handshakes per event-loop turn', () => {
  let clock: ManualClock;
  let turns: number;
  /** Per handshake started, the turn it started in. */
  let startedIn: number[];
  /** The test a guard belongs to: a turn a former test's guard still awaits is not counted. */
  let generation = 0;
  const guardWith = (limits: Partial<TurnLimits>) => {
    const mine = generation;
    return new HandshakeGuard(clock, silentLogger(), { ...CONNECT, ...limits }, async () => {
      await nextTurn();
      if (mine === generation) turns++;
    });
  };
  /** Queues `n` handshakes that each cost `ms` of the clock and finish without I/O (SQLite), and waits for all. */
  const storm = async (guard: HandshakeGuard, n: number, ms: number, from = 0) => {
    const done = Array.from({ length: n }, (_, i) => new Promise<number>((resolve) => {
      guard.handle(new PassThrough(), `10.0.0.${(from + i) % 250}`, 0, async () => {
        startedIn.push(turns);
        clock.advance(ms);
        await Promise.resolve();
        resolve(i);
      });
    }));
    return Promise.all(done);
  };
  const perTurn = () => {
    const counts = new Map<number, number>();
    for (const t of startedIn) counts.set(t, (counts.get(t) ?? 0) + 1);
    return [...counts.values()];
  };

  beforeEach(() => {
    clock = new ManualClock('2026-10-25T00:00:00Z');
    turns = 0;
    startedIn = [];
    generation++;
  });

  it('starts at most handshakesPerTurn in a turn, beginning in the turn after they arrived', async () => {
    const guard = guardWith({ handshakesPerTurn: 8, handshakeTurnMs: 4 });
    await storm(guard, 20, 0);
    expect(perTurn()).toEqual([8, 8, 4]);
    // None started in the turn that queued them (turn 0: the poll phase's upgrades all join the queue first).
    expect(startedIn[0]).toBe(1);
    expect(guard.gate.pending).toBe(0);
  });

  it('ends a turn once its handshakes took handshakeTurnMs, always starting one', async () => {
    const guard = guardWith({ handshakesPerTurn: 8, handshakeTurnMs: 4 });
    // 1.5 ms each: 0 -> 1.5 -> 3 -> 4.5 ms, the third ends past 4 ms.
    await storm(guard, 10, 1.5);
    expect(perTurn()).toEqual([3, 3, 3, 1]);
    startedIn = [];
    // Each slower than the whole budget: one per turn, never none.
    await storm(guard, 3, 25);
    expect(perTurn()).toEqual([1, 1, 1]);
  });

  it('a handshake waiting for I/O (PostgreSQL) holds the turn only until the next one: the queue goes on', async () => {
    const guard = guardWith({ handshakesPerTurn: 8, handshakeTurnMs: 4 });
    const release: (() => void)[] = [];
    const started: number[] = [];
    for (let i = 0; i < 3; i++) {
      guard.handle(new PassThrough(), '10.0.0.1', 0, () => {
        started.push(turns);
        return new Promise<void>((resolve) => release.push(resolve));
      });
    }
    while (started.length < 3) await nextTurn();
    // All three started while none had its answer, one per turn.
    expect(started).toEqual([1, 2, 3]);
    expect(guard.gate.pending).toBe(3);
    for (const r of release) r();
    await nextTurn();
    expect(guard.gate.pending).toBe(0);
  });

  it('a failing handshake ends its admission and the queue goes on', async () => {
    const guard = guardWith({});
    const ran: number[] = [];
    for (let i = 0; i < 3; i++) {
      guard.handle(new PassThrough(), '10.0.0.1', 0, () => {
        ran.push(i);
        return i === 1 ? Promise.reject(new Error('store down')) : Promise.resolve();
      });
    }
    while (ran.length < 3) await nextTurn();
    await nextTurn();
    expect(ran).toEqual([0, 1, 2]);
    expect(guard.gate.pending).toBe(0);
  });

  it('after close() the queue is dropped and a pump started later is the only one: still handshakesPerTurn a turn', async () => {
    const guard = guardWith({ handshakesPerTurn: 2, handshakeTurnMs: 4 });
    const dropped = new PassThrough();
    guard.handle(dropped, '10.0.0.1', 0, () => Promise.resolve());
    guard.handle(new PassThrough(), '10.0.0.1', 0, () => Promise.resolve());
    guard.close();
    expect(dropped.destroyed).toBe(true);
    startedIn = [];
    await storm(guard, 6, 0);
    expect(perTurn()).toEqual([2, 2, 2]);
  });

  it('defaults apply where unset, and a bad limit names its field', () => {
    expect(DEFAULT_TURN_LIMITS.handshakesPerTurn).toBeGreaterThan(0);
    expect(() => guardWith({ handshakesPerTurn: 0 })).toThrow(/ocpp\.limits\.handshakesPerTurn must be a positive integer/);
    expect(() => guardWith({ handshakeTurnMs: -1 })).toThrow(/ocpp\.limits\.handshakeTurnMs must be a positive number/);
  });
});
