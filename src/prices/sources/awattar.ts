import { Type } from '@sinclair/typebox';
import type { PriceSeries, PriceSource, Provenance, TimeWindow } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { parseFailed } from '../errors.js';
import { fetchJson, type FetchLike } from './http.js';
import { perMwh, toSeries } from './series.js';
import { checkWire } from './wire.js';

/** aWATTar `/v1/marketdata` (DE-LU via api.awattar.de, AT via api.awattar.at): epoch milliseconds, Eur/MWh. */
const SOURCE = 'awattar';

export const AwattarMarketData = Type.Object({
  data: Type.Array(
    Type.Object({
      start_timestamp: Type.Integer(),
      end_timestamp: Type.Integer(),
      marketprice: Type.Number(),
      unit: Type.String(),
    }),
  ),
});

export function parseAwattar(body: unknown, opts: { zone: string; provenance: Provenance }): PriceSeries {
  const wire = checkWire(AwattarMarketData, body, SOURCE);
  const intervals = wire.data.map((d, i) => {
    if (d.unit.toLowerCase() !== 'eur/mwh') throw parseFailed(SOURCE, `data[${i}].unit is "${d.unit}", not Eur/MWh`);
    return { start: d.start_timestamp, end: d.end_timestamp, pricePerKwh: perMwh(d.marketprice) };
  });
  return toSeries(SOURCE, opts.zone, 'EUR', intervals, opts.provenance);
}

export class AwattarSource implements PriceSource {
  constructor(
    readonly id: string,
    private readonly opts: { zone: string; country: 'de' | 'at'; fetch: FetchLike; clock: Clock },
  ) {}

  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const url = `https://api.awattar.${this.opts.country}/v1/marketdata?start=${window.start}&end=${window.end}`;
    const body = await fetchJson(this.opts.fetch, this.id, url);
    return [parseAwattar(body, { zone: this.opts.zone, provenance: { source: this.id, fetchedAt: this.opts.clock.now(), kind: 'final' } })];
  }
}
