// What warm.ts needs to take a re-plan whose changes sit in a few slots (the scheduler's partial slot 0 shrinks
// between two re-plans: every car's cap, minimum and every limit move there) or only in cars' needs (a car drew
// energy since the last plan), and to round a kept relaxation to the minimum-power rule (min-power.ts).
// Pure helpers over the kept Instance and the problem's vehicle specs.
import type { Instance } from "./instance.js";
import { Rounding } from "./min-power-round.js";
import { SHORTFALL_TOL } from "./plan.js";
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

/** Delivered energy per priority class. */
function deliveredByClass(inst: Instance, x: Float64Array): number[] {
  const s = new Array<number>(inst.nClasses).fill(0);
  for (let v = 0; v < inst.V; v++) for (let t = inst.from[v]!; t < inst.to[v]!; t++) s[inst.cls[v]!]! += x[v * inst.T + t]!;
  return s;
}

/**
 * The minimum-power rounding of a kept relaxation, or undefined when it delivers less than the relaxation in some
 * priority class: then the cold path's forcing re-solve may do better (min-power.ts, fleets), and the caller
 * solves cold. Otherwise this is what the cold path returns for the same relaxation.
 */
export function roundKept(inst: Instance, x: Float64Array): Rounding | undefined {
  const r = new Rounding(inst, inst.cap, x);
  r.run();
  const got = deliveredByClass(inst, r.e);
  const bound = deliveredByClass(inst, x);
  return got.every((d, k) => d >= bound[k]! - 1e-7 * Math.max(1, d)) ? r : undefined;
}

const clean = (v: number): number => {
  const r = Math.round(v * 1e9) / 1e9;
  return r === 0 ? 0 : r;
};

/** The plan of a rounded relaxation in the problem's vehicle order (order[i]: the kept index of vehicle i). */
export function roundedPlan(inst: Instance, p: Problem, order: Int32Array, r: Rounding, solver: string): Plan {
  const { T, h, price } = inst;
  let total = 0;
  let short = false;
  const vehicles = p.vehicles.map((spec, i): VehiclePlan => {
    const v = order[i]!;
    const powerKw = new Array<number>(T);
    let energy = 0;
    let cost = 0;
    let unused = 0;
    for (let t = 0; t < T; t++) {
      const e = r.e[v * T + t]!;
      const planned = r.r[v * T + t]!;
      unused += planned - e;
      powerKw[t] = clean(planned / h);
      energy += e;
      cost += e * price[t]!;
    }
    const shortfall = Math.max(0, spec.energyKwh - energy);
    if (shortfall > SHORTFALL_TOL) short = true;
    total += cost;
    const row: VehiclePlan = { id: spec.id, powerKw, energyKwh: clean(energy), shortfallKwh: clean(shortfall), cost: clean(cost) };
    if (clean(unused) > 0) row.unusedKwh = clean(unused);
    return row;
  });
  return { status: short ? "shortfall" : "optimal", totalCost: clean(total), vehicles, solver, solveMs: 0 };
}
