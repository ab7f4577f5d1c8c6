import { expect, it } from 'vitest';
import { applyLimits, integrate } from '../../src/simulator/physics.js';
import { ChargingProfiles } from '../../src/simulator/profiles.js';
import { car } from '../../src/simulator/car.js';
import type { Evse } from '../../src/simulator/evse.js';

const T0 = Date.parse('2026-03-29T00:00:00Z');

function evse(id: number, withCar: boolean): Evse {
  const e: Evse = { hw: { id, maxCurrentA: 32, phases: 3 }, registerWh: 0, draw: { powerW: 0, currentA: 0, phases: 0 }, offeredA: 0 };
  if (withCar) {
    e.car = car({ idToken: `C${id}`, maxPowerKW: 22 });
    e.tx = { id: `T${id}`, startedAt: T0, nextSeqNo: 0, idToken: { idToken: `C${id}`, type: 'ISO14443' } };
  }
  return e;
}

it('3.5: the ChargingStationMaxProfile is shared by the charging EVSEs; an EVSE without a transaction offers nothing', () => {
  const profiles = new ChargingProfiles({ evses: [1, 2, 3].map((id) => ({ id, maxCurrentA: 32, phases: 3 })), rateUnits: ['A'], periodsPerSchedule: 24, maxStackLevel: 8, acPhaseSwitching: false, lineVoltageV: 230 });
  profiles.set(0, {
    id: 1, stackLevel: 0, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Absolute',
    chargingSchedule: [{ id: 1, chargingRateUnit: 'A', startSchedule: '2026-03-29T00:00:00Z', chargingSchedulePeriod: [{ startPeriod: 0, limit: 40 }, { startPeriod: 1800, limit: 64 }] }],
  });
  const evses = [evse(1, true), evse(2, true), evse(3, false)];
  const site = { evses, profiles, ignoreProfiles: false, lineVoltageV: 230 };
  applyLimits(site, T0);
  expect(evses.map((e) => e.offeredA)).toEqual([20, 20, 0]);
  integrate(site, T0, T0 + 3600_000);
  // 20 A on three phases for half an hour, then each car's own 22 kW under the raised maximum (2 x 31.9 A < 64 A).
  expect(evses[0]!.registerWh).toBeCloseTo((20 * 690) / 2 + 22000 / 2, 6);
  expect(evses[2]!.registerWh).toBe(0);
});
