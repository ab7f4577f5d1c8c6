import { describe, expect, it } from 'vitest';
import { firstComeFirstServed, greedy, hindsight, hindsightProblem, independentBlocks, uncontrolled, FCFS, UNLIMITED, type PolicyResult } from '../../../bench/outcome/policies.js';
import { solve } from '../../../solver/index.js';
import { runOffline } from '../../../bench/outcome/offline.js';
import { buildWorkload, type Workload } from '../../../bench/outcome/workload.js';
import { fullRows, PRICES, quarterSeries, realWorkload, session, site, threeCars } from './small.js';

// Prices per quarter-hour:   0     1     2     3     4     5     6     7
//                            0.30  0.10  0.20  0.05  0.05  0.40  0.10  0.30
// A: slots 0-7, 5.5 kWh;  C: slots 0-2, 2.75 kWh;  B: slots 2-5, 4.125 kWh.  11 kW limit = 2.75 kWh per slot.
let current: Workload;
const rows = (r: PolicyResult, w = current) => Object.fromEntries([...fullRows(w, r)].map(([id, row]) => [id, row.map((e) => Math.round(e * 1e9) / 1e9)]));
const siteKwh = (w: Workload, r: PolicyResult) =>
  Array.from({ length: w.grid.slots }, (_, t) => Math.round([...fullRows(w, r).values()].reduce((s, row) => s + row[t]!, 0) * 1e9) / 1e9);
const cost = (w: Workload, r: PolicyResult) => [...fullRows(w, r).values()].reduce((s, row) => s + row.reduce((c, e, t) => c + e * w.prices[t]!, 0), 0);
const use = (w: Workload) => (current = w);

describe('uncontrolled', () => {
  it('charges at full power from arrival until each car has its energy, over the limit if need be', () => {
    const w = use(threeCars());
    const r = uncontrolled(w);
    expect(r.name).toBe(UNLIMITED);
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
    // Rows cover the visit's window only: S is there in slots 0 and 1, Z in none.
    expect(r.kwh.get('S')!.map((e) => Math.round(e * 1e9) / 1e9)).toEqual([2.75, 0.916666667]);
    expect(r.kwh.get('Z')).toEqual([]);
  });
});

describe('first come, first served', () => {
  it('charges on arrival at full power, and where the limit is full the car that came first keeps its power', () => {
    const w = use(threeCars());
    const r = firstComeFirstServed(w);
    expect(r.name).toBe(FCFS);
    // Slot 0: A (first by id at 00:00) takes the whole 2.75 kWh, C waits; slot 1: A finishes; slot 2: C, which
    // leaves at 00:45, gets its 2.75 and B (00:30) waits; slots 3-4: B.
    expect(rows(r)).toEqual({
      A: [2.75, 2.75, 0, 0, 0, 0, 0, 0],
      C: [0, 0, 2.75, 0, 0, 0, 0, 0],
      B: [0, 0, 0, 2.75, 1.375, 0, 0, 0],
    });
    expect(siteKwh(w, r)).toEqual([2.75, 2.75, 2.75, 2.75, 1.375, 0, 0, 0]);
    // 2.75 x (0.30 + 0.10) + 2.75 x 0.20 + 4.125 x 0.05
    expect(cost(w, r)).toBeCloseTo(1.85625, 12);
  });

  it('is uncontrolled charging when the limit never binds, and loses what no later slot can give', () => {
    const w = use(threeCars(1000));
    expect(rows(firstComeFirstServed(w))).toEqual(rows(uncontrolled(w)));
    // At 4 kW (1 kWh per slot) C gets nothing until A is done: A is never done before C leaves at slot 3.
    const tight = use(threeCars(4));
    const r = rows(firstComeFirstServed(tight));
    expect(r.C).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.A).toEqual([1, 1, 1, 1, 1, 0.5, 0, 0]);
    expect(r.B).toEqual([0, 0, 0, 0, 0, 0.5, 0, 0]);
  });
});

describe('greedy', () => {
  it('gives each car its own cheapest slots, then cuts every slot to the limit in arrival order', () => {
    const w = use(threeCars());
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
    const w = use(buildWorkload(site({ gridLimitKw: 100 }), [session('X', 0, 120, 4)], quarterSeries([0.2, 0.1, 0.3, 0.1, 0.1, 0.4, 0.5, 0.6])));
    expect(rows(greedy(w)).X).toEqual([0, 2.75, 0, 1.25, 0, 0, 0, 0]);
  });

  it('is the same as each car alone when the limit never binds', () => {
    const r = greedy(use(threeCars(1000)));
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
    const w = use(threeCars());
    const r = hindsight(w);
    expect(r.name).toBe('hindsight');
    // 5.5 x 0.05 + 5.5 x 0.10 + 1.375 x 0.20 = 1.10; who takes which slot is the solver's choice, the site's load is not.
    expect(siteKwh(w, r)).toEqual([0, 2.75, 1.375, 2.75, 2.75, 0, 2.75, 0]);
    expect(cost(w, r)).toBeCloseTo(1.1, 9);
    for (const v of w.visits) {
      const row = r.kwh.get(v.session.id)!;
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(v.session.energyKwh, 9);
      row.forEach((e, i) => expect(e).toBeLessThanOrEqual(v.capKwh[i]! + 1e-9));
    }
  });

  it('gives each session exactly the energy asked when told another policy\'s energies, at the lowest cost', () => {
    const w = use(threeCars());
    // Greedy's energies (A 5.5, C 2.75, B 0): the bound gives them cheapest, 5.5 x 0.05 + 2.75 x 0.10 = 0.55.
    const given = new Map([['A', 5.5], ['C', 2.75], ['B', 0]]);
    const r = hindsight(w, (v) => given.get(v.session.id)!);
    for (const [id, e] of given) expect(r.kwh.get(id)!.reduce((a, b) => a + b, 0)).toBeCloseTo(e, 9);
    expect(cost(w, r)).toBeCloseTo(0.55, 9);
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

  it('runs uncontrolled without a limit, first come first served, greedy and hindsight, in that order', () => {
    expect(results.map((r) => r.name)).toEqual([UNLIMITED, FCFS, 'greedy', 'hindsight']);
    for (const r of results) expect([...r.kwh.keys()]).toEqual(w.visits.map((v) => v.session.id));
  });

  it('solves the bound block by block (runs of visits that share no slot) at the cost of one solve of the whole period', () => {
    const blocks = independentBlocks(w);
    expect(blocks.length).toBeGreaterThan(1);
    // Blocks cover every visit once, in order, and no visit reaches into the next block.
    expect(blocks.flatMap((b) => b.visits)).toEqual(w.visits);
    blocks.forEach((b, k) => b.visits.forEach((v) => expect(v.toSlot).toBeLessThanOrEqual(blocks[k + 1]?.first ?? Infinity)));
    const whole = solve(hindsightProblem(w));
    expect(cost(w, results[3]!)).toBeCloseTo(whole.totalCost, 6);
  });

  it('is deterministic', () => {
    const again = runOffline(w);
    results.forEach((r, i) => expect(again[i]!.kwh).toEqual(r.kwh));
  });

  it('delivers every feasible kWh with uncontrolled and hindsight, while greedy loses a third to the limit', () => {
    // 2,329.96 kWh asked; only the zero-length session's 0.01 kWh cannot be delivered.
    expect(energy(results[0]!)).toBeCloseTo(2329.95, 6);
    expect(energy(results[3]!)).toBeCloseTo(2329.95, 6);
    expect(energy(results[2]!)).toBeCloseTo(1532.7, 0);
    // First come, first served keeps the limit and still delivers almost all: the cars stay long enough.
    expect(energy(results[1]!)).toBeGreaterThan(2300);
    expect(Math.max(...siteKwh(w, results[1]!))).toBeLessThanOrEqual(10 + 1e-9);
  });
});
