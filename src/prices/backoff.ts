/**
 * Retry delays for pulled price sources: exponential, capped, with "equal jitter" (half the step fixed, half
 * random), so many installations that failed together at 12:45 CET do not retry together, and no retry comes
 * sooner than half the step. The random source is injected: tests pass a seeded one and get the same delays.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** mulberry32: a small, fast, seedable PRNG; deterministic for a seed, uniform enough for jitter. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
