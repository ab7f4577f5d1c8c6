/**
 * LeaseKeeper (issue 19) on a manual clock over the real lease repository (SQLite, and PostgreSQL under
 * `npm run test:postgres`): it takes what it keeps, renews every ttl/3, reports a loss when a renewal is refused or
 * none succeeded before the lease expired (a store that throws or does not answer), retries only at ticks, and hands
 * its leases over at once on a graceful stop.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { LeaseKeeper, type LeaseLossReason } from '../../src/cluster/lease-keeper.js';
import type { Lease, LeaseRecord, LeaseStore } from '../../src/domain/leases.js';
import { ManualClock } from '../../src/platform/clock.js';
import { LeaseRepository } from '../../src/storage/lease-repository.js';
import { openTestStorage } from '../helpers/test-database.js';

const TTL = 9_000;
const PERIOD = 3_000;
const SITE = 'site:oslo-depot';
const T0 = Date.parse('2026-12-06T12:00:00.000Z');

/** The real store, with an outage switch: 'throw' fails every call, 'hang' leaves calls unanswered until healed. */
class FlakyStore implements LeaseStore {
  mode: 'up' | 'throw' | 'hang' = 'up';
  calls: { op: string; at: number }[] = [];
  private parked: (() => void)[] = [];
  constructor(private readonly real: LeaseStore, private readonly clock: ManualClock) {}

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    this.calls.push({ op, at: this.clock.now() });
    if (this.mode === 'throw') throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    if (this.mode === 'hang') await new Promise<void>((resolve) => this.parked.push(resolve));
    return fn();
  }
  /** Back up: calls left hanging go through now (late answers). */
  heal(): void {
    this.mode = 'up';
    for (const go of this.parked.splice(0)) go();
  }
  acquire(n: string, h: string, ttl: number, now: number): Promise<Lease | null> { return this.run('acquire', () => this.real.acquire(n, h, ttl, now)); }
  renew(n: string, h: string, e: number, ttl: number, now: number): Promise<Lease | null> { return this.run('renew', () => this.real.renew(n, h, e, ttl, now)); }
  release(n: string, h: string, e: number): Promise<void> { return this.run('release', () => this.real.release(n, h, e)); }
  holds(n: string, h: string, e: number, now: number): Promise<boolean> { return this.run('holds', () => this.real.holds(n, h, e, now)); }
  current(n: string): Promise<LeaseRecord | undefined> { return this.real.current(n); }
  list(): Promise<LeaseRecord[]> { return this.real.list(); }
}

type Event = [string, string, number, number, LeaseLossReason?];

let clock: ManualClock;
let repo: LeaseRepository;
let events: Event[];
let errors: number;

beforeEach(async () => {
  clock = new ManualClock(T0);
  repo = new LeaseRepository((await openTestStorage()).db);
  events = [];
  errors = 0;
});

function keeper(holder: string, store: LeaseStore = repo): LeaseKeeper {
  return new LeaseKeeper({
    store, clock, holder, ttlMs: TTL,
    onAcquired: (name, epoch) => events.push([`${holder} acquired`, name, epoch, clock.now() - T0]),
    onLost: (name, epoch, reason) => events.push([`${holder} lost`, name, epoch, clock.now() - T0, reason]),
    onError: () => void errors++,
  });
}

/** Moves the clock in steps of `step` ms, letting the keepers' store calls finish after each (no real time passes). */
async function run(ms: number, keepers: LeaseKeeper[], step = 1_000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    for (let i = 0; i < 3; i++) for (const k of keepers) await k.idle();
  }
}

describe('LeaseKeeper', () => {
  it('takes a free lease at once and renews it every ttl/3 with the same epoch', async () => {
    const a = keeper('node-a');
    a.keep(SITE);
    await a.idle();
    expect(events).toEqual([['node-a acquired', SITE, 1, 0]]);
    await run(PERIOD, [a]);
    expect(await repo.current(SITE)).toMatchObject({ holder: 'node-a', epoch: 1, renewedAt: '2026-12-06T12:00:03.000Z', expiresAt: '2026-12-06T12:00:12.000Z' });
    await run(10 * TTL, [a]);
    expect(events).toEqual([['node-a acquired', SITE, 1, 0]]);
    expect(a.epochOf(SITE)).toBe(1);
    // Last renewed at 93 s (3 s + 90 s): over at 102 s unless renewed again.
    expect(await repo.current(SITE)).toMatchObject({ holder: 'node-a', epoch: 1, expiresAt: '2026-12-06T12:01:42.000Z' });
    await a.releaseAll();
  });

  it('a second node waits for it and asks only at its ticks, never in a loop', async () => {
    const a = keeper('node-a');
    const bStore = new FlakyStore(repo, clock);
    const b = keeper('node-b', bStore);
    a.keep(SITE);
    await a.idle();
    b.keep(SITE);
    await run(3 * TTL, [a, b]);
    expect(events).toEqual([['node-a acquired', SITE, 1, 0]]);
    // One attempt at keep, then one per tick of ttl/3: 1 + 9 in three ttls.
    expect(bStore.calls.map((c) => c.at - T0)).toEqual([0, ...Array.from({ length: 9 }, (_, i) => (i + 1) * PERIOD)]);
    await a.releaseAll();
    await b.releaseAll();
  });

  it('a store outage longer than the ttl loses the lease when it expires; the other node takes it with the next epoch', async () => {
    const aStore = new FlakyStore(repo, clock);
    const a = keeper('node-a', aStore);
    const b = keeper('node-b');
    a.keep(SITE);
    await a.idle();
    b.keep(SITE);
    await b.idle();
    aStore.mode = 'throw';
    await run(TTL, [a, b]);
    // Renewals at 3 s and 6 s failed; lost at exactly 9 s, the lease's end, before node-b's tick at 9 s takes it.
    expect(events).toEqual([
      ['node-a acquired', SITE, 1, 0],
      ['node-a lost', SITE, 1, TTL, 'expired'],
      ['node-b acquired', SITE, 2, TTL],
    ]);
    // Two failed renewals, then (lease over) a failed attempt to take it again at the 9 s tick.
    expect(errors).toBe(3);
    expect(aStore.calls.map((c) => [c.op, c.at - T0])).toEqual([['acquire', 0], ['renew', PERIOD], ['renew', 2 * PERIOD], ['acquire', TTL]]);
    // Back up, node-a finds the lease taken: it keeps asking at its ticks and gets nothing.
    aStore.heal();
    await run(TTL, [a, b]);
    expect(events).toHaveLength(3);
    expect(a.epochOf(SITE)).toBeUndefined();
    expect(b.epochOf(SITE)).toBe(2);
    await a.releaseAll();
    await b.releaseAll();
  });

  it('a store that does not answer loses the lease at its expiry too; the late extension is released, not used', async () => {
    const aStore = new FlakyStore(repo, clock);
    const a = keeper('node-a', aStore);
    a.keep(SITE);
    await a.idle();
    aStore.mode = 'hang';
    await run(TTL, [], 1_000);
    expect(events).toEqual([['node-a acquired', SITE, 1, 0], ['node-a lost', SITE, 1, TTL, 'expired']]);
    // The renewal sent at 3 s (before expiry) now extends the lease in the database; the keeper gives it back.
    aStore.heal();
    await a.idle();
    expect(await repo.current(SITE)).toMatchObject({ holder: null, epoch: 1 });
    // At its next tick it takes the lease again, with a new epoch.
    await run(PERIOD, [a]);
    expect(events.at(-1)).toEqual(['node-a acquired', SITE, 2, TTL + PERIOD]);
    await a.releaseAll();
  });

  it('a renewal refused because another holder took over is a loss at once', async () => {
    const a = keeper('node-a');
    a.keep(SITE);
    await a.idle();
    // Someone else took it (e.g. node-a's clock ran slow): release its epoch behind its back and take it.
    await repo.release(SITE, 'node-a', 1);
    expect(await repo.acquire(SITE, 'node-x', TTL, T0 + 1)).toMatchObject({ epoch: 2 });
    await run(PERIOD, [a]);
    expect(events).toEqual([['node-a acquired', SITE, 1, 0], ['node-a lost', SITE, 1, PERIOD, 'refused']]);
    await a.releaseAll();
  });

  it('releaseAll reports the loss first, frees every lease and lets another node take it at once', async () => {
    const a = keeper('node-a');
    a.keep(SITE);
    a.keep('job:prices');
    await a.idle();
    await run(1_000, [a]);
    await a.releaseAll();
    expect(events.slice(2).sort()).toEqual([
      ['node-a lost', 'job:prices', 1, 1_000, 'released'],
      ['node-a lost', SITE, 1, 1_000, 'released'],
    ]);
    expect(clock.pendingTimers()).toBe(0);
    expect(() => a.keep('site:other')).toThrow(/stopped/);
    const b = keeper('node-b');
    b.keep(SITE);
    await b.idle();
    expect(events.at(-1)).toEqual(['node-b acquired', SITE, 2, 1_000]);
    await b.releaseAll();
  });

  it('drop releases one name and keeps the others', async () => {
    const a = keeper('node-a');
    a.keep(SITE);
    a.keep('job:prices');
    await a.idle();
    await a.drop(SITE);
    expect(a.held()).toEqual(new Map([['job:prices', 1]]));
    expect(await repo.current(SITE)).toMatchObject({ holder: null });
    await a.releaseAll();
  });

  it('a clock that jumps a day while the store hangs starts at most one replacement attempt, not thousands', async () => {
    const store = new FlakyStore(repo, clock);
    const a = keeper('node-a', store);
    a.keep(SITE);
    await a.idle();
    store.mode = 'hang';
    store.calls = [];
    clock.advance(24 * 3_600_000); // 28,800 ticks fire in this one call
    expect(store.calls.length).toBeLessThanOrEqual(2);
    store.heal();
    await run(PERIOD, [a]);
    expect(a.epochOf(SITE)).toBeDefined();
  });

  it('names a bad ttl', () => {
    expect(() => new LeaseKeeper({ store: repo, clock, holder: 'node-a', ttlMs: 0 })).toThrow(/ttlMs must be a positive integer/);
  });
});
