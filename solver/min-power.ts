// The minimum-power rule (AC chargers: 0 or >= ~6 A per slot) makes the problem mixed-integer. A target is a
// floor the car may exceed by what it cannot take: a car planned at its minimum in the slot where it becomes
// full draws what it still needs and stops, so that slot may hold less energy than the minimum as long as it
// is the car's last charging slot and the minimum's power is reserved against every limit there.
//
// Method (docs/solver.md, "Minimum power"): the exact relaxation (the flow, or an LP engine; slots whose cap is
// below the minimum closed), then a rounding per car that does not re-solve (min-power-round.ts), then a fill
// for cars still short. Where a car's fractional slot could only be rounded at a cost (its energy moved to a
// dearer slot, or dropped) although its minimum fits the limits, the slot is forced to the minimum and the
// relaxation solved once more with those forced minima as lower bounds: the exact flow then re-routes the
// other cars around them (the exchanges a per-car rounding cannot see). Small problems explore up to 12
// relaxations (two ways of forcing per round, MAX_ROUNDS deep); fleets re-solve once, and only when the rounding
// delivered less than the relaxation. The best plan of all is kept (more energy by priority, then lower cost).
import type { Instance } from "./instance.js";
import { Rounding } from "./min-power-round.js";

const EPS = 1e-9;
const MAX_ROUNDS = 3;
const SMALL = 2000;

export type RelaxedSolve = (inst: Instance, cap: Float64Array, lb: Float64Array | undefined) => Float64Array;

export interface MinPowerResult {
  /** Energy the car draws per (v, t). */
  x: Float64Array;
  /** Energy reserved per (v, t): x, except the minimum in a last slot where the car becomes full. */
  reserve: Float64Array;
  /** Relaxations solved (1 when the per-car rounding needed no help). */
  rounds: number;
}

export function needsMinPower(inst: Instance): boolean {
  // A plain loop: Float64Array.some with a callback cost ~10 ms per call on 10,000 x 96 (measured).
  const m = inst.minE;
  for (let i = 0; i < m.length; i++) if (m[i]! > 0) return true;
  return false;
}

export function solveWithMinPower(inst: Instance, relaxed: RelaxedSolve): MinPowerResult {
  const { T, V } = inst;
  const cap = inst.cap.slice();
  // A slot whose cap is below the minimum can never be used.
  for (let i = 0; i < cap.length; i++) if (inst.minE[i]! > 0 && cap[i]! < inst.minE[i]! - EPS) cap[i] = 0;
  // Small problems can afford a few more relaxations (two ways of forcing per round); fleets get the rounding
  // plus at most two re-solves.
  const small = V * T <= SMALL;
  let budget = small ? 12 : 2;
  let best: { r: Rounding; score: number[] } | undefined;
  let rounds = 0;
  let bound: number[] | undefined;
  const explore = (lb: Float64Array | undefined, depth: number): void => {
    if (budget-- <= 0) return;
    rounds++;
    const x = lb ? relaxed(inflated(inst, lb), cap, lb) : relaxed(inst, cap, undefined);
    const r = new Rounding(inst, cap, x);
    r.run();
    const score = scoreOf(inst, r.e);
    if (!best || better(score, best.score)) best = { r, score };
    // The first relaxation is a lower bound: a plan that delivers as much and costs at most 1e-6 more (relative)
    // cannot be improved in any way that matters, so the search stops (most small problems end here).
    if (!lb) bound = scoreOf(inst, x);
    if (nearBound(best.score, bound!)) budget = 0;
    if (depth + 1 >= MAX_ROUNDS || r.suggested.length === 0 || budget <= 0) return;
    // Fleets: one more relaxation only if the rounding delivered less than the relaxation (the cost gap to the
    // relaxation, a lower bound, is measured in the benchmark: thousandths of a percent).
    if (!small && scoreOf(inst, r.e).slice(0, -1).every((d, k) => d >= scoreOf(inst, x)[k]! - 1e-7 * Math.max(1, d))) return;
    // Force every suggested slot, or only each car's cheapest (forcing all may force more than a car needs).
    const cheapest = new Map<number, number>();
    for (const i of r.suggested) {
      const v = Math.floor(i / T);
      const prev = cheapest.get(v);
      if (prev === undefined || inst.rank[i - v * T]! < inst.rank[prev - v * T]!) cheapest.set(v, i);
    }
    const variants = [r.suggested, [...cheapest.values()]];
    if (variants[1]!.length === variants[0]!.length) variants.pop();
    for (const pick of variants) {
      const next = lb ? lb.slice() : new Float64Array(V * T);
      const forced = new Float64Array(inst.nNodes * T);
      for (let i = 0; i < next.length; i++) if (next[i]! > 0) book(inst, forced, i);
      let added = false;
      for (const i of pick) {
        if (next[i]! > 0 || !fits(inst, forced, i)) continue;
        next[i] = inst.minE[i]!;
        book(inst, forced, i);
        added = true;
      }
      if (added) explore(next, depth + 1);
    }
  };
  explore(undefined, 0);
  return { x: best!.r.e, reserve: best!.r.r, rounds };
}

function book(inst: Instance, forced: Float64Array, i: number): void {
  const v = Math.floor(i / inst.T);
  const t = i - v * inst.T;
  for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) forced[a * inst.T + t]! += inst.minE[i]!;
}

/**
 * Forced minima may sum to more than a car still needs: the car then draws its need and stops in its last
 * forced slot. The relaxation sees the forced energy as demand (a constant cost), the rounding the true need.
 */
function inflated(inst: Instance, lb: Float64Array): Instance {
  const { T, V } = inst;
  let segDem: Float64Array | undefined;
  let need: Float64Array | undefined;
  for (let v = 0; v < V; v++) {
    let sum = 0;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) sum += lb[v * T + t]!;
    if (sum <= inst.need[v]! + EPS) continue;
    segDem ??= inst.segDem.slice();
    need ??= inst.need.slice();
    segDem[inst.segOff[v + 1]! - 1]! += sum - inst.need[v]!;
    need[v] = sum;
  }
  return segDem && need ? { ...inst, segDem, need } : inst;
}

/** Forced minima alone must fit every limit on the car's path (no forcing under phase rows). */
function fits(inst: Instance, forced: Float64Array, i: number): boolean {
  if (inst.phaseRows.length > 0) return false;
  const v = Math.floor(i / inst.T);
  const t = i - v * inst.T;
  const m = inst.minE[i]!;
  for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) if (forced[a * inst.T + t]! + m > inst.limE[a * inst.T + t]! + EPS) return false;
  return true;
}

/** Delivered energy per priority class (highest first), then minus the cost: compared lexicographically. */
function scoreOf(inst: Instance, x: Float64Array): number[] {
  const s = new Array<number>(inst.nClasses + 1).fill(0);
  for (let v = 0; v < inst.V; v++) {
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
      const e = x[v * inst.T + t]!;
      s[inst.cls[v]!]! += e;
      s[inst.nClasses]! -= e * inst.price[t]!;
    }
  }
  return s;
}

function nearBound(s: number[], bound: number[]): boolean {
  const n = s.length - 1;
  for (let k = 0; k < n; k++) if (s[k]! < bound[k]! - 1e-7 * Math.max(1, bound[k]!)) return false;
  // Scores hold minus the cost.
  return -s[n]! <= -bound[n]! + 1e-6 * Math.max(1, Math.abs(bound[n]!));
}

function better(a: number[], b: number[]): boolean {
  for (let k = 0; k < a.length; k++) {
    const tol = k < a.length - 1 ? 1e-7 : 1e-9 * Math.max(1, Math.abs(b[k]!));
    if (a[k]! > b[k]! + tol) return true;
    if (a[k]! < b[k]! - tol) return false;
  }
  return false;
}
