// The exact fast path: a min-cost flow solved by successive shortest paths, specialised to this network.
//
// Network. source -> segment (v,k) [cap = segment demand] -> vehicle-slot (v,t) for t before the segment's
// deadline [cap = vehicle's energy cap in t] -> its circuit at t -> ... -> site at t [cap = limits] -> sink.
// Only two kinds of arcs carry cost: source arcs carry -M_level (a huge reward for delivering, one M per
// lexicographic level: priority class x on-time/late) and the site->sink arc of slot t carries price[t]
// (plus an infinitesimal tie-break: earlier or later slots first). Every other arc is free.
//
// Why a greedy over (level, slot by price) is exact. A simple source->sink path starts with one source
// arc and ends with one sink arc, so its cost is -M_level + price[t]: the shortest augmenting path is the
// highest level that can still reach the cheapest reachable slot. Successive shortest paths never lowers
// the s-t distance (the potentials argument), so once no path joins level l to slot t, none ever will.
// Processing (level, slot) pairs in that order and pushing a maximum flow for each pair (augmenting paths
// that re-route energy already placed in cheaper slots) is therefore exactly SSP, which ends with a
// min-cost maximum flow: the lexicographic optimum (deliver the most by level, then the cheapest, then
// the tie-break). Seen from the slots, this is the greedy algorithm on the polymatroid of feasible slot-load
// vectors (rank function = max flow into a slot set): raising slots to their maximum in price order gives
// a min-cost base, the exchange argument of matroid greedy.
//
// Compression. The search never materialises the network. A vehicle's segment nodes are summarised by
// "slacks": with nested deadlines s_1 < ... < s_K, segment flows f_k fit inside the vehicle's per-slot
// energies x iff sum_{j<=k} f_j <= X(s_k) for every k (Hall's condition for nested windows, X = prefix sum
// of x). So a vehicle can move energy earlier freely, later only through slack, and absorb new supply of
// segment k in slot t only through the slacks of segments k.. due by t. Circuit nodes are states (t, node).
import type { Instance } from "./instance.js";

const EPS = 1e-9;

export interface FlowOptions {
  /** Energy forced into a slot before optimising (the min-power rounding in min-power.ts). */
  lb?: Float64Array;
  /** Caps to use instead of inst.cap (a slot forced to 0 has cap 0). */
  cap?: Float64Array;
  /** A previous plan's energies: filled first. It only orders the work; the result is the same optimum. */
  hint?: Float64Array;
}

export interface FlowResult {
  x: Float64Array;
  /** On-time energy per segment (delivered before the segment's deadline). */
  f: Float64Array;
  /** Per vehicle: energy of intermediate segments delivered after their deadline. */
  g: Float64Array;
  /** Augmenting-path searches that found a re-routing path (a measure of how much the greedy re-routes). */
  reroutes: number;
  /**
   * True when a class with intermediate targets could not get all its energy on time. Late energy, and
   * the exact late level may trade one vehicle's on-time energy for another's (an arc cost inside
   * the network, which this greedy does not model): the caller re-solves such problems with an LP.
   */
  lateTradeoff: boolean;
}

export function solveFlow(inst: Instance, opts: FlowOptions = {}): FlowResult {
  return new FlowSolver(inst, opts).run();
}

class FlowSolver {
  readonly T: number;
  readonly V: number;
  readonly cap: Float64Array;
  readonly lb: Float64Array | undefined;
  readonly x: Float64Array;
  readonly f: Float64Array;
  readonly g: Float64Array;
  readonly load: Float64Array;
  // (node, slot) -> vehicles hanging on that node and available in that slot, CSR.
  readonly atOff: Int32Array;
  readonly atVeh: Int32Array;
  readonly childOff: Int32Array;
  readonly child: Int32Array;
  // Search scratch, reset by bumping a stamp instead of clearing.
  stamp = 0;
  readonly stStamp: Int32Array;
  readonly stPrev: Int32Array;
  readonly stVeh: Int32Array;
  readonly stSlot: Int32Array;
  readonly cdStamp: Int32Array;
  readonly cdState: Int32Array;
  readonly vxStamp: Int32Array;
  readonly queue: Int32Array;
  readonly slack: Float64Array;
  level = { cls: 0, late: false };
  chosenSeg = -1;
  reroutes = 0;
  /** Supply of the current level not yet delivered: once it is gone, searches are pointless. */
  freeLeft = 0;

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
    const cnt = new Int32Array(nNodes * T + 1);
    for (let v = 0; v < V; v++) for (let t = inst.from[v] as number; t < (inst.to[v] as number); t++) cnt[(inst.node[v] as number) * T + t + 1]!++;
    for (let i = 0; i < nNodes * T; i++) cnt[i + 1]! += cnt[i] as number;
    this.atOff = cnt.slice();
    this.atVeh = new Int32Array(cnt[nNodes * T] as number);
    for (let v = 0; v < V; v++) for (let t = inst.from[v] as number; t < (inst.to[v] as number); t++) this.atVeh[cnt[(inst.node[v] as number) * T + t]!++] = v;
    const cc = new Int32Array(nNodes + 1);
    for (let n = 1; n < nNodes; n++) cc[(inst.parent[n] as number) + 1]!++;
    for (let n = 0; n < nNodes; n++) cc[n + 1]! += cc[n] as number;
    this.childOff = cc.slice();
    this.child = new Int32Array(Math.max(0, nNodes - 1));
    for (let n = 1; n < nNodes; n++) this.child[cc[inst.parent[n] as number]!++] = n;
    this.stStamp = new Int32Array(nNodes * T);
    this.stPrev = new Int32Array(nNodes * T);
    this.stVeh = new Int32Array(nNodes * T);
    this.stSlot = new Int32Array(nNodes * T);
    this.cdStamp = new Int32Array(V * T);
    this.cdState = new Int32Array(V * T);
    this.vxStamp = new Int32Array(V);
    this.queue = new Int32Array(nNodes * T);
    let maxSeg = 1;
    for (let v = 0; v < V; v++) maxSeg = Math.max(maxSeg, (inst.segOff[v + 1] as number) - (inst.segOff[v] as number));
    this.slack = new Float64Array(maxSeg);
  }

  run(): FlowResult {
    this.placeLowerBounds();
    const { inst } = this;
    let hasLate = false;
    for (let v = 0; v < this.V; v++) if ((inst.segOff[v + 1] as number) - (inst.segOff[v] as number) > 1) hasLate = true;
    let lateTradeoff = false;
    for (let c = 0; c < inst.nClasses; c++) {
      this.runLevel(c, false);
      if (!hasLate) continue;
      // If every on-time unit of this class was delivered, no trade can raise the late level; otherwise
      // a missed unit (anyone's) might be swapped against an intermediate target met on time.
      let classHasTargets = false;
      let missed = 0;
      for (let v = 0; v < this.V; v++) {
        if (inst.cls[v] !== c) continue;
        if (inst.segOff[v + 1]! - inst.segOff[v]! > 1) classHasTargets = true;
        if (inst.to[v]! > inst.from[v]!) missed += this.residual(v);
      }
      if (classHasTargets && missed > 1e-7) lateTradeoff = true;
      this.runLevel(c, true);
    }
    return { x: this.x, f: this.f, g: this.g, reroutes: this.reroutes, lateTradeoff };
  }

  /** Forced energy is delivered energy: book it to the earliest segment it can serve, else late. */
  private placeLowerBounds(): void {
    const { lb, inst, T } = this;
    if (!lb) return;
    for (let v = 0; v < this.V; v++) {
      for (let t = inst.from[v] as number; t < (inst.to[v] as number); t++) {
        let e = lb[v * T + t] as number;
        if (e <= 0) continue;
        this.x[v * T + t] = e;
        this.addLoad(inst.node[v] as number, t, e);
        for (let k = inst.segOff[v] as number; k < (inst.segOff[v + 1] as number) && e > 0; k++) {
          if ((inst.segEnd[k] as number) <= t) continue;
          const take = Math.min(e, (inst.segDem[k] as number) - (this.f[k] as number));
          if (take > 0) (this.f[k]! += take), (e -= take);
        }
        if (e > 0) this.g[v]! += e;
      }
    }
  }

  private addLoad(n: number, t: number, e: number): void {
    const { parent, } = this.inst;
    for (let a = n; a >= 0; a = parent[a] as number) this.load[a * this.T + t]! += e;
  }

  private room(n: number, t: number): number {
    const i = n * this.T + t;
    return (this.inst.limE[i] as number) - (this.load[i] as number);
  }

  private pathRoom(n: number, t: number): number {
    let r = Infinity;
    for (let a = n; a >= 0; a = this.inst.parent[a] as number) r = Math.min(r, this.room(a, t));
    return r;
  }

  /** slack[j] = X(s_j) - sum_{i<=j} f_i for the vehicle's intermediate segments j (0-based within v). */
  private computeSlacks(v: number): number {
    const { inst, T, x, f, slack } = this;
    const k0 = inst.segOff[v] as number;
    const K = (inst.segOff[v + 1] as number) - k0;
    let X = 0;
    let t = inst.from[v] as number;
    let F = 0;
    for (let j = 0; j < K - 1; j++) {
      const s = inst.segEnd[k0 + j] as number;
      for (; t < s; t++) X += x[v * T + t] as number;
      F += f[k0 + j] as number;
      slack[j] = X - F;
    }
    return K;
  }

  /** How much new supply of the current level vehicle v can take in slot t (before caps and circuits). */
  private absorb(v: number, t: number): number {
    const { inst } = this;
    this.chosenSeg = -1;
    if (inst.cls[v] !== this.level.cls) return 0;
    const k0 = inst.segOff[v] as number;
    const K = (inst.segOff[v + 1] as number) - k0;
    if (this.level.late) {
      let free = -(this.g[v] as number);
      for (let j = 0; j < K - 1; j++) free += (inst.segDem[k0 + j] as number) - (this.f[k0 + j] as number);
      return free;
    }
    if (K === 1) {
      this.chosenSeg = k0;
      return (inst.segDem[k0] as number) - (this.f[k0] as number);
    }
    this.computeSlacks(v);
    // Supply of segment k placed in t passes every segment j >= k already due by t: their slack bounds it.
    let best = 0;
    for (let k = 0; k < K; k++) {
      let r = (inst.segDem[k0 + k] as number) - (this.f[k0 + k] as number);
      if (r <= EPS) continue;
      for (let j = k; j < K - 1 && (inst.segEnd[k0 + j] as number) <= t; j++) r = Math.min(r, this.slack[j] as number);
      if (r > best) (best = r), (this.chosenSeg = k0 + k);
    }
    return best;
  }

  /** All supply of the current level that vehicle v has not received yet. */
  private residual(v: number): number {
    const { inst } = this;
    const k0 = inst.segOff[v]!;
    const K = inst.segOff[v + 1]! - k0;
    let r = this.level.late ? -this.g[v]! : 0;
    for (let k = 0; k < K; k++) {
      if (this.level.late && k === K - 1) break;
      r += inst.segDem[k0 + k]! - this.f[k0 + k]!;
    }
    return Math.max(0, r);
  }

  /** How much of v's energy can move from slot t1 to slot t2 without breaking its segments. */
  private moveCap(v: number, t1: number, t2: number): number {
    const { inst, T } = this;
    let r = (this.x[v * T + t1] as number) - (this.lb ? (this.lb[v * T + t1] as number) : 0);
    if (t2 < t1 || r <= EPS) return r;
    const k0 = inst.segOff[v] as number;
    const K = (inst.segOff[v + 1] as number) - k0;
    if (K === 1) return r;
    this.computeSlacks(v);
    for (let j = 0; j < K - 1; j++) {
      const s = inst.segEnd[k0 + j] as number;
      if (s > t1 && s <= t2) r = Math.min(r, this.slack[j] as number);
    }
    return r;
  }

  private runLevel(c: number, late: boolean): void {
    this.level = { cls: c, late };
    const { inst, T, V } = this;
    let free = 0;
    for (let v = 0; v < V; v++) if (inst.cls[v] === c && inst.to[v]! > inst.from[v]!) free += this.residual(v);
    this.freeLeft = free;
    if (free <= EPS) return;
    // Which vehicles to fill first only changes how much re-routing the exact search must do later:
    // the least flexible first (least capacity left in slots not yet processed).
    const remCap = new Float64Array(V);
    for (let v = 0; v < V; v++) for (let t = inst.from[v]!; t < inst.to[v]!; t++) remCap[v]! += this.cap[v * T + t]!;
    const slotVeh: number[][] = Array.from({ length: T }, () => []);
    for (let v = 0; v < V; v++) if (inst.cls[v] === c) for (let t = inst.from[v]!; t < inst.to[v]!; t++) slotVeh[t]!.push(v);
    const key = new Float64Array(V);
    for (let i = 0; i < T && this.freeLeft > EPS; i++) {
      const tau = inst.order[i] as number;
      const cand = slotVeh[tau] as number[];
      for (const v of cand) key[v] = remCap[v]! - this.residual(v);
      if (this.opts.hint) this.fillHint(tau, cand);
      cand.sort((a, b) => key[a]! - key[b]! || a - b);
      this.directFill(tau, cand);
      this.maxFlowAt(tau);
      for (const v of cand) remCap[v]! -= this.cap[v * T + tau]!;
    }
  }

  private fillHint(tau: number, cand: number[]): void {
    const { T } = this;
    const hint = this.opts.hint as Float64Array;
    for (const v of cand) {
      const want = hint[v * T + tau]! - this.x[v * T + tau]!;
      if (want > EPS) this.push(v, tau, want);
    }
  }

  private directFill(tau: number, cand: number[]): void {
    for (const v of cand) {
      if (this.room(0, tau) <= EPS) return;
      this.push(v, tau, Infinity);
    }
  }

  /** A length-one augmenting path: v takes new supply in slot tau directly. */
  private push(v: number, tau: number, limit: number): void {
    const i = v * this.T + tau;
    const spare = this.cap[i]! - this.x[i]!;
    if (spare <= EPS) return;
    const a = this.absorb(v, tau);
    if (a <= EPS) return;
    const d = Math.min(limit, spare, a, this.pathRoom(this.inst.node[v]!, tau));
    if (d <= EPS) return;
    this.take(v, tau, d);
  }

  /** Books d of new supply (current level) to v in slot t. absorb() must have just chosen the segment. */
  private take(v: number, t: number, d: number): void {
    this.x[v * this.T + t]! += d;
    this.freeLeft -= d;
    if (this.level.late) this.g[v]! += d;
    else this.f[this.chosenSeg]! += d;
    this.addLoad(this.inst.node[v]!, t, d);
  }

  /**
   * Breadth-first search backwards from the sink of slot tau for a free vehicle, through states (t, node):
   * "energy arriving at this node in slot t can reach the sink". A vehicle w that can draw more in t either
   * has free supply (path found) or can give up energy in another slot t', which opens (t', ancestors of w).
   *
   * After an augmentation the same search tree usually still holds many paths, so the search resumes
   * where it stopped instead of starting over; every path taken from a possibly stale tree is re-measured
   * against the current residuals in augment() and refused if it has no capacity left. Only a fresh
   * search that finds nothing ends the slot, so exactness does not depend on the reuse.
   */
  private qh = 0;
  private qt = 0;
  private resumeAt = -1;

  private maxFlowAt(tau: number): void {
    for (;;) {
      if (this.freeLeft <= EPS || this.room(0, tau) <= EPS) return;
      this.startSearch(tau);
      let progressed = false;
      while (this.freeLeft > EPS && this.room(0, tau) > EPS) {
        const found = this.continueSearch(tau);
        if (found < 0) break;
        // A path through a stale part of the tree may have no capacity left: skip it and keep searching.
        if (this.augment(found % this.V, (found / this.V) | 0, tau)) {
          this.reroutes++;
          progressed = true;
        }
      }
      // Only a fresh search that finds nothing proves there is no augmenting path left.
      if (!progressed) return;
    }
  }

  fresh = 0;
  scanned = 0;
  private startSearch(tau: number): void {
    this.fresh++;
    const stamp = ++this.stamp;
    this.stStamp[tau] = stamp; // state id = node * T + t; the site is node 0
    this.stPrev[tau] = -1;
    this.stVeh[tau] = -1;
    this.queue[0] = tau;
    this.qh = 0;
    this.qt = 1;
    this.resumeAt = -1;
  }

  /** Returns t * V + w for a free vehicle w found in slot t, or -1 when the search space is exhausted. */
  private continueSearch(tau: number): number {
    const { inst, T, x, cap, stStamp, stPrev, stVeh, stSlot, cdStamp, cdState, queue, vxStamp } = this;
    const stamp = this.stamp;
    void tau;
    while (this.qh < this.qt) {
      const resumeAt = this.resumeAt;
      this.resumeAt = -1;
      const s = queue[this.qh++] as number;
      const n = (s / T) | 0;
      const t = s - n * T;
      for (let ci = this.childOff[n]!; ci < this.childOff[n + 1]!; ci++) {
        const ch = this.child[ci]!;
        const cs = ch * T + t;
        if (stStamp[cs] === stamp || this.room(ch, t) <= EPS) continue;
        stStamp[cs] = stamp;
        stPrev[cs] = s;
        queue[this.qt++] = cs;
      }
      for (let i = resumeAt >= 0 ? resumeAt : this.atOff[s]!; i < this.atOff[s + 1]!; i++) {
        const w = this.atVeh[i]!;
        const wi = w * T + t;
        this.scanned++;
        if (cdStamp[wi] === stamp || cap[wi]! - x[wi]! <= EPS) continue;
        cdStamp[wi] = stamp;
        cdState[wi] = s;
        if (this.absorb(w, t) > EPS) {
          this.qh--; // resume inside this state's vehicle list, right after w
          this.resumeAt = i + 1;
          return t * this.V + w;
        }
        // Without deadlines a vehicle's moves do not depend on the destination slot: open them once.
        const simple = inst.segOff[w + 1]! - inst.segOff[w]! === 1;
        if (simple) {
          if (vxStamp[w] === stamp) continue;
          vxStamp[w] = stamp;
        }
        for (let t2 = inst.from[w]!; t2 < inst.to[w]!; t2++) {
          if (t2 === t) continue;
          if (simple ? x[w * T + t2]! - (this.lb ? this.lb[w * T + t2]! : 0) <= EPS : this.moveCap(w, t2, t) <= EPS) continue;
          for (let a = inst.node[w]!; a >= 0; a = inst.parent[a]!) {
            const as = a * T + t2;
            if (stStamp[as] === stamp) break; // its ancestors are open already
            stStamp[as] = stamp;
            stPrev[as] = -1;
            stVeh[as] = w;
            stSlot[as] = t;
            queue[this.qt++] = as;
          }
        }
      }
    }
    return -1;
  }

  /** Walks the search tree from the free vehicle back to tau, finds the bottleneck, applies it if > 0. */
  private augment(w0: number, t0: number, tau: number): boolean {
    const { inst, T } = this;
    const movesV: number[] = [];
    const movesFrom: number[] = [];
    const movesTo: number[] = [];
    let d = Math.min(this.absorb(w0, t0), this.cap[w0 * T + t0]! - this.x[w0 * T + t0]!);
    const seg = this.chosenSeg;
    let w = w0;
    let t = t0;
    for (;;) {
      let s = this.cdState[w * T + t]!;
      while (this.stPrev[s]! >= 0) {
        d = Math.min(d, this.room((s / T) | 0, t));
        s = this.stPrev[s]!;
      }
      const v = this.stVeh[s]!;
      if (v < 0) {
        d = Math.min(d, this.room(0, tau));
        break;
      }
      const t2 = this.stSlot[s]!;
      movesV.push(v), movesFrom.push(t), movesTo.push(t2);
      w = v;
      t = t2;
    }
    // A vehicle with deadlines that appears twice would spend one slack twice: split it conservatively.
    for (let i = 0; i < movesV.length; i++) {
      const v = movesV[i]!;
      const times = movesV.filter((u) => u === v).length;
      const multi = (inst.segOff[v + 1]! - inst.segOff[v]!) > 1 ? times : 1;
      d = Math.min(d, this.moveCap(v, movesFrom[i]!, movesTo[i]!) / multi, this.cap[v * T + movesTo[i]!]! - this.x[v * T + movesTo[i]!]!);
    }
    if (!(d > EPS)) return false;
    this.absorb(w0, t0);
    this.chosenSeg = seg;
    this.take(w0, t0, d);
    for (let i = 0; i < movesV.length; i++) {
      const v = movesV[i]!;
      const node = inst.node[v]!;
      this.x[v * T + movesFrom[i]!]! -= d;
      this.addLoad(node, movesFrom[i]!, -d);
      this.x[v * T + movesTo[i]!]! += d;
      this.addLoad(node, movesTo[i]!, d);
    }
    return true;
  }
}
