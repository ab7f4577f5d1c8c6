/**
 * A homeowner's charging mode as solver inputs (issue 18; src/scheduler/charging-modes.ts): the car's VehicleSpec is
 * changed where the problem is built, and the solver's plan shows it. Hourly slots from 18:00Z, 11 kW, 20 kWh by 06:00Z.
 */
import { describe, expect, it } from 'vitest';
import { solve, type VehicleSpec } from '../../solver/index.js';
import type { Site } from '../../src/domain/sites.js';
import { applyMode, resolveMode, type ResolvedMode } from '../../src/scheduler/charging-modes.js';
import { slotGrid } from '../../src/scheduler/problem.js';

const NOW = Date.parse('2026-11-24T18:00:00Z');
const grid = slotGrid(NOW, 60, Date.parse('2026-11-25T06:00:00Z'));
// 18:00Z 0.10 (cheapest), 19-20Z 0.40, 21Z on 0.20, 01Z 0.05.
const prices = grid.starts.map((s) => ({ 18: 0.1, 19: 0.4, 20: 0.4, 1: 0.05 })[new Date(s).getUTCHours()] ?? 0.2);
const site = { timeZone: 'Europe/Berlin' } as Site;
const car = () => ({ deliveredKwh: 2, socPercent: 40, vehicle: { batteryKwh: 50 } as never });

function plan(mode: ResolvedMode | null, energyKwh = 20) {
  const spec: VehicleSpec = { id: 'CAR', availableFrom: 0, departure: grid.starts.length, energyKwh, maxKw: grid.starts.map(() => 11), minKw: 1.4 };
  if (mode) applyMode(spec, mode, grid, prices);
  const out = solve({ slotMinutes: 60, prices, siteLimitKw: 11, vehicles: [spec] }).vehicles[0]!;
  return { spec, power: out.powerKw, short: out.shortfallKwh, at: (hourUtc: number) => out.powerKw[grid.starts.findIndex((s) => new Date(s).getUTCHours() === hourUtc)]! };
}

describe('charging modes as solver inputs', () => {
  it('smart (no mode): the cheapest hours, 01:00Z then 18:00Z', () => {
    const p = plan(null);
    expect(p.at(1)).toBeCloseTo(11, 6);
    expect(p.at(18)).toBeCloseTo(9, 6);
  });

  it('paused until 22:00 Berlin (21:00Z): no energy before, the target after', () => {
    const r = resolveMode(site, NOW, car(), { kind: 'paused', until: '2026-11-24T22:00' }, false);
    expect(r.note).toBe('paused at your request until 22:00: no charging before then');
    expect(r.phrase).toEqual({ id: 'mode.paused', params: { untilAt: '2026-11-24T21:00:00.000Z' } });
    const p = plan(r.mode);
    grid.starts.forEach((s, i) => s < Date.parse('2026-11-24T21:00:00Z') && expect(p.power[i]).toBe(0));
    expect(p.short).toBeCloseTo(0, 6);
    expect(p.at(1)).toBeCloseTo(11, 6);
  });

  it('a pause whose time has passed is no mode at all', () => {
    expect(resolveMode(site, NOW, car(), { kind: 'paused', until: '2026-11-24T18:30' }, false)).toEqual({ mode: null, note: null });
  });

  it('price cap 0.15: only 18:00Z and 01:00Z; the target it makes infeasible is short (the cap is firm)', () => {
    const r = resolveMode(site, NOW, car(), { kind: 'price-cap', maxPrice: 0.15 }, false);
    const p = plan(r.mode);
    grid.starts.forEach((_, i) => prices[i]! > 0.15 && expect(p.power[i]).toBe(0));
    expect(p.short).toBeCloseTo(0, 6); // 22 kWh below the cap: enough for 20
    const tight = plan(r.mode, 30);
    expect(tight.short).toBeCloseTo(8, 6); // 30 asked, 22 below the cap
  });

  it('minimum 10 kWh in the session (2 in): 8 kWh due by the earliest slot the car can have them, then cheap', () => {
    const r = resolveMode(site, NOW, car(), { kind: 'minimum', energyKwh: 10 }, false);
    expect(r.mode).toEqual({ kind: 'minimum', needKwh: 8 });
    const p = plan(r.mode);
    expect(p.spec.targets).toEqual([{ bySlot: 1, energyKwh: 8 }]);
    expect(p.at(18)).toBeGreaterThanOrEqual(8);
    expect(p.short).toBeCloseTo(0, 6);
  });

  it('minimum 80 %: from the car’s SoC and battery (40 % of 50 kWh: 20 kWh), over two slots at 11 kW', () => {
    const r = resolveMode(site, NOW, car(), { kind: 'minimum', socPercent: 80 }, false);
    expect(r.mode).toEqual({ kind: 'minimum', needKwh: 20 });
    const p = plan(r.mode, 5); // the departure asks less: the session's energy is raised to the minimum
    expect(p.spec.energyKwh).toBe(20);
    expect(p.spec.targets).toEqual([{ bySlot: 2, energyKwh: 20 }]);
    expect(p.at(18) + p.at(19)).toBeCloseTo(20, 6); // 19:00Z costs 0.40, and it is charged anyway
  });

  it('a minimum in % without the SoC says what is missing; a full car gets none', () => {
    expect(resolveMode(site, NOW, { ...car(), socPercent: null }, { kind: 'minimum', socPercent: 80 }, false))
      .toEqual({
        mode: null,
        note: 'the minimum of 80 % needs the car’s battery level and size, which are unknown: set it in kWh instead',
        phrase: { id: 'mode.minimumUnknown', params: { percent: 80 } },
      });
    expect(resolveMode(site, NOW, car(), { kind: 'minimum', energyKwh: 10 }, true)).toEqual({ mode: null, note: null });
  });
});
