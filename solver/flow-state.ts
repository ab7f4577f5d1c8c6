// The flow's state (flow.ts explains the algorithm): per (vehicle, slot) energies and the flags and counters
// the search reads, per node and slot the loads, and the small helpers every augmentation uses. Every change
// of an energy goes through change(), which keeps loads, flags and counters consistent.
import type { Instance } from "./instance.js";

export const EPS = 1e-9;

type Counts = Int8Array | Int16Array | Int32Array;

export interface FlowOptions {
  /** Energy forced into a slot before optimising (the min-power rounding in min-power.ts). */
  lb?: Float64Array;
  /** Caps to use instead of inst.cap (a slot forced to 0 has cap 0). */
  cap?: Float64Array;
  /**
   * Warm start: a feasible plan (within caps, windows, limits and needs) of a problem that differs in a
   * few vehicles, e.g. the previous plan after one change. Only for problems without intermediate targets
   * and minimum power. The solver tops it up with the missing energy and then removes every improving
   * exchange (see exchangePass); the caller must fall back to a cold solve if energy is left undelivered.
   */
  initial?: Float64Array;
}

export interface FlowResult {
  x: Float64Array;
  /** On-time energy per segment (delivered before the segment's deadline). */
  f: Float64Array;
  /** Per vehicle: energy of intermediate segments delivered after their deadline. */
  g: Float64Array;
  /** Augmenting paths of length > 1 that were applied (how much the greedy had to re-route). */
  reroutes: number;
  /**
   * True when a class with intermediate targets could not get all its energy on time. Late energy, and
   * the exact late level may trade one vehicle's on-time energy for another's (an arc cost inside
   * the network, which this greedy does not model): the caller re-solves such problems with an LP.
   */
  lateTradeoff: boolean;
}


export class FlowState {
  readonly T: number;
  readonly V: number;
  readonly cap: Float64Array;
  readonly lb: Float64Array | undefined;
  readonly x: Float64Array;
  readonly f: Float64Array;
  readonly g: Float64Array;
  readonly load: Float64Array;
  readonly simple: Uint8Array;
  // (node, slot) -> vehicles hanging on that node and available in that slot, CSR; the same for the
  // vehicles with intermediate targets only.
  atOff: Int32Array;
  atVeh: Int32Array;
  readonly cxOff: Int32Array;
  readonly cxVeh: Int32Array;
  readonly childOff: Int32Array;
  readonly child: Int32Array;
  // Flags per (vehicle, slot) and the counters built on them (simple vehicles only).
  readonly sp: Uint8Array; // can draw more: cap - x > EPS
  readonly en: Uint8Array; // can give up energy: x - lb > EPS
  readonly spBits: Int32Array; // the same per vehicle as bit sets over slots (v * W + word), simple vehicles only
  readonly enBits: Int32Array;
  readonly isFree: Uint8Array;
  // Counted per (node, t, t2) in tiles of 4 x 4 slots (one cache line), since a flag flip walks either t2 (draw
  // more in t) or t (give up in t2): either way the counters it bumps share tiles (see pairAt).
  readonly pairCnt: Counts;
  private readonly TB: number;
  // The same as bit sets over t2 (W words of 32 slots), and the set of slots visited per node in the
  // current search, so a state finds its unvisited successors a word at a time instead of slot by slot.
  readonly W: number;
  readonly pairMask: Int32Array; // (node * T + t) * W + word
  readonly seen: Int32Array; // node * W + word
  readonly freeCnt: Int32Array; // node * T + t
  readonly freeSub: Int32Array; // the same summed over the node's subtree: where free supply lies below
  readonly cursor: Counts; // where pickMover last found a vehicle for ((node * T + t) * T + t2)
  // Search scratch, reset by bumping a stamp instead of clearing.
  stamp = 0;
  readonly stStamp: Int32Array;
  readonly queue: Int32Array;
  readonly slack: Float64Array;
  level = { cls: 0, late: false };
  chosenSeg = -1;
  reroutes = 0;
  /** Supply of the current level not yet delivered: once it is gone, searches are pointless. */
  freeLeft = 0;
  /** In the exchange pass a path starts at a vehicle giving up energy in a dearer slot, not at free supply. */
  protected exchanging = false;
  protected tauRank = 0;
  protected exFrom = -1;

  constructor(
    readonly inst: Instance,
    readonly opts: FlowOptions,
  ) {
    const { T, V, nNodes } = inst;
    this.T = T;
    this.V = V;
    this.cap = opts.cap ?? inst.cap;
    this.lb = opts.lb;
    this.x = new Float64Array(V * T);
    this.f = new Float64Array(inst.segDem.length);
    this.g = new Float64Array(V);
    this.load = new Float64Array(nNodes * T);
    this.simple = new Uint8Array(V);
    for (let v = 0; v < V; v++) this.simple[v] = inst.segOff[v + 1]! - inst.segOff[v]! === 1 ? 1 : 0;
    [this.atOff, this.atVeh] = this.byNodeSlot(() => true);
    [this.cxOff, this.cxVeh] = this.byNodeSlot((v) => this.simple[v] === 0);
    const cc = new Int32Array(nNodes + 1);
    for (let n = 1; n < nNodes; n++) cc[inst.parent[n]! + 1]!++;
    for (let n = 0; n < nNodes; n++) cc[n + 1]! += cc[n]!;
    this.childOff = cc.slice();
    this.child = new Int32Array(Math.max(0, nNodes - 1));
    for (let n = 1; n < nNodes; n++) this.child[cc[inst.parent[n]!]!++] = n;
    this.sp = new Uint8Array(V * T);
    this.en = new Uint8Array(V * T);
    this.isFree = new Uint8Array(V);
    this.TB = (T + 3) >>> 2;
    this.W = (T + 31) >>> 5;
    this.spBits = new Int32Array(V * this.W);
    this.enBits = new Int32Array(V * this.W);
    this.pairMask = new Int32Array(nNodes * T * this.W);
    this.seen = new Int32Array(nNodes * this.W);
    this.freeCnt = new Int32Array(nNodes * T);
    this.freeSub = new Int32Array(nNodes * T);
    // Counters and cursors never exceed the vehicles on one (node, slot): the narrowest integer type that holds
    // that keeps the two nodes x T x T arrays small (10,000 cars on 400 circuits: 3.7 MB each instead of 15 MB),
    // and the counters' upkeep is mostly cache misses.
    let most = 0;
    for (let s = 0; s < nNodes * T; s++) most = Math.max(most, this.atOff[s + 1]! - this.atOff[s]!);
    const Counter = most < 128 ? Int8Array : most < 32768 ? Int16Array : Int32Array;
    this.pairCnt = new Counter(nNodes * this.TB * this.TB * 16);
    this.cursor = new Counter(nNodes * T * T);
    this.stStamp = new Int32Array(nNodes * T);
    this.queue = new Int32Array(nNodes * T);
    let maxSeg = 1;
    for (let v = 0; v < V; v++) maxSeg = Math.max(maxSeg, inst.segOff[v + 1]! - inst.segOff[v]!);
    this.slack = new Float64Array(maxSeg);
  }

  protected byNodeSlot(keep: (v: number) => boolean): [Int32Array, Int32Array] {
    const { inst, T, V } = this;
    const cnt = new Int32Array(inst.nNodes * T + 1);
    for (let v = 0; v < V; v++) if (keep(v)) for (let t = inst.from[v]!; t < inst.to[v]!; t++) cnt[inst.node[v]! * T + t + 1]!++;
    for (let i = 0; i < inst.nNodes * T; i++) cnt[i + 1]! += cnt[i]!;
    const off = cnt.slice();
    const list = new Int32Array(cnt[inst.nNodes * T]!);
    for (let v = 0; v < V; v++) if (keep(v)) for (let t = inst.from[v]!; t < inst.to[v]!; t++) list[cnt[inst.node[v]! * T + t]!++] = v;
    return [off, list];
  }

  /** The one place x changes: loads up the tree, then the flags and counters of (v, t). */
  protected change(v: number, t: number, d: number): void {
    this.x[v * this.T + t]! += d;
    const { parent } = this.inst;
    for (let a = this.inst.node[v]!; a >= 0; a = parent[a]!) this.load[a * this.T + t]! += d;
    this.refresh(v, t);
  }

  protected refresh(v: number, t: number): void {
    const { T, inst, W } = this;
    const i = v * T + t;
    const sp = this.cap[i]! - this.x[i]! > EPS ? 1 : 0;
    const en = this.x[i]! - (this.lb ? this.lb[i]! : 0) > EPS ? 1 : 0;
    if (this.simple[v] === 0) {
      this.sp[i] = sp;
      this.en[i] = en;
      return;
    }
    const n = inst.node[v]!;
    const vb = v * W;
    const tw = t >>> 5;
    const tb = 1 << (t & 31);
    // The vehicle's flags as bit sets: a flip bumps the counters of the slots whose other flag is set. The counter
    // of (n, t1, t2) sits at tile ((n * TB + t1 / 4) * TB + t2 / 4) * 16 + (t1 % 4) * 4 + t2 % 4 (see pairAt), and
    // its bit at pairMask[(n * T + t1) * W + t2 / 32]; both are computed inline (this loop is the hottest of the
    // cold solve: ~11 million bumps at 10,000 cars).
    const TB = this.TB;
    const cnt = this.pairCnt;
    const mask = this.pairMask;
    if (sp !== this.sp[i]) {
      this.sp[i] = sp;
      this.spBits[vb + tw]! ^= tb;
      const dlt = sp ? 1 : -1;
      const rowTile = (n * TB + (t >>> 2)) * TB;
      const rowIn = (t & 3) << 2;
      const mrow = (n * T + t) * W;
      for (let k = 0; k < W; k++) {
        let bits = this.enBits[vb + k]!;
        if (k === tw) bits &= ~tb;
        while (bits !== 0) {
          const low = bits & -bits;
          const t2 = (k << 5) + 31 - Math.clz32(low);
          bits &= bits - 1;
          const c = (cnt[((rowTile + (t2 >>> 2)) << 4) + rowIn + (t2 & 3)]! += dlt);
          if (c === 0) mask[mrow + k]! &= ~low;
          else if (c === 1 && dlt > 0) mask[mrow + k]! |= low;
        }
      }
      if (this.isFree[v]) this.countFree(n, t, dlt);
    }
    if (en !== this.en[i]) {
      this.en[i] = en;
      this.enBits[vb + tw]! ^= tb;
      const dlt = en ? 1 : -1;
      const colTile = t >>> 2;
      const colIn = t & 3;
      const nb = n * TB;
      const mcol = n * T * W + tw;
      for (let k = 0; k < W; k++) {
        let bits = this.spBits[vb + k]!;
        if (k === tw) bits &= ~tb;
        while (bits !== 0) {
          const t1 = (k << 5) + 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          const c = (cnt[(((nb + (t1 >>> 2)) * TB + colTile) << 4) + ((t1 & 3) << 2) + colIn]! += dlt);
          if (c === 0) mask[mcol + t1 * W]! &= ~tb;
          else if (c === 1 && dlt > 0) mask[mcol + t1 * W]! |= tb;
        }
      }
    }
  }

  /** Index of the counter of (node n, slot t, slot t2) in its 4 x 4 tile. */
  protected pairAt(n: number, t: number, t2: number): number {
    const TB = this.TB;
    return (((n * TB + (t >>> 2)) * TB + (t2 >>> 2)) << 4) + ((t & 3) << 2) + (t2 & 3);
  }

  protected markSeen(state: number): void {
    const n = (state / this.T) | 0;
    const t = state - n * this.T;
    this.seen[n * this.W + (t >>> 5)]! |= 1 << (t & 31);
  }

  protected setFree(v: number, free: boolean): void {
    const want = free ? 1 : 0;
    if (this.simple[v] === 0 || this.isFree[v] === want) return;
    this.isFree[v] = want;
    const { T, inst } = this;
    const n = inst.node[v]!;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) if (this.sp[v * T + t]) this.countFree(n, t, free ? 1 : -1);
  }

  protected countFree(n: number, t: number, dlt: number): void {
    this.freeCnt[n * this.T + t]! += dlt;
    for (let a = n; a >= 0; a = this.inst.parent[a]!) this.freeSub[a * this.T + t]! += dlt;
  }

  protected room(n: number, t: number): number {
    const i = n * this.T + t;
    return this.inst.limE[i]! - this.load[i]!;
  }

  protected pathRoom(n: number, t: number): number {
    let r = Infinity;
    for (let a = n; a >= 0; a = this.inst.parent[a]!) r = Math.min(r, this.room(a, t));
    return r;
  }

  /**
   * A simple vehicle on node n that can draw more in t and give up energy in t2. The scan resumes where
   * the last pick for this (n, t, t2) stopped, so repeated augmentations over one edge cost amortised O(1).
   */
  protected pickMover(n: number, t: number, t2: number): number {
    const { T } = this;
    const lo = this.atOff[n * T + t]!;
    const len = this.atOff[n * T + t + 1]! - lo;
    const ci = (n * T + t) * T + t2;
    const start = this.cursor[ci]!;
    for (let k = 0; k < len; k++) {
      const j = (start + k) % len;
      const w = this.atVeh[lo + j]!;
      if (!this.simple[w] || !this.sp[w * T + t] || !this.en[w * T + t2]) continue;
      this.cursor[ci] = j;
      return w;
    }
    return -1;
  }

  /** slack[j] = X(s_j) - sum_{i<=j} f_i for the vehicle's intermediate segments j (0-based within v). */
  protected computeSlacks(v: number): void {
    const { inst, T, x, f, slack } = this;
    const k0 = inst.segOff[v]!;
    const K = inst.segOff[v + 1]! - k0;
    let X = 0;
    let t = inst.from[v]!;
    let F = 0;
    for (let j = 0; j < K - 1; j++) {
      const s = inst.segEnd[k0 + j]!;
      for (; t < s; t++) X += x[v * T + t]!;
      F += f[k0 + j]!;
      slack[j] = X - F;
    }
  }

  /** All supply of the current level that vehicle v has not received yet. */
  protected residual(v: number): number {
    const { inst } = this;
    if (inst.cls[v] !== this.level.cls) return 0;
    const k0 = inst.segOff[v]!;
    const K = inst.segOff[v + 1]! - k0;
    let r = this.level.late ? -this.g[v]! : 0;
    for (let k = 0; k < K; k++) {
      if (this.level.late && k === K - 1) break;
      r += inst.segDem[k0 + k]! - this.f[k0 + k]!;
    }
    return Math.max(0, r);
  }

  /** How much new supply of the current level vehicle v can take in slot t (before caps and circuits). */
  protected absorb(v: number, t: number): number {
    const { inst } = this;
    this.chosenSeg = -1;
    if (inst.cls[v] !== this.level.cls) return 0;
    const k0 = inst.segOff[v]!;
    const K = inst.segOff[v + 1]! - k0;
    if (this.level.late) return this.residual(v);
    if (K === 1) {
      this.chosenSeg = k0;
      return inst.segDem[k0]! - this.f[k0]!;
    }
    this.computeSlacks(v);
    // Supply of segment k placed in t passes every segment j >= k already due by t: their slack bounds it.
    let best = 0;
    for (let k = 0; k < K; k++) {
      let r = inst.segDem[k0 + k]! - this.f[k0 + k]!;
      if (r <= EPS) continue;
      for (let j = k; j < K - 1 && inst.segEnd[k0 + j]! <= t; j++) r = Math.min(r, this.slack[j]!);
      if (r > best) (best = r), (this.chosenSeg = k0 + k);
    }
    return best;
  }

  /** How much of v's energy can move from slot t1 to slot t2 without breaking its segments. */
  protected moveCap(v: number, t1: number, t2: number): number {
    const { inst, T } = this;
    let r = this.x[v * T + t1]! - (this.lb ? this.lb[v * T + t1]! : 0);
    if (t2 < t1 || r <= EPS || this.simple[v]) return r;
    const k0 = inst.segOff[v]!;
    const K = inst.segOff[v + 1]! - k0;
    this.computeSlacks(v);
    for (let j = 0; j < K - 1; j++) {
      const s = inst.segEnd[k0 + j]!;
      if (s > t1 && s <= t2) r = Math.min(r, this.slack[j]!);
    }
    return r;
  }

  /** Books d of new supply (current level) to v in slot t. absorb() must have just chosen the segment. */
  protected take(v: number, t: number, d: number): void {
    this.freeLeft -= d;
    if (this.level.late) this.g[v]! += d;
    else this.f[this.chosenSeg]! += d;
    this.change(v, t, d);
    if (this.isFree[v] && this.residual(v) <= EPS) this.setFree(v, false);
  }
}
