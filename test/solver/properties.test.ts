// Property tests on seeded random instances: the solver's plan is valid (one checker for all) and its
// lexicographic objective (delivered energy by priority, then cost) equals the LP optimum.
import { beforeAll, describe, expect, it } from "vitest";
import { applyChange, loadHighs, replan, solve, SolverError } from "../../solver/index.js";
import type { Change, Highs, Plan, Problem } from "../../solver/index.js";
import { checkPlan } from "./helpers/check-plan.js";
import { deliveredByPriority, lpOracle } from "./helpers/oracle.js";
import { randomProblem } from "./helpers/random-problem.js";
import type { RandomOptions } from "./helpers/random-problem.js";

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

const relClose = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function expectSameOptimum(problem: Problem, plan: Plan, oracle: Plan, label: string): void {
  const got = deliveredByPriority(problem, plan);
  const want = deliveredByPriority(problem, oracle);
  got.forEach((g, i) => expect(relClose(g, want[i]!), `${label}: delivered at priority level ${i}: ${g} vs ${want[i]}`).toBe(true));
  expect(relClose(plan.totalCost, oracle.totalCost), `${label}: cost ${plan.totalCost} vs LP ${oracle.totalCost}`).toBe(true);
}

function smallOptions(seed: number): RandomOptions {
  return {
    vehicles: 1 + (seed % 6),
    slots: 4 + (seed % 9),
    siteFraction: 0.2 + (seed % 5) * 0.15,
    circuits: seed % 4,
    targets: seed % 2 === 0,
    priorities: seed % 3 === 0,
    perSlotLimits: seed % 5 === 0,
    negativePrices: seed % 7 === 0,
  };
}

describe("solver properties (seeded random instances)", () => {
  it("small instances: same lexicographic optimum as javascript-lp-solver, and valid plans", () => {
    for (let seed = 1; seed <= 150; seed++) {
      const p = randomProblem(seed, smallOptions(seed));
      const plan = solve(p);
      expect(checkPlan(p, plan), `seed ${seed}`).toEqual([]);
      expectSameOptimum(p, plan, lpOracle(p), `seed ${seed}`);
    }
  });

  it("larger instances: same optimum as HiGHS", () => {
    for (const [seed, vehicles, slots, circuits] of [[1, 40, 96, 0], [2, 60, 48, 5], [3, 80, 24, 12], [4, 30, 96, 3]] as const) {
      const p = randomProblem(1000 + seed, { vehicles, slots, siteFraction: 0.25, circuits, perSlotLimits: seed % 2 === 0, negativePrices: true, priorities: seed === 3 });
      const plan = solve(p, { highs });
      expect(checkPlan(p, plan), `seed ${seed}`).toEqual([]);
      expectSameOptimum(p, plan, lpOracle(p, highs), `seed ${seed}`);
    }
  });

  it("larger instances with intermediate targets: valid, and optimal via the flow or its LP fallback", () => {
    for (const seed of [11, 12, 13]) {
      const p = randomProblem(2000 + seed, { vehicles: 40, slots: 48, siteFraction: 0.3, circuits: 4, targets: true, priorities: seed === 12 });
      const plan = solve(p, { highs });
      expect(checkPlan(p, plan), `seed ${seed}`).toEqual([]);
      expectSameOptimum(p, plan, lpOracle(p, highs), `seed ${seed}`);
    }
  });

  it("mixed 1- and 3-phase fleets under per-phase limits: the LP engine, valid plans, HiGHS agrees", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const p = randomProblem(3000 + seed, { vehicles: 2 + (seed % 5), slots: 6 + (seed % 6), circuits: 2, mixedPhases: true, siteFraction: 0.5 });
      const plan = solve(p);
      expect(checkPlan(p, plan), `seed ${seed}`).toEqual([]);
      expectSameOptimum(p, plan, lpOracle(p, highs), `seed ${seed}`);
    }
  });

  it("minimum power: no slot between 0 and minKw, limits hold, never more delivered than the exact MIP, cost not below it", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const p = randomProblem(4000 + seed, { vehicles: 1 + (seed % 4), slots: 4 + (seed % 5), circuits: seed % 3, siteFraction: 0.3 + (seed % 3) * 0.2, minPower: true, targets: seed % 4 === 0 });
      const plan = solve(p);
      expect(checkPlan(p, plan), `seed ${seed}`).toEqual([]);
      const mip = lpOracle(p, highs, { minPowerBinaries: true });
      expect(checkPlan(p, mip, 1e-5), `seed ${seed} (MIP)`).toEqual([]);
      const got = plan.vehicles.reduce((s, v) => s + v.energyKwh, 0);
      const best = mip.vehicles.reduce((s, v) => s + v.energyKwh, 0);
      expect(got, `seed ${seed}`).toBeLessThanOrEqual(best + 1e-5);
      if (relClose(got, best, 1e-7)) expect(plan.totalCost, `seed ${seed}`).toBeGreaterThanOrEqual(mip.totalCost - 1e-5);
    }
  });

  it("tie-break changes where energy goes, never the cost; the solve is deterministic", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const p = randomProblem(5000 + seed, { vehicles: 3, slots: 8, siteFraction: 0.4, circuits: 1 });
      p.prices = p.prices.map((x) => Math.round(x * 10) / 10); // many equal prices
      const early = solve(p);
      const late = solve({ ...p, tieBreak: "later" });
      expect(relClose(early.totalCost, late.totalCost)).toBe(true);
      expect(JSON.stringify(solve(p))).toBe(JSON.stringify(early));
      // Earlier: the cumulative energy is never behind the "later" plan's at any slot.
      let ce = 0;
      let cl = 0;
      for (let t = 0; t < p.prices.length; t++) {
        for (const v of early.vehicles) ce += v.powerKw[t]!;
        for (const v of late.vehicles) cl += v.powerKw[t]!;
        expect(ce).toBeGreaterThanOrEqual(cl - 1e-6);
      }
    }
  });

  it("re-planning after one change gives the cold-solve optimum", () => {
    const p = randomProblem(6001, { vehicles: 60, slots: 48, siteFraction: 0.25, circuits: 3 });
    const state = { problem: p, plan: solve(p) };
    const spec = p.vehicles[5]!;
    const changes = [
      { kind: "arrive", vehicle: { ...spec, id: "new", availableFrom: 2, energyKwh: 20 } },
      { kind: "leave", id: "v7" },
      { kind: "update", vehicle: { ...spec, energyKwh: spec.energyKwh / 2 } },
    ] as const;
    for (const change of changes) {
      const next = replan(state, change);
      const cold = solve(applyChange(p, change));
      expect(checkPlan(next.problem, next.plan)).toEqual([]);
      expect(relClose(next.plan.totalCost, cold.totalCost), change.kind).toBe(true);
      expect(relClose(deliveredByPriority(next.problem, next.plan)[0]!, deliveredByPriority(next.problem, cold)[0]!)).toBe(true);
    }
  });

  it("warm re-plans (one vehicle arrives, leaves or changes) reach the cold optimum", () => {
    let warm = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const p = randomProblem(8000 + seed, { vehicles: 2 + (seed % 12), slots: 4 + (seed % 20), siteFraction: 0.4 + (seed % 4) * 0.2, circuits: seed % 4, perSlotLimits: seed % 3 === 0, negativePrices: seed % 5 === 0 });
      const state = { problem: p, plan: solve(p) };
      const spec = p.vehicles[seed % p.vehicles.length]!;
      const changes: Change[] = [
        { kind: "arrive", vehicle: { ...spec, id: "new", energyKwh: spec.energyKwh * 0.5 } },
        { kind: "leave", id: spec.id },
        { kind: "update", vehicle: { ...spec, energyKwh: spec.energyKwh * 0.6, departure: spec.departure - 1 } },
      ];
      for (const change of changes) {
        const next = replan(state, change);
        if (next.plan.solver === "flow (warm)") warm++;
        expect(checkPlan(next.problem, next.plan), `seed ${seed} ${change.kind}`).toEqual([]);
        const cold = solve(applyChange(p, change));
        expect(relClose(next.plan.totalCost, cold.totalCost), `seed ${seed} ${change.kind}: ${next.plan.totalCost} vs ${cold.totalCost}`).toBe(true);
      }
    }
    expect(warm).toBeGreaterThan(60); // most of these are served in full, where the warm start applies
  });

  it("engine flow refuses what it cannot represent instead of answering wrongly", () => {
    const p = randomProblem(3001, { vehicles: 4, slots: 6, circuits: 1, mixedPhases: true });
    p.circuits![0]!.phaseLimitA = 16;
    p.vehicles.forEach((v) => (v.circuit = "c0"));
    p.vehicles[0]!.phases = 1;
    p.vehicles[1]!.phases = 3;
    expect(() => solve(p, { engine: "flow" })).toThrow(SolverError);
  });
});
