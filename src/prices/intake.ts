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
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { RESOLUTION_MS, TariffPublicationBody, type Resolution } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';
import { runToEnd, runYielding, type Steps } from '../platform/yielding.js';
import type { PriceZoneConfig } from './tariff-config.js';
import { csvRows } from './csv.js';
import { hasOffset, parseInstant, parseIsoDurationMs } from './time.js';
import { checkOpenAdrEvent, readCapacityLimit, readOpenAdrEvent } from './sources/openadr3.js';
import { PriceError } from './errors.js';
import { INTAKE_CHUNK_ROWS, TARIFF_ROWS_MAX } from './limits.js';

/**
 * The energy companies' push intake (issue 4). Three formats (our JSON, our CSV, an OpenADR 3 Event) become the
 * same rows, and the same rules run on all of them. Every offending row is reported with the rule it breaks;
 * nothing is applied unless everything passes, and then everything is applied in one transaction.
 *
 * Rules: values numeric and inside the zone's bounds; times carry an offset; end - start equals the declared
 * resolution (evcc #24055: 15-minute starts with one-hour ends); no duplicate, overlapping or missing interval
 * inside the batch; the zone is configured and the currency is the zone's.
 *
 * Linear and bounded (issue 20, finding 6: rows were appended by copying the zone's list, so 16,000 quarter-hours took
 * 12.5 s, and the server answered nobody meanwhile): at most TARIFF_ROWS_MAX rows, each looked at a fixed number of
 * times, issues de-duplicated through a set, and the work written once as steps (platform/yielding.ts) that a
 * request runs with the event loop turning every INTAKE_CHUNK_ROWS rows.
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

/**
 * The body without its intervals, and one interval: checked separately, so that the rows can be checked in chunks;
 * compiled, because TypeBox's interpreter took ~20 µs an interval. Errors are listed only for what fails.
 */
const Interval = TypeCompiler.Compile(TariffPublicationBody.properties.intervals.items);
const Head = TypeCompiler.Compile(Type.Object(
  { ...TariffPublicationBody.properties, intervals: Type.Array(Type.Unknown(), { minItems: 1 }) },
  { additionalProperties: false },
));

/** Issues with at most one per row and field where that is asked for, in time linear in their number. */
class Issues {
  readonly list: IntakeIssue[] = [];
  private readonly keys = new Set<string>();

  has(row: number | null, field: string): boolean {
    return this.keys.has(`${row}|${field}`);
  }

  push(issue: IntakeIssue): void {
    this.keys.add(`${issue.row}|${issue.field}`);
    this.list.push(issue);
  }

  /** Adds unless this row and field already have one: a null price is one problem, not a type error plus a not-numeric. */
  once(issue: IntakeIssue): void {
    if (!this.has(issue.row, issue.field)) this.push(issue);
  }
}

const tooMany = (n: number, exact: boolean): IntakeIssue => ({
  row: null, field: 'intervals', rule: 'too-many-rows',
  message: `${exact ? n : `more than ${TARIFF_ROWS_MAX}`} intervals: one publication holds at most ${TARIFF_ROWS_MAX} (a leap year of quarter-hours is 35,136); split it`,
});

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
    return runToEnd(this.check(input));
  }

  validateYielding(input: PublicationInput): Promise<IntakeResult> {
    return runYielding(this.check(input));
  }

  private *check(input: PublicationInput): Steps<IntakeResult> {
    const issues = new Issues();
    let rows: Row[] = [];
    let capacityLimits: CapacityLimitInterval[] = [];
    let capacityZone: string | undefined;
    if (input.format === 'json') rows = yield* this.fromJson(input.body, issues);
    else if (input.format === 'csv') rows = yield* this.fromCsv(input.text, issues);
    else ({ rows, capacityLimits, capacityZone } = this.fromOpenAdr(input, issues));

    const zoneSet = new Set(rows.map((r) => r.zone).filter((z) => z !== ''));
    // An OpenADR event names its zone once: capacity limits alone must be authorised and checked for it too.
    if (capacityZone !== undefined) zoneSet.add(capacityZone);
    const zones = [...zoneSet];
    // Rows the format step already had to drop (wrong field count, no start/end) leave holes of unknown size.
    const dropped = issues.list.some((i) => i.row !== null && i.rule === 'schema');
    const byZone = new Map<string, CheckedRow[]>();
    const unplaced = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const row = this.checkRow(r, issues);
      if (row) {
        const list = byZone.get(r.zone);
        if (list) list.push(row);
        else byZone.set(r.zone, [row]);
      } else unplaced.add(r.zone);
      if ((i + 1) % INTAKE_CHUNK_ROWS === 0) yield;
    }
    // A row whose time could not be read leaves a hole that is already reported; do not report it again as a gap.
    for (const [zone, list] of byZone) yield* this.checkSequence(list, issues, !dropped && !unplaced.has(zone));
    if (rows.length === 0 && issues.list.length === 0 && capacityLimits.length === 0) {
      issues.push({ row: null, field: 'intervals', rule: 'schema', message: 'the batch holds no intervals' });
    }
    if (issues.list.length > 0) return { ok: false, zones, issues: issues.list.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)) };
    const series = [];
    for (const [zone, list] of byZone) {
      const intervals: PriceInterval[] = [];
      for (const r of list) {
        intervals.push({ start: r.start, end: r.end, pricePerKwh: r.pricePerKwh });
        if (intervals.length % INTAKE_CHUNK_ROWS === 0) yield;
      }
      series.push({ zone, currency: list[0]!.currency, intervals });
    }
    return { ok: true, zones, publication: { series, capacityLimits, ...(capacityZone !== undefined ? { capacityZone } : {}) } };
  }

  async apply(publication: ValidatedPublication, publisher: string): Promise<{ publicationIds: number[]; intervals: number; capacityLimits: number }> {
    const fetchedAt = this.deps.clock.now();
    const source = `push:${publisher}`;
    const target = publication.capacityZone ?? publication.series[0]?.zone;
    if (publication.capacityLimits.length > 0) {
      // Checked before anything is stored: a 201 that says "capacityLimits: 1" must mean one is stored (finding 7).
      if (!this.deps.limits) throw new PriceError('PRICES_UNAVAILABLE', 'no capacity-limit store is configured', false);
      if (!target) throw new PriceError('PRICES_UNAVAILABLE', 'capacity limits without a zone to keep them for', false);
    }
    // The series are stored in one transaction (the store's save), the capacity limits in another, as before.
    const ids = await this.deps.store.save(
      publication.series.map((s) => ({ ...s, provenance: { source, fetchedAt, kind: 'final' as const } })),
      publisher,
    );
    for (const s of publication.series) {
      const first = s.intervals[0];
      const last = s.intervals.at(-1);
      if (first && last) this.deps.events?.emit('prices.updated', { zone: s.zone, source, start: first.start, end: last.end, intervals: s.intervals.length });
    }
    if (publication.capacityLimits.length > 0) await this.deps.limits!.saveLimits(target!, source, publication.capacityLimits);
    return {
      publicationIds: ids,
      intervals: publication.series.reduce((n, s) => n + s.intervals.length, 0),
      capacityLimits: publication.capacityLimits.length,
    };
  }

  // --- formats -> rows ---------------------------------------------------------------------------------------

  private *fromJson(body: unknown, issues: Issues): Steps<Row[]> {
    // The head first (zone, currency, resolution, the intervals' count); then each interval on its own.
    for (const e of Head.Check(body) ? [] : Head.Errors(body)) {
      const field = e.path.replace(/^\//, '').split('/')[0] || 'body';
      issues.once({ row: null, field, rule: 'schema', message: e.message });
    }
    if (typeof body !== 'object' || body === null) return [];
    const b = body as Partial<Record<string, unknown>>;
    if (!Array.isArray(b.intervals)) return [];
    if (b.intervals.length > TARIFF_ROWS_MAX) {
      issues.push(tooMany(b.intervals.length, true));
      return [];
    }
    if (typeof b.zone !== 'string' || typeof b.currency !== 'string') return [];
    const factor = b.unit === 'MWh' ? 1 / 1000 : 1;
    const rows: Row[] = [];
    for (let i = 0; i < b.intervals.length; i++) {
      const iv: unknown = b.intervals[i];
      let bad = false;
      for (const e of Interval.Check(iv) ? [] : Interval.Errors(iv)) {
        const field = e.path.replace(/^\//, '').split('/')[0] || 'interval';
        bad = true;
        // A string or null where a price belongs is the "non-numeric value" rule, not a shape problem.
        issues.once({ row: i + 1, field, rule: field === 'price' ? 'not-numeric' : 'schema', message: e.message });
      }
      const x = (iv ?? {}) as Record<string, unknown>;
      if (!(bad && (typeof x.start !== 'string' || typeof x.end !== 'string'))) {
        rows.push({
          row: i + 1,
          zone: b.zone,
          currency: b.currency,
          resolution: String(b.resolution),
          startText: String(x.start),
          endText: String(x.end),
          price: bad && typeof x.price !== 'number' ? undefined : x.price,
          factor,
        });
      }
      if ((i + 1) % INTAKE_CHUNK_ROWS === 0) yield;
    }
    return rows;
  }

  private *fromCsv(text: string, issues: Issues): Steps<Row[]> {
    const reader = csvRows(text, ',');
    const first = reader.next();
    const header = first.done ? undefined : first.value;
    const names = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
    const missing = CSV_COLUMNS.filter((c) => !names.includes(c));
    if (!header || missing.length > 0) {
      issues.push({ row: header?.line ?? 1, field: 'header', rule: 'schema', message: `missing columns: ${missing.join(', ')} (expected ${CSV_COLUMNS.join(',')})` });
      return [];
    }
    const col = Object.fromEntries(CSV_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<(typeof CSV_COLUMNS)[number], number>;
    const rows: Row[] = [];
    let count = 0;
    for (const r of reader) {
      if (++count > TARIFF_ROWS_MAX) {
        // Stop reading: the rest of the text is not even parsed.
        issues.push(tooMany(count, false));
        return [];
      }
      if (count % INTAKE_CHUNK_ROWS === 0) yield;
      if (r.fields.length !== names.length) {
        // Usually a decimal comma in an unquoted field ("0,0421"): refuse rather than read the wrong column.
        issues.push({ row: r.line, field: 'row', rule: 'schema', message: `${r.fields.length} fields, the header has ${names.length}` });
        continue;
      }
      const get = (name: (typeof CSV_COLUMNS)[number]) => (r.fields[col[name]] ?? '').trim();
      const priceText = get('price_per_kwh');
      // Only a plain decimal is a price: "1,5", "12 EUR" or "" are refused rather than guessed.
      const price = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(priceText) ? Number(priceText) : priceText;
      rows.push({ row: r.line, zone: get('zone'), currency: get('currency'), resolution: get('resolution'), startText: get('start'), endText: get('end'), price, factor: 1 });
    }
    return rows;
  }

  private fromOpenAdr(
    input: { body: unknown; zone?: string; currency?: string },
    issues: Issues,
  ): { rows: Row[]; capacityLimits: CapacityLimitInterval[]; capacityZone?: string } {
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
    if (zone === '') {
      issues.push({ row: null, field: 'zone', rule: 'unknown-zone', message: 'say which price zone the event is for (?zone=)' });
    } else if (!this.zones.has(zone)) {
      // Checked once for the whole event, so that an event with only capacity limits is checked too (finding 7).
      issues.push({ row: null, field: 'zone', rule: 'unknown-zone', message: `zone "${zone}" is not configured` });
      return { rows: [], capacityLimits: [], capacityZone: zone };
    }
    if (reading.prices.length + reading.limits.length > TARIFF_ROWS_MAX) {
      issues.push(tooMany(reading.prices.length + reading.limits.length, true));
      return { rows: [], capacityLimits: [], ...(zone ? { capacityZone: zone } : {}) };
    }
    const currency = reading.currency ?? input.currency ?? '';
    const rows = reading.prices.map((p): Row => ({
      row: p.index + 1,
      zone,
      currency,
      resolution: p.durationText,
      // An interval computed from the event's period inherits the event start's text; its own start is derived.
      startText: p.start !== undefined && hasOffset(p.startText) ? new Date(p.start).toISOString() : p.startText,
      endText: p.end === undefined ? '' : new Date(p.end).toISOString(),
      price: p.value,
      factor: reading.perKwhFactor,
    }));
    const capacityLimits: CapacityLimitInterval[] = [];
    for (const l of reading.limits) {
      const checked = readCapacityLimit(l);
      if (checked.ok) capacityLimits.push(checked.limit);
      else issues.once({ row: l.index + 1, field: l.type, rule: checked.rule, message: checked.message });
    }
    return { rows, capacityLimits, ...(zone ? { capacityZone: zone } : {}) };
  }

  // --- rules -------------------------------------------------------------------------------------------------

  /** Row rules. Returns the row with its instants whenever both parse, so sequence rules still see it. */
  private checkRow(r: Row, issues: Issues): CheckedRow | undefined {
    const add = (field: string, rule: IntakeIssue['rule'], message: string) => issues.once({ row: r.row, field, rule, message });
    const zone = this.zones.get(r.zone);
    if (r.zone !== '' && !zone) add('zone', 'unknown-zone', `zone "${r.zone}" is not configured`);
    if (zone && r.currency !== zone.currency) {
      add('currency', 'unknown-currency', `currency "${r.currency}" is not ${zone.id}'s currency ${zone.currency}`);
    }
    const step = RESOLUTION_MS[r.resolution as Resolution] ?? (r.resolution.startsWith('PT') ? parseIsoDurationMs(r.resolution) : undefined);
    if ((step === undefined || !Object.values(RESOLUTION_MS).includes(step)) && !issues.has(null, 'resolution')) {
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
    if (start === undefined || end === undefined) return undefined;
    return { ...r, start, end, pricePerKwh };
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
  private *checkSequence(rows: CheckedRow[], issues: Issues, reportGaps: boolean): Steps<void> {
    // Usually in order already: then no sort, which took a stall of its own for a year of rows.
    let inOrder = true;
    for (let i = 1; i < rows.length && inOrder; i++) {
      inOrder = rows[i - 1]!.start < rows[i]!.start || (rows[i - 1]!.start === rows[i]!.start && rows[i - 1]!.row < rows[i]!.row);
      if (i % (4 * INTAKE_CHUNK_ROWS) === 0) yield;
    }
    const sorted = inOrder ? rows : [...rows].sort((a, b) => a.start - b.start || a.row - b.row);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (cur.start === prev.start && cur.end === prev.end) {
        issues.push({ row: cur.row, field: 'start', rule: 'duplicate', message: `${new Date(cur.start).toISOString()} repeats row ${prev.row}` });
      } else if (cur.start < prev.end) {
        issues.push({ row: cur.row, field: 'start', rule: 'overlap', message: `${new Date(cur.start).toISOString()} starts before row ${prev.row} ends (${new Date(prev.end).toISOString()})` });
      } else if (cur.start > prev.end && reportGaps) {
        issues.push({ row: cur.row, field: 'start', rule: 'gap', message: `nothing covers ${new Date(prev.end).toISOString()} to ${new Date(cur.start).toISOString()} (after row ${prev.row})` });
      }
      if (i % INTAKE_CHUNK_ROWS === 0) yield;
    }
  }
}
