import type { FastifyPluginAsync } from 'fastify';
import { canAccess, requireRole, TARGET_WRITERS, type Principal } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError, type RowIssue } from '../errors.js';
import { Type } from '@sinclair/typebox';
import type { DepartureTarget, OneOffTarget, Vehicle } from '../../domain/vehicles.js';
import { localDateTime } from '../../scheduler/index.js';
import { runYielding, type Steps } from '../../platform/yielding.js';
import type { ApiContext } from './context.js';
import { BULK_BODY_LIMIT_BYTES, BULK_CHUNK_ROWS, BULK_ISSUES_LISTED_MAX, BULK_ROWS_MAX } from './bulk-limits.js';
import { csvRecords, toCsv, type CsvRecord } from './csv.js';
import { checkTarget } from './target-check.js';
import { BulkCsvBody, BulkJsonBody, BulkResult, errors, ok } from './schemas.js';
import { bodyCheckedByHandler } from './validation.js';

/**
 * POST /api/v1/targets/bulk: departure targets for many vehicles at once, as a JSON array or as CSV
 * (`vehicle_id,kind,departure,days,time,energy_kwh,soc_percent`, days separated by ";").
 *
 * All or nothing: every row is checked first (schema by kind, vehicle known and in the caller's scope, one-off
 * departure in the future in the zone where the car charges, no vehicle twice for the same kind). Any problem ->
 * 422 BULK_REJECTED listing every problem {row, field, rule, message}, and nothing is applied. Only then are the
 * targets set through the scheduler's setTargets, which checks again and stores them in one database transaction:
 * even a database failure half-way leaves nothing applied.
 *
 * Bounded and linear (issue 20, finding 6: a 200,000-row upload held /health for 8.1 s): at most BULK_ROWS_MAX rows
 * and BULK_BODY_LIMIT_BYTES, counted before any row is checked; each row looked at a fixed number of times (issues
 * de-duplicated through a set, the zone per vehicle resolved once, the vehicles read in bulk before the checks); the
 * checks run in chunks with the event loop turning between them; a 422 lists at most BULK_ISSUES_LISTED_MAX issues
 * and counts them all. Issues are listed in row order (the file's own first, then the header, then rows).
 *
 * A weekly row applied for a vehicle whose one-off departure is still ahead (stored, or in the same upload) has no
 * effect until that departure has passed: the answer's `notes` say so per row (issue 18).
 */
const COLUMNS = ['vehicle_id', 'kind', 'departure', 'days', 'time', 'energy_kwh', 'soc_percent'] as const;
const CSV_FIELD: Record<string, string> = { vehicleId: 'vehicle_id', energyKwh: 'energy_kwh', socPercent: 'soc_percent' };

/** BulkResult with the rows that were applied but are not in force yet. */
const BulkAnswer = Type.Composite([BulkResult, Type.Object({
  notes: Type.Array(Type.Object({ row: Type.Integer(), vehicleId: Type.String(), message: Type.String() }), { description: 'rows applied but not in force yet, and why' }),
})]);

type Apply = { vehicleId: string; target: DepartureTarget; row: number | null };

interface Row {
  row: number | null;
  vehicleId: unknown;
  target: unknown;
}

/** `field` and `words` say a JSON field name the way the upload did (CSV: its column names). */
type Parsed = { rows: Row[]; issues: RowIssue[]; field: (jsonField: string) => string; words: (message: string) => string };

const tooMany = (n: number, exact: boolean): RowIssue => ({
  row: null, field: 'body', rule: 'too-many-rows',
  message: `${exact ? n : `more than ${BULK_ROWS_MAX}`} rows: one upload holds at most ${BULK_ROWS_MAX}; split it`,
});

function fromJson(body: unknown): Parsed {
  const field = (f: string) => f;
  const words = field;
  if (!Array.isArray(body)) return { rows: [], field, words, issues: [{ row: null, field: 'body', rule: 'type', message: 'the body must be a JSON array of targets' }] };
  if (body.length > BULK_ROWS_MAX) return { rows: [], field, words, issues: [tooMany(body.length, true)] };
  const rows = body.map((el: unknown, i): Row => {
    if (typeof el !== 'object' || el === null || Array.isArray(el)) return { row: i + 1, vehicleId: undefined, target: el };
    const { vehicleId, ...target } = el as Record<string, unknown>;
    return { row: i + 1, vehicleId, target };
  });
  return { rows, field, words, issues: [] };
}

/** A numeric cell: strict, so "11,5" or "12kWh" is reported instead of read as something else. */
function numberCell(text: string, row: number, column: string, issues: RowIssue[]): number | undefined {
  if (text === '') return undefined;
  const n = /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (Number.isNaN(n)) issues.push({ row, field: column, rule: 'not-numeric', message: `${column} must be a number with a dot for decimals (got "${text}")` });
  return Number.isNaN(n) ? undefined : n;
}

function* fromCsv(text: string): Steps<Parsed> {
  const field = (f: string) => CSV_FIELD[f] ?? f.replace(/\[\d+\]$/, '');
  const words = (m: string) => m.replace(/\b(vehicleId|energyKwh|socPercent)\b/g, (w) => CSV_FIELD[w]!);
  const records: CsvRecord[] = [];
  for (const r of csvRecords(text)) {
    if ('message' in r) return { rows: [], field, words, issues: [{ row: r.row, field: 'csv', rule: 'csv-syntax', message: r.message }] };
    // The header and BULK_ROWS_MAX rows; the rest of the text is not even read.
    if (records.length > BULK_ROWS_MAX) return { rows: [], field, words, issues: [tooMany(records.length, false)] };
    records.push(r);
    if (records.length % BULK_CHUNK_ROWS === 0) yield;
  }
  const [header, ...data] = records;
  const issues: RowIssue[] = [];
  const names = (header?.fields ?? []).map((h) => h.trim().toLowerCase());
  names.forEach((n) => {
    if (!(COLUMNS as readonly string[]).includes(n)) issues.push({ row: 0, field: n, rule: 'unknown-column', message: `unknown column "${n}" (columns: ${COLUMNS.join(',')})` });
  });
  for (const required of ['vehicle_id', 'kind']) {
    if (!names.includes(required)) issues.push({ row: 0, field: required, rule: 'required', message: `the header needs a ${required} column` });
  }
  if (issues.length) return { rows: [], field, words, issues };
  const rows = data.map((rec): Row => {
    if (rec.fields.length !== names.length) {
      issues.push({ row: rec.row, field: 'csv', rule: 'columns', message: `row ${rec.row} has ${rec.fields.length} fields, the header ${names.length}` });
    }
    const cell = (name: string) => (rec.fields[names.indexOf(name)] ?? '').trim();
    const target: Record<string, unknown> = { kind: cell('kind') };
    if (cell('departure') !== '') target.departure = cell('departure');
    if (cell('days') !== '') target.days = cell('days').split(';').map((d) => d.trim().toLowerCase());
    if (cell('time') !== '') target.time = cell('time');
    const energy = numberCell(cell('energy_kwh'), rec.row, 'energy_kwh', issues);
    const soc = numberCell(cell('soc_percent'), rec.row, 'soc_percent', issues);
    if (energy !== undefined) target.energyKwh = energy;
    if (soc !== undefined) target.socPercent = soc;
    return { row: rec.row, vehicleId: cell('vehicle_id'), target };
  });
  return { rows, field, words, issues };
}

/**
 * The upload's vehicles, read before the rows are checked: only those it names, a few hundred per query with the
 * event loop turning between them (VehicleStore.many). Ids the store does not know are absent.
 */
async function vehiclesOf(ctx: ApiContext, rows: readonly Row[]): Promise<Map<string, Vehicle>> {
  const ids = new Set<string>();
  for (const r of rows) if (typeof r.vehicleId === 'string' && r.vehicleId !== '') ids.add(r.vehicleId);
  return ctx.deps.stores.vehicles.many([...ids]);
}

/** Every row checked, every problem collected: the targets to apply, or the issues. */
function* checkRows(ctx: ApiContext, p: Principal, parsed: Parsed, vehicles: ReadonlyMap<string, Vehicle>, zoneOf: (vehicle: Vehicle) => string | null): Steps<{ apply: Apply[]; issues: RowIssue[] }> {
  const issues = [...parsed.issues];
  // "row|field" of every issue: a cell already reported (not a number) is not reported again as missing.
  const reported = new Set(issues.map((i) => `${i.row}|${i.field}`));
  const apply: Apply[] = [];
  const seen = new Map<string, number | null>();
  if (parsed.rows.length === 0 && issues.length === 0) issues.push({ row: null, field: 'body', rule: 'required', message: 'no rows: nothing to apply' });
  let n = 0;
  for (const r of parsed.rows) {
    if (++n % BULK_CHUNK_ROWS === 0) yield;
    const idField = parsed.field('vehicleId');
    const id = typeof r.vehicleId === 'string' ? r.vehicleId : '';
    const vehicle = id ? vehicles.get(id) : undefined;
    // Unknown and out-of-scope vehicles read the same: an upload must not reveal which ids exist elsewhere.
    if (!id) issues.push({ row: r.row, field: idField, rule: 'required', message: `${idField} is required` });
    else if (!vehicle || !canAccess(p, vehicle.fleet, TARGET_WRITERS)) {
      issues.push({ row: r.row, field: idField, rule: 'unknown-vehicle', message: `no vehicle "${id}" in your scope` });
    }
    const zone = vehicle ? zoneOf(vehicle) : null;
    const checked = checkTarget(r.target, zone, ctx.now());
    if (!checked.ok) {
      for (const i of checked.issues) {
        const field = parsed.field(i.field);
        if (reported.has(`${r.row}|${field}`)) continue;
        reported.add(`${r.row}|${field}`);
        issues.push({ row: r.row, field, rule: i.rule, message: parsed.words(i.message) });
      }
      continue;
    }
    const key = `${id}#${checked.target.kind}`;
    if (id && seen.has(key)) {
      issues.push({ row: r.row, field: idField, rule: 'duplicate', message: `vehicle "${id}" already has a ${checked.target.kind} target in row ${seen.get(key)}` });
      continue;
    }
    seen.set(key, r.row);
    if (vehicle) apply.push({ vehicleId: id, target: checked.target, row: r.row });
  }
  // Row order, whatever order the checks found them in: the file's own issues first, then the header (row 0).
  issues.sort((a, b) => (a.row ?? -1) - (b.row ?? -1));
  return { apply, issues };
}

/**
 * Weekly rows that a one-off target overrides (domain/vehicles.ts: a one-off wins until its departure has passed):
 * the one-off of the same upload, else the stored one, read for those vehicles only.
 */
async function overriddenWeekly(ctx: ApiContext, apply: readonly Apply[], vehicles: ReadonlyMap<string, Vehicle>, zoneOf: (vehicle: Vehicle) => string | null) {
  const weekly = apply.filter((a) => a.target.kind === 'weekly');
  if (weekly.length === 0) return [];
  const uploaded = new Map(apply.filter((a) => a.target.kind === 'once').map((a) => [a.vehicleId, a.target as OneOffTarget]));
  const stored = await ctx.deps.stores.targets.many(weekly.filter((w) => !uploaded.has(w.vehicleId)).map((w) => w.vehicleId));
  const now = ctx.now();
  return weekly.flatMap((w) => {
    const once = uploaded.get(w.vehicleId) ?? stored.get(w.vehicleId)?.once ?? null;
    const vehicle = vehicles.get(w.vehicleId);
    const zone = vehicle ? zoneOf(vehicle) : null;
    if (!once || zone === null || w.row === null || localDateTime(once.departure, zone) <= now) return [];
    const departure = once.departure.replace('T', ' ');
    return [{ row: w.row, vehicleId: w.vehicleId, message: `applied, but not in force yet: the one-off departure at ${departure} comes first; the weekly rule takes over after it` }];
  });
}

/** A file to start from: one one-off and one weekly row, the one-off tomorrow (the upload refuses past departures). */
export function sampleCsv(now: number): string {
  const tomorrow = new Date(now + 86_400_000).toISOString().slice(0, 10);
  return toCsv(COLUMNS, [
    ['VAN-1', 'once', `${tomorrow}T07:00`, '', '', 30, ''],
    ['VAN-2', 'weekly', '', 'mon;tue;wed;thu;fri', '06:30', '', 80],
  ]);
}

export const bulkRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: BULK_BODY_LIMIT_BYTES }, (_req, body, done) => done(null, body));

  app.get('/api/v1/targets/bulk/sample.csv', {
    schema: {
      tags: ['targets'],
      summary: 'A sample upload file (CSV): the columns, a one-off and a weekly row',
      description: 'vehicle_id is the vehicle’s id in this product (as in /api/v1/vehicles), not its name or plate; kind is once or weekly; departure (once) is the site’s local date and time YYYY-MM-DDTHH:MM; days (weekly) are mon..sun separated by ";" and time HH:MM; then energy_kwh or soc_percent.',
      response: { 200: { description: 'the sample file (Content-Disposition: attachment)', content: { 'text/csv': { schema: Type.String() } } }, ...errors(401, 403) },
    },
  }, async (request, reply) => {
    requireRole(principalOf(request), TARGET_WRITERS);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="departures-sample.csv"').send(sampleCsv(ctx.now()));
  });

  app.post('/api/v1/targets/bulk', {
    bodyLimit: BULK_BODY_LIMIT_BYTES,
    schema: {
      tags: ['targets'],
      summary: 'Set many departure targets at once (JSON or CSV): all or nothing',
      description: `CSV: header \`vehicle_id,kind,departure,days,time,energy_kwh,soc_percent\` (any order, unknown columns refused), days separated by ";", numbers with a dot, RFC 4180 quoting; rows are numbered from 1 after the header (row 0). JSON: rows numbered from 1. At most ${BULK_ROWS_MAX} rows (rule too-many-rows) and ${BULK_BODY_LIMIT_BYTES / 1024 / 1024} MiB (413). Any bad row: 422 BULK_REJECTED with the issues (the first ${BULK_ISSUES_LISTED_MAX}; the message counts them all) and nothing applied.`,
      body: { content: { 'application/json': { schema: BulkJsonBody }, 'text/csv': { schema: BulkCsvBody } } },
      response: { 200: ok(BulkAnswer, 'every row applied'), ...errors(400, 401, 403, 413, 415, 422) },
    },
    validatorCompiler: bodyCheckedByHandler,
  }, async (request) => {
    const p = principalOf(request);
    requireRole(p, TARGET_WRITERS);
    const csv = (request.headers['content-type'] ?? '').toLowerCase().startsWith('text/csv');
    const parsed = csv ? await runYielding(fromCsv(String(request.body ?? ''))) : fromJson(request.body);
    const [vehicles, zoneOf] = await Promise.all([vehiclesOf(ctx, parsed.rows), ctx.zoneFinder()]);
    const { apply, issues } = await runYielding(checkRows(ctx, p, parsed, vehicles, zoneOf));
    if (issues.length) {
      const n = issues.length;
      const listed = n > BULK_ISSUES_LISTED_MAX ? ` (the first ${BULK_ISSUES_LISTED_MAX} listed)` : '';
      throw new HttpError(422, 'BULK_REJECTED', `${n} problem${n === 1 ? '' : 's'}${listed}; nothing was applied`, undefined, issues.slice(0, BULK_ISSUES_LISTED_MAX));
    }
    const notes = await overriddenWeekly(ctx, apply, vehicles, zoneOf);
    await ctx.deps.scheduler.setTargets(apply.map(({ vehicleId, target }) => ({ vehicleId, target })));
    return { applied: apply.length, vehicles: [...new Set(apply.map((a) => a.vehicleId))], notes };
  });
};
