/**
 * A simulated electric vehicle: how much AC power it takes at a given state of charge under a given EVSE limit,
 * and how its state of charge moves as energy flows. Pure functions, no clock: the station integrates them.
 */

export const DEFAULT_LINE_VOLTAGE_V = 230;

export interface CarSpec {
  /** The id token the driver presents (RFID card); also the car's name in logs. */
  idToken: string;
  idTokenType?: 'ISO14443' | 'ISO15693' | 'eMAID' | 'KeyCode' | 'Local' | 'MacAddress' | 'Central' | 'NoAuthorization';
  batteryKWh: number;
  /** Maximum AC charging power of the on-board charger at `phases` phases. */
  maxPowerKW: number;
  phases: 1 | 2 | 3;
  /** Above this SoC (percent) the accepted power falls linearly... */
  taperStartSoc: number;
  /** ...to this fraction of the maximum at 100 % SoC. */
  taperFloor: number;
  /** IEC 61851-1: an offered current below this (A per phase) makes the car pause and draw nothing. */
  minCurrentA: number;
  /** Whether the car tells the station its SoC (it does over ISO 15118, and some DC/AC cars via the BMS). */
  reportsSoc: boolean;
  /** ISO 15118 cars announce their needs (K15 NotifyEVChargingNeeds). */
  iso15118?: { departureTime: string; energyAmountWh: number } | undefined;
}

export interface CarState {
  spec: CarSpec;
  /** State of charge, percent 0..100. */
  soc: number;
}

/** What the EVSE offers: a limit in A per phase (K01.FR.51) or in W total, on numberPhases phases. */
export interface OfferedLimit {
  unit: 'A' | 'W';
  limit: number;
  numberPhases: number;
}

export interface Draw {
  powerW: number;
  /** Current per phase in use. */
  currentA: number;
  phases: number;
}

const NO_DRAW: Draw = { powerW: 0, currentA: 0, phases: 0 };

/** A car with sensible defaults: a 60 kWh, 11 kW three-phase car at the given SoC. */
export function car(spec: Partial<CarSpec> & { idToken: string }, soc = 20): CarState {
  return {
    spec: {
      batteryKWh: 60, maxPowerKW: 11, phases: 3, taperStartSoc: 80, taperFloor: 0.2, minCurrentA: 6, reportsSoc: true,
      ...spec,
    },
    soc,
  };
}

/** The fraction of its maximum power the battery accepts at this SoC: 1 up to taperStartSoc, then linear to the floor. */
export function taperFactor(spec: CarSpec, soc: number): number {
  if (soc >= 100) return 0;
  if (soc <= spec.taperStartSoc) return 1;
  const x = (soc - spec.taperStartSoc) / (100 - spec.taperStartSoc);
  return 1 - x * (1 - spec.taperFloor);
}

/** The offered limit as amperes per phase on `phases` phases (K01.FR.50: I = P / (U * n); K01.FR.51: A is per phase). */
export function offeredAmps(offer: OfferedLimit, phases: number, lineVoltageV = DEFAULT_LINE_VOLTAGE_V): number {
  return offer.unit === 'A' ? offer.limit : offer.limit / (lineVoltageV * phases);
}

/** The power drawn = min(what the EVSE offers, what the car can take now); 0 below the car's minimum current. */
export function powerDrawn(state: CarState, offer: OfferedLimit, lineVoltageV = DEFAULT_LINE_VOLTAGE_V): Draw {
  const { spec } = state;
  const phases = Math.max(1, Math.min(spec.phases, offer.numberPhases));
  const offered = offeredAmps(offer, phases, lineVoltageV);
  if (offered < spec.minCurrentA) return NO_DRAW;
  const carAmps = ((spec.maxPowerKW * 1000) / (lineVoltageV * spec.phases)) * taperFactor(spec, state.soc);
  const currentA = Math.min(offered, carAmps);
  if (currentA <= 0) return NO_DRAW;
  return { powerW: currentA * lineVoltageV * phases, currentA, phases };
}

/** Longest step over which power is held constant while the battery tapers (keeps the SoC curve smooth). */
const TAPER_STEP_S = 30;

/**
 * Charges the car for `seconds` under a constant offer. Below the taper the power is constant and the step is
 * exact; in the taper the power is re-evaluated every TAPER_STEP_S. Returns the energy delivered (Wh).
 */
export function charge(state: CarState, offer: OfferedLimit, seconds: number, lineVoltageV = DEFAULT_LINE_VOLTAGE_V): number {
  let left = seconds;
  let wh = 0;
  while (left > 1e-9) {
    const draw = powerDrawn(state, offer, lineVoltageV);
    if (draw.powerW <= 0) break;
    const toTaper = secondsToSoc(state, state.spec.taperStartSoc, draw.powerW);
    const reachesTaper = toTaper > 0 && toTaper <= left;
    const step = toTaper > 0 ? Math.min(left, toTaper) : Math.min(left, TAPER_STEP_S);
    const stepWh = Math.min((draw.powerW * step) / 3600, whToFull(state));
    wh += stepWh;
    // Landing exactly on the taper start keeps rounding from leaving a sliver below it.
    state.soc = reachesTaper ? state.spec.taperStartSoc : Math.min(100, state.soc + (stepWh / (state.spec.batteryKWh * 1000)) * 100);
    left -= step;
  }
  return wh;
}

function whToFull(state: CarState): number {
  return ((100 - state.soc) / 100) * state.spec.batteryKWh * 1000;
}

/** Seconds until the SoC reaches `soc` at constant power; 0 when it is already there or above. */
function secondsToSoc(state: CarState, soc: number, powerW: number): number {
  if (state.soc >= soc) return 0;
  return ((soc - state.soc) / 100) * state.spec.batteryKWh * 1000 * 3600 / powerW;
}
