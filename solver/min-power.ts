// The minimum-power rule (AC chargers: 0 or >= ~6 A) makes the problem mixed-integer. We keep the exact
// LP machinery and round: solve the relaxation, then for each vehicle with slots at 0 < x < min decide
// them for good, cheapest first: enough of them are raised to the minimum to carry the vehicle's
// fractional energy (if the circuits have room for the forced minima), the rest are closed (cap 0).
// Re-solve with those decisions (forced minima as lower bounds, closed slots as cap 0) until no slot is
// fractional. Every round decides at least one slot, so it terminates; each re-solve is the exact
// optimum for the decisions made, so limits always hold. The cost loss against the exact MIP is measured
// in the tests and the benchmark (docs/solver.md), not assumed.
import type { Instance } from "./instance.js";

const EPS = 1e-9;

export type RelaxedSolve = (cap: Float64Array, lb: Float64Array | undefined) => Float64Array;

export function needsMinPower(inst: Instance): boolean {
  return inst.minE.some((m) => m > 0);
}

/**
 * Rounds with the eager rule first; if that delivers less than the relaxation did, also tries the lean
 * rule (raise only what carries the fractional energy) and keeps the better plan: more energy first,
 * then lower cost (the same lexicographic order as everywhere else).
 */
export function solveWithMinPower(inst: Instance, relaxed: RelaxedSolve): Float64Array {
  const first = round(inst, relaxed, true);
  if (!(first.delivered < first.relaxedDelivered - 1e-7)) return first.x;
  const second = round(inst, relaxed, false);
  if (second.delivered > first.delivered + 1e-7) return second.x;
  if (second.delivered > first.delivered - 1e-7 && second.cost < first.cost - 1e-9) return second.x;
  return first.x;
}

interface Rounded {
  x: Float64Array;
  delivered: number;
  relaxedDelivered: number;
  cost: number;
}

function summary(inst: Instance, x: Float64Array): { delivered: number; cost: number } {
  let delivered = 0;
  let cost = 0;
  for (let i = 0; i < x.length; i++) (delivered += x[i]!), (cost += x[i]! * inst.price[i % inst.T]!);
  return { delivered, cost };
}

function round(inst: Instance, relaxed: RelaxedSolve, eager: boolean): Rounded {
  const { T, V } = inst;
  const cap = inst.cap.slice();
  const lb = new Float64Array(V * T);
  const forced = new Float64Array(inst.nNodes * T);
  const forcedPhase = new Float64Array(inst.phaseRows.length * T);
  // A slot whose cap is below the minimum can never be used.
  for (let i = 0; i < V * T; i++) if (inst.minE[i]! > 0 && cap[i]! < inst.minE[i]! - EPS) cap[i] = 0;
  let relaxedDelivered = 0;
  for (let round = 0; ; round++) {
    const x = relaxed(cap, round === 0 ? undefined : lb);
    if (round === 0) relaxedDelivered = summary(inst, x).delivered;
    let changed = false;
    for (let v = 0; v < V; v++) {
      const min = (t: number) => inst.minE[v * T + t]!;
      const frac: number[] = [];
      let fracE = 0;
      let total = 0;
      let lbSum = 0;
      for (let t = 0; t < T; t++) {
        const e = x[v * T + t]!;
        total += e;
        lbSum += lb[v * T + t]!;
        if (e > EPS && e < min(t) - EPS && lb[v * T + t]! === 0) frac.push(t), (fracE += e);
      }
      if (frac.length === 0) continue;
      changed = true;
      frac.sort((a, b) => inst.rank[a]! - inst.rank[b]!);
      // Raise as many as carry the fractional energy, never forcing more than the vehicle now gets.
      // A vehicle that gets all it asked for needs only enough raised slots to carry its fractional
      // energy. One that falls short raises every fractional slot it can (up to its need): closing
      // slots would only take more capacity away from it.
      // (Minima differ per slot only where a slot is partly usable, the scheduler's slot 0.)
      const short = eager && total < inst.need[v]! - 1e-7;
      const ceiling = short ? inst.need[v]! : total;
      let raised = 0;
      for (const t of frac) {
        const m = min(t);
        const wanted = short || raised < fracE - 1e-9;
        if (wanted && lbSum + raised + m <= ceiling + EPS && fits(inst, forced, forcedPhase, v, t, m)) {
          lb[v * T + t] = m;
          book(inst, forced, forcedPhase, v, t, m);
          raised += m;
        } else {
          cap[v * T + t] = 0;
        }
      }
    }
    if (!changed) return { x, relaxedDelivered, ...summary(inst, x) };
    if (round > 4 * T + 10) {
      // Not expected (every round closes or forces a slot); a plan must never hold 0 < x < min: drop them.
      for (let i = 0; i < V * T; i++) if (x[i]! < inst.minE[i]! - EPS) x[i] = 0;
      return { x, relaxedDelivered, ...summary(inst, x) };
    }
  }
}

/** Forced minima alone must fit every limit on the vehicle's path and every phase row it loads. */
function fits(inst: Instance, forced: Float64Array, forcedPhase: Float64Array, v: number, t: number, m: number): boolean {
  for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) if (forced[a * inst.T + t]! + m > inst.limE[a * inst.T + t]! + EPS) return false;
  for (let r = 0; r < inst.phaseRows.length; r++) {
    const pr = inst.phaseRows[r]!;
    const i = pr.vehicles.indexOf(v);
    if (i >= 0 && forcedPhase[r * inst.T + t]! + pr.coef[i]! * m > pr.rhsE + EPS) return false;
  }
  return true;
}

function book(inst: Instance, forced: Float64Array, forcedPhase: Float64Array, v: number, t: number, m: number): void {
  for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) forced[a * inst.T + t]! += m;
  for (let r = 0; r < inst.phaseRows.length; r++) {
    const pr = inst.phaseRows[r]!;
    const i = pr.vehicles.indexOf(v);
    if (i >= 0) forcedPhase[r * inst.T + t]! += pr.coef[i]! * m;
  }
}
