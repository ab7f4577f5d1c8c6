import { describe, expect, it } from 'vitest';
import { car, charge, powerDrawn, taperFactor } from '../../src/simulator/car.js';

const A = (limit: number, numberPhases = 3) => ({ unit: 'A' as const, limit, numberPhases });

describe('car', () => {
  it('draws the lower of the offer and its own maximum', () => {
    const c = car({ idToken: 'C1', maxPowerKW: 11, phases: 3 }, 20);
    expect(powerDrawn(c, A(10)).powerW).toBeCloseTo(6900);
    expect(powerDrawn(c, A(32)).powerW).toBeCloseTo(11000);
    // A 1-phase offer on a 3-phase car: one phase at the offered current.
    expect(powerDrawn(c, A(10, 1))).toMatchObject({ phases: 1, currentA: 10, powerW: 2300 });
    // W on 3 phases (K01.FR.50): 6900 W is 10 A per phase.
    expect(powerDrawn(c, { unit: 'W', limit: 6900, numberPhases: 3 }).currentA).toBeCloseTo(10);
  });

  it('draws nothing below its minimum current', () => {
    const c = car({ idToken: 'C1', minCurrentA: 6 });
    expect(powerDrawn(c, A(5.9)).powerW).toBe(0);
    expect(powerDrawn(c, A(6)).powerW).toBeCloseTo(6 * 230 * 3);
  });

  it('tapers linearly above taperStartSoc down to the floor at 100 %, and stops when full', () => {
    const spec = car({ idToken: 'C1', taperStartSoc: 80, taperFloor: 0.2 }).spec;
    expect(taperFactor(spec, 80)).toBe(1);
    expect(taperFactor(spec, 90)).toBeCloseTo(0.6);
    expect(taperFactor(spec, 100)).toBe(0);
    const c = car({ idToken: 'C1', batteryKWh: 10, maxPowerKW: 11 }, 99.9);
    const wh = charge(c, A(32), 3600);
    expect(c.soc).toBe(100);
    expect(wh).toBeCloseTo(10, 5);
  });

  it('integrates energy exactly across a limit change', () => {
    const c = car({ idToken: 'C1', batteryKWh: 60 }, 20);
    const wh = charge(c, A(15), 1800) + charge(c, A(8), 1800);
    // 15 A * 230 V * 3 phases for half an hour, then 8 A.
    expect(wh).toBeCloseTo((15 * 690) / 2 + (8 * 690) / 2, 6);
    expect(c.soc).toBeCloseTo(20 + (wh / 60000) * 100, 9);
  });

  it('slows down in the taper: an hour from 75 % delivers less than an hour at full power', () => {
    const c = car({ idToken: 'C1', batteryKWh: 20, maxPowerKW: 11 }, 75);
    const wh = charge(c, A(32), 3600);
    expect(wh).toBeLessThan(11000);
    expect(wh).toBeCloseTo(((c.soc - 75) / 100) * 20000, 6);
  });
});
