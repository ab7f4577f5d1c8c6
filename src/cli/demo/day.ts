/**
 * The demo's day: which real sessions it replays, on which charger, as which van. The sessions are the Trondheim
 * data shifted onto October 2025 (SESSIONS_TO_DK1_2025_MS keeps weekdays and lands the DST change on the DK1
 * prices' own), so the cars arrive when people really arrived and the prices are the ones of that day.
 */
import { DateTime } from 'luxon';
import type { SessionRecord } from '../sim/sessions.js';
import { placeSessions } from '../sim/placement.js';

const HOUR = 3_600_000;

export interface DemoWindow {
  start: number;
  end: number;
  timeZone: string;
}

/** One real session at the depot: the charger it got and the van that made it. */
export interface DepotVisit {
  session: SessionRecord;
  stationId: string;
  evseId: number;
  vehicleId: string;
  vehicleName: string;
  idToken: string;
}

export interface DepotDay {
  visits: DepotVisit[];
  /** Arrived while every charger was taken (as at a real depot, they went elsewhere). */
  turnedAway: SessionRecord[];
  /** One van per driver of the data, numbered in order of first arrival. */
  vans: { vehicleId: string; name: string; idToken: string }[];
}

/** The local day (Monday to Friday) on which the most sessions arrive; ties go to the earlier day. */
export function busiestWeekday(sessions: readonly SessionRecord[], timeZone: string): DateTime {
  const counts = new Map<string, number>();
  for (const s of sessions) {
    const day = DateTime.fromMillis(s.arrival, { zone: timeZone });
    if (day.weekday > 5) continue;
    const key = day.toISODate()!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (!best) throw new Error('the sessions have no weekday');
  return DateTime.fromISO(best[0], { zone: timeZone });
}

/**
 * The simulated period. Default: 24 hours from noon of the busiest weekday, a depot's day as people see it: the
 * afternoon and evening arrivals at peak prices, the night in which the plan charges them, the morning departures.
 * `start` is a wall-clock time in the zone ("2025-10-27T12:00") or an instant with an offset.
 */
export function demoWindow(sessions: readonly SessionRecord[], timeZone: string, opts: { start?: string; hours: number }): DemoWindow {
  let start: DateTime;
  if (opts.start !== undefined) {
    start = DateTime.fromISO(opts.start, { zone: timeZone, setZone: false });
    if (!start.isValid) throw new Error(`--start: "${opts.start}" is not a date-time like 2025-10-27T12:00 (${start.invalidExplanation ?? 'invalid'})`);
  } else {
    start = busiestWeekday(sessions, timeZone).set({ hour: 12 });
  }
  if (!(opts.hours > 0)) throw new Error(`--hours: must be more than 0, got ${opts.hours}`);
  return { start: start.toMillis(), end: start.toMillis() + opts.hours * HOUR, timeZone };
}

/** The sessions arriving in the window, each on the lowest-numbered free charger (placeSessions), or turned away. */
export function depotDay(sessions: readonly SessionRecord[], window: DemoWindow, stationIds: readonly string[]): DepotDay {
  const arriving = sessions.filter((s) => s.arrival >= window.start && s.arrival < window.end && s.departure > s.arrival && s.energyKwh > 0);
  const { placed, turnedAway } = placeSessions(arriving, stationIds);
  // A driver's van; a driver of the data with two cars plugged in at once (a shared account) gets a second van.
  const vansOf = new Map<string, { van: DepotDay['vans'][number]; busyUntil: number }[]>();
  const vans: DepotDay['vans'] = [];
  const visits: DepotVisit[] = [];
  for (const { session, evse: stationId } of placed) {
    const own = vansOf.get(session.userId) ?? [];
    let mine = own.find((v) => v.busyUntil <= session.arrival);
    if (!mine) {
      const n = String(vans.length + 1).padStart(2, '0');
      mine = { van: { vehicleId: `van-${n}`, name: `Van ${n}`, idToken: `VAN${n}TAG` }, busyUntil: 0 };
      vans.push(mine.van);
      own.push(mine);
      vansOf.set(session.userId, own);
    }
    mine.busyUntil = session.departure;
    const van = mine.van;
    visits.push({ session, stationId, evseId: 1, vehicleId: van.vehicleId, vehicleName: van.name, idToken: van.idToken });
  }
  return { visits, turnedAway, vans };
}

/**
 * The state of charge a van arrives with: low enough that the session's energy fits below the taper (so the car
 * can take what the driver really took), never below 10 %.
 */
export function arrivalSoc(energyKwh: number, batteryKwh: number, taperStartSoc: number): number {
  return Math.round(Math.max(10, Math.min(60, taperStartSoc - 5 - (energyKwh / batteryKwh) * 100)));
}
