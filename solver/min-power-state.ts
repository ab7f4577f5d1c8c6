// The state the minimum-power rounding works on (min-power-round.ts holds the moves): per car and slot the
// energy drawn (e) and the energy reserved against the limits (r: e, or the minimum in a last slot where the
// car stops early), the loads those reservations put on every node and phase row, and the checks every move
// relies on (room, validity, intermediate deadlines).
import type { Instance } from "./instance.js";

export const EPS = 1e-9;

export class CarState {
  readonly e: Float64Array;
  readonly r: Float64Array;
  protected readonly load: Float64Array;
  protected readonly phLoad: Float64Array;
  protected readonly rowsOf: { row: number; coef: number }[][];
  /** Per slot, the cars drawing in it in the relaxation: the partners move C looks at. */
  protected readonly bySlot: number[][];
  /** How many entries of each bySlot list are current (the lists are rewritten in place, never shrunk). */
  protected readonly bySlotN: Int32Array;
  /**
   * The snapshot the lists are made from (fillBySlot): per slot a bit per car drawing there, updated for the cars
   * written to since the last snapshot (a warm update writes to tens of cars, not 1,000 x 96 energies), and the
   * snapshot each slot's list was last made from (partnersAt makes it when asked).
   */
  private readonly drawBits: Int32Array;
  private readonly carWords: number;
  private snapVer = -1;
  private snap = 0;
  private readonly listAt: Int32Array;
  /** Price plus an infinitesimal rank term: the same tie-break as the relaxation. */
  protected readonly key: Float64Array;
  /**
   * Fractional slots (v * T + t) that this rounding could only resolve at a cost (energy moved to a dearer
   * slot, or dropped) while the car's cap holds its minimum there: candidates to force in the next round.
   */
  readonly suggested: number[] = [];
  /** The current car's intermediate deadlines and the energy due before each (kept from the relaxation). */
  protected dl: number[] = [];
  protected req: number[] = [];
  /**
   * Bumped by every write to energies, reservations or loads (trial moves included): a result remembered at one
   * version holds as long as the version has not moved (min-power-round.ts's repair flow).
   */
  protected ver = 0;
  /** The version of the last write to each car's energies or reservations, and of the last change of caps. */
  protected readonly wrote: Float64Array;
  protected epoch = 0;

  constructor(
    readonly inst: Instance,
    readonly cap: Float64Array,
    x0: Float64Array,
  ) {
    const { T, V, nNodes } = inst;
    this.wrote = new Float64Array(V);
    this.r = new Float64Array(V * T);
    this.e = new Float64Array(V * T);
    this.load = new Float64Array(nNodes * T);
    this.phLoad = new Float64Array(inst.phaseRows.length * T);
    this.rowsOf = Array.from({ length: V }, () => []);
    inst.phaseRows.forEach((pr, row) => pr.vehicles.forEach((v, i) => this.rowsOf[v]!.push({ row, coef: pr.coef[i]! })));
    this.bySlot = Array.from({ length: T }, () => []);
    this.bySlotN = new Int32Array(T);
    this.carWords = (V + 31) >>> 5;
    this.drawBits = new Int32Array(T * this.carWords);
    this.listAt = new Int32Array(T);
    this.key = new Float64Array(T);
    this.start(x0);
  }

  /** The state of relaxation x0, unrounded (warm-round.ts starts a kept object again from a new relaxation). */
  protected start(x0: Float64Array): void {
    const { inst } = this;
    const { T, V, parent, node } = inst;
    this.r.set(x0);
    this.e.set(x0);
    // x0 may hold forced minima beyond the need (min-power.ts, inflated): the car draws its need in time
    // order and stops; the minimum stays reserved in the slot where it stops.
    for (let v = 0; v < V; v++) {
      let left = inst.need[v]!;
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
        const i = v * T + t;
        const take = Math.min(this.e[i]!, Math.max(0, left));
        left -= take;
        this.e[i] = take;
      }
    }
    this.load.fill(0);
    this.phLoad.fill(0);
    for (let v = 0; v < V; v++) {
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
        const x = x0[v * T + t]!;
        if (x === 0) continue;
        for (let a = node[v]!; a >= 0; a = parent[a]!) this.load[a * T + t]! += x;
        for (const { row, coef } of this.rowsOf[v]!) this.phLoad[row * T + t]! += coef * x;
      }
    }
    this.snapVer = -1; // every car's energies are new
    this.fillBySlot();
    let scale = 1;
    for (let t = 0; t < T; t++) scale = Math.max(scale, Math.abs(inst.price[t]!));
    for (let t = 0; t < T; t++) this.key[t] = inst.price[t]! + (1e-9 * scale * inst.rank[t]!) / T;
    this.suggested.length = 0;
    this.dl = [];
    this.req = [];
    this.touchAll();
  }

  /** The cars drawing in each slot now become the partners per slot (partnersAt). */
  protected fillBySlot(): void {
    const { T, V, from, to } = this.inst;
    const bits = this.drawBits;
    const W = this.carWords;
    const all = this.snapVer < 0;
    if (all) bits.fill(0);
    for (let v = 0; v < V; v++) {
      if (!all && !(this.wrote[v]! > this.snapVer)) continue;
      const k = v >>> 5;
      const b = 1 << (v & 31);
      if (!all) for (let t = 0; t < T; t++) bits[t * W + k]! &= ~b;
      for (let t = from[v]!; t < to[v]!; t++) if (this.e[v * T + t]! > EPS) bits[t * W + k]! |= b;
    }
    this.snapVer = this.ver;
    this.snap++;
  }

  /** The cars drawing in slot t at the last fillBySlot, ascending (bySlot[t], bySlotN[t] of them). */
  protected partnersAt(t: number): number[] {
    const list = this.bySlot[t]!;
    if (this.listAt[t] === this.snap) return list;
    this.listAt[t] = this.snap;
    const W = this.carWords;
    let n = 0;
    for (let k = 0; k < W; k++) {
      let bits = this.drawBits[t * W + k]!;
      while (bits !== 0) {
        list[n++] = (k << 5) + 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
      }
    }
    this.bySlotN[t] = n;
    return list;
  }

  /** Car v's energies or reservations are about to change (or did). */
  protected touch(v: number): void {
    this.wrote[v] = ++this.ver;
  }

  /** Caps, minima or the partners per slot changed: everything remembered per car is stale. */
  protected touchAll(): void {
    this.epoch = ++this.ver;
  }

  /** The partners per slot (or anything but caps and the cars' own plans) changed: what is remembered per version is stale. */
  protected listsMoved(): void {
    ++this.ver;
  }

  protected hasMin(v: number): boolean {
    const { T } = this.inst;
    for (let t = this.inst.from[v]!; t < this.inst.to[v]!; t++) if (this.inst.minE[v * T + t]! > 0) return true;
    return false;
  }

  /** The most v may reserve in slot t: its cap, and what the others leave under every limit. */
  protected u(v: number, t: number): number {
    const { inst } = this;
    const { T } = inst;
    const i = v * T + t;
    let free = Infinity;
    for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) free = Math.min(free, inst.limE[a * T + t]! - this.load[a * T + t]!);
    for (const { row, coef } of this.rowsOf[v]!) free = Math.min(free, (inst.phaseRows[row]!.rhsE - this.phLoad[row * T + t]!) / coef);
    return Math.min(this.cap[i]!, this.r[i]! + free);
  }

  protected usable(v: number, t: number): boolean {
    const m = this.inst.minE[v * this.inst.T + t]!;
    return this.u(v, t) >= Math.max(m, EPS) - EPS;
  }

  /** The car's last charging slot other than `skip`, or -1. */
  protected last(v: number, skip = -1): number {
    const { T } = this.inst;
    for (let t = this.inst.to[v]! - 1; t >= this.inst.from[v]!; t--) if (t !== skip && this.e[v * T + t]! > EPS) return t;
    return -1;
  }

  /** Reservations follow the energies: the minimum in a last slot that draws less, else the energy. */
  protected reserveCar(v: number, pass: "down" | "up" | "both" = "both"): void {
    const { inst } = this;
    const { T } = inst;
    const L = this.last(v);
    this.touch(v);
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
      const i = v * T + t;
      if (this.e[i]! <= EPS) this.e[i] = 0;
      // The minimum is reserved only where it fits; otherwise the slot stays fractional and roundCar moves it.
      const want = t === L && this.e[i]! > 0 && this.u(v, t) >= inst.minE[i]! - EPS ? Math.max(this.e[i]!, inst.minE[i]!) : this.e[i]!;
      const d = want - this.r[i]!;
      if (d === 0 || (pass === "down" && d > 0) || (pass === "up" && d < 0)) continue;
      this.r[i] = want;
      for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) this.load[a * T + t]! += d;
      for (const { row, coef } of this.rowsOf[v]!) this.phLoad[row * T + t]! += coef * d;
    }
  }

  protected before(v: number, s: number): number {
    const { T } = this.inst;
    let sum = 0;
    for (let t = this.inst.from[v]!; t < s; t++) sum += this.e[v * T + t]!;
    return sum;
  }

  protected setDeadlines(v: number, fromRelaxation: boolean): void {
    const { inst } = this;
    this.dl = [];
    this.req = [];
    let cum = 0;
    for (let k = inst.segOff[v]!; k < inst.segOff[v + 1]! - 1; k++) {
      cum += inst.segDem[k]!;
      this.dl.push(inst.segEnd[k]!);
      this.req.push(fromRelaxation ? Math.min(cum, this.before(v, inst.segEnd[k]!)) : cum);
    }
  }

  protected slacks(v: number): number[] {
    const out = new Array<number>(this.dl.length);
    for (let j = 0; j < this.dl.length; j++) out[j] = this.before(v, this.dl[j]!) - this.req[j]!;
    return out;
  }

  /** How much of `a` may move from slot `from` to slot `to` without a deadline between them losing energy. */
  protected capMove(sl: number[], from: number, to: number, a: number): number {
    if (to <= from) return a;
    let c = a;
    for (let j = 0; j < this.dl.length; j++) {
      const s = this.dl[j]!;
      if (s > from && s <= to) c = Math.min(c, sl[j]!);
    }
    return Math.max(0, c);
  }

  protected applyMove(sl: number[], from: number, to: number, a: number): void {
    for (let j = 0; j < this.dl.length; j++) {
      const s = this.dl[j]!;
      if (to > from && s > from && s <= to) sl[j]! -= a;
      else if (to < from && s > to && s <= from) sl[j]! += a;
    }
  }

  protected violating(v: number, t: number, L: number): boolean {
    const i = v * this.inst.T + t;
    const x = this.e[i]!;
    const m = this.inst.minE[i]!;
    if (!(x > EPS) || !(x < m - EPS)) return false;
    return t !== L || this.u(v, t) < m - EPS;
  }

  protected mayHold(x: number, min: number, mayBeLast: boolean): boolean {
    return x <= EPS || x >= min - EPS || mayBeLast;
  }

  protected exchange(v: number, w: number, m: number, t: number, d: number): void {
    const { T } = this.inst;
    this.touch(v);
    this.touch(w);
    this.e[v * T + m]! += d;
    this.e[v * T + t]! -= d;
    this.e[w * T + m]! -= d;
    this.e[w * T + t]! += d;
  }

  /** Every charging slot at its minimum, except the last, which needs room for the minimum's reservation. */
  protected validCar(c: number): boolean {
    return this.validAt(c, undefined);
  }

  /** validCar for the given slots (and the car's last slot) only. */
  protected validAt(c: number, slots: number[] | undefined): boolean {
    const { inst } = this;
    const L = this.last(c);
    if (!slots) {
      for (let t = inst.from[c]!; t < inst.to[c]!; t++) if (!this.validSlot(c, t, L)) return false;
      return true;
    }
    for (let k = 0; k < slots.length; k++) if (slots[k]! >= 0 && !this.validSlot(c, slots[k]!, L)) return false;
    return L < 0 || this.validSlot(c, L, L);
  }

  /** Slot t of car c holds nothing, at least its minimum, or is the last slot L with room for the minimum. */
  private validSlot(c: number, t: number, L: number): boolean {
    const { inst } = this;
    const i = c * inst.T + t;
    const x = this.e[i]!;
    if (x < -EPS) return false;
    if (x <= EPS || x >= inst.minE[i]! - EPS) return true;
    return t === L && Math.max(this.r[i]!, this.u(c, t)) >= inst.minE[i]! - EPS;
  }

  /** v takes d more in m and w d more in t: the nodes only one of them loads need that much room. */
  protected pathsAllow(v: number, w: number, m: number, t: number, d: number): boolean {
    const { inst } = this;
    const { T } = inst;
    for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) {
      if (!this.onPath(a, inst.node[w]!) && inst.limE[a * T + m]! - this.load[a * T + m]! < d - EPS) return false;
    }
    for (let a = inst.node[w]!; a >= 0; a = inst.parent[a]!) {
      if (!this.onPath(a, inst.node[v]!) && inst.limE[a * T + t]! - this.load[a * T + t]! < d - EPS) return false;
    }
    return this.rowsOf[v]!.length === 0 && this.rowsOf[w]!.length === 0;
  }

  /** Whether node n is on the path from a0 up to the site. */
  protected onPath(n: number, a0: number): boolean {
    for (let a = a0; a >= 0; a = this.inst.parent[a]!) if (a === n) return true;
    return false;
  }
}
