// Public surface of the solver: parse, solve, re-plan. Pure: no I/O and no clock; solveMs is filled by
// timedSolve with a timer the caller injects (the CLI, or the scheduler's platform clock).
import { buildInstance } from "./instance.js";
import type { Instance } from "./instance.js";
import { solveFlow } from "./flow.js";
import { buildLp, solveLexicographic } from "./lp.js";
import type { LpSolveFn } from "./lp.js";
import { solveWithJsLp } from "./engine-jslp.js";
import { highsSolver } from "./engine-highs.js";
import type { Highs } from "./engine-highs.js";
import { needsMinPower, solveWithMinPower } from "./min-power.js";
import { buildPlan } from "./plan.js";
import type { EngineName, Plan, Problem, VehicleSpec } from "./types.js";

export type * from "./types.js";
export { parseProblem, ProblemError } from "./parse.js";
export { loadHighs } from "./engine-highs.js";
export type { Highs } from "./engine-highs.js";

export class SolverError extends Error {
  readonly code = "SOLVER_ENGINE_UNSUITABLE";
  readonly retryable = false;
  override name = "SolverError";
}

export interface SolveOptions {
  /** "auto" (default): flow when the problem fits it, else HiGHS when given and large, else javascript-lp-solver. */
  engine?: "auto" | EngineName;
  /** A loaded HiGHS runtime (see loadHighs); without it "auto" never picks HiGHS. */
  highs?: Highs;
  /** A previous plan for (mostly) the same vehicles: the flow engine fills it first (same optimum, less work). */
  hint?: Plan;
  /** Above this many vehicle-slots, "auto" prefers HiGHS over javascript-lp-solver (default 2000). */
  denseLimit?: number;
}

/** True when the exact flow path can represent the problem (everything but mixed-phase coupling). */
export function flowApplies(problem: Problem): boolean {
  return buildInstance(problem).phaseRows.length === 0;
}

function pickEngine(inst: Instance, o: SolveOptions): EngineName {
  const want = o.engine ?? "auto";
  if (want === "flow" && inst.phaseRows.length > 0) {
    throw new SolverError("engine flow: per-phase limits with mixed 1- and 3-phase vehicles need an LP engine");
  }
  if (want === "highs" && !o.highs) throw new SolverError("engine highs: pass options.highs (await loadHighs())");
  if (want !== "auto") return want;
  if (inst.phaseRows.length === 0) return "flow";
  return o.highs && inst.V * inst.T > (o.denseLimit ?? 2000) ? "highs" : "jslp";
}

type Relaxed = (cap: Float64Array, lb: Float64Array | undefined) => Float64Array;

function fallbackEngine(inst: Instance, o: SolveOptions): EngineName | undefined {
  if (o.highs) return "highs";
  return inst.V * inst.T <= (o.denseLimit ?? 2000) ? "jslp" : undefined;
}

function hintEnergies(inst: Instance, plan: Plan | undefined): Float64Array | undefined {
  if (!plan) return undefined;
  const byId = new Map(plan.vehicles.map((v) => [v.id, v]));
  const x = new Float64Array(inst.V * inst.T);
  inst.ids.forEach((id, v) => {
    const p = byId.get(id);
    if (!p) return;
    for (let t = 0; t < inst.T; t++) x[v * inst.T + t] = (p.powerKw[t] ?? 0) * inst.h;
  });
  return x;
}

/**
 * The cost-optimal plan: every target met where possible, else as much as possible by priority; then
 * the lowest cost; then the tie-break. Never throws on an infeasible target (it reports the shortfall);
 * throws SolverError only for an engine that cannot take the problem. solveMs is 0 here (see timedSolve).
 */
export function solve(problem: Problem, options: SolveOptions = {}): Plan {
  const inst = buildInstance(problem);
  const engine = pickEngine(inst, options);
  const hint = hintEnergies(inst, options.hint);
  const lpEngine = (which: EngineName): Relaxed => {
    const one: LpSolveFn = which === "highs" ? highsSolver(options.highs as Highs) : solveWithJsLp;
    return (cap, lb) => solveLexicographic(inst, buildLp(inst, { cap, ...(lb ? { lb } : {}) }), one);
  };
  let used: string = engine;
  let relaxed: Relaxed;
  if (engine === "flow") {
    const lpFallback = options.engine === "flow" ? undefined : fallbackEngine(inst, options);
    relaxed = (cap, lb) => {
      const r = solveFlow(inst, { cap, ...(lb ? { lb } : {}), ...(hint ? { hint } : {}) });
      if (!r.lateTradeoff) return r.x;
      // A missed intermediate target: the exact late level needs the LP (see FlowResult.lateTradeoff).
      if (lpFallback) {
        used = `${lpFallback} (flow: missed intermediate target)`;
        return lpEngine(lpFallback)(cap, lb);
      }
      used = "flow (missed intermediate target: late energy not proven optimal)";
      return r.x;
    };
  } else {
    relaxed = lpEngine(engine);
  }
  const x = needsMinPower(inst) ? solveWithMinPower(inst, relaxed) : relaxed(inst.cap, undefined);
  return buildPlan(problem, inst, x, used);
}

/** solve() plus its duration measured with an injected monotonic timer in milliseconds. */
export function timedSolve(problem: Problem, options: SolveOptions, now: () => number): Plan {
  const t0 = now();
  const plan = solve(problem, options);
  plan.solveMs = Math.round((now() - t0) * 1000) / 1000;
  return plan;
}

/** One change to the world since the last plan. */
export type Change =
  | { kind: "arrive"; vehicle: VehicleSpec }
  | { kind: "leave"; id: string }
  | { kind: "update"; vehicle: VehicleSpec };

export interface PlanState {
  problem: Problem;
  plan: Plan;
}

export function applyChange(problem: Problem, change: Change): Problem {
  const vehicles = problem.vehicles.filter((v) => v.id !== (change.kind === "leave" ? change.id : change.vehicle.id));
  if (change.kind === "arrive") vehicles.push(change.vehicle);
  if (change.kind === "update") {
    const i = problem.vehicles.findIndex((v) => v.id === change.vehicle.id);
    vehicles.splice(i < 0 ? vehicles.length : i, 0, change.vehicle);
  }
  return { ...problem, vehicles };
}

/**
 * Re-plans after one change, warm-started from the previous plan: the previous energies are placed
 * first, so the exact search mostly confirms them instead of rediscovering them. Same optimum as a cold
 * solve (the hint only orders work); the saving is measured in the benchmark.
 */
export function replan(state: PlanState, change: Change, options: SolveOptions = {}): PlanState {
  const problem = applyChange(state.problem, change);
  return { problem, plan: solve(problem, { ...options, hint: state.plan }) };
}
