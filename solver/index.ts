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
import { solveWithDemand } from "./demand.js";
import { withFewestShort } from "./fewest-short.js";
import type { EngineName, Plan, Problem, VehicleSpec } from "./types.js";

export type * from "./types.js";
export { parseProblem, ProblemError } from "./parse.js";
export { loadHighs } from "./engine-highs.js";
export { sitePeakKw, sitePowerKw } from "./demand.js";
export { fewestShortSolver, withFewestShort } from "./fewest-short.js";
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
  /**
   * A previous plan for (mostly) the same vehicles, matched by id: the flow engine starts from it (see
   * warmStart) instead of from nothing. Same optimum as a cold solve.
   */
  warm?: Plan;
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

function deliversAll(inst: Instance, x: Float64Array): boolean {
  for (let v = 0; v < inst.V; v++) {
    let sum = 0;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) sum += x[v * inst.T + t]!;
    if (sum < inst.need[v]! - 1e-9) return false;
  }
  return true;
}

type Relaxed = (inst: Instance, cap: Float64Array, lb: Float64Array | undefined) => Float64Array;

function fallbackEngine(inst: Instance, o: SolveOptions): EngineName | undefined {
  if (o.highs) return "highs";
  return inst.V * inst.T <= (o.denseLimit ?? 2000) ? "jslp" : undefined;
}

/**
 * The previous plan's energies as a feasible starting point for the new problem: clipped to the new
 * windows and caps, and trimmed (dearest slots first) to what each vehicle now asks for. Undefined when
 * the warm start does not apply: intermediate targets or minimum power (the starting point would need
 * segment bookkeeping and rounding state), or a start that breaks a limit (prices or limits changed).
 */
function warmStart(inst: Instance, plan: Plan | undefined): Float64Array | undefined {
  if (!plan) return undefined;
  const { T, V } = inst;
  if (inst.minE.some((m) => m > 0)) return undefined;
  for (let v = 0; v < V; v++) if (inst.segOff[v + 1]! - inst.segOff[v]! > 1) return undefined;
  const byId = new Map(plan.vehicles.map((p) => [p.id, p]));
  const x = new Float64Array(V * T);
  const load = new Float64Array(inst.nNodes * T);
  for (let v = 0; v < V; v++) {
    const p = byId.get(inst.ids[v]!);
    if (!p || p.powerKw.length !== T) continue;
    let sum = 0;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) sum += x[v * T + t] = Math.min(inst.cap[v * T + t]!, Math.max(0, p.powerKw[t]! * inst.h));
    for (let i = T - 1; i >= 0 && sum > inst.need[v]!; i--) {
      const t = inst.order[i]!;
      const cut = Math.min(x[v * T + t]!, sum - inst.need[v]!);
      x[v * T + t]! -= cut;
      sum -= cut;
    }
    for (let t = 0; t < T; t++) for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) load[a * T + t]! += x[v * T + t]!;
  }
  // Plans carry powers rounded to 1e-9 kW, so a start can sit a hair above a limit: tolerate float
  // noise (the flow then sees no room there), refuse anything more (limits or prices changed).
  for (let i = 0; i < load.length; i++) if (load[i]! > inst.limE[i]! + 1e-7 * Math.max(1, inst.limE[i]!)) return undefined;
  return x;
}

/**
 * The cost-optimal plan: every target met where possible, else as much as possible by priority; then
 * the lowest cost; then the tie-break. Never throws on an infeasible target (it reports the shortfall);
 * throws SolverError only for an engine that cannot take the problem. solveMs is 0 here (see timedSolve).
 */
export function solve(problem: Problem, options: SolveOptions = {}): Plan {
  if (problem.demandCharge) {
    // Each capped solve is a different problem: a warm start from another plan would not apply.
    const { warm: _warm, ...rest } = options;
    return withFewestShort(problem, solveWithDemand(problem, (p) => solveEnergy(p, rest)));
  }
  // problem.shortfall "fewest-cars": the same energy per slot and class re-dealt to leave fewer cars short.
  return withFewestShort(problem, solveEnergy(problem, options));
}

/** solve() without a demand charge: delivered energy, then energy cost, then the tie-break. */
function solveEnergy(problem: Problem, options: SolveOptions): Plan {
  const inst = buildInstance(problem);
  const engine = pickEngine(inst, options);
  const initial = engine === "flow" && !needsMinPower(inst) ? warmStart(inst, options.warm) : undefined;
  const lpEngine = (which: EngineName): Relaxed => {
    const one: LpSolveFn = which === "highs" ? highsSolver(options.highs as Highs) : solveWithJsLp;
    return (ins, cap, lb) => solveLexicographic(ins, buildLp(ins, { cap, ...(lb ? { lb } : {}) }), one);
  };
  let used: string = engine;
  let relaxed: Relaxed;
  if (engine === "flow") {
    const lpFallback = options.engine === "flow" ? undefined : fallbackEngine(inst, options);
    relaxed = (ins, cap, lb) => {
      if (initial) {
        // The top-up ends at a maximum flow (passes repeat until none delivers more), and with one priority
        // class a maximum flow is optimal iff no exchange between slots improves it, which the exchange pass
        // removes: a cycle through the source would need an augmenting path. With several classes a cycle
        // "higher class takes what a lower one draws in the same slot" costs nothing in slots, so the cold solve
        // decides who gets the shortfall there.
        const w = solveFlow(inst, { cap, initial });
        if (inst.nClasses === 1 || deliversAll(inst, w.x)) {
          used = "flow (warm)";
          return w.x;
        }
      }
      const r = solveFlow(ins, { cap, ...(lb ? { lb } : {}) });
      if (!r.lateTradeoff) return r.x;
      // A missed intermediate target: the exact late level needs the LP (see FlowResult.lateTradeoff).
      if (lpFallback) {
        used = `${lpFallback} (flow: missed intermediate target)`;
        return lpEngine(lpFallback)(ins, cap, lb);
      }
      used = "flow (missed intermediate target: late energy not proven optimal)";
      return r.x;
    };
  } else {
    relaxed = lpEngine(engine);
  }
  if (needsMinPower(inst)) {
    const mp = solveWithMinPower(inst, relaxed);
    return buildPlan(problem, inst, mp.x, used, mp.reserve);
  }
  return buildPlan(problem, inst, relaxed(inst, inst.cap, undefined), used);
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
 * Re-plans after one change, warm-started from the previous plan: it keeps the previous energies, gives
 * the new or changed vehicle what it needs (re-routing others where necessary), then removes every
 * improving exchange between slots. Same optimum as a cold solve (falls back to one when the warm start
 * does not apply); the saving is measured in the benchmark.
 */
export function replan(state: PlanState, change: Change, options: SolveOptions = {}): PlanState {
  const problem = applyChange(state.problem, change);
  return { problem, plan: solve(problem, { ...options, warm: state.plan }) };
}
