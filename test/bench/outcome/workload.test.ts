import { describe, expect, it } from 'vitest';
import { buildWorkload, CAR_MODELS } from '../../../bench/outcome/workload.js';
import { PRICES, Q, T0, quarterSeries, realWorkload, session, site, threeCars } from './small.js';

describe('buildWorkload on a hand-made garage', () => {
  // One station, two EVSEs: A and C take them at 00:00; B (00:30) finds both busy; D comes as C leaves (00:45), so
  // C's EVSE is free again (free = the previous car left at or before this arrival); E (zero-length) follows D.
  const w = buildWorkload(
    site({ stations: 1 }),
    [session('D', 45, 65, 4), session('C', 0, 45, 2.75), session('B', 30, 180, 4.125), session('A', 0, 120, 5.5), session('E', 70, 70, 0.01)],
    quarterSeries(PRICES),
    'BAY-',
  );
  const byId = new Map(w.visits.map((v) => [v.session.id, v]));

  it('places cars in arrival order (ties by id) on the lowest free EVSE and turns away the rest', () => {
    expect(w.visits.map((v) => [v.session.id, v.stationId, v.evseId])).toEqual([
      ['A', 'BAY-1', 1],
      ['C', 'BAY-1', 2],
      ['D', 'BAY-1', 2],
      ['E', 'BAY-1', 2],
    ]);
    expect(w.turnedAway.map((s) => s.id)).toEqual(['B']);
  });

  it('lays the grid from the first arrival to the last departure of the cars it kept', () => {
    // B would leave at 03:00, but it never plugged in: the grid ends with A at 02:00.
    expect(w.grid).toEqual({ startMs: T0, stepMs: Q, slots: 8 });
    expect(w.prices).toEqual(PRICES);
  });

  it('caps each slot at the EVSE power times the part of it the car is there', () => {
    const a = byId.get('A')!;
    expect([a.fromSlot, a.toSlot, a.capKwh, a.feasible]).toEqual([0, 8, new Array(8).fill(2.75), true]);
    // D: 00:45-01:05 is all of slot 3 and 5 minutes of slot 4 (11 kW x 5/60 h); 3.67 kWh < 4: infeasible alone.
    const d = byId.get('D')!;
    expect([d.fromSlot, d.toSlot]).toEqual([3, 5]);
    // Kept for the window only (slots 3 and 4).
    expect(d.capKwh).toHaveLength(2);
    expect(d.capKwh[0]).toBe(2.75);
    expect(d.capKwh[1]).toBeCloseTo(11 / 12, 12);
    expect(d.feasible).toBe(false);
    // A zero-length session overlaps no slot: nothing can be delivered, so its 0.01 kWh is infeasible.
    const e = byId.get('E')!;
    expect([e.fromSlot, e.toSlot, e.capKwh, e.feasible]).toEqual([4, 4, [], false]);
  });

  it('caps a 1-phase car at one phase of 32 A, and a 3-phase car at the EVSE', () => {
    const one = buildWorkload(site(), [session('X', 0, 30, 1)], quarterSeries(PRICES), 'CS', CAR_MODELS['1-phase']);
    expect(one.visits[0]!.capKwh).toEqual([7.36 / 4, 7.36 / 4]);
    const three = buildWorkload(site(), [session('X', 0, 30, 1)], quarterSeries(PRICES), 'CS', CAR_MODELS['3-phase']);
    expect(three.visits[0]!.capKwh).toEqual([2.75, 2.75]);
  });

  it('aligns the grid to whole UTC quarter-hours around odd minutes', () => {
    const odd = buildWorkload(site(), [session('X', 7, 38, 1)], quarterSeries(PRICES));
    expect(odd.grid).toEqual({ startMs: T0, stepMs: Q, slots: 3 });
    expect(odd.visits[0]!.capKwh.map((c) => Math.round(c * 1e9) / 1e9)).toEqual([1.466666667, 2.75, 1.466666667]);
  });

  it('throws naming the slot when the prices do not cover the sessions', () => {
    expect(() => buildWorkload(site(), [session('X', 0, 150, 1)], quarterSeries(PRICES))).toThrow(`no price for the slot at ${new Date(T0 + 8 * Q).toISOString()}`);
    expect(() => buildWorkload(site(), [], quarterSeries(PRICES))).toThrow('no sessions');
  });

  it('is what threeCars builds for the policy tests: three cars on three EVSEs, none turned away', () => {
    const t = threeCars();
    expect(t.visits.map((v) => `${v.session.id}@${v.stationId}#${v.evseId}:${v.fromSlot}-${v.toSlot}`)).toEqual(['A@CS1#1:0-8', 'C@CS1#2:0-3', 'B@CS2#1:2-6']);
    expect(t.turnedAway).toEqual([]);
  });
});

describe('buildWorkload on the real week', () => {
  const w = realWorkload();

  it('keeps all 198 sessions in the 30-EVSE garage on a 667-slot grid', () => {
    expect(w.visits).toHaveLength(198);
    expect(w.turnedAway).toEqual([]);
    expect(new Date(w.grid.startMs).toISOString()).toBe('2025-10-22T22:00:00.000Z');
    expect(w.grid.slots).toBe(667);
    expect(new Date(w.grid.startMs + w.grid.slots * w.grid.stepMs).toISOString()).toBe('2025-10-29T20:45:00.000Z');
    // Only the zero-length session cannot get its energy even alone.
    expect(w.visits.filter((v) => !v.feasible).map((v) => v.session.id)).toEqual(['3283']);
  });

  it('never puts two cars on one EVSE at once', () => {
    const byEvse = new Map<string, number>();
    for (const v of w.visits) {
      const key = `${v.stationId}#${v.evseId}`;
      expect(v.session.arrival).toBeGreaterThanOrEqual(byEvse.get(key) ?? -Infinity);
      byEvse.set(key, v.session.departure);
    }
    // 26 at once at most, so the first 26 EVSEs suffice and the last ones stay free.
    expect(byEvse.size).toBe(26);
  });

  it('has 100 quarter-hours, each with its own price, on the 25-hour day 2025-10-26', () => {
    const from = (Date.parse('2025-10-25T22:00:00Z') - w.grid.startMs) / w.grid.stepMs;
    const to = (Date.parse('2025-10-26T23:00:00Z') - w.grid.startMs) / w.grid.stepMs;
    expect(to - from).toBe(100);
    // The repeated 02:00-03:00 local hour is two different UTC hours with their own prices.
    const twoAm = w.prices.slice(from + 8, from + 16);
    expect(twoAm).toHaveLength(8);
    expect(twoAm.slice(0, 4)).not.toEqual(twoAm.slice(4));
  });
});
