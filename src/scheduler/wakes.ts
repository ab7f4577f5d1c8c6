/**
 * Instants between slot boundaries at which a site's plan should be made again (SiteLoop.wakeAt). Slot boundaries,
 * sessions and meter readings trigger cycles of their own; these are the moments a plan itself knows of.
 */
import type { SessionPlan } from '../domain/plans.js';
import { DONE_KWH } from './planned-session.js';

export interface Wake {
  atMs: number;
  reason: 'departure-passed' | 'car-stops';
}

/**
 * The next instant a car that the plan leaves short reaches its departure. Until then its profile gives it nothing
 * after that instant (push.ts: the plan gave that power to others); a car still plugged in then is planned again
 * at once (targets.ts, LATE_MS: it gets what is missing now), not at the next slot boundary. People leave later
 * than they said, and a car that is short is the one that needs those minutes.
 */
export function nextShortDeparture(plan: { sessions: readonly Pick<SessionPlan, 'departureMs' | 'shortfallKwh'>[] }, now: number): number | null {
  let next: number | null = null;
  for (const s of plan.sessions) {
    if (s.shortfallKwh >= DONE_KWH && s.departureMs > now && (next === null || s.departureMs < next)) next = s.departureMs;
  }
  return next;
}

/**
 * The next wake of a plan: a short car's departure, or, while some car is short, the instant a car planned at its
 * minimum above its need stops (planner.ts, fullAt). The solver holds that car's minimum for the whole slot against
 * the limits; from the second it stops, the room is free, and on a site where a car is short it should go to that
 * car now rather than from the next slot boundary (up to a slot of a 4.1 kW minimum left idle).
 */
export function nextWake(
  plan: { sessions: readonly Pick<SessionPlan, 'departureMs' | 'shortfallKwh'>[] },
  stops: readonly (number | null)[],
  now: number,
): Wake | null {
  const departure = nextShortDeparture(plan, now);
  let wake: Wake | null = departure === null ? null : { atMs: departure, reason: 'departure-passed' };
  // Where no car is short, nobody needs the room a stopping car leaves (a short car whose departure has passed
  // still counts: it is the one that takes the room).
  if (departure === null && !plan.sessions.some((s) => s.shortfallKwh >= DONE_KWH)) return null;
  for (const at of stops) {
    if (at !== null && at > now && (wake === null || at < wake.atMs)) wake = { atMs: at, reason: 'car-stops' };
  }
  return wake;
}
