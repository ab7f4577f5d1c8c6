import { describe, expect, it } from 'vitest';
import { solve, type Problem } from '../../solver/index.js';
import { busyDayFactor, learnArrivals, type PastSession } from '../../src/scheduler/arrivals-model.js';
import { EXPECTED_PREFIX } from '../../src/scheduler/arrivals.js';
import { poissonTail, tiersOf, withSoftExpected } from '../../src/scheduler/arrivals-soft.js';
import { slotGrid } from '../../src/scheduler/problem.js';

/**
 * Issue 21, expected cars as soft reservations: room is held for an expected car only as far as it is likely to
 * come. A fixture site (Europe/Copenhagen, UTC+1) whose history says a car arrives on Mondays at 10 h for 90
 * minutes and 11 kWh; planned on Monday 30 November 2026 from 08:00 to 12:00 with one real car behind 11 kW.
 */
const ZONE = 'Europe/Copenhagen';
const local = (iso: string) => Date.parse(`${iso}+01:00`);
const monday = (day: string): PastSession => ({ arrivalMs: local(`${day}T10:00:00`), departureMs: local(`${day}T11:30:00`), energyKwh: 11 });
const NOW = local('2026-11-30T08:00:00');
const grid = slotGrid(NOW, 15, local('2026-11-30T12:00:00'));
// 08:00-10:30 0.20, 10:30-11:30 0.10 (the cheap hour), 11:30-12:00 0.30 EUR/kWh.
const prices = grid.starts.map((s) => (s < local('2026-11-30T10:30:00') ? 0.2 : s < local('2026-11-30T11:30:00') ? 0.1 : 0.3));
const real: Problem = {
  slotMinutes: 15,
  prices,
  siteLimitKw: 11,
  tieBreak: 'earlier',
  vehicles: [{ id: 'CS1#1', availableFrom: 0, departure: prices.length, energyKwh: 11, maxKw: 11 }],
};
const cheapHour = [10, 11, 12, 13]; // 10:30 .. 11:30

describe('soft expected cars', () => {
  it('splits an hour\'s expected cars by how likely each is (Poisson tail), at most the tiers asked', () => {
    const tail = poissonTail(1, 0.02);
    expect(tail.map((p) => Number(p.toFixed(4)))).toEqual([0.6321, 0.2642, 0.0803]);
    expect(tiersOf(tail, 3).map((t) => t.cars)).toEqual([1, 1, 1]);
    expect(tiersOf(tail, 2)).toEqual([{ cars: 2, p: (tail[0]! + tail[1]!) / 2 }, { cars: 1, p: tail[2]! }]);
    expect(poissonTail(0, 0.02)).toEqual([]);
  });

  it('holds the cheap hour for a car that comes on most Mondays: the real car charges first', () => {
    // One Monday of history, one car: λ = 1, its first tier comes with p = 0.63, so the room is worth
    // 0.10 + 0.63 x (0.30 - 0.10) = 0.226 EUR/kWh, more than the real car's 0.20 in the morning.
    const model = learnArrivals([monday('2026-11-23')], ZONE, local('2026-11-23T00:00:00'), local('2026-11-30T00:00:00'));
    const problem = withSoftExpected(real, model, grid, 11);
    expect(problem.vehicles.slice(1).map((v) => v.id)).toEqual([1, 2, 3].map((k) => `${EXPECTED_PREFIX}2026-11-30T09:00:00.000Z#${k}`));
    // Three overflow slots after the grid's 16, closed to the real car.
    expect(problem.prices).toHaveLength(16 + 3);
    expect((problem.vehicles[0]!.maxKw as number[]).slice(16)).toEqual([0, 0, 0]);
    const plan = solve(problem);
    const car = plan.vehicles[0]!;
    expect(car.energyKwh).toBeCloseTo(11, 6);
    expect(cheapHour.map((t) => car.powerKw[t])).toEqual([0, 0, 0, 0]);
    expect(car.powerKw.slice(0, 4)).toEqual([11, 11, 11, 11]);
  });

  it('does not hold it for a car that came on one Monday in five: the real car takes the cheap hour', () => {
    // λ = 0.2: p = 0.18, the room is worth 0.136 EUR/kWh, less than moving the real car to 0.20.
    const model = learnArrivals([monday('2026-11-23')], ZONE, local('2026-10-26T00:00:00'), local('2026-11-30T00:00:00'));
    const plan = solve(withSoftExpected(real, model, grid, 11));
    expect(cheapHour.map((t) => plan.vehicles[0]!.powerKw[t])).toEqual([11, 11, 11, 11]);
  });

  it('with no history the problem is exactly today\'s', () => {
    expect(withSoftExpected(real, undefined, grid, 11)).toBe(real);
    const empty = learnArrivals([], ZONE, local('2026-11-23T00:00:00'), local('2026-11-30T00:00:00'));
    expect(withSoftExpected(real, empty, grid, 11)).toBe(real);
  });

  it('scales the rest of a busy day by the cars that came against the cars expected so far', () => {
    const model = learnArrivals([monday('2026-11-23')], ZONE, local('2026-11-23T00:00:00'), local('2026-11-30T00:00:00'));
    // One car expected at 10 h: by 11:00 the whole car; 3 came. With a prior of 4 cars: (3 + 4) / (1 + 4).
    expect(busyDayFactor(model, 3, local('2026-11-30T11:00:00'), 4)).toBeCloseTo(1.4, 12);
    // At 10:30 half of it is expected and none came yet: (0 + 4) / (0.5 + 4).
    expect(busyDayFactor(model, 0, local('2026-11-30T10:30:00'), 4)).toBeCloseTo(4 / 4.5, 12);
    // Before 10 h nothing is expected: 1 with nobody, above 1 with an early car.
    expect(busyDayFactor(model, 0, local('2026-11-30T09:00:00'))).toBe(1);
    expect(() => busyDayFactor(model, 0, NOW, 0)).toThrow(/prior/);
  });
});
