// Seeded random instances for property tests and the benchmark.
import type { CircuitSpec, Problem, VehicleSpec } from "../../../solver/index.js";
import { mulberry32 } from "./prng.js";

export interface RandomOptions {
  vehicles: number;
  slots: number;
  slotMinutes?: 15 | 30 | 60;
  /** Site limit as a fraction of the sum of vehicle max powers (binding when small). */
  siteFraction?: number;
  circuits?: number;
  targets?: boolean;
  priorities?: boolean;
  minPower?: boolean;
  perSlotLimits?: boolean;
  negativePrices?: boolean;
  /** Per-phase limits with mixed 1- and 3-phase vehicles (the LP-only case). */
  mixedPhases?: boolean;
}

export function randomProblem(seed: number, o: RandomOptions): Problem {
  const rnd = mulberry32(seed);
  const T = o.slots;
  const sm = o.slotMinutes ?? (T > 48 ? 15 : 60);
  const h = sm / 60;
  const r2 = (x: number): number => Math.round(x * 1000) / 1000;
  const prices = Array.from({ length: T }, (_, t) => {
    const daily = 0.25 + 0.1 * Math.sin((2 * Math.PI * t) / T);
    const noise = (rnd() - 0.5) * 0.2;
    return r2(o.negativePrices && rnd() < 0.15 ? -0.05 - rnd() * 0.1 : daily + noise);
  });
  const circuits: CircuitSpec[] = [];
  for (let c = 0; c < (o.circuits ?? 0); c++) {
    const parent = c === 0 || rnd() < 0.5 ? "site" : `c${Math.floor(rnd() * c)}`;
    const base = 11 + Math.floor(rnd() * 30);
    const spec: CircuitSpec = { id: `c${c}`, parent, limitKw: o.perSlotLimits ? Array.from({ length: T }, () => r2(base * (0.5 + rnd()))) : base };
    if (o.mixedPhases && rnd() < 0.6) spec.phaseLimitA = 16 + Math.floor(rnd() * 16);
    circuits.push(spec);
  }
  const vehicles: VehicleSpec[] = [];
  let sumMax = 0;
  for (let v = 0; v < o.vehicles; v++) {
    const a = Math.floor(rnd() * T * 0.5);
    const d = Math.min(T, a + 1 + Math.floor(rnd() * T * 0.8));
    const maxKw = [3.7, 7.4, 11, 22][Math.floor(rnd() * 4)] as number;
    sumMax += maxKw;
    const window = (d - a) * h * maxKw;
    const spec: VehicleSpec = {
      id: `v${v}`,
      availableFrom: a,
      departure: d,
      energyKwh: r2(window * (0.1 + rnd() * 0.8)),
      maxKw: o.perSlotLimits && rnd() < 0.3 ? Array.from({ length: T }, () => r2(maxKw * (0.5 + rnd() * 0.5))) : maxKw,
    };
    if (circuits.length > 0 && rnd() < 0.8) spec.circuit = `c${Math.floor(rnd() * circuits.length)}`;
    if (o.minPower && rnd() < 0.7) spec.minKw = maxKw >= 11 ? 4.14 : 1.38;
    if (o.targets && rnd() < 0.4 && d - a > 2) {
      const by = a + 1 + Math.floor(rnd() * (d - a - 1));
      spec.targets = [{ bySlot: by, energyKwh: r2(spec.energyKwh * rnd()) }];
      if (rnd() < 0.3) spec.targets.push({ bySlot: Math.max(0, a - 1), energyKwh: 1 });
    }
    if (o.priorities) spec.priority = Math.floor(rnd() * 3);
    if (o.mixedPhases) {
      spec.phases = rnd() < 0.5 ? 1 : 3;
      if (spec.phases === 1) {
        spec.phase = (1 + Math.floor(rnd() * 3)) as 1 | 2 | 3;
        spec.maxKw = 3.7;
        if (spec.minKw !== undefined) spec.minKw = 1.38;
      }
    }
    vehicles.push(spec);
  }
  const p: Problem = { slotMinutes: sm, prices, vehicles };
  if (circuits.length > 0) p.circuits = circuits;
  if (o.siteFraction !== undefined) {
    const base = Math.max(3.7, sumMax * o.siteFraction);
    p.siteLimitKw = o.perSlotLimits ? Array.from({ length: T }, () => r2(base * (0.6 + 0.4 * rnd()))) : r2(base);
  }
  return p;
}
