import { Type } from '@sinclair/typebox';
import type { PriceInterval, PriceSeries, PriceSource, Provenance, TimeWindow } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { parseFailed } from '../errors.js';
import { parseInstant } from '../time.js';
import { fetchJson, type FetchLike } from './http.js';
import { penceToPounds, toSeries } from './series.js';
import { checkWire } from './wire.js';

/**
 * Octopus Energy Agile `standard-unit-rates`: pence per kWh, 30-minute intervals, newest first, paginated with a
 * `next` URL. We read `value_exc_vat` by default so VAT is applied once, by the site's tariff.
 */
const SOURCE = 'octopus';
const MAX_PAGES = 50;

export const OctopusUnitRates = Type.Object({
  next: Type.Union([Type.String(), Type.Null()]),
  results: Type.Array(
    Type.Object({
      value_exc_vat: Type.Number(),
      value_inc_vat: Type.Number(),
      valid_from: Type.String(),
      valid_to: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export function parseOctopusPage(body: unknown, includeVat: boolean): { intervals: PriceInterval[]; next: string | null } {
  const wire = checkWire(OctopusUnitRates, body, SOURCE);
  const intervals = wire.results.map((r, i) => {
    const start = parseInstant(r.valid_from);
    const end = r.valid_to === null ? undefined : parseInstant(r.valid_to);
    // An open-ended rate (valid_to null) is a fixed tariff, not an Agile half-hour: we cannot plan on it.
    if (start === undefined || end === undefined) throw parseFailed(SOURCE, `results[${i}]: valid_from/valid_to`);
    const pence = includeVat ? r.value_inc_vat : r.value_exc_vat;
    return { start, end, pricePerKwh: penceToPounds(pence) };
  });
  return { intervals, next: wire.next };
}

export function parseOctopus(body: unknown, opts: { zone: string; includeVat: boolean; provenance: Provenance }): PriceSeries {
  return toSeries(SOURCE, opts.zone, 'GBP', parseOctopusPage(body, opts.includeVat).intervals, opts.provenance);
}

export class OctopusSource implements PriceSource {
  constructor(
    readonly id: string,
    private readonly opts: {
      zone: string;
      product: string;
      tariffCode: string;
      includeVat: boolean;
      fetch: FetchLike;
      clock: Clock;
      baseUrl?: string;
    },
  ) {}

  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const { product, tariffCode } = this.opts;
    const q = new URLSearchParams({
      period_from: new Date(window.start).toISOString(),
      period_to: new Date(window.end).toISOString(),
    });
    let url: string | null =
      `${this.opts.baseUrl ?? 'https://api.octopus.energy'}/v1/products/${product}/electricity-tariffs/${tariffCode}/standard-unit-rates/?${q}`;
    const intervals: PriceInterval[] = [];
    for (let page = 0; url !== null; page++) {
      if (page === MAX_PAGES) throw parseFailed(this.id, `more than ${MAX_PAGES} pages; narrow the window`);
      const parsed = parseOctopusPage(await fetchJson(this.opts.fetch, this.id, url), this.opts.includeVat);
      intervals.push(...parsed.intervals);
      url = parsed.next;
    }
    const provenance: Provenance = { source: this.id, fetchedAt: this.opts.clock.now(), kind: 'final' };
    return [toSeries(this.id, this.opts.zone, 'GBP', intervals, provenance)];
  }
}
