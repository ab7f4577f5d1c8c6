/**
 * Keeps a node's named leases (issue 19: the sites it plans, the once-per-cluster jobs it runs) on the injected
 * clock: takes each name it is asked to keep as soon as it is free, renews what it holds every ttl/3, and says so
 * through onAcquired(name, epoch) and onLost(name, epoch, reason). A lease counts as lost when a renewal is refused
 * (another holder took it) or when no renewal succeeded before it expired, whatever the store did meanwhile (threw,
 * or did not answer at all): from then on the holder must stop acting under that epoch, and the store's fencing
 * check (LeaseStore.holds) refuses its writes anyway. A failed attempt is tried again at the next tick, never at once
 * (CitrineOS's lock retry looped without a delay, issues #178 and #223). releaseAll() on a graceful stop frees every
 * lease at once, so another node takes over without waiting for the ttl.
 */
import type { LeaseStore } from '../domain/leases.js';
import { checkLeaseArgs } from '../domain/leases.js';
import type { Clock, TimerHandle } from '../platform/clock.js';

export type LeaseLossReason = 'refused' | 'expired' | 'released';

export interface LeaseKeeperOptions {
  store: LeaseStore;
  clock: Clock;
  /** This node's name in the lease table. */
  holder: string;
  ttlMs: number;
  onAcquired?: (name: string, epoch: number) => void;
  /** The holder must stop acting under `epoch` (called before a release, so it stops before another can start). */
  onLost?: (name: string, epoch: number, reason: LeaseLossReason) => void;
  /** A store call that failed (it is tried again at the next tick); for logs and metrics. */
  onError?: (name: string, err: unknown) => void;
}

interface Held {
  epoch: number;
  /** The clock's ms at which the lease is over unless renewed (the store's expires_at: the same now + ttl). */
  expiresAt: number;
  expiry: TimerHandle;
}

interface Entry {
  held: Held | null;
  /** The attempt whose answer counts; an older one's answer is stale. */
  attempt: number;
  /** When the attempt in flight began, or null: a new one waits unless that one has hung for a whole ttl. */
  inFlightSince: number | null;
  /** Attempts not yet answered: at most two (one that hangs and its replacement), however far the clock jumps. */
  inFlight: number;
}

export class LeaseKeeper {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<Promise<void>>();
  private readonly periodMs: number;
  private tickTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly o: LeaseKeeperOptions) {
    checkLeaseArgs('keeper', o.holder, o.ttlMs);
    this.periodMs = Math.max(1, Math.floor(o.ttlMs / 3));
  }

  /** Starts keeping `name`: an attempt now, then at every tick. */
  keep(name: string): void {
    checkLeaseArgs(name, this.o.holder);
    if (this.stopped) throw new Error(`lease keeper of ${this.o.holder} is stopped: cannot keep ${name}`);
    if (this.entries.has(name)) return;
    this.entries.set(name, { held: null, attempt: 0, inFlightSince: null, inFlight: 0 });
    this.attempt(name);
    this.tickTimer ??= this.o.clock.setTimer(this.periodMs, () => this.tick());
  }

  /** Stops keeping `name` and releases it if held. */
  async drop(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    await this.letGo(name, entry);
  }

  /** The epoch this node holds `name` under, as far as it knows now; undefined when it does not hold it. */
  epochOf(name: string): number | undefined {
    return this.entries.get(name)?.held?.epoch;
  }

  /** The names held now, with their epochs (for /health). */
  held(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, e] of this.entries) if (e.held) out.set(name, e.held.epoch);
    return out;
  }

  /** Resolves once no store call is in flight (tests await this after moving the clock; never a sleep). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Graceful stop: no more attempts; every held lease is reported lost, then released so another node takes it at once. */
  async releaseAll(): Promise<void> {
    this.stopped = true;
    this.tickTimer?.cancel();
    this.tickTimer = null;
    const entries = [...this.entries];
    this.entries.clear();
    await Promise.all(entries.map(([name, entry]) => this.letGo(name, entry)));
  }

  /** Tries every lease it keeps but does not hold, now (another node said it let go): no wait for the next tick. */
  tryFree(): void {
    if (this.stopped) return;
    for (const [name, entry] of this.entries) if (!entry.held) this.attempt(name);
  }

  private tick(): void {
    this.tickTimer = null;
    if (this.stopped) return;
    for (const name of this.entries.keys()) this.attempt(name);
    this.tickTimer = this.o.clock.setTimer(this.periodMs, () => this.tick());
  }

  private attempt(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    const now = this.o.clock.now();
    if (entry.held && now >= entry.held.expiresAt) this.lose(name, entry, 'expired');
    if (entry.inFlightSince !== null && now - entry.inFlightSince < this.o.ttlMs) return;
    // A clock that jumps a day (a test's manual clock; a VM resumed) fires thousands of ticks at once: never more than
    // one replacement for a hung attempt, so the store is not flooded (it once exhausted the PostgreSQL pool).
    if (entry.inFlight >= 2) return;
    const attempt = ++entry.attempt;
    entry.inFlightSince = now;
    entry.inFlight++;
    const held = entry.held;
    const work = held ? this.renew(name, entry, attempt, held, now) : this.acquire(name, entry, attempt, now);
    this.track(work.catch((err: unknown) => this.report(name, err)).finally(() => {
      entry.inFlight--;
      if (entry.attempt === attempt) entry.inFlightSince = null;
    }));
  }

  private async acquire(name: string, entry: Entry, attempt: number, now: number): Promise<void> {
    const lease = await this.o.store.acquire(name, this.o.holder, this.o.ttlMs, now);
    if (!lease) return;
    if (!this.current(name, entry, attempt) || entry.held) {
      // Nobody wants this answer any more (dropped, stopped, or a newer attempt won): free it for the others.
      await this.o.store.release(name, this.o.holder, lease.epoch);
      return;
    }
    entry.held = { epoch: lease.epoch, expiresAt: now + this.o.ttlMs, expiry: this.expiryTimer(name, entry, now + this.o.ttlMs) };
    this.call(name, () => this.o.onAcquired?.(name, lease.epoch));
  }

  private async renew(name: string, entry: Entry, attempt: number, held: Held, now: number): Promise<void> {
    const lease = await this.o.store.renew(name, this.o.holder, held.epoch, this.o.ttlMs, now);
    if (!this.current(name, entry, attempt) || entry.held !== held) {
      // Already reported lost (it expired while the store was silent): a late extension is released, not used.
      if (lease) await this.o.store.release(name, this.o.holder, lease.epoch);
      return;
    }
    if (!lease) {
      this.lose(name, entry, 'refused');
      return;
    }
    held.expiry.cancel();
    held.expiresAt = now + this.o.ttlMs;
    held.expiry = this.expiryTimer(name, entry, held.expiresAt);
  }

  private expiryTimer(name: string, entry: Entry, at: number): TimerHandle {
    return this.o.clock.setTimer(at - this.o.clock.now(), () => {
      if (entry.held && this.o.clock.now() >= entry.held.expiresAt) this.lose(name, entry, 'expired');
    });
  }

  private lose(name: string, entry: Entry, reason: LeaseLossReason): void {
    const held = entry.held;
    if (!held) return;
    held.expiry.cancel();
    entry.held = null;
    this.call(name, () => this.o.onLost?.(name, held.epoch, reason));
  }

  private async letGo(name: string, entry: Entry): Promise<void> {
    entry.attempt++; // answers still in flight are stale now
    const held = entry.held;
    if (!held) return;
    this.lose(name, entry, 'released');
    try {
      await this.o.store.release(name, this.o.holder, held.epoch);
    } catch (err) {
      this.report(name, err); // it expires on its own then
    }
  }

  private current(name: string, entry: Entry, attempt: number): boolean {
    return !this.stopped && this.entries.get(name) === entry && entry.attempt === attempt;
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(name, err);
    }
  }

  private report(name: string, err: unknown): void {
    try {
      this.o.onError?.(name, err);
    } catch {
      // a failing error reporter must not stop the keeper
    }
  }
}
