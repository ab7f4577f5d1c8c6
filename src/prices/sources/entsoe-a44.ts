import { XMLParser } from 'fast-xml-parser';
import type { PriceInterval, PriceSeries, PriceSource, Provenance, TimeWindow } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { PriceError, parseFailed } from '../errors.js';
import { parseIsoDurationMs } from '../time.js';
import { fetchText, type FetchLike } from './http.js';
import { perMwh, toSeries } from './series.js';

/**
 * ENTSO-E Transparency Platform web API, documentType A44 (day-ahead prices), Publication_MarketDocument XML.
 *
 * - Several TimeSeries, each with Periods (timeInterval + resolution PT15M/PT60M) of Points (position, price).
 * - curveType A03 ("variable sized block"): a Point whose price equals the previous one may be left out, so a
 *   missing position carries the previous price forward up to the end of the Period. With A01 every position is
 *   present and a missing one is a gap.
 * - DE-LU and AT publish two auctions under classificationSequence positions 1 and 2 (SDAC and EXAA; which is
 *   which has changed over time), so when a document holds more than one sequence the source must be told which
 *   one to use: guessing would silently plan on the wrong market.
 */
const SOURCE = 'entsoe';


const xml = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: true,
  isArray: (name) => ['TimeSeries', 'Period', 'Point', 'Reason'].includes(name),
});

function text(v: unknown): string {
  if (typeof v === 'object' && v !== null && '#text' in v) return String((v as { '#text': unknown })['#text']);
  return String(v);
}

/** ENTSO-E writes instants as 2026-02-01T23:00Z (no seconds). */
function instant(v: unknown, what: string): number {
  const ms = Date.parse(text(v));
  if (!Number.isFinite(ms)) throw parseFailed(SOURCE, `${what} "${text(v)}" is not a time`);
  return ms;
}

export function parseEntsoeA44(
  body: string,
  opts: { zone: string; provenance: Provenance; classificationSequence?: number },
): PriceSeries {
  let doc: Record<string, unknown>;
  try {
    doc = xml.parse(body) as Record<string, unknown>;
  } catch (cause) {
    throw parseFailed(SOURCE, 'not XML', cause);
  }
  const ack = doc.Acknowledgement_MarketDocument as { Reason?: Array<{ text?: unknown }> } | undefined;
  if (ack) {
    // "No matching data found": the auction result is not out yet; worth retrying later.
    const reason = ack.Reason?.map((r) => text(r.text)).join('; ') ?? 'acknowledgement without data';
    throw new PriceError('PRICES_NOT_PUBLISHED', `${SOURCE}: ${reason}`, true);
  }
  const pub = doc.Publication_MarketDocument as { TimeSeries?: Array<Record<string, unknown>> } | undefined;
  if (!pub) throw parseFailed(SOURCE, 'no Publication_MarketDocument');
  const series = pub.TimeSeries ?? [];

  const sequenceOf = (ts: Record<string, unknown>) =>
    ts['classificationSequence_AttributeInstanceComponent.position'] === undefined
      ? undefined
      : Number(text(ts['classificationSequence_AttributeInstanceComponent.position']));
  const sequences = [...new Set(series.map(sequenceOf).filter((s): s is number => s !== undefined))].sort();
  if (opts.classificationSequence === undefined && sequences.length > 1) {
    throw new PriceError(
      'PRICES_AMBIGUOUS_SEQUENCE',
      `${SOURCE}: the document holds classification sequences ${sequences.join(', ')}; set classificationSequence`,
      false,
    );
  }
  const chosen = series.filter(
    (ts) => opts.classificationSequence === undefined || sequenceOf(ts) === opts.classificationSequence,
  );

  let currency: string | undefined;
  const intervals: PriceInterval[] = [];
  for (const ts of chosen) {
    const cur = text(ts['currency_Unit.name']);
    if (currency !== undefined && cur !== currency) throw parseFailed(SOURCE, `mixed currencies ${currency}, ${cur}`);
    currency = cur;
    if (text(ts['price_Measure_Unit.name']) !== 'MWH') throw parseFailed(SOURCE, 'price unit is not MWH');
    const carryForward = text(ts.curveType ?? 'A01') === 'A03';
    for (const period of (ts.Period ?? []) as Array<Record<string, unknown>>) {
      const ti = period.timeInterval as Record<string, unknown>;
      const start = instant(ti.start, 'timeInterval.start');
      const end = instant(ti.end, 'timeInterval.end');
      const step = parseIsoDurationMs(text(period.resolution));
      if (!step) throw parseFailed(SOURCE, `resolution "${text(period.resolution)}"`);
      const count = Math.round((end - start) / step);
      const byPosition = new Map<number, number>();
      for (const p of (period.Point ?? []) as Array<Record<string, unknown>>) {
        byPosition.set(Number(p.position), Number(p['price.amount']));
      }
      let last: number | undefined;
      for (let pos = 1; pos <= count; pos++) {
        const price = byPosition.get(pos) ?? (carryForward ? last : undefined);
        if (price === undefined) continue;
        if (!Number.isFinite(price)) throw parseFailed(SOURCE, `position ${pos}: price is not a number`);
        last = price;
        const s = start + (pos - 1) * step;
        intervals.push({ start: s, end: s + step, pricePerKwh: perMwh(price) });
      }
    }
  }
  if (!currency) throw new PriceError('PRICES_NOT_PUBLISHED', `${SOURCE}: no TimeSeries in the document`, true);
  return toSeries(SOURCE, opts.zone, currency, intervals, opts.provenance);
}

/** ENTSO-E's periodStart/periodEnd format: yyyyMMddHHmm in UTC. */
function entsoeTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

export class EntsoeSource implements PriceSource {
  constructor(
    readonly id: string,
    private readonly opts: {
      zone: string;
      area: string;
      token: string;
      classificationSequence?: number;
      baseUrl?: string;
      fetch: FetchLike;
      clock: Clock;
    },
  ) {}

  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const { area, token } = this.opts;
    const q = new URLSearchParams({
      securityToken: token,
      documentType: 'A44',
      in_Domain: area,
      out_Domain: area,
      periodStart: entsoeTime(window.start),
      periodEnd: entsoeTime(window.end),
    });
    const body = await fetchText(this.opts.fetch, this.id, `${this.opts.baseUrl ?? 'https://web-api.tp.entsoe.eu/api'}?${q}`);
    const series = parseEntsoeA44(body, {
      zone: this.opts.zone,
      provenance: { source: this.id, fetchedAt: this.opts.clock.now(), kind: 'final' },
      ...(this.opts.classificationSequence !== undefined ? { classificationSequence: this.opts.classificationSequence } : {}),
    });
    return [series];
  }
}
