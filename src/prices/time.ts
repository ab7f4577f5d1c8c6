import { DateTime } from 'luxon';

/**
 * Time helpers shared by the parsers. Everything leaves here as epoch ms (UTC); wall-clock times only ever meet
 * an explicit IANA zone.
 */

// An ISO-8601 instant that says where it is: 'Z' or a numeric offset. Without one it is a wall-clock time.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function hasOffset(text: string): boolean {
  return ISO_WITH_OFFSET.test(text);
}

// The form nearly every feed and publisher writes: seconds and milliseconds optional, Z or ±hh:mm.
const COMMON_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * The common form read by arithmetic; undefined when it is not that form or a field is out of range (luxon then
 * decides). luxon costs some 15-70 µs an instant, which made a year of quarter-hours (70,000 instants) seconds of work
 * (issue 20, finding 6); this is under a microsecond.
 */
function commonInstant(text: string): number | undefined {
  const m = COMMON_INSTANT.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const s = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  // Date.UTC reads years 0-99 as 1900-1999, and luxon knows what to do with the odd cases.
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate() || h > 23 || mi > 59 || s > 59) return undefined;
  if (!m[8] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset * 60_000;
}

/** Parses an ISO-8601 instant that carries an offset; returns undefined for anything else. */
export function parseInstant(text: string): number | undefined {
  if (!hasOffset(text)) return undefined;
  const fast = commonInstant(text);
  if (fast !== undefined) return fast;
  const dt = DateTime.fromISO(text, { setZone: true });
  return dt.isValid ? dt.toMillis() : undefined;
}

/** Parses a wall-clock ISO time ('2025-09-27T21:00:00') that a source documents as UTC. */
export function parseNaiveUtc(text: string): number | undefined {
  const dt = DateTime.fromISO(text, { zone: 'utc' });
  return dt.isValid && !hasOffset(text) ? dt.toMillis() : undefined;
}

/** ISO-8601 durations the price feeds use (PT15M, PT1H, P1D...). Returns ms, or undefined if not fixed-length. */
export function parseIsoDurationMs(text: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** Start of the local day containing `ms` in `zone`, and the start of the next one (23, 24 or 25 hours later). */
export function localDay(ms: number, zone: string): { start: number; end: number; date: string } {
  const d = DateTime.fromMillis(ms, { zone }).startOf('day');
  return { start: d.toMillis(), end: d.plus({ days: 1 }).toMillis(), date: d.toISODate() ?? '' };
}

/** The window [00:00, next 00:00) of a local calendar date ('2025-10-26') in `zone`. */
export function localDateWindow(date: string, zone: string): { start: number; end: number } {
  const d = DateTime.fromISO(date, { zone }).startOf('day');
  if (!d.isValid) throw new RangeError(`not a date: ${date}`);
  return { start: d.toMillis(), end: d.plus({ days: 1 }).toMillis() };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO-8601 UTC without milliseconds, the form of the normalised CSV answers: 2024-03-31T01:00:00Z. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
