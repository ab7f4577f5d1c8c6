/**
 * What flows through a station's EVSEs: each car draws the lower of what its EVSE offers and what it can take,
 * and the energy is integrated between the instants at which any limit changes. Pure apart from mutating the
 * EVSE and car states it is given.
 */
import { charge, powerDrawn } from './car.js';
import type { Evse } from './evse.js';
import type { Cap, ChargingProfiles } from './profiles.js';

export interface Site {
  evses: Evse[];
  profiles: ChargingProfiles;
  /** The ignoreProfiles quirk: only the hardware limits the car. */
  ignoreProfiles: boolean;
  lineVoltageV: number;
}

/** Integrates every EVSE's energy over [from, to), stepping at each profile boundary; leaves the draw at `to` set. */
export function integrate(site: Site, from: number, to: number): void {
  for (let t = from; t < to;) {
    const next = Math.min(to, nextLimitChange(site, t));
    applyLimits(site, t);
    for (const e of site.evses) {
      if (!e.car || !e.tx || e.offeredA <= 0) continue;
      e.registerWh += charge(e.car, { unit: 'A', limit: e.offeredA, numberPhases: e.offeredPhases ?? 3 }, (next - t) / 1000, site.lineVoltageV);
    }
    t = next;
  }
  applyLimits(site, to);
}

/** Sets each EVSE's offer and draw at `t`: its composite limit, with the station maximum shared among the cars (3.5). */
export function applyLimits(site: Site, t: number): void {
  const caps = new Map<Evse, Cap>();
  for (const e of site.evses) {
    const cap = site.ignoreProfiles ? { amps: e.hw.maxCurrentA, phases: e.hw.phases } : site.profiles.limitAt(e.hw.id, t);
    // Without a transaction the EVSE offers nothing (the contactor is open).
    caps.set(e, e.tx && e.car ? cap : { amps: 0, phases: cap.phases });
  }
  const max = site.ignoreProfiles ? undefined : site.profiles.stationMaxAt(t);
  if (max) shareStationMax(caps, max.amps, site.lineVoltageV);
  for (const [e, cap] of caps) {
    e.offeredA = cap.amps;
    e.offeredPhases = cap.phases;
    e.draw = e.car && e.tx ? powerDrawn(e.car, { unit: 'A', limit: cap.amps, numberPhases: cap.phases }, site.lineVoltageV) : { powerW: 0, currentA: 0, phases: 0 };
  }
}

function nextLimitChange(site: Site, t: number): number {
  if (site.ignoreProfiles) return Infinity;
  return Math.min(...site.evses.map((e) => site.profiles.nextChange(e.hw.id, t)));
}

/**
 * 3.5: the ChargingStationMaxProfile limits all EVSEs together. Shares it equally among the cars that want
 * current (water-filling: a car that wants less than its share leaves the rest to the others).
 */
function shareStationMax(caps: Map<Evse, Cap>, maxAmps: number, lineVoltageV: number): void {
  const wants: [Evse, number][] = [];
  for (const [e, cap] of caps) {
    if (e.car && e.tx && cap.amps > 0) wants.push([e, powerDrawn(e.car, { unit: 'A', limit: cap.amps, numberPhases: cap.phases }, lineVoltageV).currentA]);
  }
  if (wants.reduce((s, [, w]) => s + w, 0) <= maxAmps) return;
  wants.sort((a, b) => a[1] - b[1]);
  let left = maxAmps;
  wants.forEach(([e, want], i) => {
    const share = Math.min(want, left / (wants.length - i));
    left -= share;
    caps.set(e, { amps: share, phases: caps.get(e)!.phases });
  });
}
