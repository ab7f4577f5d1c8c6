import { describe, expect, it } from 'vitest';
import { greedy, hindsight, hindsightProblem, uncontrolled, type PolicyResult } from '../../../bench/outcome/policies.js';
import { runOffline } from '../../../bench/outcome/offline.js';
import { buildWorkload, type Workload } from '../../../bench/outcome/workload.js';
import { PRICES, quarterSeries, realWorkload, session, site, threeCars } from './small.js';

// Prices per quarter-hour:   0     1     2     3     4     5     6     7
//                            0.30  0.10  0.20  0.05  0.05  0.40  0.10  0.30
// A: slots 0-7, 5.5 kWh;  C: slots 0-2, 2.75 kWh;  B: slots 2-5, 4.125 kWh.  11 kW limit = 2.75 kWh per slot.
const rows = (r: PolicyResult) => Object.fromEntries([...r.kwh].map(([id, row]) => [id, row.map((e) => Math.round(e * 1e9) / 1e9)]));
const siteKwh = (w: Workload, r: PolicyResult) =>
  Array.from({ length: w.grid.slots }, (_, t) => Math.round([...r.kwh.values()].reduce((s, row) => s + row[t]!, 0) * 1e9) / 1e9);
const cost = (w: Workload, r: PolicyResult) => [...r.kwh.values()].reduce((s, row) => s + row.reduce((c, e, t) => c + e * w.prices[t]!, 0), 0);

describe('uncontrolled', () => {
  it('charges at full power from arrival until each car has its energy, over the limit if need be', () => {
    const w = threeCars();
    const r = uncontrolled(w);
    expect(r.name).toBe('uncontrolled');
    expect(rows(r)).toEqual({
      A: [2.75, 2.75, 0, 0, 0, 0, 0, 0],
      C: [2.75, 0, 0, 0, 0, 0, 0, 0],
      B: [0, 0, 2.75, 1.375, 0, 0, 0, 0],
    });
    // 22 kW in slot 0 behind an 11 kW connection.
    expect(siteKwh(w, r)).toEqual([5.5, 2.75, 2.75, 1.375, 0, 0, 0, 0]);
    // 2.75 x (0.30 + 0.10) + 2.75 x 0.30 + 2.75 x 0.20 + 1.375 x 0.05
    expect(cost(w, r)).toBeCloseTo(2.54375, 12);
  });

  it('stops at departure with what the car got, and gives a zero-length visit nothing', () => {
    const w = buildWorkload(site(), [session('S', 0, 20, 10), session('Z', 10, 10, 0.01)], quarterSeries(PRICES));
    const r = uncontrolled(w);
    expect(r.kwh.get('S')!.map((e) => Math.round(e * 1e9) / 1e9)).toEqual([2.75, 0.916666667]);
    expect(r.kwh.get('Z')).toEqual([0, 0]);
  });
});

describe('greedy', () => {
  it('gives each car its own cheapest slots, then cuts every slot to the limit in arrival order', () => {
    const w = threeCars();
    const r = greedy(w);
    expect(r.name).toBe('greedy');
    // Alone: A takes slots 3 and 4 (0.05), C slot 1 (0.10), B slot 3 in full and half of slot 4. Slots 3 and 4
    // then hold 5.5 and 4.125 kWh; the cut keeps A (arrived first) and leaves B with nothing.
    expect(rows(r)).toEqual({
      A: [0, 0, 0, 2.75, 2.75, 0, 0, 0],
      C: [0, 2.75, 0, 0, 0, 0, 0, 0],
      B: [0, 0, 0, 0, 0, 0, 0, 0],
    });
    expect(cost(w, r)).toBeCloseTo(0.55, 12);
  });

  it('prefers the earlier of two equally cheap slots and fills a slot only to the EVSE cap', () => {
    const w = buildWorkload(site({ gridLimitKw: 100 }), [session('X', 0, 120, 4)], quarterSeries([0.2, 0.1, 0.3, 0.1, 0.1, 0.4, 0.5, 0.6]));
    expect(rows(greedy(w)).X).toEqual([0, 2.75, 0, 1.25, 0, 0, 0, 0]);
  });

  it('is the same as each car alone when the limit never binds', () => {
    const r = greedy(threeCars(1000));
    expect(rows(r).B).toEqual([0, 0, 0, 2.75, 1.375, 0, 0, 0]);
  });
});

describe('hindsight', () => {
  it('passes each car its window, per-slot power cap, the site limit and the prices to the solver', () => {
    const p = hindsightProblem(threeCars());
    expect(p).toMatchObject({ slotMinutes: 15, prices: PRICES, siteLimitKw: 11, tieBreak: 'earlier' });
    expect(p.vehicles.map((v) => [v.id, v.availableFrom, v.departure, v.energyKwh])).toEqual([['A', 0, 8, 5.5], ['C', 0, 3, 2.75], ['B', 2, 6, 4.125]]);
    expect(p.vehicles[2]!.maxKw).toEqual([0, 0, 11, 11, 11, 11, 0, 0]);
  });

  it('finds the cheapest plan under the limit: both 0.05 and both 0.10 slots full, the rest at 0.20', () => {
    const w = threeCars();
    const r = hindsight(w);
    expect(r.name).toBe('hindsight');
    // 5.5 x 0.05 + 5.5 x 0.10 + 1.375 x 0.20 = 1.10; who takes which slot is the solver's choice, the site's load is not.
    expect(siteKwh(w, r)).toEqual([0, 2.75, 1.375, 2.75, 2.75, 0, 2.75, 0]);
    expect(cost(w, r)).toBeCloseTo(1.1, 9);
    for (const v of w.visits) {
      const row = r.kwh.get(v.session.id)!;
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(v.session.energyKwh, 9);
      row.forEach((e, t) => expect(e).toBeLessThanOrEqual(v.capKwh[t]! + 1e-9));
    }
  });

  it('delivers what it can when the limit makes a target impossible, and the most energy in total', () => {
    // 2.75 kWh per slot for 8 slots is 22 kWh; the three cars ask for 12.375, so at 4 kW (1 kWh/slot) only 8 fit.
    const w = threeCars(4);
    const total = [...hindsight(w).kwh.values()].flat().reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(8, 9);
  });
});

describe('runOffline on the real week (site.json: 40 kW)', () => {
  const w = realWorkload();
  const results = runOffline(w);
  const energy = (r: PolicyResult) => [...r.kwh.values()].flat().reduce((a, b) => a + b, 0);

  it('runs uncontrolled, greedy and hindsight, in that order', () => {
    expect(results.map((r) => r.name)).toEqual(['uncontrolled', 'greedy', 'hindsight']);
    for (const r of results) expect([...r.kwh.keys()]).toEqual(w.visits.map((v) => v.session.id));
  });

  it('is deterministic', () => {
    const again = runOffline(w);
    results.forEach((r, i) => expect(again[i]!.kwh).toEqual(r.kwh));
  });

  it('delivers every feasible kWh with uncontrolled and hindsight, while greedy loses a third to the limit', () => {
    // 2,329.96 kWh asked; only the zero-length session's 0.01 kWh cannot be delivered.
    expect(energy(results[0]!)).toBeCloseTo(2329.95, 6);
    expect(energy(results[2]!)).toBeCloseTo(2329.95, 6);
    expect(energy(results[1]!)).toBeCloseTo(1532.7, 0);
  });
});
