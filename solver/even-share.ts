// An even share for the cars that stay short (problem.shortfall "even": after the fewest-cars deal): when
// not every car of a priority class can be completed, the exact flow's plan is a vertex, and a vertex gives some of
// the short cars all they can take and others nothing (20 cars of 11 kW on a 150 kW site that none can finish in
// time: 13 at full power, one at 7 kW, six at 0). A load balancer shares what there is evenly; this pass re-deals,
// slot by slot, the energy the short cars of a class draw in that slot among those of them present, so that their
// planned energies come as close to equal as the windows, maxima, minimum power and circuits allow. The product's
// default (a site's policy.shortfall): on four weeks of bench:outcome it met as many targets as the deal alone or
// more (docs/solver.md).
//
// Equal energy, not equal shortfall: a car that asks for more does not get more by asking (a shortfall rule would
// reward inflated targets), and it is the even current a load balancer gives. A car never gets more than it needs.
//
// What it keeps: every slot's energy per class (so the site's load, the cost at every price, the earlier-energy
// tie-break and a demand charge's peak), every complete car's plan (only cars still short give or take), every
// circuit's limit (a slot whose re-deal would overload a circuit is re-dealt within each circuit instead), each car's
// window, maximum and minimum rule (0 or at least minKw in a slot). Cars with intermediate targets, under a per-phase
// limit shared with 1-phase cars, or that stop early in their last slot keep their plan (as in fewest-short.ts).
//
// How: per slot a water-filling (the level λ at which the cars' energies, each clamped to [0, cap], add up to the
// slot's energy) is the re-deal that minimises the sum of squares of the cars' totals given the other slots. A first
// pass in time order evens what each car has by the end of each slot (cars that share the same slots then draw the
// same power in each, as a load balancer's cars do now); then a few sweeps over the slots even the totals by
// departure where windows differ (block coordinate descent towards the minimum-norm point of the transport polytope,
// which is also lexicographically max-min). With a minimum the water-filling drops the car with
// the least energy below its minimum until none is left between 0 and its minimum; a slot's re-deal is kept only
// when it makes the totals more even (a smaller sum of squares). Pure and deterministic; O(sweeps x cars x slots x
// log cars) for the short cars only.
import { carsShort, maxEnergyAt, minEnergyAt, planEnergies, sitesOf, type Sites } from "./short-cars.js";
import { SHORTFALL_TOL, vehicleRow } from "./plan.js";
import type { Plan, Problem, VehiclePlan } from "./types.js";

/** Below this a slot's energy or a move is float noise (kWh). */
const EPS = 1e-9;
/** Sweeps over the slots: the first does most of it (one bottleneck slot: all of it). */
const SWEEPS = 3;

/** Inserts x into the ascending list a. */
function insertSorted(a: number[], x: number): void {
  let k = a.length;
  a.push(x);
  while (k > 0 && a[k - 1]! > x) a[k] = a[k - 1]!, k--;
  a[k] = x;
}

/** The plan with the energy of each class's short cars shared as evenly as the rules allow; else the plan itself. */
export function evenShare(problem: Problem, plan: Plan): Plan {
  if (carsShort(problem, plan) < 2) return plan;
  const share = new Share(problem, plan);
  return share.run() ? share.plan() : plan;
}

class Share {
  private readonly inst: Sites;
  private readonly T: number;
  /** Energy per car and slot (every car: the loads per node need them all). */
  private readonly x: Float64Array;
  private readonly load: Float64Array;
  private readonly energy: Float64Array;
  /** The short cars that may take part, per class. */
  private readonly classes: number[][];
  private readonly touched: Uint8Array;
  // Scratch of one slot's water-filling.
  private base = new Float64Array(0);
  private cap = new Float64Array(0);
  private min = new Float64Array(0);
  private y = new Float64Array(0);
  private out = new Uint8Array(0);
  private starts = new Float64Array(0);
  private ends = new Float64Array(0);

  constructor(
    private readonly problem: Problem,
    private readonly source: Plan,
  ) {
    const inst = (this.inst = sitesOf(problem));
    const V = problem.vehicles.length;
    this.T = inst.T;
    let free: Uint8Array;
    ({ x: this.x, load: this.load, energy: this.energy, free } = planEnergies(inst, problem, source));
    this.touched = new Uint8Array(V);
    this.classes = Array.from({ length: inst.nClasses }, () => []);
    for (let v = 0; v < V; v++) if (free[v] && source.vehicles[v]!.shortfallKwh > SHORTFALL_TOL) this.classes[inst.cls[v]!]!.push(v);
  }

  /** Re-deals every class's short cars; whether anything moved. */
  run(): boolean {
    let moved = false;
    for (const members of this.classes) {
      if (members.length < 2) continue;
      // First in time order, evening what each car has by the end of each slot: cars that share the same slots get
      // the same power in each (a load balancer's share now), not only the same total by departure.
      const cumulative = new Float64Array(this.energy.length);
      for (let t = 0; t < this.T; t++) {
        if (this.slot(members, t, cumulative)) moved = true;
        for (const v of members) cumulative[v]! += this.x[v * this.T + t]!;
      }
      // Then the totals by departure, where windows differ.
      for (let sweep = 0; sweep < SWEEPS; sweep++) {
        let changed = false;
        for (let t = 0; t < this.T; t++) if (this.slot(members, t)) changed = true;
        if (!changed) break;
        moved = true;
      }
    }
    return moved;
  }

  /** One slot's re-deal among the class's short cars present in it: across circuits if they allow, else within each. */
  private slot(members: readonly number[], t: number, cumulative: Float64Array | null = null): boolean {
    const { from, to, node } = this.inst;
    const here: number[] = [];
    for (const v of members) if (from[v]! <= t && t < to[v]!) here.push(v);
    if (here.length < 2) return false;
    if (this.redeal(here, t, true, cumulative)) return true;
    // A circuit would be overloaded: the cars of each circuit share what that circuit's cars draw (its load stays).
    const byNode = new Map<number, number[]>();
    for (const v of here) {
      const g = byNode.get(node[v]!);
      if (g) g.push(v);
      else byNode.set(node[v]!, [v]);
    }
    if (byNode.size === 1) return false;
    let changed = false;
    for (const g of byNode.values()) if (g.length > 1 && this.redeal(g, t, false, cumulative)) changed = true;
    return changed;
  }

  /** Water-fills slot t among `cars`; applies it when it evens their totals and (checkCircuits) no circuit overflows. */
  private redeal(cars: readonly number[], t: number, checkCircuits: boolean, cumulative: Float64Array | null): boolean {
    const T = this.T;
    const n = cars.length;
    if (this.base.length < n) {
      this.base = new Float64Array(n);
      this.cap = new Float64Array(n);
      this.min = new Float64Array(n);
      this.y = new Float64Array(n);
      this.out = new Uint8Array(n);
    }
    const { base, cap, min, y, out } = this;
    let total = 0;
    const released = checkCircuits ? this.drawnBelow(cars, t) : null;
    for (let i = 0; i < n; i++) {
      const v = cars[i]!;
      const had = this.x[v * T + t]!;
      total += had;
      // What the car has besides this slot: by the slot's start (the time-order pass), or by departure.
      base[i] = cumulative ? cumulative[v]! : this.energy[v]! - had;
      // Never past the car's need (it would become full and stop, and the energy would be lost to the plan), nor past
      // the room its circuits would have if the cars being re-dealt under them gave up all they draw (exact for a car
      // alone on a circuit; what cars sharing one take together is checked after).
      const room = released ? this.roomAbove(v, t, released) : Infinity;
      cap[i] = Math.max(had, Math.min(maxEnergyAt(this.problem, this.inst, v, t), had + this.inst.need[v]! - this.energy[v]!, had + room));
      min[i] = minEnergyAt(this.problem, this.inst, v, t);
      out[i] = cap[i]! < min[i]! - EPS ? 1 : 0;
    }
    if (total <= EPS) return false;
    // No move can even the totals when no car that draws here has more than a car with room here: nothing to do.
    let richest = -Infinity;
    let poorest = Infinity;
    for (let i = 0; i < n; i++) {
      const had = this.x[cars[i]! * T + t]!;
      if (had > EPS) richest = Math.max(richest, base[i]! + had);
      if (!out[i] && cap[i]! - had > EPS) poorest = Math.min(poorest, base[i]! + had);
    }
    if (richest <= poorest + 1e-9) return false;
    if (!this.waterFill(n, total)) return false;
    // Kept only when the totals get more even (sum of squares) by more than float noise.
    let before = 0;
    let after = 0;
    let diff = 0;
    for (let i = 0; i < n; i++) {
      const had = this.x[cars[i]! * T + t]!;
      before += (base[i]! + had) ** 2;
      after += (base[i]! + y[i]!) ** 2;
      diff += Math.abs(y[i]! - had);
    }
    if (diff <= 1e-7 || after >= before - 1e-9) return false;
    if (checkCircuits && !this.circuitsHold(cars, t)) return false;
    const { parent, node } = this.inst;
    for (let i = 0; i < n; i++) {
      const v = cars[i]!;
      const d = y[i]! - this.x[v * T + t]!;
      if (d === 0) continue;
      this.x[v * T + t] = y[i]!;
      this.energy[v]! += d;
      for (let a = node[v]!; a >= 0; a = parent[a]!) this.load[a * T + t]! += d;
      this.touched[v] = 1;
    }
    return true;
  }

  /**
   * y: the water-filling of `total` over the cars not out (each between 0 and its cap), then, while a car sits between
   * 0 and its minimum, the one with the least energy is taken out and the rest filled again. False when the cars left
   * cannot take the total. The breakpoints are sorted once; a car taken out is skipped in later walks.
   */
  private waterFill(n: number, total: number): boolean {
    const { base, cap, min, y, out } = this;
    if (this.starts.length < n) {
      this.starts = new Float64Array(n);
      this.ends = new Float64Array(n);
    }
    let m = 0;
    let room = 0;
    for (let i = 0; i < n; i++) {
      if (out[i] || cap[i]! <= 0) continue;
      this.starts[m] = base[i]!;
      this.ends[m++] = base[i]! + cap[i]!;
      room += cap[i]!;
    }
    const starts = this.starts.subarray(0, m).sort();
    const ends = this.ends.subarray(0, m).sort();
    const goneStarts: number[] = [];
    const goneEnds: number[] = [];
    for (;;) {
      if (room < total - EPS) return false;
      const level = this.level(starts, ends, goneStarts, goneEnds, total);
      let worst = -1;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        y[i] = out[i] ? 0 : Math.min(cap[i]!, Math.max(0, level - base[i]!));
        if (y[i]! <= EPS) y[i] = 0;
        sum += y[i]!;
        if (y[i]! > 0 && y[i]! < min[i]! - EPS && (worst < 0 || y[i]! < y[worst]!)) worst = i;
      }
      if (worst < 0) return this.settle(n, total - sum);
      out[worst] = 1;
      room -= cap[worst]!;
      insertSorted(goneStarts, base[worst]!);
      insertSorted(goneEnds, base[worst]! + cap[worst]!);
    }
  }

  /** Puts the level's float residue on the car with the most room for it, so that the slot's energy is exact. */
  private settle(n: number, residue: number): boolean {
    const { cap, min, y, out } = this;
    if (Math.abs(residue) <= EPS * 1e-3) return true;
    const slack = (i: number) => (residue > 0 ? cap[i]! - y[i]! : y[i]! - min[i]!);
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (out[i] || y[i]! <= 0) continue;
      if (slack(i) >= Math.abs(residue) && (best < 0 || slack(i) > slack(best))) best = i;
    }
    if (best < 0) return false;
    y[best]! += residue;
    return true;
  }

  /**
   * The level λ with sum over the cars not out of clamp(λ - base, 0, cap) = total (there is room for it): a walk over
   * the breakpoints, where a car starts (its base) and where it is full (base + cap), each kind sorted, skipping the
   * breakpoints of cars taken out (equal values are interchangeable, so skipping one of them is exact).
   */
  private level(starts: Float64Array, ends: Float64Array, goneStarts: readonly number[], goneEnds: readonly number[], total: number): number {
    const m = starts.length;
    let filled = 0;
    let slope = 0;
    let prev = NaN;
    for (let i = 0, j = 0, gi = 0, gj = 0; j < m;) {
      // Starts before ends at the same point (a car with cap 0 is never here).
      const start = i < m && starts[i]! <= ends[j]!;
      const at = start ? starts[i]! : ends[j]!;
      if (start) {
        i++;
        if (gi < goneStarts.length && goneStarts[gi] === at) {
          gi++;
          continue;
        }
      } else {
        j++;
        if (gj < goneEnds.length && goneEnds[gj] === at) {
          gj++;
          continue;
        }
      }
      if (Number.isNaN(prev)) prev = at;
      const next = filled + slope * (at - prev);
      if (slope > 0 && next >= total) return prev + (total - filled) / slope;
      filled = next;
      prev = at;
      slope += start ? 1 : -1;
    }
    return prev;
  }

  /**
   * The least room in slot t on the circuits above car v, counting what the cars being re-dealt draw there as free
   * (the site's own load does not change).
   */
  private roomAbove(v: number, t: number, released: ReadonlyMap<number, number>): number {
    const { parent, node, limE } = this.inst;
    const T = this.T;
    let room = Infinity;
    for (let a = node[v]!; a > 0; a = parent[a]!) room = Math.min(room, limE[a * T + t]! - this.load[a * T + t]! + (released.get(a) ?? 0));
    return Math.max(0, room);
  }

  /** What `cars` draw in slot t under each circuit (node > 0) above them. */
  private drawnBelow(cars: readonly number[], t: number): Map<number, number> {
    const { parent, node } = this.inst;
    const out = new Map<number, number>();
    for (const v of cars) {
      const e = this.x[v * this.T + t]!;
      if (e > 0) for (let a = node[v]!; a > 0; a = parent[a]!) out.set(a, (out.get(a) ?? 0) + e);
    }
    return out;
  }

  /** Whether the re-deal y of slot t keeps every circuit within its limit (the site's load does not change). */
  private circuitsHold(cars: readonly number[], t: number): boolean {
    const { parent, node, limE, nNodes } = this.inst;
    if (nNodes <= 1) return true;
    const T = this.T;
    const delta = new Map<number, number>();
    for (let i = 0; i < cars.length; i++) {
      const v = cars[i]!;
      const d = this.y[i]! - this.x[v * T + t]!;
      if (d === 0) continue;
      for (let a = node[v]!; a > 0; a = parent[a]!) delta.set(a, (delta.get(a) ?? 0) + d);
    }
    for (const [a, d] of delta) if (d > EPS && this.load[a * T + t]! + d > limE[a * T + t]! + EPS) return false;
    return true;
  }

  /** The plan of the shared energies: cars that did not move keep their rows; every slot keeps its energy and cost. */
  plan(): Plan {
    let short = false;
    const vehicles: VehiclePlan[] = this.source.vehicles.map((row, v) => {
      const out = this.touched[v] ? vehicleRow(this.inst, this.problem.vehicles[v]!, v, this.x) : row;
      if (out.shortfallKwh > SHORTFALL_TOL || (out.targets ?? []).some((g) => g.shortfallKwh > SHORTFALL_TOL)) short = true;
      return out;
    });
    return { ...this.source, status: short ? "shortfall" : "optimal", vehicles };
  }
}
