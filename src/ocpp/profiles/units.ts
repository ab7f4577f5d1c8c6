/**
 * kW <-> the chargingRateUnit of a schedule (W, or A per phase), and which unit a station gets.
 * Limits on the wire accept at most one fractional digit (SetChargingProfileRequest.json, limit and
 * minChargingRate: "Accepts at most one digit fraction"); the schema has no multipleOf, so we keep to it here.
 */
import type { PowerPeriod } from '../../domain/plans.js';
import type { SmartChargingCapabilities } from '../../domain/stations.js';

export type RateUnit = 'W' | 'A';

/** Float noise below this never turns a rounding down into one step less (15.9999999 A stays 16.0 A). */
const EPSILON = 1e-6;

/**
 * The limit to send for `kw`, rounded DOWN so the charger never draws more than the plan allows:
 * W to whole watts; A per phase (K01.FR.51) = W / (lineVoltage * numberPhases) (K01.FR.50), to 0.1 A.
 */
export function kwToLimit(kw: number, unit: RateUnit, phases: number, lineVoltageV: number): number {
  return toLimit(kw, unit, phases, lineVoltageV, (x) => Math.floor(x + EPSILON));
}

/** The same, rounded UP: for a car's minimum, which a limit a hair below would turn into a pause (IEC 61851-1). */
export function kwToLimitUp(kw: number, unit: RateUnit, phases: number, lineVoltageV: number): number {
  return toLimit(kw, unit, phases, lineVoltageV, (x) => Math.ceil(x - EPSILON));
}

function toLimit(kw: number, unit: RateUnit, phases: number, lineVoltageV: number, round: (x: number) => number): number {
  const watts = Math.max(0, kw * 1000);
  if (unit === 'W') return round(watts);
  const amps = watts / (lineVoltageV * phases);
  // toFixed removes the binary tail (15.900000000000002) so the value has one fractional digit.
  return Number((round(amps * 10) / 10).toFixed(1));
}

/** The power a limit allows, in kW (K01.FR.50/.51 backwards). */
export function limitToKw(limit: number, unit: RateUnit, phases: number, lineVoltageV: number): number {
  return unit === 'W' ? limit / 1000 : (limit * lineVoltageV * phases) / 1000;
}

/** One rounding step in `unit`: 0.1 A, or 0.1 A worth of watts (stations that work in A convert W to 0.1 A). */
export function roundingStep(unit: RateUnit, phases: number, lineVoltageV: number): number {
  return unit === 'A' ? 0.1 : 0.1 * lineVoltageV * phases;
}

/**
 * W when the station lists it: the plan is a power budget and W carries it exactly, whatever the phases.
 * Otherwise A, also when RateUnit is unknown: every AC charger we know takes A (many take only A), and an
 * unknown RateUnit gets one retry in W anyway (see `alternativeUnit`).
 */
export function chooseUnit(caps: SmartChargingCapabilities): RateUnit {
  return caps.rateUnits.includes('W') ? 'W' : 'A';
}

/** The unit a rejected profile may be retried in: the other one, if the station lists it or lists nothing. */
export function alternativeUnit(caps: SmartChargingCapabilities, tried: RateUnit): RateUnit | null {
  const other: RateUnit = tried === 'W' ? 'A' : 'W';
  return caps.rateUnits.length === 0 || caps.rateUnits.includes(other) ? other : null;
}

/** A schedule period as OCPP carries it: seconds from the schedule's start, a limit, maybe numberPhases. */
export interface WirePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number | undefined;
}

/**
 * An OCPP schedule (a profile's, or a composite one) back in our terms: absolute starts and kW. A period
 * without numberPhases uses `defaultPhases`: pass 3 for what K01.FR.49 assumes, or the car's phases when the
 * schedule was asked for in the unit and phases we sent (a composite schedule often omits them).
 */
export function periodsToKw(
  startMs: number,
  periods: readonly WirePeriod[],
  unit: RateUnit,
  lineVoltageV: number,
  defaultPhases: number,
): PowerPeriod[] {
  return periods.map((p) => ({
    startMs: startMs + p.startPeriod * 1000,
    limitKw: limitToKw(p.limit, unit, p.numberPhases ?? defaultPhases, lineVoltageV),
  }));
}
