// Turns per-slot energies back into the JSON plan: power per slot, delivered energy, shortfall, cost.
import type { Instance } from "./instance.js";
import type { Plan, Problem, VehiclePlan } from "./types.js";

/** Shortfalls below this (kWh) are rounding, not a missed target. */
export const SHORTFALL_TOL = 1e-6;

// Float noise (1e-15 kW) in a plan sent to a charger is meaningless: round to 1e-9.
const clean = (v: number): number => {
  const r = Math.round(v * 1e9) / 1e9;
  return r === 0 ? 0 : r;
};

/**
 * x is the energy each car draws per slot; reserve (minimum power) is what is planned and held against the
 * limits: the same, except the minimum in the last slot of a car that becomes full there and stops.
 */
export function buildPlan(problem: Problem, inst: Instance, x: Float64Array, solver: string, reserve?: Float64Array): Plan {
  const { T, h, price } = inst;
  let totalCost = 0;
  let short = false;
  const vehicles: VehiclePlan[] = problem.vehicles.map((spec, v) => {
    const powerKw: number[] = new Array<number>(T);
    let energy = 0;
    let cost = 0;
    let unused = 0;
    for (let t = 0; t < T; t++) {
      const e = x[v * T + t] as number;
      const planned = reserve ? (reserve[v * T + t] as number) : e;
      unused += planned - e;
      powerKw[t] = clean(planned / h);
      energy += e;
      cost += e * (price[t] as number);
    }
    const shortfall = Math.max(0, spec.energyKwh - energy);
    if (shortfall > SHORTFALL_TOL) short = true;
    totalCost += cost;
    const out: VehiclePlan = { id: spec.id, powerKw, energyKwh: clean(energy), shortfallKwh: clean(shortfall), cost: clean(cost) };
    if (clean(unused) > 0) out.unusedKwh = clean(unused);
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
