import { Value } from '@sinclair/typebox/value';
import type {
  CapacityLimitInterval,
  CapacityLimitStore,
  IntakeIssue,
  IntakeResult,
  PriceEvents,
  PriceInterval,
  PriceSeriesStore,
  PublicationInput,
  PublicationIntake,
  ValidatedPublication,
} from '../domain/prices.js';
import { RESOLUTION_MS, TariffPublicationBody, type Resolution } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';
import type { PriceZoneConfig } from './tariff-config.js';
import { readCsv } from './csv.js';
import { hasOffset, parseInstant, parseIsoDurationMs } from './time.js';
import { checkOpenAdrEvent, readOpenAdrEvent } from './sources/openadr3.js';
import { PriceError } from './errors.js';

/**
 * The energy companies' push intake (issue 4). Three formats (our JSON, our CSV, an OpenADR 3 Event) become the
 * same rows, and the same rules run on all of them. Every offending row is reported with the rule it breaks;
 * nothing is applied unless everything passes, and then everything is applied in one transaction.
 *
 * Rules: values numeric and inside the zone's bounds; times carry an offset; end - start equals the declared
 * resolution (evcc #24055: 15-minute starts with one-hour ends); no duplicate, overlapping or missing interval
 * inside the batch; the zone is configured and the currency is the zone's.
 */

interface Row {
  row: number;
  zone: string;
  currency: string;
  resolution: string;
  startText: string;
  endText: string;
  price: unknown;
  /** Multiplier from the row's unit to per kWh. */
  factor: number;
}

interface CheckedRow extends Row {
  start: number;
  end: number;
  pricePerKwh: number;
}

export const CSV_COLUMNS = ['zone', 'currency', 'resolution', 'start', 'end', 'price_per_kwh'] as const;

export class PriceIntake implements PublicationIntake {
  private readonly zones: Map<string, PriceZoneConfig>;

  constructor(
    private readonly deps: {
      zones: readonly PriceZoneConfig[];
      store: PriceSeriesStore;
      limits?: CapacityLimitStore;
      clock: Clock;
      /** Told about every applied publication, so the scheduler re-plans on new prices. */
      events?: { emit(event: 'prices.updated', payload: PriceEvents['prices.updated']): void };
    },
  ) {
    this.zones = new Map(deps.zones.map((z) => [z.id, z]));
  }

  validate(input: PublicationInput): IntakeResult {
    const issues: IntakeIssue[] = [];
    let rows: Row[] = [];
    let capacityLimits: CapacityLimitInterval[] = [];
    if (input.format === 'json') rows = this.fromJson(input.body, issues);
    else if (input.format === 'csv') rows = this.fromCsv(input.text, issues);
    else ({ rows, capacityLimits } = this.fromOpenAdr(input, issues));

    const zones = [...new Set(rows.map((r) => r.zone).filter((z) => z !== ''))];
    // Rows the format step already had to drop (wrong field count, no start/end) leave holes of unknown size.
    const dropped = issues.some((i) => i.row !== null && i.rule === 'schema');
    const byZone = new Map<string, CheckedRow[]>();
    const unplaced = new Set<string>();
    for (const r of rows) {
      const { row } = this.checkRow(r, issues);
      if (row) byZone.set(r.zone, [...(byZone.get(r.zone) ?? []), row]);
      else unplaced.add(r.zone);
    }
    // A row whose time could not be read leaves a hole that is already reported; do not report it again as a gap.
    for (const [zone, list] of byZone) this.checkSequence(list, issues, !dropped && !unplaced.has(zone));
    if (rows.length === 0 && issues.length === 0 && capacityLimits.length === 0) {
      issues.push({ row: null, field: 'intervals', rule: 'schema', message: 'the batch holds no intervals' });
    }
    if (issues.length > 0) return { ok: false, zones, issues: issues.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)) };
    const series = [...byZone].map(([zone, list]) => ({
      zone,
      currency: list[0]!.currency,
      intervals: list.map((r): PriceInterval => ({ start: r.start, end: r.end, pricePerKwh: r.pricePerKwh })),
    }));
    return { ok: true, zones, publication: { series, capacityLimits } };
  }

  apply(publication: ValidatedPublication, publisher: string): { publicationIds: number[]; intervals: number; capacityLimits: number } {
    const fetchedAt = this.deps.clock.now();
    const source = `push:${publisher}`;
    const ids = this.deps.store.save(
      publication.series.map((s) => ({ ...s, provenance: { source, fetchedAt, kind: 'final' as const } })),
      publisher,
    );
    for (const s of publication.series) {
      const first = s.intervals[0];
      const last = s.intervals.at(-1);
      if (first && last) this.deps.events?.emit('prices.updated', { zone: s.zone, source, start: first.start, end: last.end, intervals: s.intervals.length });
    }
    if (publication.capacityLimits.length > 0) {
      if (!this.deps.limits) throw new PriceError('PRICES_UNAVAILABLE', 'no capacity-limit store is configured', false);
      const target = publication.series[0]?.zone;
      if (target) this.deps.limits.saveLimits(target, source, publication.capacityLimits);
    }
    return {
      publicationIds: ids,
      intervals: publication.series.reduce((n, s) => n + s.intervals.length, 0),
      capacityLimits: publication.capacityLimits.length,
    };
  }

  // --- formats -> rows ---------------------------------------------------------------------------------------

  private fromJson(body: unknown, issues: IntakeIssue[]): Row[] {
    const bad = new Set<number>();
    for (const e of Value.Errors(TariffPublicationBody, body)) {
      const m = /^\/intervals\/(\d+)(?:\/(\w+))?/.exec(e.path);
      const row = m ? Number(m[1]) + 1 : null;
      const field = m ? (m[2] ?? 'interval') : e.path.replace(/^\//, '') || 'body';
      if (row !== null) bad.add(row);
      // A string or null where a price belongs is the "non-numeric value" rule, not a shape problem.
      const rule = field === 'price' ? 'not-numeric' : 'schema';
      if (!issues.some((i) => i.row === row && i.field === field)) issues.push({ row, field, rule, message: e.message });
    }
    if (typeof body !== 'object' || body === null) return [];
    const b = body as Partial<Record<string, unknown>>;
    if (typeof b.zone !== 'string' || typeof b.currency !== 'string' || !Array.isArray(b.intervals)) return [];
    const factor = b.unit === 'MWh' ? 1 / 1000 : 1;
    return b.intervals.flatMap((iv: unknown, i): Row[] => {
      const x = (iv ?? {}) as Record<string, unknown>;
      if (bad.has(i + 1) && (typeof x.start !== 'string' || typeof x.end !== 'string')) return [];
      return [{
        row: i + 1,
        zone: b.zone as string,
        currency: b.currency as string,
        resolution: String(b.resolution),
        startText: String(x.start),
        endText: String(x.end),
        price: bad.has(i + 1) && typeof x.price !== 'number' ? undefined : x.price,
        factor,
      }];
    });
  }

  private fromCsv(text: string, issues: IntakeIssue[]): Row[] {
    const rows = readCsv(text, ',');
    const header = rows.shift();
    const names = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
    const missing = CSV_COLUMNS.filter((c) => !names.includes(c));
    if (!header || missing.length > 0) {
      issues.push({ row: header?.line ?? 1, field: 'header', rule: 'schema', message: `missing columns: ${missing.join(', ')} (expected ${CSV_COLUMNS.join(',')})` });
      return [];
    }
    const col = (name: (typeof CSV_COLUMNS)[number]) => names.indexOf(name);
    return rows.flatMap((r): Row[] => {
      if (r.fields.length !== names.length) {
        // Usually a decimal comma in an unquoted field ("0,0421"): refuse rather than read the wrong column.
        issues.push({ row: r.line, field: 'row', rule: 'schema', message: `${r.fields.length} fields, the header has ${names.length}` });
        return [];
      }
      const get = (name: (typeof CSV_COLUMNS)[number]) => (r.fields[col(name)] ?? '').trim();
      const priceText = get('price_per_kwh');
      // Only a plain decimal is a price: "1,5", "12 EUR" or "" are refused rather than guessed.
      const price = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(priceText) ? Number(priceText) : priceText;
      return [{ row: r.line, zone: get('zone'), currency: get('currency'), resolution: get('resolution'), startText: get('start'), endText: get('end'), price, factor: 1 }];
    });
  }

  private fromOpenAdr(
    input: { body: unknown; zone?: string; currency?: string },
    issues: IntakeIssue[],
  ): { rows: Row[]; capacityLimits: CapacityLimitInterval[] } {
    let event;
    let reading;
    try {
      event = checkOpenAdrEvent(input.body);
      reading = readOpenAdrEvent(event);
    } catch (e) {
      issues.push({ row: null, field: 'event', rule: 'schema', message: e instanceof Error ? e.message : String(e) });
      return { rows: [], capacityLimits: [] };
    }
    const zone = input.zone ?? '';
    if (zone === '') issues.push({ row: null, field: 'zone', rule: 'unknown-zone', message: 'say which price zone the event is for (?zone=)' });
    const currency = reading.currency ?? input.currency ?? '';
    const rows = reading.prices.map((p): Row => ({
      row: p.index + 1,
      zone,
      currency,
      resolution: p.durationText,
      startText: p.startText,
      endText: p.end === undefined ? '' : new Date(p.end).toISOString(),
      price: p.value,
      factor: reading.perKwhFactor,
    }));
    // An interval computed from the event's period inherits the event start's text; its own start is derived.
    rows.forEach((r, i) => {
      const s = reading.prices[i]!.start;
      if (s !== undefined && hasOffset(r.startText)) r.startText = new Date(s).toISOString();
    });
    return { rows, capacityLimits: reading.limits };
  }

  // --- rules -------------------------------------------------------------------------------------------------

  /** Row rules. Returns the row with its instants whenever both parse, so sequence rules still see it. */
  private checkRow(r: Row, issues: IntakeIssue[]): { row: CheckedRow | undefined; valid: boolean } {
    const before = issues.length;
    const add = (field: string, rule: IntakeIssue['rule'], message: string) => {
      // One issue per row and field: a null price is one problem, not a type error plus a not-numeric.
      if (!issues.some((i) => i.row === r.row && i.field === field)) issues.push({ row: r.row, field, rule, message });
    };
    const zone = this.zones.get(r.zone);
    if (r.zone !== '' && !zone) add('zone', 'unknown-zone', `zone "${r.zone}" is not configured`);
    if (zone && r.currency !== zone.currency) {
      add('currency', 'unknown-currency', `currency "${r.currency}" is not ${zone.id}'s currency ${zone.currency}`);
    }
    const step = RESOLUTION_MS[r.resolution as Resolution] ?? (r.resolution.startsWith('PT') ? parseIsoDurationMs(r.resolution) : undefined);
    const reported = issues.some((i) => i.row === null && i.field === 'resolution');
    if ((step === undefined || !Object.values(RESOLUTION_MS).includes(step)) && !reported) {
      add('resolution', 'schema', `resolution "${r.resolution}" is not PT15M, PT30M or PT60M`);
    }
    const start = this.instant(r.startText, 'start', add);
    // OpenADR rows derive the end from the start: no end text means the start already failed.
    const end = r.endText === '' && start === undefined ? undefined : this.instant(r.endText, 'end', add);
    if (start !== undefined && end !== undefined && step !== undefined && end - start !== step) {
      add('end', 'resolution-mismatch', `interval lasts ${(end - start) / 60_000} min but the declared resolution is ${r.resolution}`);
    }
    let pricePerKwh = NaN;
    if (typeof r.price !== 'number' || !Number.isFinite(r.price)) {
      add('price', 'not-numeric', `price ${JSON.stringify(r.price ?? null)} is not a number`);
    } else {
      pricePerKwh = Number((r.price * r.factor).toPrecision(15));
      if (zone && (pricePerKwh < zone.minPerKwh || pricePerKwh > zone.maxPerKwh)) {
        add('price', 'out-of-bounds', `${pricePerKwh} ${zone.currency}/kWh is outside [${zone.minPerKwh}, ${zone.maxPerKwh}] for ${zone.id}`);
      }
    }
    if (start === undefined || end === undefined) return { row: undefined, valid: false };
    return { row: { ...r, start, end, pricePerKwh }, valid: issues.length === before };
  }

  private instant(text: string, field: string, add: (f: string, rule: IntakeIssue['rule'], m: string) => void): number | undefined {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) {
      add(field, 'offset-missing', `"${text}" has no offset: write Z or +hh:mm so the instant is unambiguous`);
      return undefined;
    }
    const ms = parseInstant(text);
    if (ms === undefined) add(field, 'invalid-time', `"${text}" is not an ISO-8601 instant`);
    return ms;
  }

  /** Duplicates, overlaps and gaps among one zone's rows, in time order. */
  private checkSequence(rows: CheckedRow[], issues: IntakeIssue[], reportGaps: boolean): void {
    const sorted = [...rows].sort((a, b) => a.start - b.start || a.row - b.row);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      const at = new Date(cur.start).toISOString();
      if (cur.start === prev.start && cur.end === prev.end) {
        issues.push({ row: cur.row, field: 'start', rule: 'duplicate', message: `${at} repeats row ${prev.row}` });
      } else if (cur.start < prev.end) {
        issues.push({ row: cur.row, field: 'start', rule: 'overlap', message: `${at} starts before row ${prev.row} ends (${new Date(prev.end).toISOString()})` });
      } else if (cur.start > prev.end && reportGaps) {
        issues.push({ row: cur.row, field: 'start', rule: 'gap', message: `nothing covers ${new Date(prev.end).toISOString()} to ${at} (after row ${prev.row})` });
      }
    }
  }
}
