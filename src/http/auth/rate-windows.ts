/**
 * Rate-limit windows in memory, on the injected clock (one process: the SQLite product, tests). Each window length
 * keeps at most MAX_KEYS keys, the oldest dropped first, so a flood of distinct keys cannot grow it without end. In
 * a cluster main.ts passes the database's windows instead (storage/rate-window-repository.ts), shared by every node.
 */
import type { Clock } from '../../platform/clock.js';
import type { RateWindows, WindowCount } from '../../domain/rate-windows.js';

const MAX_KEYS = 10_000;

export class MemoryRateWindows implements RateWindows {
  private readonly byLength = new Map<number, Map<string, { start: number; count: number }>>();

  constructor(private readonly clock: Clock) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    return this.hitNow(key, windowMs);
  }

  async peek(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.clock.now();
    const w = this.windows(windowMs).get(key);
    if (!w || w.start + windowMs <= now) return { count: 0, ttl: 0 };
    return { count: w.count, ttl: w.start + windowMs - now };
  }

  private hitNow(key: string, windowMs: number): WindowCount {
    const now = this.clock.now();
    const windows = this.windows(windowMs);
    let w = windows.get(key);
    if (!w || w.start + windowMs <= now) {
      windows.delete(key);
      if (windows.size >= MAX_KEYS) windows.delete(windows.keys().next().value!);
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    return { count: w.count, ttl: w.start + windowMs - now };
  }

  private windows(windowMs: number): Map<string, { start: number; count: number }> {
    let m = this.byLength.get(windowMs);
    if (!m) this.byLength.set(windowMs, (m = new Map()));
    return m;
  }
}
