import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { readCsv, type CsvRow } from '../../prices/csv.js';

/**
 * Real charging sessions for the simulator and the outcome benchmark (issue 7): who plugged in where, when, for
 * how long and how much energy the car took. Two formats, told apart by their header:
 *
 * - the raw Trondheim export (Sørensen et al., Data in Brief 36 (2021), doi:10.17632/jbks2rcwyj): `;`, decimal
 *   comma, CRLF, naive Europe/Oslo wall-clock times "24.10.2019 00:10";
 * - the normalised form of the shared data folder: `,`, UTC ISO-8601, a `flags` column. Caltech's garage (ACN-Data)
 *   comes in the same columns with no user ids (each session is then its own driver, `user_id` = the session id)
 *   and with the driver's request (`requested_kwh`, `requested_departure_utc`) where the app had one.
 *
 * Both give the same records row for row (a test holds us to it), so the benchmark can start from either.
 */
export interface SessionRecord {
  id: string;
  /** `trondheim:<garage>` for the raw export: the normalised file's naming. */
  site: string;
  userId: string;
  /** UTC ms. */
  arrival: number;
  /** UTC ms; equal to arrival for a zero-length session (the data has one). */
  departure: number;
  energyKwh: number;
  flags: string[];
  /** What the driver asked for in the app (Caltech's ACN): energy and departure; absent when the source has none. */
  requestedKwh?: number;
  requestedDeparture?: number;
}

/**
 * 313 weeks (2191 days): Oct 2019 sessions land on Oct 2025 prices on the same weekdays, and the 2019-10-27 DST
 * fall-back (01:00Z) lands exactly on the 2025-10-26 one, so the 25-hour day stays a 25-hour day.
 */
export const SESSIONS_TO_DK1_2025_MS = 2191 * 86_400_000;

/** The raw export's clock times are not DST-corrected but its Duration_hours is: a one-hour gap marks such rows. */
export const DURATION_FLAG = 'duration_hours_disagrees_with_timestamps';
// Duration_hours carries seconds, the clock times only minutes: honest rows differ by under a minute.
const DURATION_TOLERANCE_H = 0.5;
const RAW_ZONE = 'Europe/Oslo';
const RAW_SITE_PREFIX = 'trondheim:';
// Several flags in one normalised cell are separated by "|" (no fixture row has more than one).
const FLAG_SEPARATOR = '|';

/** Bad input, with where it is: the file, the 1-based line and the column, so a person can fix the row. */
export class SessionFileError extends Error {
  readonly code = 'SESSIONS_INVALID';
  readonly retryable = false;
  override name = 'SessionFileError';
  constructor(readonly file: string, readonly line: number, readonly field: string, rule: string) {
    super(`${file} line ${line}, ${field}: ${rule}`);
  }
}

type Cell = (name: string) => string;

function columns(header: CsvRow, required: readonly string[], file: string): Map<string, number> {
  const index = new Map(header.fields.map((h, i) => [h.trim(), i]));
  for (const name of required) {
    if (!index.has(name)) throw new SessionFileError(file, header.line, name, 'column missing from the header');
  }
  return index;
}

function cellReader(row: CsvRow, index: Map<string, number>, width: number, file: string): Cell {
  if (row.fields.length !== width) {
    throw new SessionFileError(file, row.line, 'row', `has ${row.fields.length} fields, the header has ${width}`);
  }
  return (name) => (row.fields[index.get(name)!] ?? '').trim();
}

function nonEmpty(cell: Cell, name: string, file: string, line: number): string {
  const v = cell(name);
  if (v === '') throw new SessionFileError(file, line, name, 'must not be empty');
  return v;
}

/** Ids key every per-session result downstream: a repeated id would merge two visits. */
function uniqueId(cell: Cell, name: string, file: string, line: number, seen: Map<string, number>): string {
  const id = nonEmpty(cell, name, file, line);
  const first = seen.get(id);
  if (first !== undefined) throw new SessionFileError(file, line, name, `"${id}" is already used on line ${first}`);
  seen.set(id, line);
  return id;
}

function energy(text: string, name: string, file: string, line: number): number {
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n < 0) throw new SessionFileError(file, line, name, `"${text}" is not a non-negative number of kWh`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Normalised: session_id,site,station_id,user_id,arrival_utc,departure_utc,...,energy_kwh,...,flags
// ---------------------------------------------------------------------------------------------------------------

const UTC_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/;

function utc(text: string, name: string, file: string, line: number): number {
  const ms = UTC_STAMP.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new SessionFileError(file, line, name, `"${text}" is not a UTC time like 2019-10-24T05:25:00Z`);
  return ms;
}

function parseNormalised(rows: CsvRow[], file: string): SessionRecord[] {
  const header = rows[0]!;
  const index = columns(header, ['session_id', 'site', 'user_id', 'arrival_utc', 'departure_utc', 'energy_kwh', 'flags'], file);
  const seen = new Map<string, number>();
  const optional = (cell: Cell, name: string) => (index.has(name) ? cell(name) : '');
  return rows.slice(1).map((row) => {
    const cell = cellReader(row, index, header.fields.length, file);
    const flags = cell('flags');
    const id = uniqueId(cell, 'session_id', file, row.line, seen);
    const arrival = utc(cell('arrival_utc'), 'arrival_utc', file, row.line);
    const departure = utc(cell('departure_utc'), 'departure_utc', file, row.line);
    if (departure < arrival) throw new SessionFileError(file, row.line, 'departure_utc', `${cell('departure_utc')} is before arrival_utc ${cell('arrival_utc')}`);
    const record: SessionRecord = {
      id,
      site: nonEmpty(cell, 'site', file, row.line),
      // Caltech's export has no user ids: each session is then its own driver.
      userId: cell('user_id') || id,
      arrival,
      departure,
      energyKwh: energy(cell('energy_kwh'), 'energy_kwh', file, row.line),
      flags: flags === '' ? [] : flags.split(FLAG_SEPARATOR),
    };
    const requestedKwh = optional(cell, 'requested_kwh');
    if (requestedKwh !== '') record.requestedKwh = energy(requestedKwh, 'requested_kwh', file, row.line);
    const requestedDeparture = optional(cell, 'requested_departure_utc');
    if (requestedDeparture !== '') record.requestedDeparture = utc(requestedDeparture, 'requested_departure_utc', file, row.line);
    return record;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Raw Trondheim export
// ---------------------------------------------------------------------------------------------------------------

const LOCAL_STAMP = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})$/;

/** The wall time read as if it were UTC (for wall-clock differences), or NaN. */
function naiveMs(text: string): number {
  const m = LOCAL_STAMP.exec(text);
  return m ? Date.parse(`${m[3]}-${m[2]}-${m[1]}T${m[4]}:${m[5]}:00Z`) : NaN;
}

/** Every UTC instant showing this wall time in Oslo: two in the repeated fall-back hour, none in the skipped one. */
function instantsFor(naive: number): number[] {
  const out = new Set<number>();
  for (const probe of [naive - 3 * 3600_000, naive + 3 * 3600_000]) {
    const offsetMin = DateTime.fromMillis(probe, { zone: RAW_ZONE }).offset;
    const t = naive - offsetMin * 60_000;
    if (DateTime.fromMillis(t, { zone: RAW_ZONE }).offset === offsetMin) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

function localInstants(text: string, name: string, file: string, line: number): { naive: number; instants: number[] } {
  const naive = naiveMs(text);
  if (!Number.isFinite(naive)) throw new SessionFileError(file, line, name, `"${text}" is not a time like 24.10.2019 07:25`);
  const instants = instantsFor(naive);
  if (instants.length === 0) throw new SessionFileError(file, line, name, `"${text}" does not exist in ${RAW_ZONE} (DST skips it)`);
  return { naive, instants };
}

function parseRaw(rows: CsvRow[], file: string): SessionRecord[] {
  const header = rows[0]!;
  const need = ['session_ID', 'Garage_ID', 'User_ID', 'Start_plugin', 'End_plugout', 'El_kWh', 'Duration_hours'];
  const index = columns(header, need, file);
  const seen = new Map<string, number>();
  return rows.slice(1).map((row) => {
    const cell = cellReader(row, index, header.fields.length, file);
    const decimal = (name: string) => cell(name).replace(',', '.');
    const from = localInstants(cell('Start_plugin'), 'Start_plugin', file, row.line);
    const to = localInstants(cell('End_plugout'), 'End_plugout', file, row.line);
    const durationH = Number(decimal('Duration_hours'));
    if (cell('Duration_hours') === '' || !Number.isFinite(durationH)) {
      throw new SessionFileError(file, row.line, 'Duration_hours', `"${cell('Duration_hours')}" is not a number`);
    }
    // A wall time in the repeated hour has two instants; the source's DST-corrected duration says which is meant.
    let best: [number, number] | undefined;
    for (const a of from.instants) {
      for (const d of to.instants) {
        if (d < a) continue;
        const miss = Math.abs((d - a) / 3600_000 - durationH);
        if (!best || miss < Math.abs((best[1] - best[0]) / 3600_000 - durationH)) best = [a, d];
      }
    }
    if (!best) throw new SessionFileError(file, row.line, 'End_plugout', `"${cell('End_plugout')}" is before Start_plugin`);
    const wallH = (to.naive - from.naive) / 3600_000;
    return {
      id: uniqueId(cell, 'session_ID', file, row.line, seen),
      site: RAW_SITE_PREFIX + nonEmpty(cell, 'Garage_ID', file, row.line),
      userId: nonEmpty(cell, 'User_ID', file, row.line),
      arrival: best[0],
      departure: best[1],
      energyKwh: energy(decimal('El_kWh'), 'El_kWh', file, row.line),
      flags: Math.abs(durationH - wallH) > DURATION_TOLERANCE_H ? [DURATION_FLAG] : [],
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------

/** Parses either format (told apart by the header); `source` names the file in errors. */
export function parseSessions(text: string, source = '<sessions>'): SessionRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = src.slice(0, src.search(/\r?\n|$/));
  if (firstLine.startsWith('session_ID;')) return parseRaw(readCsv(src, ';'), source);
  if (firstLine.startsWith('session_id,')) return parseNormalised(readCsv(src, ','), source);
  throw new SessionFileError(source, 1, 'header', 'neither the raw Trondheim export (session_ID;...) nor the normalised form (session_id,...)');
}

export function loadSessions(path: string): SessionRecord[] {
  return parseSessions(readFileSync(path, 'utf8'), path);
}

/** The same sessions `ms` later (see SESSIONS_TO_DK1_2025_MS); returns new records. */
export function shiftSessions(s: readonly SessionRecord[], ms: number): SessionRecord[] {
  return s.map((r) => ({
    ...r, arrival: r.arrival + ms, departure: r.departure + ms, flags: [...r.flags],
    ...(r.requestedDeparture !== undefined ? { requestedDeparture: r.requestedDeparture + ms } : {}),
  }));
}
