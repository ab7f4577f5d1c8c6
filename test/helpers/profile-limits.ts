/** Reading what a ChargingProfile we sent imposes, in kW, for the scheduler's end-to-end tests. */
import type { RequestOf } from '../../src/ocpp/schemas/generated/index.js';

export type SentProfile = RequestOf<'SetChargingProfile'>['chargingProfile'];

/** The limit in kW at an instant (A converted at 230 V per phase, K01.FR.51); null outside the schedule. */
export function heldKw(p: SentProfile, ms: number): number | null {
  const s = p.chargingSchedule[0];
  const offset = (ms - Date.parse(s.startSchedule!)) / 1000;
  if (offset < 0 || (s.duration !== undefined && offset >= s.duration)) return null;
  let cur = s.chargingSchedulePeriod[0]!;
  for (const q of s.chargingSchedulePeriod) if (q.startPeriod <= offset) cur = q;
  return s.chargingRateUnit === 'W' ? cur.limit / 1000 : (cur.limit * 230 * (cur.numberPhases ?? 3)) / 1000;
}

/** Energy a profile allows between two instants, sampled per minute (0 outside the schedule). */
export function energyKwh(p: SentProfile, from: number, to: number): number {
  let e = 0;
  for (let t = from; t < to; t += 60_000) e += (heldKw(p, t) ?? 0) / 60;
  return e;
}
