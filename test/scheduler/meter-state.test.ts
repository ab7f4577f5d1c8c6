import { describe, expect, it } from 'vitest';
import { fixtureSite, meterAt, planFixture, type FixtureCar } from './planner-fixture.js';

/**
 * Issue 21: the scheduler knew energy only from register samples (every 5 minutes in the bench) and planned up to
 * five minutes of energy again; and a car that is full and stops drawing must count as done, not short.
 */
const NOW = Date.parse('2026-11-23T16:00:00Z');
const car = (over: Partial<FixtureCar> = {}): FixtureCar => ({ evseId: 1, needKwh: 10, departure: '2026-11-23T19:00', deliveredWh: 2000, ...over });
const one = async (c: FixtureCar) => (await planFixture(fixtureSite(), NOW, [c])).plan.sessions[0]!;
const HELD_11 = { held: [{ startMs: NOW - 3_600_000, limitKw: 11 }], heldSince: '2026-11-23T14:00:00Z' };

describe('energy between meter samples is extrapolated from the reported power', () => {
  it('3 minutes at 11 kW since the last sample: 0.55 kWh more delivered, 0.55 kWh less to plan', async () => {
    const s = await one(car({ samples: meterAt('2026-11-23T15:57:00Z', 2000, 11_000), ...HELD_11 }));
    expect(s.deliveredKwh).toBeCloseTo(2.55, 6);
    expect(s.requestedKwh).toBeCloseTo(7.45, 6);
    expect(s.plannedKwh).toBeCloseTo(7.45, 3);
  });

  it('never above the car\'s maximum, nor the limit its charger holds', async () => {
    expect((await one(car({ samples: meterAt('2026-11-23T15:57:00Z', 2000, 22_000), ...HELD_11 }))).deliveredKwh).toBeCloseTo(2.55, 6);
    const held = { held: [{ startMs: NOW - 3_600_000, limitKw: 11 }, { startMs: NOW - 60_000, limitKw: 0 }], heldSince: '2026-11-23T14:00:00Z' };
    // 2 minutes at 11 kW, then the charger holds 0: 0.3667 kWh.
    expect((await one(car({ samples: meterAt('2026-11-23T15:57:00Z', 2000, 11_000), ...held }))).deliveredKwh).toBeCloseTo(2 + 11 * 2 / 60, 3);
  });

  it('never past a stop: not for a car that is not charging, not from a reading without power, not from a stale meter', async () => {
    expect((await one(car({ samples: meterAt('2026-11-23T15:57:00Z', 2000, 11_000), chargingState: 'SuspendedEVSE', ...HELD_11 }))).deliveredKwh).toBe(2);
    expect((await one(car({ samples: meterAt('2026-11-23T15:57:00Z', 2000), ...HELD_11 }))).deliveredKwh).toBe(2);
    expect((await one(car({ samples: meterAt('2026-11-23T15:40:00Z', 2000, 11_000), ...HELD_11 }))).deliveredKwh).toBe(2);
  });
});

describe('a car that stops drawing while offered power counts as done', () => {
  it('SuspendedEV with the register flat for 5 minutes while its charger offers 11 kW: done, nothing planned, no shortfall', async () => {
    const samples = [...meterAt('2026-11-23T15:54:00Z', 2000, 0), ...meterAt('2026-11-23T15:59:00Z', 2000, 0)];
    const s = await one(car({ chargingState: 'SuspendedEV', samples, ...HELD_11 }));
    expect(s).toMatchObject({ requestedKwh: 0, plannedKwh: 0, shortfallKwh: 0, shortfallReason: null });
    expect(s.notes.join(' ')).toContain('stopped drawing');
  });

  it('SuspendedEV for a moment is not enough: a car that has not yet followed a raised limit says it too', async () => {
    // bench:outcome: simulated cars reported SuspendedEV at a slot boundary for one reading; counted done, they were short.
    expect((await one(car({ chargingState: 'SuspendedEV', samples: meterAt('2026-11-23T15:58:00Z', 2000, 0), ...HELD_11 }))).requestedKwh).toBe(8);
  });

  it('a register that has not risen for 5 minutes with no power drawn while offered 11 kW: done', async () => {
    const samples = [...meterAt('2026-11-23T15:54:00Z', 2000, 0), ...meterAt('2026-11-23T15:59:00Z', 2003, 0)];
    expect((await one(car({ samples, ...HELD_11 }))).requestedKwh).toBe(0);
  });

  it('not done when we offered nothing (SuspendedEV at 0 kW), nor while it still draws', async () => {
    const offeredNothing = { held: [{ startMs: NOW - 3_600_000, limitKw: 0 }], heldSince: '2026-11-23T14:00:00Z' };
    const flat = [...meterAt('2026-11-23T15:54:00Z', 2000, 0), ...meterAt('2026-11-23T15:59:00Z', 2000, 0)];
    expect((await one(car({ chargingState: 'SuspendedEVSE', samples: flat, ...offeredNothing }))).requestedKwh).toBe(8);
    const rising = [...meterAt('2026-11-23T15:54:00Z', 2000, 11_000), ...meterAt('2026-11-23T15:59:00Z', 2900, 11_000)];
    expect((await one(car({ deliveredWh: 2900, samples: rising, ...HELD_11 }))).requestedKwh).toBeCloseTo(10 - 2.9 - 11 / 60, 3);
  });
});
