import type { PushedProfileRecord, SessionPlan } from '../domain/plans.js';
import { limitAt } from './problem.js';

/** Readings this soon after a push are not held against the charger: it may still be applying the new limit. */
export const SETTLE_MS = 60_000;

/** Measured power above the limit by more than this (kW or share of the limit, whichever is larger) counts. */
const TOLERANCE_KW = 0.3;
const TOLERANCE_SHARE = 0.05;

export type MeterVerdict = { kind: 'follows' } | { kind: 'ignores'; detail: string } | { kind: 'unknown' };

/**
 * "Accepts but does not follow": the two latest power readings taken after the profile settled are both above the
 * limit it holds at their time. One reading above is not enough (a meter's averaging window can straddle a step).
 */
export function verifyByMeter(push: PushedProfileRecord | undefined, readings: readonly { w: number; at: string }[]): MeterVerdict {
  if (!push || push.state !== 'accepted') return { kind: 'unknown' };
  const from = Date.parse(push.sentAt) + SETTLE_MS;
  const until = push.coversUntilMs ?? push.endMs;
  const after = readings.filter((r) => Date.parse(r.at) >= from && Date.parse(r.at) < until);
  if (after.length < 2) return { kind: 'unknown' };
  const lastTwo = after.slice(-2);
  const over = lastTwo.map((r) => {
    const limitKw = limitAt(push.periods, Date.parse(r.at), Infinity);
    return { r, limitKw, over: r.w / 1000 > limitKw + Math.max(TOLERANCE_KW, TOLERANCE_SHARE * limitKw) };
  });
  if (over.every((o) => o.over)) {
    const o = over[1]!;
    return { kind: 'ignores', detail: `draws ${(o.r.w / 1000).toFixed(2)} kW at ${o.r.at} against a limit of ${o.limitKw.toFixed(2)} kW (two readings in a row)` };
  }
  return { kind: 'follows' };
}

/** Energy the plan expected by `now` since it was made, kWh. */
export function plannedEnergyBy(plan: SessionPlan, slotStarts: readonly number[], endMs: number, now: number): number {
  let e = 0;
  for (let i = 0; i < slotStarts.length; i++) {
    const s = slotStarts[i]!;
    const end = Math.min(slotStarts[i + 1] ?? endMs, now);
    if (end <= s) break;
    e += (plan.powerKw[i] ?? 0) * ((end - s) / 3_600_000);
  }
  return e;
}
