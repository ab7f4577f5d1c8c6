// Turns per-slot energies back into the JSON plan: power per slot, delivered energy, shortfall, cost.
import type { Instance } from "./instance.js";
import type { Plan, Problem, VehiclePlan, VehicleSpec } from "./types.js";

/** Shortfalls below this (kWh) are rounding, not a missed target. */
export const SHORTFALL_TOL = 1e-6;

// Float noise (1e-15 kW) in a plan sent to a charger is meaningless: round to 1e-9.
export const clean = (v: number): number => {
  const r = Math.round(v * 1e9) / 1e9;
  return r === 0 ? 0 : r;
};

/**
 * Car v's plan row from the energies it draws per slot (x) and, with a minimum power, what is planned and held
 * against the limits (r: the same, except the minimum in the last slot of a car that becomes full there and stops).
 * Its cost before rounding goes to cost[v] when given (a plan's total sums those, not the rounded row costs).
 */
export function vehicleRow(inst: Pick<Instance, "T" | "h" | "price">, spec: VehicleSpec, v: number, x: Float64Array, r?: Float64Array, cost?: Float64Array): VehiclePlan {
  const { T, h, price } = inst;
  const powerKw = new Array<number>(T);
  let energy = 0;
  let c = 0;
  let unused = 0;
  for (let t = 0; t < T; t++) {
    const e = x[v * T + t]!;
    const planned = r ? r[v * T + t]! : e;
    unused += planned - e;
    powerKw[t] = clean(planned / h);
    energy += e;
    c += e * price[t]!;
  }
  if (cost) cost[v] = c;
  const shortfall = Math.max(0, spec.energyKwh - energy);
  const row: VehiclePlan = { id: spec.id, powerKw, energyKwh: clean(energy), shortfallKwh: clean(shortfall), cost: clean(c) };
  if (clean(unused) > 0) row.unusedKwh = clean(unused);
  return row;
}

/**
 * x is the energy each car draws per slot; reserve (minimum power) is what is planned and held against the
 * limits: the same, except the minimum in the last slot of a car that becomes full there and stops.
 */
export function buildPlan(problem: Problem, inst: Instance, x: Float64Array, solver: string, reserve?: Float64Array): Plan {
  const { T } = inst;
  const costs = new Float64Array(problem.vehicles.length);
  let totalCost = 0;
  let short = false;
  const vehicles: VehiclePlan[] = problem.vehicles.map((spec, v) => {
    const out = vehicleRow(inst, spec, v, x, reserve, costs);
    if (out.shortfallKwh > SHORTFALL_TOL) short = true;
    totalCost += costs[v]!;
    if (spec.targets && spec.targets.length > 0) {
      out.targets = spec.targets.map((tg) => {
        let got = 0;
        for (let t = 0; t < Math.min(T, tg.bySlot); t++) got += x[v * T + t] as number;
        const miss = Math.max(0, Math.min(tg.energyKwh, spec.energyKwh) - got);
        if (miss > SHORTFALL_TOL) short = true;
        return { bySlot: tg.bySlot, energyKwh: tg.energyKwh, deliveredKwh: clean(Math.min(got, tg.energyKwh)), shortfallKwh: clean(miss) };
      });
    }
    return out;
  });
  return { status: short ? "shortfall" : "optimal", totalCost: clean(totalCost), vehicles, solver, solveMs: 0 };
}
