// What the passes over a plan's short cars share (fewest-short.ts, even-share.ts): the site's tree and each car's
// window, need and class read from the problem, whether the plan fits the problem and how many cars it leaves short,
// and the plan's energies per car, node and slot.
import { buildInstance } from "./instance.js";
import { SHORTFALL_TOL } from "./plan.js";
import type { PerSlot, Plan, Problem } from "./types.js";

/** What the deal reads of the problem: the tree and its energy limits per node and slot (node 0 the site), each car's
 * window, need and class, and whether it is under a per-phase limit shared with 1-phase cars (a move there changes
 * phase loads no tree holds). A car's caps are read from its spec. */
export interface Sites {
  T: number; h: number; price: Float64Array; nNodes: number; parent: Int32Array; limE: Float64Array;
  node: Int32Array; from: Int32Array; to: Int32Array; need: Float64Array; cls: Int32Array; nClasses: number; coupled: Uint8Array;
}

/** buildInstance without the per-car arrays (a car's caps are read from its spec where needed). */
export function sitesOf(p: Problem): Sites {
  const tree = buildInstance({ ...p, vehicles: [] });
  const { T, h, nNodes, parent } = tree;
  const V = p.vehicles.length;
  const idx = new Map((p.circuits ?? []).map((c, i) => [c.id, i + 1]));
  const node = new Int32Array(V);
  const from = new Int32Array(V);
  const to = new Int32Array(V);
  const need = new Float64Array(V);
  const cls = new Int32Array(V);
  const prios = [...new Set(p.vehicles.map((v) => v.priority ?? 0))].sort((a, b) => b - a);
  const clsOf = new Map(prios.map((q, k) => [q, k]));
  const onePhaseBelow = new Uint8Array(nNodes);
  p.vehicles.forEach((v, i) => {
    node[i] = v.circuit === undefined ? 0 : idx.get(v.circuit)!;
    from[i] = Math.max(0, v.availableFrom);
    to[i] = Math.max(from[i]!, Math.min(T, v.departure));
    need[i] = v.energyKwh;
    cls[i] = clsOf.get(v.priority ?? 0)!;
    if ((v.phases ?? 3) === 1) for (let a = node[i]!; a >= 0; a = parent[a]!) onePhaseBelow[a] = 1;
  });
  const phaseLimited = new Uint8Array(nNodes);
  (p.circuits ?? []).forEach((c, i) => (phaseLimited[i + 1] = c.phaseLimitA !== undefined && onePhaseBelow[i + 1] ? 1 : 0));
  const coupled = new Uint8Array(V);
  for (let v = 0; v < V; v++) for (let a = node[v]!; a >= 0; a = parent[a]!) if (phaseLimited[a]) coupled[v] = 1;
  return { T, h, price: tree.price, nNodes, parent, limE: tree.limE, node, from, to, need, cls, nClasses: prios.length, coupled };
}

const slotValue = (v: PerSlot | undefined, t: number): number => (v === undefined ? 0 : typeof v === "number" ? v : (v[t] ?? 0));

/** The most car v may draw in slot t (kWh), from its spec. */
export function maxEnergyAt(p: Problem, inst: Pick<Sites, "h">, v: number, t: number): number {
  return slotValue(p.vehicles[v]!.maxKw, t) * inst.h;
}

/** The least car v draws in slot t when it draws at all (kWh): its minimum power, 0 without one. */
export function minEnergyAt(p: Problem, inst: Pick<Sites, "h">, v: number, t: number): number {
  return slotValue(p.vehicles[v]!.minKw, t) * inst.h;
}

/** How many cars the plan leaves short; 0 too when its rows do not match the problem's cars and slots (left as it is). */
export function carsShort(problem: Problem, plan: Plan): number {
  const V = problem.vehicles.length;
  if (plan.vehicles.length !== V) return 0;
  let short = 0;
  for (let v = 0; v < V; v++) {
    const p = plan.vehicles[v]!;
    if (p.id !== problem.vehicles[v]!.id || p.powerKw.length !== problem.prices.length) return 0;
    if (p.shortfallKwh > SHORTFALL_TOL) short++;
  }
  return short;
}

/**
 * The plan as energies: per car and slot (x), per node and slot with every car below the node (load; node 0 the site),
 * per car (energy); and the cars a re-deal may move (free): no intermediate targets, no per-phase coupling, no early
 * stop in their last slot (`unusedKwh`), a window of at least one slot.
 */
export function planEnergies(inst: Sites, problem: Problem, plan: Plan): { x: Float64Array; load: Float64Array; energy: Float64Array; free: Uint8Array } {
  const { T, h, nNodes, parent } = inst;
  const V = problem.vehicles.length;
  const x = new Float64Array(V * T);
  const load = new Float64Array(nNodes * T);
  const energy = new Float64Array(V);
  const free = new Uint8Array(V);
  for (let v = 0; v < V; v++) {
    const p = plan.vehicles[v]!;
    let sum = 0;
    for (let t = p.energyKwh > 0 || p.unusedKwh ? 0 : T; t < T; t++) {
      const e = p.powerKw[t]! * h;
      if (e <= 0) continue;
      x[v * T + t] = e;
      sum += e;
      for (let a = inst.node[v]!; a >= 0; a = parent[a]!) load[a * T + t]! += e;
    }
    energy[v] = sum;
    const targets = problem.vehicles[v]!.targets;
    free[v] = !inst.coupled[v] && !(targets && targets.length > 0) && !(p.unusedKwh && p.unusedKwh > 0) && inst.to[v]! > inst.from[v]! ? 1 : 0;
  }
  return { x, load, energy, free };
}
