// WarmSolver at fleet shape with cars that cannot all be served (issue 21's speed work): seeded random sequences of
// one-car changes (arrive, leave, need, window) on sites whose limit leaves many cars short. Without a minimum the
// warm re-plan is the cold optimum to 1e-9 (relative: energy per priority, then cost); with a 6 A minimum on every
// car (the rounding kept between re-plans, cars whose relaxation alone moved keep their rounded plan) it is valid,
// delivers cold's energy and costs at most 5e-4 (relative) more than cold: warm rounds another optimal relaxation
// than cold does, and at 150 cars x 48 slots one rounding differs from the other by up to 2.6e-4 (seed 4251, the same
// with the warm path before the kept-plan change; at 1,000 x 96 the bench sees at most ~5e-5).
import { describe, expect, it } from "vitest";
import { applyChange, solve } from "../../solver/index.js";
import { WarmSolver } from "../../solver/warm.js";
import type { Change, Plan, Problem } from "../../solver/index.js";
import { checkPlan } from "./helpers/check-plan.js";
import { deliveredByPriority } from "./helpers/oracle.js";
import { mulberry32 } from "./helpers/prng.js";
import { randomProblem } from "./helpers/random-problem.js";

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));

/**
 * With a minimum and cars short, warm and cold are both roundings (of different optimal relaxations, each with the
 * cold path's forcing) and neither dominates: on these sequences warm delivers cold's energy at 41 of 48 re-plans,
 * more at 5 and less at 2 (at most 0.54 kWh, 3.6e-5), 1.6 kWh more in all. A re-plan may fall short of cold by this
 * much (relative, per class), at most two re-plans in all, and warm's energy summed over every re-plan is at least
 * cold's.
 */
const ENERGY_TOL = 1e-4;

/** What warm's extra energy over cold's could cost at most (the dearest price), so that more energy is not a cost excess. */
function extraEnergyCost(p: Problem, warm: Plan, cold: Plan): number {
  const e = (plan: Plan): number => plan.vehicles.reduce((s, v) => s + v.energyKwh, 0);
  return Math.max(0, e(warm) - e(cold)) * Math.max(0, ...p.prices);
}

function change(p: Problem, rnd: () => number, n: number): Change {
  const T = p.prices.length;
  const s = p.vehicles[Math.floor(rnd() * p.vehicles.length)]!;
  const k = n % 4;
  if (k === 0) {
    const a = Math.floor(rnd() * T * 0.6);
    return { kind: "arrive", vehicle: { ...s, id: `new${n}`, availableFrom: a, departure: Math.min(T, a + 4 + Math.floor(rnd() * T * 0.5)) } };
  }
  if (k === 1) return { kind: "leave", id: s.id };
  if (k === 2) return { kind: "update", vehicle: { ...s, energyKwh: Math.round(s.energyKwh * (0.4 + rnd() * 1.2) * 1000) / 1000 } };
  return { kind: "update", vehicle: { ...s, departure: Math.max(s.availableFrom + 1, Math.min(T, s.departure + Math.floor(rnd() * 9) - 4)) } };
}

function run(seed: number, p0: Problem, steps: number, check: (p: Problem, warm: Plan, cold: Plan, label: string) => void): { warm: number; short: number } {
  const rnd = mulberry32(seed);
  const solver = new WarmSolver();
  let p = p0;
  solver.solve(p);
  let warm = 0;
  let short = 0;
  for (let n = 0; n < steps; n++) {
    p = applyChange(p, change(p, rnd, n));
    const plan = solver.solve(p);
    const label = `seed ${seed} step ${n} (${solver.lastMode})`;
    const cold = solve(p);
    expect(checkPlan(p, plan), label).toEqual([]);
    check(p, plan, cold, label);
    if (solver.lastMode === "warm") warm++;
    if (cold.status === "shortfall") short++;
  }
  return { warm, short };
}

describe("WarmSolver at fleet shape with cars short", { timeout: 240_000 }, () => {
  it("no minimum: every re-plan warm and equal to cold within 1e-9 (energy per priority, then cost)", () => {
    for (const [seed, siteFraction, circuits] of [[4101, 0.12, 0], [4102, 0.18, 6], [4103, 0.08, 3]] as const) {
      const p = randomProblem(seed, { vehicles: 250, slots: 64, siteFraction, circuits });
      const { warm, short } = run(seed + 50, p, 24, (q, plan, cold, label) => {
        const got = deliveredByPriority(q, plan);
        const want = deliveredByPriority(q, cold);
        got.forEach((g, i) => expect(rel(g, want[i]!), `${label}: energy at level ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-9));
        expect(rel(plan.totalCost, cold.totalCost), `${label}: cost ${plan.totalCost} vs cold ${cold.totalCost}`).toBeLessThanOrEqual(1e-9);
      });
      expect(warm, `seed ${seed}`).toBe(24);
      expect(short, `seed ${seed}: the site leaves cars short`).toBe(24);
    }
  });

  it("6 A minimum, all served and some short: valid, cold's energy, cost at most 5e-4 above cold's", () => {
    for (const [seed, siteFraction, circuits] of [[4201, 0.3, 0], [4202, 0.15, 0], [4203, 0.2, 4]] as const) {
      let worst = 0;
      const p = randomProblem(seed, { vehicles: 150, slots: 48, siteFraction, circuits, minPower: true });
      const { warm } = run(seed + 50, p, 16, (q, plan, cold, label) => {
        const got = deliveredByPriority(q, plan);
        const want = deliveredByPriority(q, cold);
        got.forEach((g, i) => expect(rel(g, want[i]!), `${label}: energy at level ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-7));
        worst = Math.max(worst, (plan.totalCost - cold.totalCost) / Math.max(1, Math.abs(cold.totalCost)));
      });
      expect(worst, `seed ${seed}: warm cost above cold (relative)`).toBeLessThanOrEqual(5e-4);
      expect(warm, `seed ${seed}`).toBeGreaterThanOrEqual(8);
    }
  });

  it("6 A minimum with many cars short stays warm (issue 21): valid, at least cold's energy per class, cost within 5e-4", () => {
    // Fleet-shaped: every car has the 6 A minimum as in bench:solver (4.14 kW 3-phase at 11 kW and up, else 1.38 kW),
    // a site limit that leaves a third to two thirds of the cars short, one-car changes in a row. Before, every such
    // re-plan fell back to the cold path (its forcing re-solve); now the forcing is done on the kept flow.
    let below = 0;
    let sumWarm = 0;
    let sumCold = 0;
    for (const [seed, vehicles, siteFraction, circuits] of [[4301, 300, 0.2, 0], [4302, 200, 0.12, 0], [4303, 250, 0.2, 5]] as const) {
      let worstCost = 0;
      const p = randomProblem(seed, { vehicles, slots: 96, siteFraction, circuits });
      for (const v of p.vehicles) v.minKw = (v.maxKw as number) >= 11 ? 4.14 : 1.38;
      const { warm, short } = run(seed + 50, p, 16, (q, plan, cold, label) => {
        const got = deliveredByPriority(q, plan);
        const want = deliveredByPriority(q, cold);
        got.forEach((g, i) => {
          if (g < want[i]! - 1e-9 * Math.max(1, want[i]!)) below++;
          sumWarm += g;
          sumCold += want[i]!;
          expect(g, `${label}: energy at level ${i}: ${g} vs cold ${want[i]}`).toBeGreaterThanOrEqual(want[i]! - ENERGY_TOL * Math.max(1, want[i]!));
        });
        // Cost compared where the energy is the same; more energy may cost more.
        if (got.every((g, i) => Math.abs(g - want[i]!) <= 1e-7 * Math.max(1, want[i]!))) {
          worstCost = Math.max(worstCost, (plan.totalCost - cold.totalCost) / Math.max(1, Math.abs(cold.totalCost)));
        }
        expect(plan.totalCost - extraEnergyCost(q, plan, cold), `${label}: cost ${plan.totalCost} vs cold ${cold.totalCost}`).toBeLessThanOrEqual(cold.totalCost + 5e-4 * Math.abs(cold.totalCost));
      });
      expect(worstCost, `seed ${seed}: warm cost above cold (relative)`).toBeLessThanOrEqual(5e-4);
      expect(warm, `seed ${seed}: re-plans warm`).toBe(16);
      expect(short, `seed ${seed}: the site leaves cars short`).toBe(16);
    }
    expect(below, "re-plans delivering less than cold").toBeLessThanOrEqual(2);
    expect(sumWarm, "warm's energy over every re-plan against cold's").toBeGreaterThanOrEqual(sumCold);
  });
});

