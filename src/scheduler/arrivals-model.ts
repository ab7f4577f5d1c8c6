/**
 * What a site's own past says about the cars still to come: per weekday and hour of the day (the site's wall
 * clock), how many cars arrive on average, how much energy they take and how long they stay. Learned from the
 * site's stored sessions, nothing else; pure (no store, no clock), so the planner can be given it and tests can
 * compute it by hand.
 */
import { DateTime } from 'luxon';

/** A finished session as the store has it: when the car came and left, and what it took. */
export interface PastSession {
  arrivalMs: number;
  departureMs: number;
  energyKwh: number;
}

export interface ArrivalBin {
  /** Cars arriving in this hour on this weekday, on average over the weeks observed (may be above 1 or 0). */
  carsPerDay: number;
  /** Mean energy and stay of those cars (0 when none arrived). */
  energyKwh: number;
  stayMinutes: number;
}

export interface ArrivalModel {
  timeZone: string;
  binMinutes: number;
  /** bins[weekday - 1][bin]: weekday 1 = Monday (ISO, as luxon), bin = minutes since local midnight / binMinutes. */
  bins: ArrivalBin[][];
  /** Sessions learned from, and the span [fromMs, toMs) they were looked for in. */
  sessions: number;
  fromMs: number;
  toMs: number;
}

export const ARRIVAL_BIN_MINUTES = 60;
/** Sessions shorter than this are plug-ins that took nothing to speak of (a zero-length row): not a car to plan for. */
const MIN_STAY_MINUTES = 1;

/**
 * Averages over [fromMs, toMs): a weekday's rate is its arrivals divided by how many of that weekday the span
 * holds (a span of 4 weeks and 2 days counts 5 Mondays if it holds 5). Sessions arriving outside the span, with a
 * departure before the arrival or a non-finite energy are left out.
 */
export function learnArrivals(history: readonly PastSession[], timeZone: string, fromMs: number, toMs: number, binMinutes = ARRIVAL_BIN_MINUTES): ArrivalModel {
  if (!(toMs > fromMs)) throw new Error(`learnArrivals: the span [${fromMs}, ${toMs}) is empty`);
  if (!Number.isInteger(binMinutes) || binMinutes <= 0 || 1440 % binMinutes !== 0) {
    throw new Error(`learnArrivals: binMinutes must divide a day, got ${binMinutes}`);
  }
  const perDay = 1440 / binMinutes;
  const sums = Array.from({ length: 7 }, () => Array.from({ length: perDay }, () => ({ n: 0, kwh: 0, min: 0 })));
  let sessions = 0;
  for (const s of history) {
    if (!(s.arrivalMs >= fromMs && s.arrivalMs < toMs) || !(s.departureMs >= s.arrivalMs) || !Number.isFinite(s.energyKwh)) continue;
    const stay = (s.departureMs - s.arrivalMs) / 60_000;
    if (stay < MIN_STAY_MINUTES) continue;
    const local = DateTime.fromMillis(s.arrivalMs, { zone: timeZone });
    const cell = sums[local.weekday - 1]![Math.floor((local.hour * 60 + local.minute) / binMinutes)]!;
    cell.n++;
    cell.kwh += Math.max(0, s.energyKwh);
    cell.min += stay;
    sessions++;
  }
  const days = weekdaysIn(fromMs, toMs, timeZone);
  const allDays = days.reduce((a, b) => a + b, 0);
  const bin = (c: { n: number; kwh: number; min: number }, over: number): ArrivalBin => ({
    carsPerDay: over > 0 ? c.n / over : 0,
    energyKwh: c.n > 0 ? c.kwh / c.n : 0,
    stayMinutes: c.n > 0 ? c.min / c.n : 0,
  });
  // A weekday the span does not hold yet (a site in its first week) takes every day's average for that hour.
  const pooled = Array.from({ length: perDay }, (_, h) => bin(sums.reduce((a, row) => ({ n: a.n + row[h]!.n, kwh: a.kwh + row[h]!.kwh, min: a.min + row[h]!.min }), { n: 0, kwh: 0, min: 0 }), allDays));
  return {
    timeZone,
    binMinutes,
    sessions,
    fromMs,
    toMs,
    bins: sums.map((row, d) => row.map((c, h) => (days[d]! > 0 ? bin(c, days[d]!) : pooled[h]!))),
  };
}

/** How many local days of each weekday (Monday first) start in [fromMs, toMs); a partial first day counts. */
export function weekdaysIn(fromMs: number, toMs: number, timeZone: string): number[] {
  const out = [0, 0, 0, 0, 0, 0, 0];
  for (let d = DateTime.fromMillis(fromMs, { zone: timeZone }).startOf('day'); d.toMillis() < toMs; d = d.plus({ days: 1 })) {
    out[d.weekday - 1]!++;
  }
  return out;
}

/** The model's bin for an instant: the weekday and hour of the site's wall clock there. */
export function binAt(model: ArrivalModel, ms: number): ArrivalBin {
  const local = DateTime.fromMillis(ms, { zone: model.timeZone });
  return model.bins[local.weekday - 1]![Math.floor((local.hour * 60 + local.minute) / model.binMinutes)]!;
}

/**
 * How busy today is so far against the model: (cars that arrived since the local midnight + prior) / (cars the model
 * expected by now + prior). Busy days are busy all day (arrivals across a day's hours are correlated, not independent
 * per hour), so the cars still to come today can be scaled by it as reality comes in. `prior` (in cars) keeps a day
 * with few arrivals yet near 1.
 */
export function busyDayFactor(model: ArrivalModel, arrivedToday: number, nowMs: number, prior = 4): number {
  if (!(prior > 0)) throw new Error(`busyDayFactor: prior must be a positive number of cars, got ${prior}`);
  const local = DateTime.fromMillis(nowMs, { zone: model.timeZone });
  const row = model.bins[local.weekday - 1]!;
  const minutes = local.hour * 60 + local.minute + local.second / 60;
  let expected = 0;
  row.forEach((b, i) => {
    const from = i * model.binMinutes;
    expected += b.carsPerDay * Math.max(0, Math.min(1, (minutes - from) / model.binMinutes));
  });
  return (arrivedToday + prior) / (expected + prior);
}
