import { Type } from '@sinclair/typebox';
import type { PriceSeries, PriceSource, Provenance, TimeWindow } from '../../domain/prices.js';
import { RESOLUTION_MS } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { parseFailed } from '../errors.js';
import { parseNaiveUtc } from '../time.js';
import { fetchJson, type FetchLike } from './http.js';
import { perMwh, toSeries } from './series.js';
import { checkWire } from './wire.js';

/**
 * Energi Data Service (Energinet) dataset `DayAheadPrices`: one record per quarter-hour and price area, with
 * `TimeUTC` written without an offset (it is UTC by name) and the price in both EUR and DKK per MWh. The dataset
 * is quarter-hourly (it replaced the hourly `Elspotprices` for the 15-minute market), so end = start + 15 min.
 */
const SOURCE = 'energi-data-service';

export const EdsDayAheadPrices = Type.Object({
  records: Type.Array(
    Type.Object({
      TimeUTC: Type.String(),
      PriceArea: Type.String(),
      DayAheadPriceEUR: Type.Union([Type.Number(), Type.Null()]),
      DayAheadPriceDKK: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
});

export function parseEnergiDataService(
  body: unknown,
  opts: { zone: string; area: string; currency: 'DKK' | 'EUR'; provenance: Provenance },
): PriceSeries {
  const wire = checkWire(EdsDayAheadPrices, body, SOURCE);
  const intervals = [];
  for (const [i, r] of wire.records.entries()) {
    if (r.PriceArea !== opts.area) continue;
    const start = parseNaiveUtc(r.TimeUTC);
    if (start === undefined) throw parseFailed(SOURCE, `records[${i}].TimeUTC "${r.TimeUTC}"`);
    const price = opts.currency === 'EUR' ? r.DayAheadPriceEUR : r.DayAheadPriceDKK;
    if (price === null) continue; // not published yet for this quarter-hour
    intervals.push({ start, end: start + RESOLUTION_MS.PT15M, pricePerKwh: perMwh(price) });
  }
  return toSeries(SOURCE, opts.zone, opts.currency, intervals, opts.provenance);
}

export class EnergiDataServiceSource implements PriceSource {
  constructor(
    readonly id: string,
    private readonly opts: { zone: string; area: 'DK1' | 'DK2'; currency: 'DKK' | 'EUR'; fetch: FetchLike; clock: Clock },
  ) {}

  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    const q = new URLSearchParams({
      start: minute(window.start),
      end: minute(window.end),
      timezone: 'UTC',
      filter: JSON.stringify({ PriceArea: [this.opts.area] }),
      sort: 'TimeUTC asc',
      limit: '0',
    });
    const body = await fetchJson(this.opts.fetch, this.id, `https://api.energidataservice.dk/dataset/DayAheadPrices?${q}`);
    const { zone, area, currency, clock } = this.opts;
    return [parseEnergiDataService(body, { zone, area, currency, provenance: { source: this.id, fetchedAt: clock.now(), kind: 'final' } })];
  }
}
