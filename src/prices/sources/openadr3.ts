import { Type, type Static } from '@sinclair/typebox';
import type {
  CapacityLimitInterval,
  CapacityLimitSource,
  PriceInterval,
  PriceSeries,
  PriceSource,
  TimeWindow,
} from '../../domain/prices.js';
import { TARIFF_ROWS_MAX } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { PriceError, parseFailed } from '../errors.js';
import { parseInstant, parseIsoDurationMs } from '../time.js';
import { fetchJson, type FetchLike } from './http.js';
import { toSeries } from './series.js';
import { checkWire } from './wire.js';

/**
 * OpenADR 3 (3.0.1) Events, as a VTN serves them on GET /events and as a utility may post one to us.
 *
 * - An interval's time is its own `intervalPeriod` or, when absent, the event's: the n-th interval (in array
 *   order) starts at event start + n x duration (OpenADR 3 spec, "intervalPeriod").
 * - PRICE values are currency per `units` of the payload descriptor; without a descriptor we take KWH, the unit
 *   the OpenADR 3 user guide uses for price signals, and the currency must come from configuration.
 * - IMPORT_CAPACITY_LIMIT / EXPORT_CAPACITY_LIMIT become time-varying site limits in kW: a finite number above 0 and
 *   at most CAPACITY_LIMIT_MAX_KW (issue 20, finding 7: -5 kW and 1e308 kW were stored), units KW (default), W or MW.
 * - `randomizeStart` is for spreading load-shed responses; a price is a price from its start, so it is ignored.
 */
const SOURCE = 'openadr3';

/** The largest capacity limit we take, in kW: 100 MW, far above any site's grid connection, far below nonsense. */
export const CAPACITY_LIMIT_MAX_KW = 100_000;
const KW_PER_UNIT: Readonly<Record<string, number>> = { KW: 1, W: 1 / 1000, MW: 1000 };

const IntervalPeriod = Type.Object({
  start: Type.String(),
  duration: Type.Optional(Type.String()),
  randomizeStart: Type.Optional(Type.String()),
});

const ValuesMap = Type.Object({ type: Type.String(), values: Type.Array(Type.Unknown()) });

export const OpenAdrEvent = Type.Object({
  id: Type.Optional(Type.String()),
  programID: Type.String(),
  eventName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  priority: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  modificationDateTime: Type.Optional(Type.String()),
  targets: Type.Optional(Type.Union([Type.Array(ValuesMap), Type.Null()])),
  payloadDescriptors: Type.Optional(
    Type.Union([
      Type.Array(
        Type.Object({
          payloadType: Type.String(),
          units: Type.Optional(Type.String()),
          currency: Type.Optional(Type.String()),
        }),
      ),
      Type.Null(),
    ]),
  ),
  intervalPeriod: Type.Optional(Type.Union([IntervalPeriod, Type.Null()])),
  intervals: Type.Array(
    Type.Object({
      id: Type.Integer(),
      intervalPeriod: Type.Optional(Type.Union([IntervalPeriod, Type.Null()])),
      payloads: Type.Array(ValuesMap),
    }),
    { maxItems: TARIFF_ROWS_MAX },
  ),
});
export type OpenAdrEvent = Static<typeof OpenAdrEvent>;

/** One PRICE interval with the raw text it came from, so the push intake can report rules per row. */
export interface OpenAdrPriceRow {
  index: number;
  startText: string;
  durationText: string;
  start: number | undefined;
  end: number | undefined;
  value: unknown;
}

/** One IMPORT/EXPORT_CAPACITY_LIMIT payload as sent, checked by readCapacityLimit. */
export interface OpenAdrLimitRow {
  index: number;
  type: 'IMPORT_CAPACITY_LIMIT' | 'EXPORT_CAPACITY_LIMIT';
  start: number | undefined;
  end: number | undefined;
  value: unknown;
  /** The payload descriptor's units, upper case (KW when there is none). */
  unit: string;
}

export interface OpenAdrReading {
  currency: string | undefined;
  /** Multiplier from the descriptor's unit to per kWh (KWH: 1, MWH: 1/1000). */
  perKwhFactor: number;
  prices: OpenAdrPriceRow[];
  limits: OpenAdrLimitRow[];
}

export type CapacityLimitCheck =
  | { ok: true; limit: CapacityLimitInterval }
  | { ok: false; rule: 'schema' | 'not-numeric' | 'out-of-bounds'; message: string };

/** A capacity limit's rules: a usable time, a known unit, a finite number of kW above 0 and at most the maximum. */
export function readCapacityLimit(row: OpenAdrLimitRow): CapacityLimitCheck {
  const what = `intervals[${row.index}] ${row.type}`;
  if (row.start === undefined || row.end === undefined) return { ok: false, rule: 'schema', message: `${what} has no usable time (intervalPeriod start and duration)` };
  const perUnit = KW_PER_UNIT[row.unit];
  if (perUnit === undefined) return { ok: false, rule: 'schema', message: `${what}: units "${row.unit}" (expected KW, W or MW)` };
  if (typeof row.value !== 'number' || !Number.isFinite(row.value)) {
    return { ok: false, rule: 'not-numeric', message: `${what}: ${JSON.stringify(row.value ?? null)} is not a number` };
  }
  const kw = row.value * perUnit;
  if (!(kw > 0 && kw <= CAPACITY_LIMIT_MAX_KW)) {
    return { ok: false, rule: 'out-of-bounds', message: `${what}: ${kw} kW is outside (0, ${CAPACITY_LIMIT_MAX_KW}] kW` };
  }
  return { ok: true, limit: { start: row.start, end: row.end, direction: row.type === 'IMPORT_CAPACITY_LIMIT' ? 'import' : 'export', limitKw: kw } };
}

/** Strict reading for pulled events: any unusable capacity limit fails the whole event. */
export function openAdrCapacityLimits(reading: OpenAdrReading): CapacityLimitInterval[] {
  return reading.limits.map((row) => {
    const checked = readCapacityLimit(row);
    if (!checked.ok) throw parseFailed(SOURCE, checked.message);
    return checked.limit;
  });
}

export function checkOpenAdrEvent(value: unknown): OpenAdrEvent {
  return checkWire(OpenAdrEvent, value, SOURCE);
}

export function readOpenAdrEvent(event: OpenAdrEvent): OpenAdrReading {
  const descriptor = (type: string) => event.payloadDescriptors?.find((d) => d.payloadType === type);
  const priceUnit = (descriptor('PRICE')?.units ?? 'KWH').toUpperCase();
  const perKwhFactor = priceUnit === 'KWH' ? 1 : priceUnit === 'MWH' ? 1 / 1000 : NaN;
  if (Number.isNaN(perKwhFactor)) throw parseFailed(SOURCE, `PRICE units "${priceUnit}" (expected KWH or MWH)`);

  const prices: OpenAdrPriceRow[] = [];
  const limits: OpenAdrLimitRow[] = [];
  const base = event.intervalPeriod ?? undefined;
  event.intervals.forEach((iv, n) => {
    const own = iv.intervalPeriod ?? undefined;
    const durationText = own?.duration ?? base?.duration ?? '';
    const step = parseIsoDurationMs(durationText);
    let startText: string;
    let start: number | undefined;
    if (own) {
      startText = own.start;
      start = parseInstant(own.start);
    } else {
      startText = base?.start ?? '';
      const b = parseInstant(startText);
      start = b === undefined || step === undefined ? undefined : b + n * step;
    }
    const end = start === undefined || step === undefined ? undefined : start + step;
    for (const p of iv.payloads) {
      if (p.type === 'PRICE') {
        prices.push({ index: n, startText, durationText, start, end, value: p.values[0] });
      } else if (p.type === 'IMPORT_CAPACITY_LIMIT' || p.type === 'EXPORT_CAPACITY_LIMIT') {
        limits.push({ index: n, type: p.type, start, end, value: p.values[0], unit: (descriptor(p.type)?.units ?? 'KW').toUpperCase() });
      }
    }
  });
  return { currency: descriptor('PRICE')?.currency, perKwhFactor, prices, limits };
}

/** Strict reading for pulled events: any unusable PRICE interval fails the whole event. */
export function openAdrPriceIntervals(reading: OpenAdrReading): PriceInterval[] {
  return reading.prices.map((p) => {
    if (p.start === undefined || p.end === undefined) throw parseFailed(SOURCE, `intervals[${p.index}]: no usable time`);
    if (typeof p.value !== 'number' || !Number.isFinite(p.value)) throw parseFailed(SOURCE, `intervals[${p.index}]: PRICE is not a number`);
    return { start: p.start, end: p.end, pricePerKwh: p.value * reading.perKwhFactor };
  });
}

/**
 * Where events overlap, the one with the higher priority wins (OpenADR 3: lower number = higher priority), then
 * the more recently modified one.
 */
export function mergeByPriority(
  events: ReadonlyArray<{ event: OpenAdrEvent; intervals: PriceInterval[] }>,
): PriceInterval[] {
  const ranked = [...events].sort(
    (a, b) =>
      (a.event.priority ?? Number.MAX_SAFE_INTEGER) - (b.event.priority ?? Number.MAX_SAFE_INTEGER) ||
      (b.event.modificationDateTime ?? '').localeCompare(a.event.modificationDateTime ?? ''),
  );
  const chosen: PriceInterval[] = [];
  for (const { intervals } of ranked) {
    for (const iv of intervals) {
      if (!chosen.some((c) => c.start < iv.end && iv.start < c.end)) chosen.push(iv);
    }
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** Polls a VTN's events with an OAuth2 client-credentials token (OpenADR 3 security model). */
export class OpenAdrVtnSource implements PriceSource, CapacityLimitSource {
  private token: { value: string; expiresAt: number } | undefined;
  private lastLimits: CapacityLimitInterval[] = [];

  constructor(
    readonly id: string,
    private readonly opts: {
      zone: string;
      vtnUrl: string;
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      programId?: string;
      currency: string;
      fetch: FetchLike;
      clock: Clock;
    },
  ) {}

  private async accessToken(): Promise<string> {
    const now = this.opts.clock.now();
    if (this.token && this.token.expiresAt > now) return this.token.value;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
    }).toString();
    const res = await fetchJson(this.opts.fetch, this.id, this.opts.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const tok = checkWire(Type.Object({ access_token: Type.String(), expires_in: Type.Optional(Type.Number()) }), res, this.id);
    // Renew a minute early so a token never expires between fetching it and using it.
    this.token = { value: tok.access_token, expiresAt: now + Math.max(0, (tok.expires_in ?? 3600) - 60) * 1000 };
    return tok.access_token;
  }

  async series(window: TimeWindow): Promise<PriceSeries[]> {
    const token = await this.accessToken();
    const q = this.opts.programId ? `?${new URLSearchParams({ programID: this.opts.programId })}` : '';
    const res = await fetchJson(this.opts.fetch, this.id, `${this.opts.vtnUrl.replace(/\/$/, '')}/events${q}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!Array.isArray(res)) throw parseFailed(this.id, 'GET /events did not return an array');
    const readings = res.map((e) => {
      const event = checkOpenAdrEvent(e);
      const reading = readOpenAdrEvent(event);
      if (reading.currency !== undefined && reading.currency !== this.opts.currency) {
        throw new PriceError('PRICES_CURRENCY_MISMATCH', `${this.id}: event in ${reading.currency}, expected ${this.opts.currency}`, false);
      }
      return { event, reading };
    });
    const inWindow = <T extends { start: number; end: number }>(x: T) => x.end > window.start && x.start < window.end;
    this.lastLimits = readings.flatMap((r) => openAdrCapacityLimits(r.reading)).filter(inWindow);
    const intervals = mergeByPriority(readings.map((r) => ({ event: r.event, intervals: openAdrPriceIntervals(r.reading) }))).filter(inWindow);
    const provenance = { source: this.id, fetchedAt: this.opts.clock.now(), kind: 'final' as const };
    return [toSeries(this.id, this.opts.zone, this.opts.currency, intervals, provenance)];
  }

  /** Limits seen in the last poll. */
  async capacityLimits(window: TimeWindow): Promise<CapacityLimitInterval[]> {
    return this.lastLimits.filter((l) => l.end > window.start && l.start < window.end);
  }
}
