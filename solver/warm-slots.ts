// What warm.ts needs to take a re-plan whose changes sit in a few slots (the scheduler's partial slot 0 shrinks
// between two re-plans: every car's cap, minimum and every limit move there) or only in cars' needs (a car drew
// energy since the last plan), and to round a kept relaxation to the minimum-power rule (min-power.ts).
// Pure helpers over the kept Instance and the problem's vehicle specs.
import type { Instance } from "./instance.js";
import { clean, SHORTFALL_TOL, vehicleRow } from "./plan.js";
import type { PerSlot, Plan, Problem, VehiclePlan, VehicleSpec } from "./types.js";

const EPS = 1e-9;

/** A re-plan whose caps, minima or lowered limits differ in more slots than this is solved cold. */
export const MAX_RESET_SLOTS = 2;

/** Fleets only: small problems with a minimum explore several relaxations cold (min-power.ts), cheap anyway. */
export const SMALL_MIN_POWER = 2000;

const at = (m: PerSlot | undefined, t: number): number => (m === undefined ? 0 : typeof m === "number" ? m : (m[t] ?? 0));

export const hasMinimum = (m: PerSlot | undefined): boolean =>
  m !== undefined && (typeof m === "number" ? m > 0 : m.some((x) => x > 0));

/**
 * How a vehicle kept under the same id differs: "same"; "need" (only its energy, and perhaps its caps or minima in
 * some slots, which are added to `slots`); "update" (its window, circuit, phases or priority: taken out and put back).
 */
export function vehicleChange(a: VehicleSpec, b: VehicleSpec, T: number, slots: Set<number>): "same" | "need" | "update" {
  if (a === b) return "same";
  if (a.availableFrom !== b.availableFrom || a.departure !== b.departure || a.circuit !== b.circuit ||
    (a.phases ?? 3) !== (b.phases ?? 3) || (a.phase ?? 1) !== (b.phase ?? 1) || (a.priority ?? 0) !== (b.priority ?? 0) ||
    (a.targets?.length ?? 0) > 0 || (b.targets?.length ?? 0) > 0) return "update";
  if (a.maxKw !== b.maxKw || a.minKw !== b.minKw) {
    for (let t = 0; t < T; t++) if (at(a.maxKw, t) !== at(b.maxKw, t) || at(a.minKw, t) !== at(b.minKw, t)) slots.add(t);
  }
  return a.energyKwh === b.energyKwh ? "same" : "need";
}

/** The vehicle's energy cap in slot t as the relaxation sees it: 0 where the cap is below its minimum. */
export function relaxedCap(s: VehicleSpec, t: number, h: number): number {
  const cap = at(s.maxKw, t) * h;
  const min = at(s.minKw, t) * h;
  return min > 0 && cap < min - EPS ? 0 : cap;
}

/** Writes vehicle v's minima (energy per slot, over all slots as buildInstance does) into the kept instance. */
export function setMinimum(inst: Instance, v: number, s: VehicleSpec | undefined): void {
  const { T, h } = inst;
  for (let t = 0; t < T; t++) inst.minE[v * T + t] = s ? at(s.minKw, t) * h : 0;
}

/** Closes (cap 0) every slot whose cap is below the minimum, as the cold relaxation does (min-power.ts). */
export function closeBelowMinimum(inst: Instance): void {
  const { cap, minE } = inst;
  for (let i = 0; i < cap.length; i++) if (minE[i]! > 0 && cap[i]! < minE[i]! - EPS) cap[i] = 0;
}

export interface CheckResult {
  delivers: boolean;
  gap: number;
  got: Float64Array;
  bound: Float64Array;
  cost: number;
}

/**
 * Whether the rounding e delivers, in every priority class, what the relaxation x delivers (otherwise the cold
 * path's forcing re-solve may do better: min-power.ts, fleets, and warm.ts solves cold), and its cost above the
 * relaxation's (a lower bound), relative. Kept per car between re-plans: only cars whose relaxation or rounding
 * changed are summed again (a full pass over 1,000 x 96 cost ~0.5 ms of a ~2 ms re-plan).
 */
export class RelaxationCheck {
  private readonly eSum: Float64Array;
  private readonly eCost: Float64Array;
  private readonly xSum: Float64Array;
  private readonly xCost: Float64Array;

  constructor(private readonly inst: Instance) {
    const V = inst.V;
    this.eSum = new Float64Array(V);
    this.eCost = new Float64Array(V);
    this.xSum = new Float64Array(V);
    this.xCost = new Float64Array(V);
  }

  /** Sums x again for the cars marked in xs and e for those marked in es (every car where a mask is undefined). */
  refresh(x: Float64Array, e: Float64Array, xs: Uint8Array | undefined, es: Uint8Array | undefined): void {
    const { T, V, from, to, price } = this.inst;
    for (let v = 0; v < V; v++) {
      const doX = !xs || xs[v] === 1;
      const doE = !es || es[v] === 1;
      if (!doX && !doE) continue;
      let a = 0;
      let ca = 0;
      let b = 0;
      let cb = 0;
      for (let t = from[v]!, i = v * T + t; t < to[v]!; t++, i++) {
        if (doE) (a += e[i]!), (ca += e[i]! * price[t]!);
        if (doX) (b += x[i]!), (cb += x[i]! * price[t]!);
      }
      if (doE) (this.eSum[v] = a), (this.eCost[v] = ca);
      // A forced minimum may raise the relaxation above the need (flow-warm.ts force): the car draws its need.
      if (doX) (this.xSum[v] = Math.min(b, this.inst.need[v]!)), (this.xCost[v] = cb);
    }
  }

  /**
   * Whether the rounding delivers the relaxation's energy in every class; its cost above the relaxation's (relative);
   * the rounding's energy per class (got) and the relaxation's (bound), and the rounding's cost.
   */
  result(): CheckResult {
    const { V, cls, nClasses } = this.inst;
    const got = new Float64Array(nClasses);
    const bound = new Float64Array(nClasses);
    let costE = 0;
    let costX = 0;
    for (let v = 0; v < V; v++) {
      got[cls[v]!]! += this.eSum[v]!;
      bound[cls[v]!]! += this.xSum[v]!;
      costE += this.eCost[v]!;
      costX += this.xCost[v]!;
    }
    let delivers = true;
    for (let k = 0; k < nClasses; k++) if (got[k]! < bound[k]! - 1e-7 * Math.max(1, got[k]!)) delivers = false;
    return { delivers, gap: (costE - costX) / Math.max(1, Math.abs(costX)), got, bound, cost: costE };
  }
}

/**
 * Clears `touched` in the new rounding b for every car whose energies and reservations equal those in the kept
 * rounding a and that a's last run did not touch (a's untouched cars are what their plan rows were built from).
 */
export function keepSameRows(
  inst: Instance, a: { e: Float64Array; r: Float64Array; touched: Uint8Array }, b: { e: Float64Array; r: Float64Array; touched: Uint8Array },
): void {
  const { T, V } = inst;
  for (let v = 0; v < V; v++) {
    if (a.touched[v]) continue;
    let same = true;
    for (let i = v * T; i < v * T + T && same; i++) same = a.e[i] === b.e[i] && a.r[i] === b.r[i];
    if (same) b.touched[v] = 0;
  }
}

/**
 * The plan of a rounding in the problem's vehicle order (order[i]: the kept index of vehicle i). rows[v] is reused
 * unless `touched[v]` (its energies changed); rebuilt rows are stored there, costs in `cost`.
 */
export function roundedPlan(
  inst: Instance, p: Problem, order: Int32Array, r: { e: Float64Array; r: Float64Array; touched: Uint8Array },
  rows: (VehiclePlan | undefined)[], cost: Float64Array, solver: string,
): Plan {
  let total = 0;
  let short = false;
  const vehicles = new Array<VehiclePlan>(p.vehicles.length);
  for (let i = 0; i < vehicles.length; i++) {
    const v = order[i]!;
    let row = rows[v];
    if (!row || r.touched[v]) rows[v] = row = vehicleRow(inst, p.vehicles[i]!, v, r.e, r.r, cost);
    if (!short && row.shortfallKwh > SHORTFALL_TOL) short = true; // one is enough (the rows are scattered objects)
    total += cost[v]!;
    vehicles[i] = row;
  }
  return { status: short ? "shortfall" : "optimal", totalCost: clean(total), vehicles, solver, solveMs: 0 };
}
