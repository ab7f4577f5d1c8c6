// The LP oracle: the same lexicographic model the engines use, without the tie-break term, so that its
// cost is the pure optimum the flow path must match.
import { buildInstance } from "../../../solver/instance.js";
import { buildLp, solveLexicographic } from "../../../solver/lp.js";
import type { LpSolveFn } from "../../../solver/lp.js";
import { buildPlan } from "../../../solver/plan.js";
import { solveWithJsLp } from "../../../solver/engine-jslp.js";
import { highsSolver } from "../../../solver/engine-highs.js";
import type { Highs } from "../../../solver/engine-highs.js";
import type { Plan, Problem } from "../../../solver/index.js";

export function lpOracle(problem: Problem, highs?: Highs, opts: { minPowerBinaries?: boolean } = {}): Plan {
  const inst = buildInstance(problem);
  const one: LpSolveFn = highs ? highsSolver(highs) : solveWithJsLp;
  const lp = buildLp(inst, { tieEps: 0, ...opts });
  const out: { values?: Float64Array } = {};
  const x = solveLexicographic(inst, lp, one, out);
  if (!opts.minPowerBinaries) return buildPlan(problem, inst, x, highs ? "highs-oracle" : "jslp-oracle");
  // The MIP may reserve more than the minimum in a slot where the car stops early; the plan states the
  // minimum there (less is held, so every limit still holds).
  const reserve = x.slice();
  for (let i = 0; i < x.length; i++) {
    const c = lp.rCol[i]!;
    if (c >= 0 && out.values![c]! > x[i]! + 1e-9 && x[i]! > 1e-9) reserve[i] = Math.max(x[i]!, inst.minE[i]!);
    if (x[i]! <= 1e-9) reserve[i] = 0, x[i] = 0;
  }
  return buildPlan(problem, inst, x, "highs-mip", reserve);
}

/** Delivered energy per priority (highest first): the lexicographic part of the objective. */
export function deliveredByPriority(problem: Problem, plan: Plan): number[] {
  const prios = [...new Set(problem.vehicles.map((v) => v.priority ?? 0))].sort((a, b) => b - a);
  return prios.map((p) => plan.vehicles.reduce((s, v, i) => s + ((problem.vehicles[i]!.priority ?? 0) === p ? v.energyKwh : 0), 0));
}
