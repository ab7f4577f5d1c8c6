// The flow kept between re-plans (warm.ts decides when it applies). A cold solve leaves the whole state of the
// search in place: energies, loads, the flags and pair counters, the (node, slot) -> vehicles index. A small
// change (a car arrives, leaves or changes, a price or a limit moves) edits that state in place and re-optimises
// from there, instead of rebuilding it from the previous plan (which cost more than the search itself: every
// placed energy bumps O(T) counters).
//
// Why the re-optimisation is exact (one priority class, or every car served in full; warm.ts checks):
// - a changed car is taken out entirely and put back as free supply, so the state stays a feasible flow;
// - the top-up runs the greedy's levels again and repeats them while they deliver more: a pass that delivers
//   nothing found no augmenting path into any slot, so the flow is maximum;
// - the exchange pass then removes every improving exchange between slots (FlowSolver.exchangePass explains why
//   one pass in price order suffices from any feasible start). With one class, a negative cycle through the
//   source would contain an augmenting path (impossible at a maximum flow), so no exchange left means optimal.
import type { Instance } from "./instance.js";
import { FlowSolver } from "./flow.js";
import { EPS } from "./flow-state.js";
import { IndexPatch } from "./flow-index.js";

/** One vehicle's row as the flow reads it (simple vehicles only: a single deadline segment). */
export interface VehicleRow {
  id: string;
  from: number;
  to: number;
  node: number;
  cls: number;
  need: number;
  /** Energy cap in slot t (only read for from <= t < to). */
  capAt: (t: number) => number;
}

export class WarmFlow extends FlowSolver {
  /** Vehicles whose energies changed since the last takeDirty (their plan rows must be rebuilt). */
  private dirty: Uint8Array;
  private indexStale = false;
  private readonly index: IndexPatch;

  /**
   * Minimum power: the forced minima (lower bounds, min-power.ts's forcing kept between re-plans; warm-force.ts)
   * summed per (node, slot) over the cars below the node, and how many (v, t) are forced.
   */
  readonly forcedLoad: Float64Array | undefined;
  forcedCount = 0;

  /** With `forcing`, the flow carries lower bounds (all 0 until force()). */
  constructor(inst: Instance, forcing = false) {
    // With forcing, the flow's demands (segDem: needs, raised where forced minima exceed them) are its own, so that
    // a forced flow and an unforced one can be kept side by side on one instance (warm-min-power.ts).
    super(forcing ? { ...inst, segDem: Float64Array.from(inst.need) } : inst, forcing ? { lb: new Float64Array(inst.V * inst.T) } : {});
    this.dirty = new Uint8Array(inst.V).fill(1);
    this.forcedLoad = forcing ? new Float64Array(inst.nNodes * inst.T) : undefined;
    this.index = new IndexPatch(this.inst);
  }

  protected override change(v: number, t: number, d: number): void {
    this.dirty[v] = 1;
    super.change(v, t, d);
  }

  /** The cold solve: the plain greedy from nothing (FlowSolver.run), keeping the state. */
  solveCold(): Float64Array {
    return this.run().x;
  }

  /** Takes vehicle v out: its energy, then its slots (its flags and counters go back to zero). */
  clearVehicle(v: number): void {
    const { inst, T, x } = this;
    const a = inst.from[v]!;
    const b = inst.to[v]!;
    for (let t = a; t < b; t++) this.unforce(v, t);
    for (let t = a; t < b; t++) {
      const e = x[v * T + t]!;
      if (e !== 0) this.change(v, t, -e);
      x[v * T + t] = 0;
    }
    for (let t = a; t < b; t++) {
      this.cap[v * T + t] = 0;
      this.refresh(v, t);
    }
    this.f[inst.segOff[v]!] = 0;
    this.g[v] = 0;
    inst.from[v] = 0;
    inst.to[v] = 0;
    inst.need[v] = 0;
    inst.segEnd[inst.segOff[v]!] = 0;
    inst.segDem[inst.segOff[v]!] = 0;
    inst.ids[v] = "";
    this.dirty[v] = 1;
  }

  /** Puts a (cleared) vehicle v back with a new row; its energy arrives in the next reoptimize. */
  setVehicle(v: number, row: VehicleRow, sameSlots: boolean): void {
    const { inst, T } = this;
    inst.ids[v] = row.id;
    inst.from[v] = row.from;
    inst.to[v] = Math.max(row.from, row.to);
    inst.node[v] = row.node;
    inst.cls[v] = row.cls;
    inst.need[v] = row.need;
    inst.segEnd[inst.segOff[v]!] = inst.to[v]!;
    inst.segDem[inst.segOff[v]!] = row.need;
    for (let t = row.from; t < row.to; t++) {
      this.cap[v * T + t] = row.capAt(t);
      this.refresh(v, t);
    }
    this.dirty[v] = 1;
    if (!sameSlots) this.indexStale = true;
  }

  /** Sets vehicle v's cap in slot t; what it draws there above the new cap becomes supply again. */
  setCap(v: number, t: number, c: number): void {
    const i = v * this.T + t;
    this.unforce(v, t); // the slot's cap or minimum moved: a forced minimum there is stale
    this.cap[i] = c;
    const e = this.x[i]!;
    if (e > c) this.giveBack(v, t, e - c);
    else this.refresh(v, t);
  }

  /** Empties slot t (its limits fell below its load): every vehicle's energy there becomes supply again. */
  clearSlot(t: number): void {
    const { inst, T, x } = this;
    for (let v = 0; v < this.V; v++) {
      if (inst.from[v]! > t || t >= inst.to[v]!) continue;
      this.unforce(v, t);
      if (x[v * T + t]! !== 0) this.giveBack(v, t, x[v * T + t]!);
    }
  }

  /** Vehicle v now needs `need` (it drew energy since): what it has beyond that goes, dearest slots first. */
  setNeed(v: number, need: number): void {
    const { inst, T, x } = this;
    const seg = inst.segOff[v]!;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) this.unforce(v, t);
    inst.need[v] = need;
    inst.segDem[seg] = need;
    let over = this.f[seg]! - need;
    for (let i = T - 1; i >= 0 && over > 0; i--) {
      const t = inst.order[i]!;
      if (t < inst.from[v]! || t >= inst.to[v]!) continue;
      const d = Math.min(x[v * T + t]!, over);
      if (d > 0) this.giveBack(v, t, d), (over -= d);
    }
  }

  /**
   * Forces at least e (a minimum) into (v, t) as a lower bound, as min-power.ts's re-solve does: where the limits
   * leave no room, the other cars drawing there give it up (it becomes their supply again); v gives up as much of
   * its dearest other energy; what still exceeds its need raises its demand in the flow (the car draws its need and
   * stops: the rounding trims it). The caller re-optimises (reoptimize), which keeps every lower bound.
   */
  force(v: number, t: number, e: number): void {
    const { inst, T, x } = this;
    const lb = this.lb!;
    const i = v * T + t;
    if (lb[i]! > 0) this.unforce(v, t);
    lb[i] = e;
    this.forcedCount++;
    for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) this.forcedLoad![a * T + t]! += e;
    const d = e - x[i]!;
    if (d <= EPS) return this.refresh(v, t);
    for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) {
      let over = this.load[a * T + t]! + d - inst.limE[a * T + t]!;
      for (let w = 0; w < this.V && over > EPS; w++) {
        if (w === v || !this.below(w, a)) continue;
        const give = Math.min(over, x[w * T + t]! - lb[w * T + t]!);
        if (give > EPS) this.giveBack(w, t, give), (over -= give);
      }
    }
    const seg = inst.segOff[v]!;
    let excess = this.f[seg]! + d - inst.segDem[seg]!;
    for (let k = T - 1; k >= 0 && excess > EPS; k--) {
      const s = inst.order[k]!;
      if (s === t || s < inst.from[v]! || s >= inst.to[v]!) continue;
      const give = Math.min(excess, x[v * T + s]! - lb[v * T + s]!);
      if (give > EPS) this.giveBack(v, s, give), (excess -= give);
    }
    if (excess > EPS) inst.segDem[seg]! += excess;
    this.change(v, t, d);
    this.f[seg]! += d;
  }

  /**
   * Before solveCold: a lower bound of e on (v, t), placed first as min-power.ts's re-solve does; the car's demand
   * rises to its forced minima where they exceed its need (min-power.ts inflated).
   */
  preset(v: number, t: number, e: number): void {
    const { inst, T } = this;
    const lb = this.lb!;
    lb[v * T + t] = e;
    this.forcedCount++;
    for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) this.forcedLoad![a * T + t]! += e;
    let sum = 0;
    for (let s = inst.from[v]!; s < inst.to[v]!; s++) sum += lb[v * T + s]!;
    const seg = inst.segOff[v]!;
    if (sum > inst.segDem[seg]!) inst.segDem[seg] = sum;
  }

  /** Lifts the lower bound of (v, t), if any; the car's demand goes back to its need (excess energy given back). */
  unforce(v: number, t: number): void {
    const lb = this.lb;
    const i = v * this.T + t;
    if (!lb || !(lb[i]! > 0)) return;
    const { inst, T } = this;
    for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) this.forcedLoad![a * T + t]! -= lb[i]!;
    lb[i] = 0;
    this.forcedCount--;
    this.refresh(v, t);
    const seg = inst.segOff[v]!;
    let dem = inst.need[v]!;
    let sum = 0;
    for (let s = inst.from[v]!; s < inst.to[v]!; s++) sum += lb[v * T + s]!;
    dem = Math.max(dem, sum);
    if (inst.segDem[seg]! <= dem) return;
    inst.segDem[seg] = dem;
    let over = this.f[seg]! - dem;
    for (let k = T - 1; k >= 0 && over > EPS; k--) {
      const s = inst.order[k]!;
      if (s < inst.from[v]! || s >= inst.to[v]!) continue;
      const give = Math.min(over, this.x[v * T + s]! - lb[v * T + s]!);
      if (give > EPS) this.giveBack(v, s, give), (over -= give);
    }
  }

  /** Lifts every lower bound (the caller re-optimises). */
  unforceAll(): void {
    if (!this.lb || this.forcedCount === 0) return;
    const { inst, T } = this;
    for (let v = 0; v < this.V; v++) for (let t = inst.from[v]!; t < inst.to[v]!; t++) this.unforce(v, t);
  }

  private below(w: number, a: number): boolean {
    for (let n = this.inst.node[w]!; n >= 0; n = this.inst.parent[n]!) if (n === a) return true;
    return false;
  }

  /** Simple vehicles only (warm.ts): their one segment's on-time energy is the sum of their energies. */
  private giveBack(v: number, t: number, d: number): void {
    const i = v * this.T + t;
    if (d >= this.x[i]!) d = this.x[i]!;
    this.change(v, t, -d);
    if (Math.abs(this.x[i]!) < 1e-12) {
      this.x[i] = 0;
      this.refresh(v, t);
    }
    const seg = this.inst.segOff[v]!;
    this.f[seg] = Math.max(0, this.f[seg]! - d);
  }

  /**
   * Patches the (node, slot) -> vehicles index after windows or circuits changed (flow-index.ts: the lists a rebuild
   * would give). False when a (node, slot) now holds more vehicles than the counters' integer type can count (the
   * caller solves cold).
   */
  reindex(): boolean {
    if (!this.indexStale) return true;
    this.indexStale = false;
    const next = this.index.patch(this.atOff, this.atVeh);
    if (!next) return true;
    [this.atOff, this.atVeh] = next;
    let most = 0;
    for (let s = 0; s + 1 < this.atOff.length; s++) most = Math.max(most, this.atOff[s + 1]! - this.atOff[s]!);
    const max = this.pairCnt instanceof Int8Array ? 127 : this.pairCnt instanceof Int16Array ? 32767 : 2 ** 31 - 1;
    return most <= max;
  }

  /** Load of node n in slot t above its (new) limit: the state is not feasible under new limits. */
  overLimit(limE: Float64Array): boolean {
    for (let i = 0; i < limE.length; i++) if (this.load[i]! > limE[i]! + 1e-7 * Math.max(1, limE[i]!)) return true;
    return false;
  }

  /** Tops up (maximum flow, class by class) and removes every improving exchange: see the file's head. */
  reoptimize(): void {
    for (let c = 0; c < this.inst.nClasses; c++) this.topUp(c);
    this.exchangePass();
  }

  /**
   * Augmenting paths from the class's undelivered supply into every slot with room, cheapest slot first, in passes
   * until one delivers nothing: a maximum flow. Unlike the cold greedy's levels it builds no candidate lists
   * (those cost O(vehicles x slots) per pass when many cars are short, for paths the counters find anyway).
   */
  private topUp(c: number): void {
    this.level = { cls: c, late: false };
    const { inst, V, T } = this;
    let free = 0;
    // The free marks stay between re-plans (the exchange pass ignores them): with hundreds of cars short, marking
    // and unmarking every one of them walked all their slots twice per re-plan. Only cars whose supply appeared or
    // ran out since the last top-up flip.
    for (let v = 0; v < V; v++) {
      const r = inst.to[v]! > inst.from[v]! ? this.residual(v) : 0;
      if (r > EPS) free += r;
      this.setFree(v, r > EPS);
    }
    this.freeLeft = free;
    for (let before = Infinity; this.freeLeft > EPS && this.freeLeft < before - EPS; ) {
      before = this.freeLeft;
      for (let i = 0; i < T && this.freeLeft > EPS; i++) this.maxFlowAt(inst.order[i]!);
    }
  }

  /** Marks in `out` every vehicle whose energies changed since the last take; clears the marks. */
  takeDirtyInto(out: Uint8Array): void {
    const d = this.dirty;
    for (let v = 0; v < d.length; v++) if (d[v]) (out[v] = 1), (d[v] = 0);
  }

  /** True when vehicle v's energies changed since the last call; clears the mark. */
  takeDirty(v: number): boolean {
    const d = this.dirty[v] === 1;
    this.dirty[v] = 0;
    return d;
  }
}
