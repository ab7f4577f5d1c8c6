import type { Clock } from './clock.js';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (e.g. a remote address) on the injected clock: `capacity` tokens, refilled continuously at
 * `perMinute`. A bucket that has refilled completely is the same as no bucket, so those are dropped when the map
 * grows past `maxKeys`: memory stays bounded however many keys an attacker uses.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly o: { perMinute: number; capacity?: number; maxKeys?: number },
  ) {
    this.perMs = o.perMinute / 60_000;
  }

  private get capacity(): number {
    return this.o.capacity ?? this.o.perMinute;
  }

  private refill(key: string): Bucket {
    const now = this.clock.now();
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.capacity, at: now };
    return { tokens: Math.min(this.capacity, b.tokens + (now - b.at) * this.perMs), at: now };
  }

  /** Milliseconds until `key` has a whole token again; 0 when it has one now. Takes nothing. */
  waitMs(key: string): number {
    const b = this.refill(key);
    return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / this.perMs);
  }

  /** Takes one token: 0 when there was one, otherwise the milliseconds until there is (nothing taken then). */
  take(key: string): number {
    const b = this.refill(key);
    if (b.tokens < 1) return Math.ceil((1 - b.tokens) / this.perMs);
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > (this.o.maxKeys ?? 100_000)) this.prune();
    return 0;
  }

  /** Takes a token whether or not one is left (a failure that already happened is counted all the same). */
  charge(key: string): void {
    const b = this.refill(key);
    b.tokens = Math.max(b.tokens - 1, -this.capacity);
    this.buckets.set(key, b);
    if (this.buckets.size > (this.o.maxKeys ?? 100_000)) this.prune();
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(): void {
    for (const key of [...this.buckets.keys()]) {
      if (this.refill(key).tokens >= this.capacity) this.buckets.delete(key);
    }
    // Still too many keys that are all in use: forget the oldest (they were inserted first).
    const max = this.o.maxKeys ?? 100_000;
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= max) break;
      this.buckets.delete(key);
    }
  }
}
