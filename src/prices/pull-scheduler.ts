import { DateTime } from 'luxon';
import type { PriceSeriesStore, PriceSource } from '../domain/prices.js';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { PullSchedule } from './tariff-config.js';
import type { PriceEventSink } from './price-service.js';
import { backoffDelay } from './backoff.js';
import { PriceError } from './errors.js';

/**
 * Runs one pulled source on its own schedule (issue 4): at the configured local times (default 13:00 Brussels,
 * after the day-ahead results appear around 12:45 CET), once at start so a fresh install has prices, and on
 * failure again after a jittered exponential backoff until the next regular run. What it gets goes to the store,
 * so a restart serves prices without the network.
 *
 * A run after the first daily time must bring tomorrow's prices; if the source answers without them the results
 * are not out yet, and that counts as a retryable failure. The next tick is always computed from the clock, and
 * a timer that fires early is re-armed for the rest (convention 8).
 */
export class PullScheduler {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private attempt = 0;

  constructor(
    private readonly deps: {
      source: PriceSource;
      schedule: PullSchedule;
      store: PriceSeriesStore;
      clock: Clock;
      /** Uniform in [0, 1); seeded in tests. */
      random: () => number;
      events: PriceEventSink;
      logger?: Logger;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.arm(this.deps.clock.now());
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The next configured local time strictly after `now` (DST-safe: computed in the schedule's zone). */
  nextRegularRun(now: number): number {
    const { at, timeZone } = this.deps.schedule;
    const today = DateTime.fromMillis(now, { zone: timeZone }).startOf('day');
    const candidates = [0, 1, 2].flatMap((d) =>
      at.map((hhmm) => {
        const [h, m] = hhmm.split(':').map(Number);
        return today.plus({ days: d }).set({ hour: h, minute: m }).toMillis();
      }),
    );
    return Math.min(...candidates.filter((c) => c > now));
  }

  private arm(dueAt: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.deps.clock.setTimer(Math.max(0, dueAt - this.deps.clock.now()), () => {
      if (this.deps.clock.now() < dueAt) return this.arm(dueAt); // early timer: wait for the rest
      void this.run();
    });
  }

  /**
   * One fetch-and-store; schedules what comes next. Resolves when done (tests may await it); while one runs, asking
   * again gives the same run. It never rejects: a failure is reported (prices.fetch-failed) and retried.
   */
  run(): Promise<void> {
    this.running ??= this.pull().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when no run is in progress (tests await it after moving the clock). */
  async done(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pull(): Promise<void> {
    const { source, schedule, store, clock, events } = this.deps;
    const now = clock.now();
    const today = DateTime.fromMillis(now, { zone: schedule.timeZone }).startOf('day');
    const window = {
      start: today.minus({ days: schedule.daysBack }).toMillis(),
      end: today.plus({ days: schedule.daysAhead }).toMillis(),
    };
    try {
      const series = await source.series(window);
      await store.save(series);
      for (const s of series) {
        const first = s.intervals[0];
        const last = s.intervals.at(-1);
        if (first && last) events.emit('prices.updated', { zone: s.zone, source: source.id, start: first.start, end: last.end, intervals: s.intervals.length });
      }
      const firstToday = this.nextRegularRun(today.toMillis() - 1);
      const needed = (now >= firstToday ? today.plus({ days: 2 }) : today.plus({ days: 1 })).toMillis();
      const reached = Math.max(0, ...series.flatMap((s) => s.intervals.map((i) => i.end)));
      if (reached < Math.min(needed, window.end)) {
        throw new PriceError('PRICES_NOT_PUBLISHED', `${source.id}: prices end at ${new Date(reached).toISOString()}, expected through ${new Date(needed).toISOString()}`, true);
      }
      this.attempt = 0;
      this.arm(this.nextRegularRun(clock.now()));
    } catch (err) {
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    const { clock, schedule, random, events, source, logger } = this.deps;
    const now = clock.now();
    const regular = this.nextRegularRun(now);
    const retryable = err instanceof PriceError ? err.retryable : true;
    const attempt = ++this.attempt;
    const retryAt = retryable
      ? Math.min(regular, now + backoffDelay(attempt, { initialMs: schedule.retryInitialMs, maxMs: schedule.retryMaxMs }, random))
      : regular; // a wrong token or an unreadable document will not fix itself in minutes
    if (retryAt === regular) this.attempt = 0; // the regular run starts a new series of attempts
    const code = err instanceof PriceError ? err.code : 'PRICES_FETCH_FAILED';
    const message = err instanceof Error ? err.message : String(err);
    logger?.warn({ source: source.id, code, attempt, retryAt: new Date(retryAt).toISOString() }, message);
    events.emit('prices.fetch-failed', { source: source.id, code, message, attempt, retryAt });
    this.arm(retryAt);
  }
}
