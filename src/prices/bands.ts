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
  const dt = DateTime.fromMillis(ms, { zone });
  if (!dt.isValid) throw new PriceError('TARIFF_INVALID', `unknown time zone "${zone}"`, false);
  return {
    date: dt.toISODate()!,
    weekday: WEEKDAYS[dt.weekday - 1]!,
    time: `${String(dt.hour).padStart(2, '0')}:${String(dt.minute).padStart(2, '0')}`,
  };
}

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
