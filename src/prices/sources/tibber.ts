import { Type } from '@sinclair/typebox';
import type { PriceSeries, PriceSource, Provenance, TimeWindow } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { parseFailed } from '../errors.js';
import { parseInstant } from '../time.js';
import { fetchJson, type FetchLike } from './http.js';
import { toSeries } from './series.js';
import { checkWire } from './wire.js';

/**
 * Tibber GraphQL `priceInfo(resolution: QUARTER_HOURLY)`: `total` (the customer's all-in price per kWh, taxes and
 * grid fee already included: pair it with a tariff that has no other parts) and `startsAt` with an offset. Tibber
 * does not send the end, so each interval lasts the requested resolution.
 */
const SOURCE = 'tibber';

const Price = Type.Object({ total: Type.Number(), startsAt: Type.String() });
export const TibberPriceInfo = Type.Object({
  data: Type.Object({
    viewer: Type.Object({
      homes: Type.Array(
        Type.Object({
          id: Type.String(),
          currentSubscription: Type.Union([
            Type.Object({ priceInfo: Type.Object({ today: Type.Array(Price), tomorrow: Type.Array(Price) }) }),
            Type.Null(),
          ]),
        }),
      ),
    }),
  }),
});

export function parseTibber(
  body: unknown,
  opts: { zone: string; currency: string; homeId?: string; resolutionMinutes: 15 | 60; provenance: Provenance },
): PriceSeries {
  const wire = checkWire(TibberPriceInfo, body, SOURCE);
  const home = wire.data.viewer.homes.find((h) => opts.homeId === undefined || h.id === opts.homeId);
  const info = home?.currentSubscription?.priceInfo;
  if (!info) throw parseFailed(SOURCE, `no price info for home ${opts.homeId ?? '(first)'}`);
  const step = opts.resolutionMinutes * 60_000;
  const intervals = [...info.today, ...info.tomorrow].map((p, i) => {
    const start = parseInstant(p.startsAt);
    if (start === undefined) throw parseFailed(SOURCE, `price ${i}: startsAt "${p.startsAt}"`);
    return { start, end: start + step, pricePerKwh: p.total };
  });
  return toSeries(SOURCE, opts.zone, opts.currency, intervals, opts.provenance);
}

const QUERY = `query($res: PriceInfoResolution) { viewer { homes { id currentSubscription { priceInfo(resolution: $res) {
  today { total startsAt } tomorrow { total startsAt } } } } } }`;

export class TibberSource implements PriceSource {
  constructor(
    readonly id: string,
    private readonly opts: {
      zone: string;
      currency: string;
      token: string;
      homeId?: string;
      resolutionMinutes: 15 | 60;
      fetch: FetchLike;
      clock: Clock;
    },
  ) {}

  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const res = this.opts.resolutionMinutes === 15 ? 'QUARTER_HOURLY' : 'HOURLY';
    const body = await fetchJson(this.opts.fetch, this.id, 'https://api.tibber.com/v1-beta/gql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.token}` },
      body: JSON.stringify({ query: QUERY, variables: { res } }),
    });
    const { zone, currency, homeId, resolutionMinutes, clock } = this.opts;
    const series = parseTibber(body, {
      zone,
      currency,
      resolutionMinutes,
      ...(homeId !== undefined ? { homeId } : {}),
      provenance: { source: this.id, fetchedAt: clock.now(), kind: 'final' },
    });
    series.intervals = series.intervals.filter((i) => i.end > window.start && i.start < window.end);
    return [series];
  }
}
