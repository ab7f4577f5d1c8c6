import { DateTime } from 'luxon';
import type {
  EffectiveSlot,
  PriceEvents,
  PriceProvider,
  PriceSeriesStore,
  QuotedInterval,
  SitePriceProvider,
  TimeWindow,
} from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { PriceZoneConfig, SiteTariff } from './tariff-config.js';
import { resample } from './resample.js';
import { scheduleIntervals } from './sources/tariff-schedule.js';
import { effectivePrices } from './effective-price.js';
import { PriceError } from './errors.js';
import { zoneOffsetMinutes } from './bands.js';

/** Where the price layer reports what happened (main.ts passes the app's TypedEvents bus). */
export interface PriceEventSink {
  emit<K extends keyof PriceEvents>(event: K, payload: PriceEvents[K]): void;
}

/**
 * What the scheduler asks: prices for a zone over a window on its planning grid (issue 4, "Freshness and gaps").
 *
 * Known prices come from the store, resampled without losing money. A slot not covered yet (a departure beyond
 * tomorrow's publication) is filled by the estimate rule and marked kind 'estimate' with the rule's name:
 *   1. same weekday last week: the price at the same local wall-clock time seven days earlier, if known and final;
 *   2. otherwise the zone's configured fallback tariff;
 *   3. otherwise the slot is left out: the scheduler must not plan on a price nobody knows.
 * If the zone's newest data is older than maxAgeMinutes, 'prices.stale' is emitted once per stale spell and the
 * last good series is still served.
 */
export class PriceService implements PriceProvider {
  private readonly zones: Map<string, PriceZoneConfig>;
  private readonly stale = new Set<string>();

  constructor(
    private readonly deps: {
      store: PriceSeriesStore;
      zones: readonly PriceZoneConfig[];
      clock: Clock;
      events: PriceEventSink;
    },
  ) {
    this.zones = new Map(deps.zones.map((z) => [z.id, z]));
  }

  async quote(zone: string, window: TimeWindow, stepMs: number): Promise<QuotedInterval[]> {
    const config = this.zone(zone);
    const [last, current] = await Promise.all([this.deps.store.lastFetchedAt(zone), this.deps.store.current(zone, window)]);
    this.noteFreshness(zone, last);
    const grid = resample(current, window, stepMs);
    const estimates = await this.estimates(config, grid.flatMap((slot, i) => (slot ? [] : [window.start + i * stepMs])), stepMs);
    const out: QuotedInterval[] = [];
    grid.forEach((slot, i) => {
      const filled = slot ?? estimates.get(window.start + i * stepMs);
      if (filled) out.push(filled);
    });
    return out;
  }

  /** Effective prices for a site's tariff: market energy from the zone (with estimates), or the static contract. */
  async effective(tariff: SiteTariff, window: TimeWindow, stepMs: number): Promise<EffectiveSlot[]> {
    if (tariff.energy.kind === 'market') {
      return effectivePrices(tariff, await this.quote(tariff.energy.zone, window, stepMs), this.zone(tariff.energy.zone).currency);
    }
    const fetchedAt = this.deps.clock.now();
    const quotes = scheduleIntervals(tariff.energy.schedules, tariff.timeZone, window, stepMs).map((iv) => ({
      ...iv,
      source: 'tariff',
      fetchedAt,
      kind: 'final' as const,
    }));
    return effectivePrices(tariff, quotes, tariff.currency);
  }

  /** Emits 'prices.stale' when a zone's data has become too old; resolves to whether it is stale. */
  async checkFreshness(zone: string): Promise<boolean> {
    this.zone(zone);
    return this.noteFreshness(zone, await this.deps.store.lastFetchedAt(zone));
  }

  private noteFreshness(zone: string, last: number | undefined): boolean {
    const config = this.zone(zone);
    const maxAgeMs = config.maxAgeMinutes * 60_000;
    const ageMs = last === undefined ? undefined : this.deps.clock.now() - last;
    const isStale = ageMs === undefined || ageMs > maxAgeMs;
    if (!isStale) {
      this.stale.delete(zone);
      return false;
    }
    if (!this.stale.has(zone)) {
      this.stale.add(zone);
      this.deps.events.emit('prices.stale', { zone, lastFetchedAt: last, ageMs, maxAgeMs });
    }
    return true;
  }

  /**
   * The estimate of each slot the store does not cover (the slots' starts), by the rules above. Last week's prices
   * of all of them come in one read (the span from the first slot's week-earlier start to the last one's end).
   */
  private async estimates(config: PriceZoneConfig, starts: readonly number[], stepMs: number): Promise<Map<number, QuotedInterval>> {
    const out = new Map<number, QuotedInterval>();
    if (starts.length === 0) return out;
    // Calendar arithmetic in the zone's local time: "last week, same wall-clock time", so a DST change in between
    // does not shift the estimate by an hour.
    const spans = starts.map((start) => {
      const lastWeek = sameWallClockWeekBefore(start, config.timeZone);
      return { start: lastWeek, end: lastWeek + stepMs };
    });
    const known = await this.deps.store.current(config.id, { start: Math.min(...spans.map((s) => s.start)), end: Math.max(...spans.map((s) => s.end)) });
    starts.forEach((start, i) => {
      const end = start + stepMs;
      const span = spans[i]!;
      const past = resample(overlapping(known, span), span, stepMs)[0];
      if (past && past.kind === 'final') {
        out.set(start, { start, end, pricePerKwh: past.pricePerKwh, source: past.source, fetchedAt: past.fetchedAt, kind: 'estimate', rule: 'same-weekday-last-week' });
        return;
      }
      if (config.fallback) {
        const [iv] = scheduleIntervals([config.fallback], config.timeZone, { start, end }, end - start);
        if (iv) {
          out.set(start, { start, end, pricePerKwh: iv.pricePerKwh, source: 'fallback-tariff', fetchedAt: this.deps.clock.now(), kind: 'estimate', rule: 'fallback-tariff' });
        }
      }
    });
    return out;
  }

  private zone(zone: string): PriceZoneConfig {
    const config = this.zones.get(zone);
    if (!config) throw new PriceError('PRICES_UNAVAILABLE', `price zone "${zone}" is not configured`, false);
    return config;
  }
}

/** The scheduler's view: effective prices by tariff name, from the configured tariffs. */
export class TariffPrices implements SitePriceProvider {
  constructor(
    private readonly service: PriceService,
    private readonly tariffs: Readonly<Record<string, SiteTariff>>,
  ) {}

  async effective(tariff: string, window: TimeWindow, stepMs: number): Promise<EffectiveSlot[]> {
    const config = this.tariffs[tariff];
    if (!config) throw new PriceError('TARIFF_INVALID', `no tariff named "${tariff}" in prices.tariffs`, false);
    return this.service.effective(config, window, stepMs);
  }
}

/**
 * Checks every zone's freshness on a fixed period, so 'prices.stale' is raised even when nobody asks for prices
 * (a site with no car plugged in still wants to know its feed is down). Ticks are computed from the clock; a
 * check that fails (the database unreachable) is logged and the next tick comes all the same.
 */
export class FreshnessWatch {
  private timer: { cancel(): void } | undefined;
  private readonly checking = new Set<Promise<void>>();

  constructor(
    private readonly deps: { service: PriceService; zones: readonly string[]; clock: Clock; periodMs: number; logger?: Logger },
  ) {}

  start(): void {
    this.tick();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Resolves when every tick's checks are done (tests await it). */
  async done(): Promise<void> {
    while (this.checking.size > 0) await Promise.all([...this.checking]);
  }

  private tick(): void {
    const checks = this.check().finally(() => this.checking.delete(checks));
    this.checking.add(checks);
    const { clock, periodMs } = this.deps;
    // Align to the period so an early or late timer does not drift the schedule.
    const next = (Math.floor(clock.now() / periodMs) + 1) * periodMs;
    this.timer = clock.setTimer(next - clock.now(), () => this.tick());
  }

  private async check(): Promise<void> {
    for (const zone of this.deps.zones) {
      try {
        await this.deps.service.checkFreshness(zone);
      } catch (err) {
        this.deps.logger?.error({ err, zone }, 'price freshness check failed');
      }
    }
  }
}

/**
 * The instant a week before at the same local wall-clock time. Where the zone's offset is the same then as now (every
 * week but a DST change's), that is exactly 7 x 24 hours before, as luxon's calendar arithmetic also gives it, without
 * its cost per slot (issue 21); across a DST change luxon decides.
 */
function sameWallClockWeekBefore(ms: number, zone: string): number {
  const candidate = ms - WEEK_MS;
  if (zoneOffsetMinutes(candidate, zone) === zoneOffsetMinutes(ms, zone)) return candidate;
  return DateTime.fromMillis(ms, { zone }).minus({ weeks: 1 }).toMillis();
}

const WEEK_MS = 7 * 86_400_000;

/** The current intervals that overlap a span (`known` is sorted by start, as the store returns it). */
function overlapping(known: readonly QuotedInterval[], span: TimeWindow): QuotedInterval[] {
  let lo = 0;
  let hi = known.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (known[mid]!.end <= span.start) lo = mid + 1;
    else hi = mid;
  }
  const out: QuotedInterval[] = [];
  for (let i = lo; i < known.length && known[i]!.start < span.end; i++) out.push(known[i]!);
  return out;
}
