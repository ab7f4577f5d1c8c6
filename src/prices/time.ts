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

/** Parses an ISO-8601 instant that carries an offset; returns undefined for anything else. */
export function parseInstant(text: string): number | undefined {
  if (!hasOffset(text)) return undefined;
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
