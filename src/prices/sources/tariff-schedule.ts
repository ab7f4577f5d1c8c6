import type { PriceInterval, PriceSeries, PriceSource, TimeWindow } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import type { BandSchedule } from '../tariff-config.js';
import { localInstant, priceAt } from '../bands.js';

/**
 * A fixed or time-of-use energy tariff from config, for homes on a static contract (issue 4), as a price series
 * on a grid. Each slot is the time-weighted mean over its minutes, so a band edge inside a slot is not lost.
 */
export function scheduleIntervals(
  schedules: readonly BandSchedule[],
  timeZone: string,
  window: TimeWindow,
  stepMs: number,
): PriceInterval[] {
  const out: PriceInterval[] = [];
  for (let s = window.start; s < window.end; s += stepMs) {
    const e = Math.min(s + stepMs, window.end);
    let sum = 0;
    let first: number | undefined;
    let uniform = true;
    for (let t = s; t < e; t += 60_000) {
      const p = priceAt(schedules, localInstant(t, timeZone), 'tariff');
      first ??= p;
      if (p !== first) uniform = false;
      sum += p;
    }
    out.push({ start: s, end: e, pricePerKwh: uniform ? first! : sum / ((e - s) / 60_000) });
  }
  return out;
}

export class ScheduleTariffSource implements PriceSource {
  constructor(
    readonly id: string,
    private readonly opts: {
      zone: string;
      currency: string;
      timeZone: string;
      schedules: readonly BandSchedule[];
      clock: Clock;
      stepMs?: number;
    },
  ) {}

  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const { zone, currency, timeZone, schedules, clock } = this.opts;
    const intervals = scheduleIntervals(schedules, timeZone, window, this.opts.stepMs ?? 15 * 60_000);
    return [{ zone, currency, intervals, provenance: { source: this.id, fetchedAt: clock.now(), kind: 'final' } }];
  }
}
