import type { PriceInterval, PriceSeries, Provenance } from '../../domain/prices.js';
import { resolutionOf } from '../../domain/prices.js';
import { parseFailed } from '../errors.js';

/**
 * Builds a series from parsed intervals: sorted, every interval 15/30/60 minutes long (the evcc #24055 check:
 * 15-minute starts with one-hour ends), no overlaps. A feed that breaks these is rejected as a parse failure
 * rather than stored, because the planner would otherwise count some quarter-hours twice.
 */
export function toSeries(
  source: string,
  zone: string,
  currency: string,
  intervals: PriceInterval[],
  provenance: Provenance,
): PriceSeries {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  sorted.forEach((iv, i) => {
    if (!resolutionOf(iv.end - iv.start)) {
      throw parseFailed(source, `interval at ${new Date(iv.start).toISOString()} lasts ${(iv.end - iv.start) / 60_000} min`);
    }
    const prev = sorted[i - 1];
    if (prev && prev.end > iv.start) {
      throw parseFailed(source, `intervals overlap at ${new Date(iv.start).toISOString()}`);
    }
  });
  return { zone, currency, intervals: sorted, provenance };
}

/**
 * Market feeds quote per MWh; we keep per kWh. Dividing a decimal like 158.95 by 1000 in binary floating point
 * gives 0.15894999999999998; rounding to 15 significant digits returns the decimal the source meant.
 */
export const perMwh = (v: number): number => Number((v / 1000).toPrecision(15));

/** Octopus quotes pence per kWh. */
export const penceToPounds = (v: number): number => Number((v / 100).toPrecision(15));
