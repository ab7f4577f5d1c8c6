/**
 * Does the station do what we sent? K08: GetCompositeSchedule merges every profile that applies to the EVSE
 * and reports the lowest limit at each moment (K08.FR.04). Compared with our schedule, over the time both
 * cover, it is the same (matches), below it (another limit holds it: lower) or above it (our profile is
 * not applied: higher).
 */
import type { CompositeCheck } from '../../domain/plans.js';
import type { ResponseOf } from '../schemas/generated/index.js';
import { limitToKw, periodsToKw, roundingStep, type RateUnit, type WirePeriod } from './units.js';

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

/**
 * A step of either schedule may come up to this much earlier or later on the station than in ours: real chargers
 * keep whole seconds (a start at .942 is reported from the whole second), so a deviation counts only when it
 * lasts longer than this. One boundary never makes a compliant charger look as if it ignored the profile.
 */
export const STEP_TOLERANCE_MS = 1000;

interface Step {
  startMs: number;
  limit: number;
}

type Verdict = 'higher' | 'lower' | 'same';

interface Run {
  verdict: Verdict;
  fromMs: number;
  toMs: number;
  mine: number;
  station: number;
}

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
 * Compares limit to limit with one rounding step of tolerance: the station may round our 15.9 A to its own 0.1 A,
 * or convert our W through amps. A composite in the unit we asked for is compared in that unit; one in the other
 * unit (a station that reports in A whatever it is asked) in kW, with our car's phases where it names none, and a
 * 0.1 A step of tolerance. In time, a deviation counts only when it lasts longer than STEP_TOLERANCE_MS, so a step
 * a second early or late passes in either direction. Any persistent moment above us wins over lower ones: a
 * station that ignores our profile must not be mistaken for a limited one.
 */
export function compareComposite(sent: SentSchedule, composite: CompositeSchedule): CompositeCheck {
  const compStart = Date.parse(composite.scheduleStart);
  if (!Number.isFinite(compStart)) return { status: 'unavailable', detail: `composite scheduleStart "${composite.scheduleStart}" is not an instant` };
  const sameUnit = composite.chargingRateUnit === sent.unit;
  const unit = sameUnit ? sent.unit : 'kW';
  const inUnit = (periods: readonly WirePeriod[], from: RateUnit, startMs: number): Step[] =>
    sameUnit
      ? periods.map((p) => ({ startMs: startMs + p.startPeriod * 1000, limit: p.limit }))
      : periodsToKw(startMs, periods, from, sent.lineVoltageV, sent.phases).map((p) => ({ startMs: p.startMs, limit: p.limitKw }));
  const ours = inUnit(sent.periods, sent.unit, sent.startMs);
  const theirs = inUnit(composite.chargingSchedulePeriod, composite.chargingRateUnit, compStart);
  const from = Math.max(sent.startMs, compStart);
  const to = Math.min(sent.endMs, compStart + composite.duration * 1000);
  const tolerance = (sameUnit
    ? roundingStep(sent.unit, sent.phases, sent.lineVoltageV)
    : limitToKw(roundingStep('A', sent.phases, sent.lineVoltageV), 'A', sent.phases, sent.lineVoltageV) + 0.001) + 1e-9;
  const runs = compareRuns(ours, theirs, from, to, tolerance);
  const persistent = (v: Verdict) => runs.find((r) => r.verdict === v && r.toMs - r.fromMs > STEP_TOLERANCE_MS);
  const higher = persistent('higher');
  const lower = persistent('lower');
  if (!higher && !lower) return { status: 'matches' };
  const periods = periodsToKw(compStart, composite.chargingSchedulePeriod, composite.chargingRateUnit, sent.lineVoltageV, sent.phases);
  const say = (r: Run, verb: string) =>
    `station ${verb} ${round(r.station)} ${unit} from ${new Date(r.fromMs).toISOString()} for ${((r.toMs - r.fromMs) / 1000).toFixed(0)} s, we sent ${round(r.mine)} ${unit}`;
  return higher ? { status: 'higher', detail: say(higher, 'allows'), periods } : { status: 'lower', detail: say(lower!, 'holds'), periods };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The window cut at every step of either schedule, and neighbouring pieces with the same verdict joined into runs. */
function compareRuns(ours: readonly Step[], theirs: readonly Step[], from: number, to: number, tolerance: number): Run[] {
  const cuts = [...new Set([from, ...[...ours, ...theirs].map((s) => s.startMs).filter((t) => t > from && t < to), to])].sort((a, b) => a - b);
  const runs: Run[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const [a, b] = [cuts[k]!, cuts[k + 1]!];
    const mine = limitAt(ours, a);
    const station = limitAt(theirs, a);
    if (mine === undefined || station === undefined) continue;
    const verdict: Verdict = station > mine + tolerance ? 'higher' : station < mine - tolerance ? 'lower' : 'same';
    const last = runs.at(-1);
    if (last && last.verdict === verdict && last.toMs === a) last.toMs = b;
    else runs.push({ verdict, fromMs: a, toMs: b, mine, station });
  }
  return runs;
}
