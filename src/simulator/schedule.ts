/**
 * One charging profile's schedule in time: which period applies at an instant, and the instants at which that can
 * change. Pure: instants are milliseconds since the epoch, passed in.
 */
import type { ChargingProfileType } from '../ocpp/schemas/generated/SetChargingProfileRequest.js';

export type { ChargingProfileType };

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** A schedule period's limit as stated: A per phase or W in total, on numberPhases phases. */
export interface PeriodLimit {
  unit: 'A' | 'W';
  limit: number;
  numberPhases: number;
}

/** K01.FR.10/.36/.37: valid from validFrom (inclusive) to validTo (exclusive); unset bounds are open. */
export function validAt(p: ChargingProfileType, at: number): boolean {
  if (p.validFrom !== undefined && at < Date.parse(p.validFrom)) return false;
  if (p.validTo !== undefined && at >= Date.parse(p.validTo)) return false;
  return true;
}

function recurrenceMs(p: ChargingProfileType): number {
  return p.recurrencyKind === 'Weekly' ? WEEK_MS : DAY_MS;
}

/**
 * Where the schedule's second 0 lies at instant `at`. Absolute: startSchedule (K01.FR.40). Relative: the start
 * of the transaction it applies to (K01.FR.42), `relativeStart`. Recurring: the latest daily/weekly repetition of
 * startSchedule at or before `at` (or the first one, still in the future).
 */
export function scheduleOrigin(p: ChargingProfileType, at: number, relativeStart: number): number {
  const s = p.chargingSchedule[0];
  if (p.chargingProfileKind === 'Relative' || s.startSchedule === undefined) return relativeStart;
  const first = Date.parse(s.startSchedule);
  if (p.chargingProfileKind === 'Absolute' || at < first) return first;
  const period = recurrenceMs(p);
  return first + Math.floor((at - first) / period) * period;
}

/** The limit this profile imposes at `at`, or undefined if it imposes none then (invalid, not started, past its duration). */
export function periodAt(p: ChargingProfileType, at: number, relativeStart: number): PeriodLimit | undefined {
  if (!validAt(p, at)) return undefined;
  const s = p.chargingSchedule[0];
  const offsetS = (at - scheduleOrigin(p, at, relativeStart)) / 1000;
  // K01.FR.30: nothing before the schedule starts. K01.FR.11/.12: nothing from `duration` on.
  if (offsetS < 0) return undefined;
  if (s.duration !== undefined && offsetS >= s.duration) return undefined;
  let current: (typeof s.chargingSchedulePeriod)[number] | undefined;
  // K01.FR.35: periods are in increasing startPeriod; K01.FR.12: each lasts until the next one starts.
  for (const period of s.chargingSchedulePeriod) {
    if (period.startPeriod > offsetS) break;
    current = period;
  }
  if (!current) return undefined;
  // K01.FR.49: an AC schedule without numberPhases means three phases.
  return { unit: s.chargingRateUnit, limit: current.limit, numberPhases: current.numberPhases ?? 3 };
}

/** Every instant in (from, to) at which this profile's limit may change, unsorted. */
export function changesBetween(p: ChargingProfileType, from: number, to: number, relativeStart: number): number[] {
  const s = p.chargingSchedule[0];
  const out: number[] = [];
  for (const bound of [p.validFrom, p.validTo]) if (bound !== undefined) out.push(Date.parse(bound));
  for (const origin of originsBetween(p, from, to, relativeStart)) {
    for (const period of s.chargingSchedulePeriod) out.push(origin + period.startPeriod * 1000);
    if (s.duration !== undefined) out.push(origin + s.duration * 1000);
  }
  return out.filter((t) => t > from && t < to);
}

/** The schedule origins that can matter in (from, to): one, or each repetition of a recurring profile. */
function originsBetween(p: ChargingProfileType, from: number, to: number, relativeStart: number): number[] {
  if (p.chargingProfileKind !== 'Recurring') return [scheduleOrigin(p, from, relativeStart)];
  const period = recurrenceMs(p);
  const origins: number[] = [];
  for (let o = scheduleOrigin(p, from, relativeStart); o < to; o += period) origins.push(o);
  return origins;
}
