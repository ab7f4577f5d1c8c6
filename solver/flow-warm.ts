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

  constructor(inst: Instance) {
    super(inst, {});
    this.dirty = new Uint8Array(inst.V).fill(1);
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
    this.cap[i] = c;
    const e = this.x[i]!;
    if (e > c) this.giveBack(v, t, e - c);
    else this.refresh(v, t);
  }

  /** Empties slot t (its limits fell below its load): every vehicle's energy there becomes supply again. */
  clearSlot(t: number): void {
    const { inst, T, x } = this;
    for (let v = 0; v < this.V; v++) if (inst.from[v]! <= t && t < inst.to[v]! && x[v * T + t]! !== 0) this.giveBack(v, t, x[v * T + t]!);
  }

  /** Vehicle v now needs `need` (it drew energy since): what it has beyond that goes, dearest slots first. */
  setNeed(v: number, need: number): void {
    const { inst, T, x } = this;
    const seg = inst.segOff[v]!;
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
   * Rebuilds the (node, slot) -> vehicles index after windows or circuits changed. False when a (node, slot) now
   * holds more vehicles than the counters' integer type can count (the caller solves cold).
   */
  reindex(): boolean {
    if (!this.indexStale) return true;
    this.indexStale = false;
    [this.atOff, this.atVeh] = this.byNodeSlot(() => true);
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
    for (let v = 0; v < V; v++) {
      const r = inst.to[v]! > inst.from[v]! ? this.residual(v) : 0;
      if (r > EPS) (free += r), this.setFree(v, true);
    }
    this.freeLeft = free;
    for (let before = Infinity; this.freeLeft > EPS && this.freeLeft < before - EPS; ) {
      before = this.freeLeft;
      for (let i = 0; i < T && this.freeLeft > EPS; i++) this.maxFlowAt(inst.order[i]!);
    }
    for (let v = 0; v < V; v++) if (this.isFree[v]) this.setFree(v, false);
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
