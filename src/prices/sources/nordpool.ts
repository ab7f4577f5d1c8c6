import { Type } from '@sinclair/typebox';
import { DateTime } from 'luxon';
import type { PriceInterval, PriceSeries, PriceSource, Provenance, TimeWindow } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { PriceError, parseFailed } from '../errors.js';
import { parseInstant } from '../time.js';
import { fetchJson, type FetchLike } from './http.js';
import { perMwh, toSeries } from './series.js';
import { checkWire } from './wire.js';

/**
 * Nord Pool data portal: `DayAheadPrices` (entries under `multiAreaEntries`, one price per delivery area) and
 * `DayAheadPriceIndices` (entries under `multiIndexEntries`, any resolution). Both carry ISO instants with an
 * offset and a currency per MWh; one document covers one CET delivery day.
 */
const SOURCE = 'nordpool';

const Entry = Type.Object({
  deliveryStart: Type.String(),
  deliveryEnd: Type.String(),
  entryPerArea: Type.Record(Type.String(), Type.Number()),
});

export const NordPoolDayAhead = Type.Object({
  deliveryDateCET: Type.String(),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  multiAreaEntries: Type.Optional(Type.Array(Entry)),
  multiIndexEntries: Type.Optional(Type.Array(Entry)),
  areaStates: Type.Optional(Type.Array(Type.Object({ state: Type.String(), areas: Type.Array(Type.String()) }))),
});

export function parseNordPool(body: unknown, opts: { zone: string; area: string; provenance: Provenance }): PriceSeries {
  const wire = checkWire(NordPoolDayAhead, body, SOURCE);
  const entries = wire.multiAreaEntries ?? wire.multiIndexEntries;
  if (!entries) throw parseFailed(SOURCE, 'neither multiAreaEntries nor multiIndexEntries');
  const intervals: PriceInterval[] = [];
  entries.forEach((e, i) => {
    const start = parseInstant(e.deliveryStart);
    const end = parseInstant(e.deliveryEnd);
    if (start === undefined || end === undefined) throw parseFailed(SOURCE, `entries[${i}]: times need an offset`);
    const price = e.entryPerArea[opts.area];
    if (price === undefined) return;
    intervals.push({ start, end, pricePerKwh: perMwh(price) });
  });
  if (intervals.length === 0) {
    throw new PriceError('PRICES_NOT_PUBLISHED', `${SOURCE}: no prices for ${opts.area} on ${wire.deliveryDateCET}`, true);
  }
  return toSeries(SOURCE, opts.zone, wire.currency, intervals, opts.provenance);
}

export class NordPoolSource implements PriceSource {
  constructor(
    readonly id: string,
    private readonly opts: {
      zone: string;
      area: string;
      currency: string;
      resolutionMinutes: 15 | 30 | 60;
      fetch: FetchLike;
      clock: Clock;
    },
  ) {}

  /** One request per CET delivery day the window touches. */
  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const out: PriceSeries[] = [];
    let day = DateTime.fromMillis(window.start, { zone: 'Europe/Brussels' }).startOf('day');
    while (day.toMillis() < window.end) {
      const q = new URLSearchParams({
        date: day.toISODate()!,
        market: 'DayAhead',
        indexNames: this.opts.area,
        currency: this.opts.currency,
        resolutionInMinutes: String(this.opts.resolutionMinutes),
      });
      const body = await fetchJson(this.opts.fetch, this.id, `https://dataportal-api.nordpoolgroup.com/api/DayAheadPriceIndices?${q}`);
      const provenance: Provenance = { source: this.id, fetchedAt: this.opts.clock.now(), kind: 'final' };
      out.push(parseNordPool(body, { zone: this.opts.zone, area: this.opts.area, provenance }));
      day = day.plus({ days: 1 });
    }
    return out;
  }
}
