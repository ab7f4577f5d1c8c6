// The demand-charge oracle: the solver's lexicographic LP plus one peak column p (kWh per slot) with
// site load <= p in every slot, p >= peakSoFar, and perKw x p / h added to the cost. HiGHS solves it exactly.
import { buildInstance } from "../../../solver/instance.js";
import { buildLp, solveLexicographic } from "../../../solver/lp.js";
import { buildPlan } from "../../../solver/plan.js";
import { highsSolver } from "../../../solver/engine-highs.js";
import type { Highs } from "../../../solver/engine-highs.js";
import type { Plan, Problem } from "../../../solver/index.js";

export function demandLpOracle(problem: Problem, highs: Highs): { plan: Plan; objective: number; peakKw: number } {
  const dc = problem.demandCharge ?? { perKw: 0, peakSoFarKw: 0 };
  const inst = buildInstance(problem);
  const { T, V, h } = inst;
  const lp = buildLp(inst, { tieEps: 0 });
  const p = lp.nCols++;
  lp.colLo.push(Math.max(dc.peakSoFarKw, ...(dc.baseKw ?? [])) * h), lp.colHi.push(Infinity), lp.binary.push(false);
  for (let t = 0; t < T; t++) {
    const idx: number[] = [];
    for (let v = 0; v < V; v++) if (lp.xCol[v * T + t]! >= 0) idx.push(lp.xCol[v * T + t]!);
    // Drawn power = planned / fraction + base <= peak, in energy per whole slot.
    const f = dc.slotFraction?.[t] ?? 1;
    const base = dc.baseKw?.[t] ?? 0;
    rowsPush(lp.rows, [...idx, p], [...idx.map(() => 1), -f], -base * h * f);
  }
  lp.cost.idx.push(p), lp.cost.val.push(dc.perKw / h);
  const out: { values?: Float64Array } = {};
  const x = solveLexicographic(inst, lp, highsSolver(highs), out);
  const plan = buildPlan(problem, inst, x, "highs-demand-oracle");
  const peakKw = Math.max(dc.peakSoFarKw, out.values![p]! / h);
  return { plan, objective: plan.totalCost + dc.perKw * peakKw, peakKw };
}

function rowsPush(rows: { lo: number; hi: number; idx: number[]; val: number[] }[], idx: number[], val: number[], hi: number): void {
  rows.push({ lo: -Infinity, hi, idx, val });
}
