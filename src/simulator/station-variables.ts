/**
 * The station's device model: SmartChargingCtrlr (what the CSMS reads before building profiles) and
 * SampledDataCtrlr (how often and what the meter reports during a transaction, J02).
 */
import { booleanVariable, integerVariable, readOnly, variableKey, type Variable, type Variables } from './device-model.js';
import { SUPPORTED_MEASURANDS } from './evse.js';
import type { ChargingProfiles } from './profiles.js';

const csv = (s: string) => s.split(',').map((m) => m.trim()).filter(Boolean);

/** SampledDataCtrlr: TxUpdatedInterval and the measurand lists (a list naming an unsupported measurand is Rejected). */
export class SampledData {
  started = 'Energy.Active.Import.Register,SoC';
  updated = 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered,SoC';
  ended = 'Energy.Active.Import.Register,SoC';

  constructor(public txUpdatedIntervalS: number, private readonly onIntervalChanged: () => void) {}

  startedMeasurands(): string[] {
    return csv(this.started);
  }

  updatedMeasurands(): string[] {
    return csv(this.updated);
  }

  endedMeasurands(): string[] {
    return csv(this.ended);
  }

  setInterval(seconds: number): void {
    this.txUpdatedIntervalS = seconds;
    this.onIntervalChanged();
  }
}

function measurandList(get: () => string, set: (v: string) => void): Variable {
  return {
    get,
    set(value) {
      if (!csv(value).every((m) => (SUPPORTED_MEASURANDS as readonly string[]).includes(m))) return false;
      set(value);
      return true;
    },
  };
}

export function stationVariables(
  profiles: ChargingProfiles,
  sampling: SampledData,
  caps: { rateUnits: string[]; periodsPerSchedule: number; maxStackLevel: number },
): Variables {
  let enabled = true;
  const sc = (name: string, instance?: string) => variableKey('SmartChargingCtrlr', name, instance);
  const sd = (name: string) => variableKey('SampledDataCtrlr', name);
  return {
    [sc('Enabled')]: booleanVariable(() => enabled, (b) => void (enabled = b)),
    [sc('Available')]: readOnly(() => 'true'),
    [sc('RateUnit')]: readOnly(() => caps.rateUnits.join(',')),
    [sc('PeriodsPerSchedule')]: readOnly(() => String(caps.periodsPerSchedule)),
    [sc('ProfileStackLevel')]: readOnly(() => String(caps.maxStackLevel)),
    [sc('Entries', 'ChargingProfiles')]: readOnly(() => String(profiles.count)),
    [sc('Phases3to1')]: readOnly(() => 'false'),
    [sc('ACPhaseSwitchingSupported')]: readOnly(() => 'false'),
    [sd('Enabled')]: readOnly(() => 'true'),
    [sd('TxUpdatedInterval')]: integerVariable(() => sampling.txUpdatedIntervalS, (n) => sampling.setInterval(n)),
    [sd('TxStartedMeasurands')]: measurandList(() => sampling.started, (v) => void (sampling.started = v)),
    [sd('TxUpdatedMeasurands')]: measurandList(() => sampling.updated, (v) => void (sampling.updated = v)),
    [sd('TxEndedMeasurands')]: measurandList(() => sampling.ended, (v) => void (sampling.ended = v)),
  };
}
