import type { Clock, TimerHandle } from '../platform/clock.js';

export interface SiteLoopOptions {
  clock: Clock;
  debounceMs: number;
  slotMs: number;
  /** Uniform [0, 1) for the retry jitter (seeded in tests). */
  random: () => number;
  /** One cycle with the coalesced trigger reasons; a rejection is retried with backoff. */
  cycle(reasons: string[]): Promise<void>;
  /** Reports a failed cycle (the retry is already armed); must not reject: it logs its own failures. */
  onError(err: unknown, retryAt: number): Promise<void>;
}

const BACKOFF_MS = [5_000, 15_000, 60_000, 300_000];

/** Where a leading trigger's cycle starts: after the current I/O (the message that caused it is answered first). */
const soon = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One site's planning loop (convention 8): triggers within the debounce window become one cycle, one cycle runs
 * at a time (triggers that arrive meanwhile run the next one), a slot boundary is a trigger computed from the
 * clock each time (early or late timers just re-arm), and a failed cycle is retried with jittered backoff.
 *
 * A leading trigger (a new session: its first plan should reach the charger at once, not after the debounce and
 * after the TxDefaultProfile has started the car) runs a cycle as soon as the loop is free, taking along whatever
 * else is pending; triggers that follow it still coalesce into one cycle after the debounce.
 */
export class SiteLoop {
  private readonly reasons = new Set<string>();
  private leading = false;
  private debounce: TimerHandle | undefined;
  private boundary: TimerHandle | undefined;
  private retry: TimerHandle | undefined;
  private wake: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private o: SiteLoopOptions) {}

  /**
   * A site edited at run time (issue 16): new debounce and slot length apply from now; the slot boundary is armed again
   * for the new length. A pending debounce keeps its timer.
   */
  reconfigure(timing: Pick<SiteLoopOptions, 'debounceMs' | 'slotMs'>): void {
    const slotChanged = timing.slotMs !== this.o.slotMs;
    this.o = { ...this.o, ...timing };
    if (!slotChanged || this.stopped) return;
    this.boundary?.cancel();
    this.armBoundary();
  }

  start(): void {
    this.stopped = false;
    this.armBoundary();
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.debounce, this.boundary, this.retry, this.wake]) t?.cancel();
    this.debounce = this.boundary = this.retry = this.wake = undefined;
  }

  /**
   * One more trigger at `wake.atMs` (a car's departure inside a slot, wakes.ts), replacing the one set before; null
   * clears it. Slot boundaries trigger anyway, so only instants between them need this.
   */
  wakeAt(wake: { atMs: number; reason: string } | null): void {
    this.wake?.cancel();
    this.wake = undefined;
    if (this.stopped || wake === null) return;
    const inMs = wake.atMs - this.o.clock.now();
    if (inMs <= 0 || wake.atMs % this.o.slotMs === 0) return;
    this.wake = this.o.clock.setTimer(inMs, () => {
      this.wake = undefined;
      this.trigger(wake.reason);
    });
  }

  trigger(reason: string, opts: { leading?: boolean } = {}): void {
    if (this.stopped) return;
    this.reasons.add(reason);
    if (opts.leading) this.leading = true;
    this.schedule();
  }

  /** The next cycle: now for a leading trigger when the loop is free, else after the debounce (or the retry, or the running cycle). */
  private schedule(): void {
    if (this.running || this.retry || this.reasons.size === 0) return;
    if (this.leading) {
      this.debounce?.cancel();
      this.debounce = undefined;
      this.run(soon());
      return;
    }
    if (this.debounce) return;
    this.debounce = this.o.clock.setTimer(this.o.debounceMs, () => {
      this.debounce = undefined;
      this.run();
    });
  }

  /** Resolves when no cycle is running (one started meanwhile is awaited too). */
  async done(): Promise<void> {
    while (this.running) await this.running;
  }

  /** A cycle (or the report of its failure) is running. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** A cycle is due once the debounce (or a retry) timer fires. */
  get waiting(): boolean {
    return Boolean(this.debounce || this.retry);
  }

  private run(after: Promise<void> = Promise.resolve()): void {
    if (this.stopped || this.running) return;
    const reasons = [...this.reasons];
    this.reasons.clear();
    this.leading = false;
    this.running = after
      .then(() => (this.stopped ? undefined : this.o.cycle(reasons)))
      .then(() => {
        this.failures = 0;
      })
      .catch((err: unknown) => {
        const base = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)]!;
        this.failures++;
        const delay = Math.round(base * (0.5 + this.o.random()));
        reasons.forEach((r) => this.reasons.add(r));
        this.retry = this.o.clock.setTimer(delay, () => {
          this.retry = undefined;
          this.run();
        });
        return this.o.onError(err, this.o.clock.now() + delay);
      })
      // onError logs its own failures; nothing may leave the loop as an unhandled rejection.
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule();
      });
  }

  private armBoundary(): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    const next = Math.floor(now / this.o.slotMs) * this.o.slotMs + this.o.slotMs;
    this.boundary = this.o.clock.setTimer(next - now, () => {
      this.trigger('slot-boundary');
      this.armBoundary();
    });
  }
}
