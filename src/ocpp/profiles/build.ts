/**
 * Plan -> SetChargingProfileRequest, pure: no clock, no I/O. The gateway decides the unit and how many
 * periods to try; everything the spec asks of the profile itself is decided here (convention 10).
 */
import type { DefaultProfileRequest, PowerPeriod, TxProfileRequest } from '../../domain/plans.js';
import type { SmartChargingCapabilities } from '../../domain/stations.js';
import { isoUtc } from '../../platform/clock.js';
import type { RequestOf } from '../schemas/generated/index.js';
import type { ChargingSchedulePeriodType } from '../schemas/generated/SetChargingProfileRequest.js';
import { nonEmpty } from '../non-empty.js';
import { kwToLimit, kwToLimitUp, periodsToKw, type RateUnit } from './units.js';

export type SetChargingProfile = RequestOf<'SetChargingProfile'>;

/** A period planned this close below the car's minimum (kW) was meant to be the minimum: rounding, not a choice. */
const MIN_SLACK_KW = 0.01;

/** PeriodsPerSchedule when the station did not say: small enough for every charger we have met. */
export const DEFAULT_PERIODS_PER_SCHEDULE = 24;

export interface BuildOptions {
  unit: RateUnit;
  /** Fewer periods than the station allows (a retry after a rejection); never more. */
  maxPeriods?: number | undefined;
}

export interface BuiltProfile {
  request: SetChargingProfile;
  unit: RateUnit;
  /** The stack level sent: the one asked for, clamped to the station's ProfileStackLevel. */
  stackLevel: number;
  /** What the charger holds, in kW (rounded limits converted back), absolute starts. */
  periods: PowerPeriod[];
  /** Where the sent schedule ends; Infinity for a default profile, which stays active (K01.FR.10/.12). */
  coversUntilMs: number;
}

/** The periods a station takes: SmartChargingCtrlr.PeriodsPerSchedule, else our conservative default. */
export function periodsAllowed(caps: SmartChargingCapabilities, maxPeriods?: number): number {
  const station = caps.periodsPerSchedule !== null && caps.periodsPerSchedule > 0 ? caps.periodsPerSchedule : DEFAULT_PERIODS_PER_SCHEDULE;
  return Math.max(1, Math.min(station, maxPeriods ?? station));
}

/**
 * SmartChargingCtrlr.ProfileStackLevel is the highest stackLevel the station accepts: asking for more would
 * only earn a rejection, so we send the highest it takes. Safe for K01.FR.39 because the caller keeps one
 * profile id per transaction, so a clamped level never meets a different id of the same transaction.
 */
export function clampStackLevel(stackLevel: number, caps: SmartChargingCapabilities): number {
  const max = caps.profileStackLevel ?? Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(stackLevel, max));
}

/** A TxProfile for one transaction, in `opts.unit`, cut to the periods the station takes. */
export function buildTxProfile(req: TxProfileRequest, caps: SmartChargingCapabilities, opts: BuildOptions): BuiltProfile {
  // K01.FR.16: a TxProfile only ever targets one EVSE.
  if (!Number.isInteger(req.evseId) || req.evseId <= 0) throw new RangeError(`K01.FR.16: a TxProfile needs evseId > 0, got ${req.evseId}`);
  const firstMs = req.periods[0]?.startMs;
  if (firstMs === undefined) throw new RangeError('a TxProfile needs at least one period');
  const startMs = wholeSecond(firstMs);
  const durationS = Math.floor((req.endMs - startMs) / 1000);
  if (durationS < 1) throw new RangeError('a TxProfile must end at least a second after it starts');
  const all = wirePeriods(req, startMs, durationS, opts.unit);
  const max = periodsAllowed(caps, opts.maxPeriods);
  const kept = nonEmpty(all.slice(0, max));
  // PeriodsPerSchedule: keep the nearest periods and end the schedule where the first one cut off begins,
  // so the station falls back to its TxDefaultProfile rather than holding our last limit for too long.
  const cut = all[max];
  const coveredS = cut ? cut.startPeriod : durationS;
  const stackLevel = clampStackLevel(req.stackLevel, caps);
  const request: SetChargingProfile = {
    evseId: req.evseId,
    chargingProfile: {
      // K01.FR.05: the caller reuses one id per transaction, so each push replaces the last.
      id: req.profileId,
      stackLevel,
      chargingProfilePurpose: 'TxProfile', // K01.FR.22: never ChargingStationExternalConstraints
      chargingProfileKind: 'Absolute',
      // K01.FR.03: a TxProfile carries its transactionId.
      transactionId: req.transactionId,
      // K01.FR.34: one schedule, we do not use ISO 15118 schedule alternatives.
      chargingSchedule: [{
        id: req.profileId,
        // K01.FR.40: an Absolute profile has a startSchedule (UTC, convention 2).
        startSchedule: isoUtc(startMs),
        duration: coveredS,
        chargingRateUnit: opts.unit,
        chargingSchedulePeriod: kept,
        ...minChargingRate(req, opts.unit),
      }],
    },
  };
  return {
    request,
    unit: opts.unit,
    stackLevel,
    periods: periodsToKw(startMs, kept, opts.unit, req.lineVoltageV, req.phases),
    coversUntilMs: startMs + coveredS * 1000,
  };
}

/**
 * Every instant we send is on a whole second (K01.FR.40's startSchedule included): real chargers keep seconds, and
 * one that truncates a start at .942 reports its composite from the whole second, with its no-profile maximum in the
 * 942 ms before our start (issue 21, seen with an independent OCPP 2.0.1 station). Rounded down, so the first period
 * (the plan for now) holds from the moment the profile arrives; the slot boundaries are whole seconds already.
 */
export function wholeSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * The plan's periods in seconds from the start and in the unit: K01.FR.31 the first starts at 0, K01.FR.35
 * strictly increasing, periods at or after the end dropped (K01.FR.11 would skip them anyway), and equal
 * neighbours merged after rounding (two kW values can round to one limit). Starts are floored to whole
 * seconds; a period that then shares its second with the next is superseded by it.
 */
function wirePeriods(req: TxProfileRequest, startMs: number, durationS: number, unit: RateUnit): ChargingSchedulePeriodType[] {
  const out: ChargingSchedulePeriodType[] = [];
  // The plan gives a car 0 or at least its minimum; a period planned at the minimum can come out a hair below it
  // (slot 0's power is scaled back from an average), and a charger offering 5.99 A to a car whose minimum is 6 A
  // gets nothing at all (bench:outcome saw cars pause for minutes). Such a period gets the minimum rounded up.
  const minKw = req.minKw !== undefined && req.minKw > 0 ? req.minKw : 0;
  const minLimit = minKw ? kwToLimitUp(minKw, unit, req.phases, req.lineVoltageV) : 0;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const p of req.periods) {
    if (!(p.startMs > lastMs)) throw new RangeError('plan periods must be in strictly increasing startMs');
    lastMs = p.startMs;
    const startPeriod = Math.floor((p.startMs - startMs) / 1000);
    if (startPeriod >= durationS) break;
    let limit = kwToLimit(p.limitKw, unit, req.phases, req.lineVoltageV);
    if (minKw && p.limitKw > 0 && p.limitKw >= minKw - MIN_SLACK_KW && limit < minLimit) limit = minLimit;
    const period = phased({ startPeriod, limit }, req.phases);
    if (out.at(-1)?.startPeriod === startPeriod) out.pop();
    if (out.at(-1)?.limit === period.limit) continue;
    out.push(period);
  }
  return out;
}

/**
 * numberPhases on every period, in W as well as in A: K01.FR.49 makes a missing value mean 3, so a 1-phase car
 * needs numberPhases 1 for the station to compute its current right (K01.FR.50). Never phaseToUse: we do not
 * choose the phase (K01.FR.19/.20).
 */
function phased(p: { startPeriod: number; limit: number }, phases: 1 | 3): ChargingSchedulePeriodType {
  return { startPeriod: p.startPeriod, limit: p.limit, numberPhases: phases };
}

/** K01.FR.21: the car's minimum as minChargingRate, rounded like the limits so it never exceeds an equal one. */
function minChargingRate(req: { minKw?: number | undefined; phases: 1 | 3; lineVoltageV: number }, unit: RateUnit) {
  if (req.minKw === undefined || !(req.minKw > 0)) return {};
  return { minChargingRate: kwToLimit(req.minKw, unit, req.phases, req.lineVoltageV) };
}

/**
 * A TxDefaultProfile for one EVSE: one period, no duration, so it stays active until replaced
 * (K01.FR.10/.12). We place one per EVSE (evseId >= 1) rather than on EVSE 0, so a per-EVSE default never
 * collides with one on EVSE 0 (K01.FR.52/.53).
 */
export function buildDefaultProfile(req: DefaultProfileRequest, caps: SmartChargingCapabilities, opts: BuildOptions): BuiltProfile {
  if (!Number.isInteger(req.evseId) || req.evseId < 1) throw new RangeError(`a default profile is placed per EVSE (evseId >= 1), got ${req.evseId}`);
  const period = phased({ startPeriod: 0, limit: kwToLimit(req.limitKw, opts.unit, req.phases, req.lineVoltageV) }, req.phases);
  const stackLevel = clampStackLevel(req.stackLevel, caps);
  const request: SetChargingProfile = {
    evseId: req.evseId,
    chargingProfile: {
      id: req.profileId,
      stackLevel,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{
        id: req.profileId,
        startSchedule: isoUtc(wholeSecond(req.startMs)), // K01.FR.40, on a whole second like every instant we send
        chargingRateUnit: opts.unit,
        chargingSchedulePeriod: [period], // K01.FR.31
      }],
    },
  };
  return {
    request,
    unit: opts.unit,
    stackLevel,
    periods: periodsToKw(wholeSecond(req.startMs), [period], opts.unit, req.lineVoltageV, req.phases),
    coversUntilMs: Number.POSITIVE_INFINITY,
  };
}
