/**
 * Fixed-window counters for rate limits (logins, token requests, set-up): in memory on a single process, in the
 * database in a cluster, so that every node counts against the same windows (issue 19).
 */
export interface WindowCount {
  /** Hits in the live window. */
  count: number;
  /** ms until the live window ends (0 when there is none). */
  ttl: number;
}

export interface RateWindows {
  /** Counts one hit of `key` in its window of `windowMs` (a new window starts when the last one is over). */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** The live window of `key`, without counting. */
  peek(key: string, windowMs: number): Promise<WindowCount>;
}
