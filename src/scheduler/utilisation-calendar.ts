/**
 * Utilisation's calendar (issue 17): a period of local dates in the site's zone, the hour-of-week of each hour in it,
 * and the named windows a saturation sentence speaks of. 23- and 25-hour days are ordinary: the period's hours are
 * counted in absolute time and each is filed under the local weekday and hour it starts at (a 25-hour day files two
 * hours under 02:00, a 23-hour day none under 02:00).
 */
import { DateTime, IANAZone } from 'luxon';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The longest period one query covers (a leap year and a day of slack). */
export const MAX_PERIOD_DAYS = 367;

export interface UtilisationPeriod {
  /** First local date (YYYY-MM-DD) and the local date after the last, in `zone`. */
  from: string;
  to: string;
  zone: string;
  startMs: number;
  endMs: number;
}

/** Why a period is refused, naming the field. */
export class PeriodError extends Error {
  constructor(readonly field: 'from' | 'to', message: string) {
    super(message);
  }
}

/**
 * [from 00:00, to 00:00) on the site's wall clock; `to` defaults to tomorrow (today included) and `from` to 7 days
 * before `to`.
 */
export function utilisationPeriod(zone: string, nowMs: number, from?: string, to?: string): UtilisationPeriod {
  const day = (text: string, field: 'from' | 'to') => {
    const d = DateTime.fromISO(text, { zone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !d.isValid) throw new PeriodError(field, `${field} must be a date YYYY-MM-DD, not "${text}"`);
    return d.startOf('day');
  };
  const end = to !== undefined ? day(to, 'to') : DateTime.fromMillis(nowMs, { zone }).startOf('day').plus({ days: 1 });
  const start = from !== undefined ? day(from, 'from') : end.minus({ days: 7 });
  if (start >= end) throw new PeriodError('to', `to (${end.toISODate()}) must be after from (${start.toISODate()})`);
  if (end.diff(start, 'days').days > MAX_PERIOD_DAYS) throw new PeriodError('to', `a period is at most ${MAX_PERIOD_DAYS} days; ${start.toISODate()} to ${end.toISODate()} is longer`);
  return { from: start.toISODate()!, to: end.toISODate()!, zone, startMs: start.toMillis(), endMs: end.toMillis() };
}

/** Hour-of-week index: 0 = Monday 00:00-01:00 ... 167 = Sunday 23:00-24:00, local. */
export type HourOfWeek = number;

/**
 * The hours of [startMs, endMs) in `zone`: hour i starts at firstMs + i h (absolute time, so lookups are a division)
 * and is filed under keys[i]. The zone's offset is read once a day, and per hour only on a day whose offset changes.
 */
export interface HourGrid {
  firstMs: number;
  keys: Uint8Array;
}

export function hourGrid(zone: string, startMs: number, endMs: number): HourGrid {
  const z = IANAZone.create(zone);
  const offsetMs = (ms: number) => z.offset(ms) * 60_000;
  // The first local hour boundary at or before startMs (whole-hour offsets: a UTC hour boundary shifted by the offset's minutes).
  const firstMs = startMs - ((((startMs + offsetMs(startMs)) % HOUR_MS) + HOUR_MS) % HOUR_MS);
  const n = Math.max(0, Math.ceil((endMs - firstMs) / HOUR_MS));
  const keys = new Uint8Array(n);
  for (let d = 0; d < n; d += 24) {
    const dayStart = firstMs + d * HOUR_MS;
    const a = offsetMs(dayStart);
    const steady = a === offsetMs(dayStart + DAY_MS);
    for (let i = d; i < Math.min(n, d + 24); i++) {
      const ms = firstMs + i * HOUR_MS;
      const local = ms + (steady ? a : offsetMs(ms));
      const days = Math.floor(local / DAY_MS);
      // 1970-01-01 was a Thursday (index 3 when Monday is 0).
      const weekday = (((days + 3) % 7) + 7) % 7;
      keys[i] = weekday * 24 + Math.floor((local - days * DAY_MS) / HOUR_MS);
    }
  }
  return { firstMs, keys };
}

/** Adds [a, b) to `into` (168 buckets), split at the grid's hours. */
export function addByHour(grid: HourGrid, into: Float64Array, a: number, b: number): void {
  let t = a;
  while (t < b) {
    const i = Math.floor((t - grid.firstMs) / HOUR_MS);
    const next = Math.min(b, grid.firstMs + (i + 1) * HOUR_MS);
    into[grid.keys[i]!]! += next - t;
    t = next;
  }
}

/** The windows a saturation sentence names, by local weekday (0 = Monday) and hour. */
export const WINDOWS = [
  { id: 'weekday-evenings', words: 'weekday evenings (17:00–22:00)', days: [0, 1, 2, 3, 4], hours: [17, 22] },
  { id: 'weekday-mornings', words: 'weekday mornings (06:00–10:00)', days: [0, 1, 2, 3, 4], hours: [6, 10] },
  { id: 'weekday-daytime', words: 'weekday daytime (10:00–17:00)', days: [0, 1, 2, 3, 4], hours: [10, 17] },
  { id: 'nights', words: 'nights (22:00–06:00)', days: [0, 1, 2, 3, 4, 5, 6], hours: [22, 6] },
  { id: 'weekends', words: 'weekend days (06:00–22:00)', days: [5, 6], hours: [6, 22] },
] as const;
export type WindowId = (typeof WINDOWS)[number]['id'];

/** Is hour-of-week `k` inside the window? */
export function inWindow(w: (typeof WINDOWS)[number], k: HourOfWeek): boolean {
  const day = Math.floor(k / 24);
  const hour = k % 24;
  const [from, to] = w.hours;
  const inHours = from < to ? hour >= from && hour < to : hour >= from || hour < to;
  return (w.days as readonly number[]).includes(day) && inHours;
}
