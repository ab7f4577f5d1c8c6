/**
 * Named leases with a fencing epoch (issue 19): one owner per site, and price pulls and clean-up jobs once per
 * cluster. A lease is held by one holder (a node) until `expiresAt`; every takeover gives it a higher epoch, and a
 * holder whose epoch is no longer the lease's has lost it and must stop acting: its writes are refused by `holds`.
 * Times are the caller's clock (milliseconds since the epoch), never the database's.
 */

/** A lease as its holder got it from acquire or renew. */
export interface Lease {
  name: string;
  holder: string;
  /** Rises by one with every takeover of this name; never given out twice, also after a release. */
  epoch: number;
  /** UTC ISO-8601; the lease is over at this instant (held while now < expiresAt). */
  expiresAt: string;
}

/** What the store says about a name, expired or not (for /health, operators and tests). */
export interface LeaseRecord {
  name: string;
  /** null once released. */
  holder: string | null;
  epoch: number;
  expiresAt: string;
  acquiredAt: string;
  renewedAt: string;
}

export interface LeaseStore {
  /**
   * Takes the lease when it is free (never taken, released, or expired at `now`) with the next epoch, or extends it
   * with the same epoch when `holder` holds it still. null when another holder holds it.
   */
  acquire(name: string, holder: string, ttlMs: number, now: number): Promise<Lease | null>;
  /** Extends the lease only while (holder, epoch) is still its holder and it has not expired at `now`; else null. */
  renew(name: string, holder: string, epoch: number, ttlMs: number, now: number): Promise<Lease | null>;
  /** Frees the lease at once if (holder, epoch) still holds it (expired or not); otherwise nothing. */
  release(name: string, holder: string, epoch: number): Promise<void>;
  /**
   * Whether (holder, epoch) holds the lease unexpired at `now`. The fencing check for writers: called on a store
   * built on the writer's transaction, it keeps a takeover from committing until that transaction ends.
   */
  holds(name: string, holder: string, epoch: number, now: number): Promise<boolean>;
  current(name: string): Promise<LeaseRecord | undefined>;
  list(): Promise<LeaseRecord[]>;
}

/** A writer acting under a lease it no longer holds (stable code LEASE_LOST; retrying does not help: stop acting). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly code = 'LEASE_LOST';
  readonly retryable = false;
  constructor(readonly lease: string, readonly holder: string, readonly epoch: number) {
    super(`lease ${lease} is no longer held by ${holder} with epoch ${epoch}`);
  }
}

/** Refuses a write unless (holder, epoch) still holds the lease at `now` (see LeaseStore.holds). */
export async function assertHolds(store: LeaseStore, name: string, holder: string, epoch: number, now: number): Promise<void> {
  if (!(await store.holds(name, holder, epoch, now))) throw new LeaseLostError(name, holder, epoch);
}

/** Bad arguments name what is wrong (a ttl of 0 would make a lease that is over before it starts). */
export function checkLeaseArgs(name: string, holder: string, ttlMs?: number): void {
  if (name.length === 0) throw new RangeError('lease name must not be empty');
  if (holder.length === 0) throw new RangeError(`lease ${name}: holder must not be empty`);
  if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)) {
    throw new RangeError(`lease ${name}: ttlMs must be a positive integer of milliseconds, got ${ttlMs}`);
  }
}
