import type { MeterSample } from '../../domain/stations.js';
import type { MeterValueType } from '../schemas/generated/MeterValuesRequest.js';

/** Flattens OCPP MeterValue[] into samples; a unit multiplier is applied so values are in the stated unit. */
export function toSamples(meterValues: MeterValueType[] | undefined): MeterSample[] {
  const out: MeterSample[] = [];
  for (const mv of meterValues ?? []) {
    for (const sv of mv.sampledValue) {
      const multiplier = sv.unitOfMeasure?.multiplier ?? 0;
      out.push({
        timestamp: mv.timestamp,
        // The default measurand is Energy.Active.Import.Register (Part 2, SampledValueType).
        measurand: sv.measurand ?? 'Energy.Active.Import.Register',
        phase: sv.phase,
        location: sv.location,
        context: sv.context,
        value: sv.value * 10 ** multiplier,
        unit: sv.unitOfMeasure?.unit ?? defaultUnit(sv.measurand),
        multiplier,
      });
    }
  }
  return out;
}

function defaultUnit(measurand: string | undefined): string | undefined {
  const m = measurand ?? 'Energy.Active.Import.Register';
  if (m.startsWith('Energy.')) return 'Wh';
  if (m.startsWith('Power.Active')) return 'W';
  if (m.startsWith('Current.')) return 'A';
  if (m === 'Voltage') return 'V';
  if (m === 'SoC') return 'Percent';
  return undefined;
}
