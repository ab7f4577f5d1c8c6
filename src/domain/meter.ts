import type { MeterSample } from './stations.js';

/**
 * Reading meter samples the same way everywhere (storage keeps the transaction's register, the scheduler measures
 * delivered energy and power): the EV-side outlet, the whole-EVSE value (no phase), Wh / W as the base unit.
 */
const atOutlet = (s: MeterSample) => (s.phase ?? '') === '' && (!s.location || s.location === 'Outlet' || s.location === 'EV');

/** The latest Energy.Active.Import.Register reading in Wh among the samples, if any. */
export function energyRegisterWh(samples: readonly MeterSample[]): { wh: number; at: string } | undefined {
  let best: { wh: number; at: string } | undefined;
  for (const s of samples) {
    if (s.measurand !== 'Energy.Active.Import.Register' || !atOutlet(s)) continue;
    const wh = s.unit === 'kWh' ? s.value * 1000 : s.value;
    if (!best || s.timestamp >= best.at) best = { wh, at: s.timestamp };
  }
  return best;
}

/** Every Energy.Active.Import.Register reading in Wh with its instant, oldest first (session costs read them all). */
export function energyRegisterReadings(samples: readonly MeterSample[]): { ms: number; wh: number }[] {
  return samples
    .filter((s) => s.measurand === 'Energy.Active.Import.Register' && atOutlet(s))
    .map((s) => ({ ms: Date.parse(s.timestamp), wh: s.unit === 'kWh' ? s.value * 1000 : s.value }))
    .filter((r) => Number.isFinite(r.ms))
    .sort((a, b) => a.ms - b.ms);
}

/** Active import power readings in W, oldest first (kW readings converted). */
export function powerReadingsW(samples: readonly MeterSample[]): { w: number; at: string }[] {
  return samples
    .filter((s) => s.measurand === 'Power.Active.Import' && atOutlet(s))
    .map((s) => ({ w: s.unit === 'kW' ? s.value * 1000 : s.value, at: s.timestamp }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** Energy delivered between the first and the latest register reading, kWh. */
export function deliveredKwh(samples: readonly MeterSample[], meterStartWh: number | null): number {
  const last = energyRegisterWh(samples);
  if (!last) return 0;
  let first = meterStartWh;
  if (first === null) {
    for (const s of samples) {
      if (s.measurand !== 'Energy.Active.Import.Register' || !atOutlet(s)) continue;
      const wh = s.unit === 'kWh' ? s.value * 1000 : s.value;
      if (first === null || wh < first) first = wh;
    }
  }
  return Math.max(0, (last.wh - (first ?? last.wh)) / 1000);
}
