import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { PriceInterval, PriceSeries, Provenance } from '../../domain/prices.js';
import { detectPriceFormat } from '../../prices/file-format.js';
import { parseEntsoeCsv } from '../../prices/sources/csv-entsoe.js';
import { parseSmardCsv } from '../../prices/sources/csv-smard.js';
import { parseNormalisedCsv } from '../../prices/sources/csv-normalised.js';

/**
 * Day-ahead prices for a replay (the simulator, the outcome benchmark) from one of the files the product already
 * reads: the ENTSO-E and SMARD exports and the normalised CSV. Same detection and parsers as `npm run prices --
 * import`, so a file that works there works here.
 */
export function loadPriceFile(path: string, opts: { zone?: string } = {}): PriceSeries[] {
  const text = readFileSync(path, 'utf8');
  // A replay has no fetch time; 0 keeps every run of it the same.
  const provenance: Provenance = { source: `file:${basename(path)}`, fetchedAt: 0, kind: 'final' };
  const format = detectPriceFormat(path, text);
  let series: PriceSeries[];
  switch (format) {
    case 'entsoe-csv': series = parseEntsoeCsv(text, provenance); break;
    case 'smard-csv': series = parseSmardCsv(text, provenance); break;
    case 'normalised-csv': series = parseNormalisedCsv(text, provenance); break;
    default:
      throw new Error(`${path}: not a price file we replay (${format ?? 'unknown format'}): expected an ENTSO-E or SMARD CSV export or a normalised CSV`);
  }
  if (opts.zone === undefined) return series;
  const kept = series.filter((s) => s.zone === opts.zone);
  if (kept.length === 0) throw new Error(`${path}: no prices for zone ${opts.zone} (it has ${series.map((s) => s.zone).join(', ') || 'none'})`);
  return kept;
}

/**
 * EUR/kWh per slot of stepMs on [startMs, endMs): each slot's time-weighted mean of the intervals it overlaps, so
 * an hourly price covers its four quarter-hours and four quarter-hours make an hour. Every slot must be covered in
 * full: a replay that silently priced a gap at 0 would make that slot the cheapest of all. Throws naming the first
 * slot without a price.
 */
export function slotPrices(series: readonly PriceSeries[], startMs: number, endMs: number, stepMs: number): number[] {
  if (!(stepMs > 0) || (endMs - startMs) % stepMs !== 0) {
    throw new Error(`slotPrices: [${iso(startMs)}, ${iso(endMs)}) is not a whole number of ${stepMs} ms slots`);
  }
  const zones = [...new Set(series.map((s) => s.zone))];
  const currencies = [...new Set(series.map((s) => s.currency))];
  // Two zones or currencies in one list would be mixed slot by slot: the caller must pick one (loadPriceFile's zone).
  if (zones.length > 1) throw new Error(`slotPrices: one zone's prices expected, got ${zones.join(', ')}`);
  if (currencies.length > 1) throw new Error(`slotPrices: one currency expected, got ${currencies.join(', ')}`);
  const intervals: PriceInterval[] = series.flatMap((s) => s.intervals).sort((a, b) => a.start - b.start);
  intervals.forEach((iv, i) => {
    const prev = intervals[i - 1];
    if (prev && prev.end > iv.start) throw new Error(`slotPrices: two prices for ${iso(iv.start)} (the series overlap)`);
  });

  const out: number[] = [];
  let k = 0; // the first interval that may still overlap the current slot (both lists are sorted)
  for (let t = startMs; t < endMs; t += stepMs) {
    const slotEnd = t + stepMs;
    while (k < intervals.length && intervals[k]!.end <= t) k++;
    let covered = 0;
    let sum = 0;
    for (let j = k; j < intervals.length && intervals[j]!.start < slotEnd; j++) {
      const iv = intervals[j]!;
      const overlap = Math.min(iv.end, slotEnd) - Math.max(iv.start, t);
      covered += overlap;
      sum += iv.pricePerKwh * overlap;
    }
    if (covered < stepMs) throw new Error(`no price for the slot at ${iso(t)}`);
    // One interval covering the slot keeps its price exactly (no division noise on the common case).
    const whole = intervals[k]!;
    out.push(whole.start <= t && whole.end >= slotEnd ? whole.pricePerKwh : sum / stepMs);
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();
