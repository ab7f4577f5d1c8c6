/**
 * The only place that reads the system clock (ARCHITECTURE.md convention 2). Everything else receives a
 * `Clock`, so tests, the demo and the benchmarks can run on a manual clock that they advance themselves.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  now(): number;
  /** Run `fn` once after `ms` milliseconds of this clock's time. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    // A pending timer (a call timeout, a heartbeat check) must never keep the process alive on shutdown.
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers fire in due order (ties in creation order) during `advance`,
 * and a timer created by a firing timer fires in the same `advance` if it falls due within it.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(start: number | string | Date = '2026-01-01T00:00:00Z') {
    this.current = typeof start === 'number' ? start : new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: PendingTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const due = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.at);
      due.cancelled = true;
      due.fn();
    }
    this.current = target;
  }

  set(instant: number | string | Date): void {
    const t = typeof instant === 'number' ? instant : new Date(instant).getTime();
    if (t < this.current) throw new Error('ManualClock cannot go backwards');
    this.advance(t - this.current);
  }

  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

/** UTC ISO-8601 with milliseconds, the one format instants take in storage and on the wire. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** A monotonic timer in milliseconds for measuring durations (solve time), never for deciding anything. */
export const monotonicMs = (): number => performance.now();
