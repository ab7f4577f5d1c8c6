// The solver's public vocabulary: the JSON problem and plan, as plain numbers.
// Slot indices are integers 0..T-1; the scheduler (src/scheduler) owns the mapping to wall-clock time.

export type PerSlot = number | number[];

export interface CircuitSpec {
  id: string;
  /** id of the parent circuit, or null/undefined/"site" for a circuit directly under the site. */
  parent?: string | null;
  limitKw?: PerSlot;
  /** Per-phase current limit in A (applies to each of L1, L2, L3). */
  phaseLimitA?: number;
  /** Phase-to-neutral voltage in V (default 230). */
  voltage?: number;
}

export interface TargetSpec {
  /** The energy must be delivered in slots < bySlot. */
  bySlot: number;
  energyKwh: number;
}

export interface VehicleSpec {
  id: string;
  availableFrom: number;
  /** Exclusive: the last slot the vehicle can charge in is departure - 1. */
  departure: number;
  energyKwh: number;
  maxKw: PerSlot;
  /**
   * AC minimum: in every slot the power is 0 or >= minKw. Per slot when a slot is partly usable (the scheduler's
   * slot 0 starts now, so its minimum average power is the car's minimum times the fraction that remains).
   */
  minKw?: PerSlot;
  /** Circuit id; the vehicle hangs on the site directly when absent. */
  circuit?: string;
  /** 1 or 3 (default 3); only matters under a circuit with phaseLimitA. */
  phases?: 1 | 3;
  /** For a 1-phase vehicle: the phase it draws from (1, 2, 3; default 1). */
  phase?: 1 | 2 | 3;
  targets?: TargetSpec[];
  /** Higher is served first when not everything can be delivered (default 0). */
  priority?: number;
}

export type TieBreak = "earlier" | "later";

/**
 * When not every target fits, which cars of a priority class carry the shortfall: "spread" (the exact flow's plan: by
 * price, often a little on every car of the saturated slots) or "fewest-cars" (the same energy per slot and class,
 * re-dealt so that as many cars as possible end complete; solver/fewest-short.ts), or "even" (fewest-cars, then
 * what the cars still short get shared evenly among them: solver/even-share.ts). Same cost every way. The product
 * plans with a site's policy.shortfall, "even" by default (docs/solver.md, "An even share"); a problem without
 * the field gets "fewest-cars".
 */
export type ShortfallRule = "fewest-cars" | "spread" | "even";

export interface Problem {
  slotMinutes: 15 | 30 | 60;
  prices: number[];
  siteLimitKw?: PerSlot;
  circuits?: CircuitSpec[];
  vehicles: VehicleSpec[];
  tieBreak?: TieBreak;
  /** Default "fewest-cars" (see ShortfallRule). */
  shortfall?: ShortfallRule;
  /**
   * A demand charge: perKw x the billing period's highest site power (15-minute average), of which peakSoFarKw is
   * already reached (paid for). Planned jointly with the energy cost, after delivered energy (see demand.ts).
   */
  demandCharge?: DemandCharge;
}

export interface DemandCharge {
  perKw: number;
  peakSoFarKw: number;
  /** Site power per slot that is not in the problem (uncontrolled chargers, floors), actual kW. Default 0. */
  baseKw?: number[];
  /**
   * Per slot, the fraction of a whole slot it covers (the scheduler's partial slot 0 and cut slots): planned
   * power is an average over the whole slot, so the power actually drawn is planned / fraction. Default 1.
   */
  slotFraction?: number[];
}

/** The demand side of a plan solved with a demand charge. */
export interface DemandOutcome {
  perKw: number;
  peakSoFarKw: number;
  /** Highest planned site power (kW). */
  peakKw: number;
  /** max(peakSoFarKw, peakKw): what the period is billed on if nothing else raises it. */
  billedPeakKw: number;
  /** perKw x billedPeakKw. */
  chargeEur: number;
  /** perKw x (billedPeakKw - peakSoFarKw): what this plan adds to the period's demand charge. */
  addedEur: number;
  /** Energy cost + addedEur: the objective the plan minimises after delivered energy. */
  totalCost: number;
  /** The site cap the search settled on, when it is below the energy-only plan's peak. */
  capKw?: number;
}

export interface TargetOutcome {
  bySlot: number;
  energyKwh: number;
  deliveredKwh: number;
  shortfallKwh: number;
}

export interface VehiclePlan {
  id: string;
  powerKw: number[];
  energyKwh: number;
  shortfallKwh: number;
  cost: number;
  /**
   * Present (> 0) only when the car is planned at its minimum in the slot where it becomes full: powerKw there
   * is the minimum, the car draws this much less and stops. energyKwh and cost count what it draws.
   */
  unusedKwh?: number;
  /** Present only when the vehicle has intermediate targets: what each one gets. */
  targets?: TargetOutcome[];
}

export type EngineName = "flow" | "jslp" | "highs";

export interface Plan {
  status: "optimal" | "shortfall";
  totalCost: number;
  vehicles: VehiclePlan[];
  solver: string;
  solveMs: number;
  /** Present when the problem has a demandCharge. totalCost stays the energy cost. */
  demand?: DemandOutcome;
}
