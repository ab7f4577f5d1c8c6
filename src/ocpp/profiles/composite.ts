/**
 * Does the station do what we sent? K08: GetCompositeSchedule merges every profile that applies to the EVSE
 * and reports the lowest limit at each moment (K08.FR.04). Compared with our schedule, over the time both
 * cover, it is the same (matches), below it (another limit holds it: lower) or above it (our profile is
 * not applied: higher).
 */
import type { CompositeCheck } from '../../domain/plans.js';
import type { ResponseOf } from '../schemas/generated/index.js';
import { periodsToKw, roundingStep, type RateUnit, type WirePeriod } from './units.js';

type CompositeSchedule = NonNullable<ResponseOf<'GetCompositeSchedule'>['schedule']>;

/** Our schedule as sent: absolute start, wire periods, its end. */
export interface SentSchedule {
  startMs: number;
  endMs: number;
  unit: RateUnit;
  periods: readonly WirePeriod[];
  phases: 1 | 3;
  lineVoltageV: number;
}

interface Step {
  startMs: number;
  limit: number;
}

const absolute = (startMs: number, periods: readonly WirePeriod[]): Step[] =>
  periods.map((p) => ({ startMs: startMs + p.startPeriod * 1000, limit: p.limit }));

/** The limit in force at `t` (a period holds until the next starts, K01.FR.12); undefined before the first. */
function limitAt(steps: readonly Step[], t: number): number | undefined {
  let limit: number | undefined;
  for (const s of steps) {
    if (s.startMs > t) break;
    limit = s.limit;
  }
  return limit;
}

/**
 * Compares limit to limit in the unit we sent (the composite was asked for in it), with one rounding step of
 * tolerance: the station may round our 15.9 A to its own 0.1 A, or convert our W through amps. Any moment
 * above us wins over lower ones: a station that ignores our profile must not be mistaken for a limited one.
 */
export function compareComposite(sent: SentSchedule, composite: CompositeSchedule): CompositeCheck {
  if (composite.chargingRateUnit !== sent.unit) {
    return { status: 'unavailable', detail: `composite schedule came in ${composite.chargingRateUnit}, asked for ${sent.unit}` };
  }
  const compStart = Date.parse(composite.scheduleStart);
  const ours = absolute(sent.startMs, sent.periods);
  const theirs = absolute(compStart, composite.chargingSchedulePeriod);
  const from = Math.max(sent.startMs, compStart);
  const to = Math.min(sent.endMs, compStart + composite.duration * 1000);
  const tolerance = roundingStep(sent.unit, sent.phases, sent.lineVoltageV) + 1e-9;
  const moments = [...ours, ...theirs].map((s) => s.startMs).filter((t) => t > from && t < to);
  let higher: string | undefined;
  let lower: string | undefined;
  for (const t of [from, ...moments].sort((a, b) => a - b)) {
    const mine = limitAt(ours, t);
    const station = limitAt(theirs, t);
    if (mine === undefined || station === undefined) continue;
    const at = new Date(t).toISOString();
    if (station > mine + tolerance) higher ??= `station allows ${station} ${sent.unit} at ${at}, we sent ${mine} ${sent.unit}`;
    else if (station < mine - tolerance) lower ??= `station holds ${station} ${sent.unit} at ${at}, we sent ${mine} ${sent.unit}`;
  }
  if (higher === undefined && lower === undefined) return { status: 'matches' };
  const periods = periodsToKw(compStart, composite.chargingSchedulePeriod, sent.unit, sent.lineVoltageV, sent.phases);
  return higher !== undefined ? { status: 'higher', detail: higher, periods } : { status: 'lower', detail: lower ?? '', periods };
}
