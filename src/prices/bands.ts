import { DateTime } from 'luxon';
import type { BandSchedule, TimeBand, Weekday } from './tariff-config.js';
import { PriceError } from './errors.js';

/**
 * Evaluates time-of-use bands at an instant. Bands are written in local wall-clock time of an explicit IANA zone,
 * so on a 25-hour day the band covering 02:00-03:00 applies to both 02:00 hours, and on a 23-hour day the skipped
 * hour's band simply never applies: we convert each UTC instant to local time rather than counting hours from
 * midnight (the mistake that shifts every band by an hour after a DST change).
 */

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface LocalInstant {
  /** YYYY-MM-DD */
  date: string;
  weekday: Weekday;
  /** HH:MM */
  time: string;
}

export function localInstant(ms: number, zone: string): LocalInstant {
  // The wall clock is the instant moved by the zone's offset there; read by UTC arithmetic, as luxon reads it.
  const local = new Date(ms + zoneOffsetMinutes(ms, zone) * 60_000);
  return {
    date: `${String(local.getUTCFullYear()).padStart(4, '0')}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`,
    weekday: WEEKDAYS[(local.getUTCDay() + 6) % 7]!,
    time: `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`,
  };
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A zone's offset from UTC at an instant, minutes (luxon's, kept per zone and instant). luxon finds it through Intl
 * at some 20-60 µs a call, and prices are evaluated minute by minute over every planning cycle's horizon: that was a
 * fifth of the product's CPU on a long outcome bench (issue 21). An instant's offset never changes within a process
 * (the zone data is fixed), and a cycle asks again for nearly the minutes of the one before, so they are remembered;
 * a zone's memory is emptied when it holds MAX_OFFSETS instants (some 40 days of minutes).
 */
export function zoneOffsetMinutes(ms: number, zone: string): number {
  let known = offsets.get(zone);
  const hit = known?.get(ms);
  if (hit !== undefined) return hit;
  const dt = DateTime.fromMillis(ms, { zone });
  if (!dt.isValid) throw new PriceError('TARIFF_INVALID', `unknown time zone "${zone}"`, false);
  if (!known) offsets.set(zone, (known = new Map()));
  if (known.size >= MAX_OFFSETS) known.clear();
  known.set(ms, dt.offset);
  return dt.offset;
}

const MAX_OFFSETS = 60_000;
const offsets = new Map<string, Map<number, number>>();

/** Validity is [validFrom, validTo) in local dates; ISO dates compare correctly as strings. */
export function isValidOn(item: { validFrom?: string; validTo?: string }, date: string): boolean {
  return (item.validFrom === undefined || item.validFrom <= date) && (item.validTo === undefined || date < item.validTo);
}

export function scheduleOn(schedules: readonly BandSchedule[], date: string, what: string): BandSchedule {
  const found = schedules.find((s) => isValidOn(s, date));
  if (!found) {
    // A missing period is a configuration hole; pricing it at 0 would make the plan optimise on a wrong price.
    throw new PriceError('TARIFF_INVALID', `${what}: no schedule is valid on ${date}`, false);
  }
  return found;
}

export function bandAt(schedule: BandSchedule, at: LocalInstant): TimeBand | undefined {
  return schedule.bands.find((b) => b.days.includes(at.weekday) && b.from <= at.time && at.time < b.to);
}

export function priceAt(schedules: readonly BandSchedule[], at: LocalInstant, what: string): number {
  const schedule = scheduleOn(schedules, at.date, what);
  return bandAt(schedule, at)?.pricePerKwh ?? schedule.otherwisePerKwh;
}

/** Configuration mistakes that would make a price ambiguous: overlapping validity, empty or overlapping bands. */
export function checkSchedules(schedules: readonly BandSchedule[], what: string): string[] {
  const problems: string[] = [];
  schedules.forEach((s, i) => {
    if (s.validFrom && s.validTo && s.validTo <= s.validFrom) problems.push(`${what}[${i}]: validTo <= validFrom`);
    schedules.slice(i + 1).forEach((t, j) => {
      const disjoint =
        (s.validTo !== undefined && t.validFrom !== undefined && s.validTo <= t.validFrom) ||
        (t.validTo !== undefined && s.validFrom !== undefined && t.validTo <= s.validFrom);
      if (!disjoint) problems.push(`${what}[${i}] and ${what}[${i + j + 1}]: validity periods overlap`);
    });
    s.bands.forEach((b, k) => {
      if (b.to <= b.from) problems.push(`${what}[${i}].bands[${k}]: "to" ${b.to} is not after "from" ${b.from}`);
      s.bands.slice(k + 1).forEach((c, l) => {
        const sameDay = b.days.some((d) => c.days.includes(d));
        if (sameDay && b.from < c.to && c.from < b.to) {
          problems.push(`${what}[${i}].bands[${k}] and bands[${k + l + 1}] overlap`);
        }
      });
    });
  });
  return problems;
}
