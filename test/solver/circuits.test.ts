// Many circuits: the flow's search takes each slot's maximum flow as blocking flows over (slot, circuit) states,
// pruning states that lead nowhere. These instances make that pruning do the work (tight, nested circuits,
// cars that cannot all be served, vehicles with targets among them) and compare with HiGHS's LP optimum.
import { beforeAll, describe, expect, it } from "vitest";
import { loadHighs, solve } from "../../solver/index.js";
import type { Highs, Plan, Problem } from "../../solver/index.js";
import { benchProblem } from "../../bench/solver/worker.js";
import { checkPlan } from "./helpers/check-plan.js";
import { deliveredByPriority, lpOracle } from "./helpers/oracle.js";
import { randomProblem } from "./helpers/random-problem.js";

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

const relClose = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function expectOptimal(p: Problem, plan: Plan, label: string): void {
  expect(checkPlan(p, plan), label).toEqual([]);
  const oracle = lpOracle(p, highs);
  const got = deliveredByPriority(p, plan);
  const want = deliveredByPriority(p, oracle);
  got.forEach((g, i) => expect(relClose(g, want[i]!), `${label}: delivered at priority level ${i}: ${g} vs ${want[i]}`).toBe(true));
  expect(relClose(plan.totalCost, oracle.totalCost), `${label}: cost ${plan.totalCost} vs HiGHS ${oracle.totalCost}`).toBe(true);
}

describe("flow with many circuits (blocking flows over slot and circuit states)", () => {
  it("the benchmark's shape (one circuit per 25 cars at half their power) at 300 x 96: HiGHS's optimum", () => {
    const p = benchProblem({ vehicles: 300, slots: 96, seed: 7, circuits: true });
    expect(p.circuits).toHaveLength(12);
    const plan = solve(p, { engine: "flow" });
    expect(plan.solver).toBe("flow");
    expectOptimal(p, plan, "bench shape");
  });

  it("nested, tight circuits with cars left short, priorities and either tie-break: HiGHS's optimum", () => {
    for (let seed = 1; seed <= 6; seed++) {
      const p = randomProblem(9100 + seed, {
        vehicles: 60 + 20 * seed,
        slots: seed % 2 === 0 ? 48 : 24,
        circuits: 8 + 4 * seed,
        siteFraction: 0.1 + 0.05 * (seed % 3),
        perSlotLimits: seed % 3 === 0,
        negativePrices: seed === 4,
        priorities: seed % 2 === 1,
      });
      if (seed === 5) p.tieBreak = "later";
      const plan = solve(p, { engine: "flow" });
      expect(plan.solver, `seed ${seed}`).toBe("flow");
      expectOptimal(p, plan, `seed ${seed}`);
    }
  });

  it("vehicles with intermediate targets among many circuits: optimal (flow, or its LP fallback when a target is missed)", () => {
    for (let seed = 1; seed <= 3; seed++) {
      const p = randomProblem(9200 + seed, { vehicles: 80, slots: 48, circuits: 16, siteFraction: 0.25 + 0.1 * seed, targets: true });
      expectOptimal(p, solve(p, { highs }), `seed ${seed}`);
    }
  });
});
