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
// Vehicles without intermediate targets ("simple", nearly all of them) are not visited one by one: for
// each (node, slot t, slot t2) a counter says how many simple vehicles on that node could draw more in t
// and give up energy in t2, and another counts the free ones that could draw more in t. The search then
// costs O(nodes x T^2) whatever the fleet size; a concrete vehicle is picked only for the hops of the path
// it finally takes.
import type { Instance } from "./instance.js";

const EPS = 1e-9;

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

export function solveFlow(inst: Instance, opts: FlowOptions = {}): FlowResult {
  return new FlowSolver(inst, opts).run();
}

const LAZY = -2;

class FlowSolver {
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
  readonly atOff: Int32Array;
  readonly atVeh: Int32Array;
  readonly cxOff: Int32Array;
  readonly cxVeh: Int32Array;
  readonly childOff: Int32Array;
  readonly child: Int32Array;
  // Flags per (vehicle, slot) and the counters built on them (simple vehicles only).
  readonly sp: Uint8Array; // can draw more: cap - x > EPS
  readonly en: Uint8Array; // can give up energy: x - lb > EPS
  readonly isFree: Uint8Array;
  readonly pairCnt: Int32Array; // ((node * T + t) * T + t2)
  // The same as bit sets over t2 (W words of 32 slots), and the set of slots visited per node in the
  // current search, so a state finds its unvisited successors a word at a time instead of slot by slot.
  readonly W: number;
  readonly pairMask: Int32Array; // (node * T + t) * W + word
  readonly seen: Int32Array; // node * W + word
  readonly freeCnt: Int32Array; // node * T + t
  readonly freeSub: Int32Array; // the same summed over the node's subtree: where free supply lies below
  readonly cursor: Int32Array; // where pickMover last found a vehicle for ((node * T + t) * T + t2)
  // Search scratch, reset by bumping a stamp instead of clearing.
  stamp = 0;
  readonly stStamp: Int32Array;
  readonly stPrev: Int32Array;
  readonly stVeh: Int32Array;
  readonly stSlot: Int32Array;
  readonly stNode: Int32Array;
  readonly cdStamp: Int32Array;
  readonly queue: Int32Array;
  readonly slack: Float64Array;
  level = { cls: 0, late: false };
  chosenSeg = -1;
  reroutes = 0;
  /** Supply of the current level not yet delivered: once it is gone, searches are pointless. */
  freeLeft = 0;
  private qh = 0;
  private qt = 0;
  private resumeAt = -1;
  private resumeState = -1;
  // States holding free supply (or vehicles with targets) are looked at before the rest of the BFS
  // queue: any path is as good as a shortest one here, and most searches end at the first such state.
  private hotLen = 0;
  private hot = new Int32Array(0);
  private doneStamp = new Int32Array(0);
  /** In the exchange pass a path starts at a vehicle giving up energy in a dearer slot, not at free supply. */
  private exchanging = false;
  private tauRank = 0;
  private exFrom = -1;

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
    this.pairCnt = new Int32Array(nNodes * T * T);
    this.W = (T + 31) >>> 5;
    this.pairMask = new Int32Array(nNodes * T * this.W);
    this.seen = new Int32Array(nNodes * this.W);
    this.freeCnt = new Int32Array(nNodes * T);
    this.freeSub = new Int32Array(nNodes * T);
    this.cursor = new Int32Array(nNodes * T * T);
    this.stStamp = new Int32Array(nNodes * T);
    this.stPrev = new Int32Array(nNodes * T);
    this.stVeh = new Int32Array(nNodes * T);
    this.stSlot = new Int32Array(nNodes * T);
    this.stNode = new Int32Array(nNodes * T);
    this.cdStamp = new Int32Array(V * T);
    this.queue = new Int32Array(nNodes * T);
    this.hot = new Int32Array(nNodes * T);
    this.doneStamp = new Int32Array(nNodes * T);
    let maxSeg = 1;
    for (let v = 0; v < V; v++) maxSeg = Math.max(maxSeg, inst.segOff[v + 1]! - inst.segOff[v]!);
    this.slack = new Float64Array(maxSeg);
  }

  private byNodeSlot(keep: (v: number) => boolean): [Int32Array, Int32Array] {
    const { inst, T, V } = this;
    const cnt = new Int32Array(inst.nNodes * T + 1);
    for (let v = 0; v < V; v++) if (keep(v)) for (let t = inst.from[v]!; t < inst.to[v]!; t++) cnt[inst.node[v]! * T + t + 1]!++;
    for (let i = 0; i < inst.nNodes * T; i++) cnt[i + 1]! += cnt[i]!;
    const off = cnt.slice();
    const list = new Int32Array(cnt[inst.nNodes * T]!);
    for (let v = 0; v < V; v++) if (keep(v)) for (let t = inst.from[v]!; t < inst.to[v]!; t++) list[cnt[inst.node[v]! * T + t]!++] = v;
    return [off, list];
  }

  run(): FlowResult {
    const { inst, T } = this;
    for (let v = 0; v < this.V; v++) for (let t = inst.from[v]!; t < inst.to[v]!; t++) this.refresh(v, t);
    this.placeLowerBounds();
    if (this.opts.initial) this.placeInitial(this.opts.initial);
    let hasLate = false;
    for (let v = 0; v < this.V; v++) if (this.simple[v] === 0) hasLate = true;
    let lateTradeoff = false;
    for (let c = 0; c < inst.nClasses; c++) {
      this.runLevel(c, false);
      // From a warm start the slots' max flows are not monotone (the previous plan was not built in
      // this order), so an earlier slot may open up again: repeat passes while they deliver more.
      for (let before = Infinity; this.opts.initial && this.freeLeft > EPS && this.freeLeft < before - EPS; ) {
        before = this.freeLeft;
        this.runLevel(c, false);
      }
      if (!hasLate) continue;
      // If every on-time unit of this class was delivered, no trade can raise the late level; otherwise
      // a missed unit (anyone's) might be swapped against an intermediate target met on time.
      let classHasTargets = false;
      let missed = 0;
      for (let v = 0; v < this.V; v++) {
        if (inst.cls[v] !== c) continue;
        if (this.simple[v] === 0) classHasTargets = true;
        if (inst.to[v]! > inst.from[v]!) missed += this.residual(v);
      }
      if (classHasTargets && missed > 1e-7) lateTradeoff = true;
      this.runLevel(c, true);
    }
    void T;
    if (this.opts.initial) this.exchangePass();
    return { x: this.x, f: this.f, g: this.g, reroutes: this.reroutes, lateTradeoff };
  }

  private placeInitial(x0: Float64Array): void {
    const { inst, T } = this;
    for (let v = 0; v < this.V; v++) {
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
        const e = x0[v * T + t]!;
        if (e > 0) {
          this.change(v, t, e);
          this.f[inst.segOff[v]!]! += e;
        }
      }
    }
  }

  /**
   * Removes every improving exchange "more load in slot tau, less in a dearer slot t2" (with re-routing
   * chains in between), for tau in increasing price order. When every vehicle gets all it asked for, the
   * slot loads are a base of the polymatroid of feasible load vectors, and a base is cost-optimal iff no
   * improving exchange exists. One pass suffices: once tau is done, for every dearer t2 there is a tight
   * set containing tau but not t2; the intersection of those tight sets is tight, holds only tau and
   * cheaper slots, and later exchanges (between dearer slots) leave its load unchanged, so no exchange
   * into tau can reopen.
   */
  private exchangePass(): void {
    this.exchanging = true;
    for (let i = 0; i < this.T; i++) this.maxFlowAt(this.inst.order[i]!);
    this.exchanging = false;
  }

  /** Forced energy is delivered energy: book it to the earliest segment it can serve, else late. */
  private placeLowerBounds(): void {
    const { lb, inst, T } = this;
    if (!lb) return;
    for (let v = 0; v < this.V; v++) {
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
        let e = lb[v * T + t]!;
        if (e <= 0) continue;
        this.change(v, t, e);
        for (let k = inst.segOff[v]!; k < inst.segOff[v + 1]! && e > 0; k++) {
          if (inst.segEnd[k]! <= t) continue;
          const take = Math.min(e, inst.segDem[k]! - this.f[k]!);
          if (take > 0) (this.f[k]! += take), (e -= take);
        }
        if (e > 0) this.g[v]! += e;
      }
    }
  }

  /** The one place x changes: loads up the tree, then the flags and counters of (v, t). */
  private change(v: number, t: number, d: number): void {
    this.x[v * this.T + t]! += d;
    const { parent } = this.inst;
    for (let a = this.inst.node[v]!; a >= 0; a = parent[a]!) this.load[a * this.T + t]! += d;
    this.refresh(v, t);
  }

  private refresh(v: number, t: number): void {
    const { T, inst } = this;
    const i = v * T + t;
    const sp = this.cap[i]! - this.x[i]! > EPS ? 1 : 0;
    const en = this.x[i]! - (this.lb ? this.lb[i]! : 0) > EPS ? 1 : 0;
    if (this.simple[v] === 0) {
      this.sp[i] = sp;
      this.en[i] = en;
      return;
    }
    const n = inst.node[v]!;
    const base = v * T;
    if (sp !== this.sp[i]) {
      this.sp[i] = sp;
      const dlt = sp ? 1 : -1;
      const row = (n * T + t) * T;
      for (let t2 = inst.from[v]!; t2 < inst.to[v]!; t2++) if (t2 !== t && this.en[base + t2]) this.bump(n * T + t, t2, dlt);
      if (this.isFree[v]) this.countFree(n, t, dlt);
    }
    if (en !== this.en[i]) {
      this.en[i] = en;
      const dlt = en ? 1 : -1;
      for (let t1 = inst.from[v]!; t1 < inst.to[v]!; t1++) if (t1 !== t && this.sp[base + t1]) this.bump(n * T + t1, t, dlt);
    }
  }

  private bump(state: number, t2: number, dlt: number): void {
    const c = (this.pairCnt[state * this.T + t2]! += dlt);
    const wi = state * this.W + (t2 >>> 5);
    if (c === 0) this.pairMask[wi]! &= ~(1 << (t2 & 31));
    else if (c === 1 && dlt > 0) this.pairMask[wi]! |= 1 << (t2 & 31);
  }

  private markSeen(state: number): void {
    const n = (state / this.T) | 0;
    const t = state - n * this.T;
    this.seen[n * this.W + (t >>> 5)]! |= 1 << (t & 31);
  }

  private setFree(v: number, free: boolean): void {
    const want = free ? 1 : 0;
    if (this.simple[v] === 0 || this.isFree[v] === want) return;
    this.isFree[v] = want;
    const { T, inst } = this;
    const n = inst.node[v]!;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) if (this.sp[v * T + t]) this.countFree(n, t, free ? 1 : -1);
  }

  private countFree(n: number, t: number, dlt: number): void {
    this.freeCnt[n * this.T + t]! += dlt;
    for (let a = n; a >= 0; a = this.inst.parent[a]!) this.freeSub[a * this.T + t]! += dlt;
  }

  private room(n: number, t: number): number {
    const i = n * this.T + t;
    return this.inst.limE[i]! - this.load[i]!;
  }

  private pathRoom(n: number, t: number): number {
    let r = Infinity;
    for (let a = n; a >= 0; a = this.inst.parent[a]!) r = Math.min(r, this.room(a, t));
    return r;
  }

  /** slack[j] = X(s_j) - sum_{i<=j} f_i for the vehicle's intermediate segments j (0-based within v). */
  private computeSlacks(v: number): void {
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
  private residual(v: number): number {
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
  private absorb(v: number, t: number): number {
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
  private moveCap(v: number, t1: number, t2: number): number {
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

  private runLevel(c: number, late: boolean): void {
    this.level = { cls: c, late };
    const { inst, T, V } = this;
    let free = 0;
    for (let v = 0; v < V; v++) {
      const r = inst.to[v]! > inst.from[v]! ? this.residual(v) : 0;
      free += r;
      this.setFree(v, !late && r > EPS);
    }
    this.freeLeft = free;
    if (free <= EPS) return;
    // Which vehicles to fill first only changes how much re-routing the exact search must do later:
    // the least flexible first (least capacity left in slots not yet processed, net of what it still needs).
    // Only vehicles with supply left are candidates for direct filling (the others can only be
    // re-routed, which the search does); a vehicle drops out of the lists once it is full.
    const remCap = new Float64Array(V);
    const slotVeh: number[][] = Array.from({ length: T }, () => []);
    for (let v = 0; v < V; v++) {
      if (inst.cls[v] !== c || this.residual(v) <= EPS) continue;
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) (remCap[v]! += this.cap[v * T + t]!), slotVeh[t]!.push(v);
    }
    const key = new Float64Array(V);
    for (let i = 0; i < T && this.freeLeft > EPS; i++) {
      const tau = inst.order[i]!;
      const cand: number[] = [];
      for (const v of slotVeh[tau]!) {
        const r = this.residual(v);
        if (r > EPS) cand.push(v), (key[v] = remCap[v]! - this.cap[v * T + tau]! - r);
      }
      cand.sort((a, b) => key[a]! - key[b]! || a - b);
      this.directFill(tau, cand);
      this.maxFlowAt(tau);
      for (const v of slotVeh[tau]!) remCap[v]! -= this.cap[v * T + tau]!;
    }
    for (let v = 0; v < V; v++) this.setFree(v, false);
  }

  private directFill(tau: number, cand: number[]): void {
    for (const v of cand) {
      if (this.room(0, tau) <= EPS || this.freeLeft <= EPS) return;
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
    this.freeLeft -= d;
    if (this.level.late) this.g[v]! += d;
    else this.f[this.chosenSeg]! += d;
    this.change(v, t, d);
    if (this.isFree[v] && this.residual(v) <= EPS) this.setFree(v, false);
  }

  /**
   * Augmenting paths for slot tau until none is left. The search runs backwards from the sink of tau over
   * states (t, node): "energy arriving at this node in slot t can reach the sink". A vehicle that can draw
   * more in t either has free supply (a path) or can give up energy in another slot t2, which opens
   * (t2, its node and ancestors).
   *
   * After an augmentation the same search tree usually still holds many paths, so the search resumes
   * where it stopped; every path taken from a possibly stale tree is re-measured against the current
   * residuals in augment() and skipped if it has no capacity left. Only a fresh search that finds nothing
   * ends the slot, so exactness does not depend on the reuse.
   */
  private maxFlowAt(tau: number): void {
    const supply = (): boolean => this.exchanging || this.freeLeft > EPS;
    this.tauRank = this.inst.rank[tau]!;
    for (;;) {
      if (!supply() || this.room(0, tau) <= EPS) return;
      this.startSearch(tau);
      let progressed = false;
      let stale = 0;
      while (supply() && this.room(0, tau) > EPS) {
        const found = this.continueSearch();
        if (found < 0) break;
        if (this.augment(found % this.V, (found / this.V) | 0, tau)) {
          this.reroutes++;
          progressed = true;
          stale = 0;
        } else if (progressed && ++stale > 0) {
          break; // the tree went stale: a fresh search beats probing it further
        }
      }
      if (!progressed) return;
    }
  }

  private startSearch(tau: number): void {
    const stamp = ++this.stamp;
    this.seen.fill(0);
    this.stStamp[tau] = stamp; // state id = node * T + t; the site is node 0
    this.markSeen(tau);
    this.stPrev[tau] = -1;
    this.stVeh[tau] = -1;
    this.qh = 0;
    this.qt = 0;
    this.hotLen = 0;
    this.resumeAt = -1;
    this.resumeState = -1;
    this.enqueue(tau);
  }

  /** Opens (t2, n and its ancestors) as origins: some vehicle on n gives up energy in t2 to draw in t. */
  private open(n: number, t2: number, veh: number, t: number): void {
    const { inst, T, stamp } = this;
    for (let a = n; a >= 0; a = inst.parent[a]!) {
      const as = a * T + t2;
      if (this.stStamp[as] === stamp) return; // its ancestors are open already
      this.stStamp[as] = stamp;
      this.markSeen(as);
      this.stPrev[as] = -1;
      this.stVeh[as] = veh;
      this.stNode[as] = n;
      this.stSlot[as] = t;
      this.enqueue(as);
    }
  }

  private enqueue(s: number): void {
    this.queue[this.qt++] = s;
    // Hot: free supply somewhere below (a site state with 400 circuits under it is worth expanding before
    // the other states already queued), or vehicles with targets here.
    if (this.freeSub[s]! > 0 || this.cxOff[s + 1]! > this.cxOff[s]!) this.hot[this.hotLen++] = s;
  }

  /** Returns t * V + w for a free vehicle w found in slot t, or -1 when the search space is exhausted. */
  private continueSearch(): number {
    const { inst, T, stStamp, stPrev, queue, stamp, doneStamp } = this;
    for (;;) {
      let s: number;
      let resumeAt = -1;
      if (this.resumeState >= 0) {
        s = this.resumeState;
        resumeAt = this.resumeAt;
        this.resumeState = -1;
      } else if (this.hotLen > 0) {
        s = this.hot[--this.hotLen]!;
        if (doneStamp[s] === stamp) continue;
        doneStamp[s] = stamp;
      } else if (this.qh < this.qt) {
        s = queue[this.qh++]!;
        if (doneStamp[s] === stamp) continue;
        doneStamp[s] = stamp;
      } else return -1;
      const n = (s / T) | 0;
      const t = s - n * T;
      for (let ci = this.childOff[n]!; ci < this.childOff[n + 1]!; ci++) {
        const ch = this.child[ci]!;
        const cs = ch * T + t;
        if (stStamp[cs] === stamp || this.room(ch, t) <= EPS) continue;
        stStamp[cs] = stamp;
        this.markSeen(cs);
        stPrev[cs] = s;
        this.enqueue(cs);
      }
      // Free simple vehicles here: the counter says whether to look at all.
      if (this.freeCnt[s]! > 0) {
        for (let i = resumeAt >= 0 ? resumeAt : this.atOff[s]!; i < this.atOff[s + 1]!; i++) {
          const w = this.atVeh[i]!;
          const wi = w * T + t;
          if (!this.isFree[w] || !this.sp[wi] || this.cdStamp[wi] === stamp) continue;
          this.cdStamp[wi] = stamp;
          this.resumeState = s; // resume inside this state's vehicle list, right after w
          this.resumeAt = i + 1;
          return t * this.V + w;
        }
      }
      // Vehicles with intermediate targets: one by one, their moves depend on the destination slot.
      for (let i = this.cxOff[s]!; i < this.cxOff[s + 1]!; i++) {
        const w = this.cxVeh[i]!;
        const wi = w * T + t;
        if (!this.sp[wi] || this.cdStamp[wi] === stamp) continue;
        this.cdStamp[wi] = stamp;
        if (this.absorb(w, t) > EPS) {
          this.resumeState = s;
          this.resumeAt = this.atOff[s + 1]!; // the simple ones of this state were all seen
          return t * this.V + w;
        }
        for (let t2 = inst.from[w]!; t2 < inst.to[w]!; t2++) if (t2 !== t && this.moveCap(w, t2, t) > EPS) this.open(n, t2, w, t);
      }
      // Simple vehicles moving energy from t2 into t, by counter.
      const row = s * T;
      if (this.exchanging) {
        // A vehicle here giving up energy in a dearer slot than tau ends an improving exchange.
        for (let t2 = 0; t2 < T; t2++) {
          if (this.pairCnt[row + t2]! <= 0 || this.inst.rank[t2]! <= this.tauRank) continue;
          void row;
          const w = this.pickMover(n, t, t2);
          if (w < 0) continue;
          this.exFrom = t2;
          this.resumeState = s;
          this.resumeAt = this.atOff[s + 1]!;
          return t * this.V + w;
        }
      }
      const W = this.W;
      for (let k = 0; k < W; k++) {
        let bits = this.pairMask[s * W + k]! & ~this.seen[n * W + k]!;
        while (bits !== 0) {
          const b = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          const t2 = (k << 5) + b;
          if (stStamp[n * T + t2] !== stamp) this.open(n, t2, LAZY, t);
        }
      }
    }
  }

  /**
   * A simple vehicle on node n that can draw more in t and give up energy in t2. The scan resumes where
   * the last pick for this (n, t, t2) stopped, so repeated augmentations over one edge cost amortised O(1).
   */
  private pickMover(n: number, t: number, t2: number): number {
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

  /** Walks the search tree from the free vehicle back to tau, finds the bottleneck, applies it if > 0. */

  private augment(w0: number, t0: number, tau: number): boolean {

    const { inst, T } = this;
    const movesV: number[] = [];
    const movesFrom: number[] = [];
    const movesTo: number[] = [];
    const ex = this.exchanging ? this.exFrom : -1;
    let d = Math.min(ex >= 0 ? this.moveCap(w0, ex, t0) : this.absorb(w0, t0), this.cap[w0 * T + t0]! - this.x[w0 * T + t0]!);
    const seg = this.chosenSeg;
    let s = inst.node[w0]! * T + t0;
    let t = t0;
    for (;;) {
      while (this.stPrev[s]! >= 0) {
        d = Math.min(d, this.room((s / T) | 0, t));
        s = this.stPrev[s]!;
      }
      let v = this.stVeh[s]!;
      if (v === -1) {
        d = Math.min(d, this.room(0, tau));
        break;
      }
      const t2 = this.stSlot[s]!;
      if (v === LAZY) v = this.pickMover(this.stNode[s]!, t2, t);
      if (v < 0) return false; // the counters moved on since this state was opened
      movesV.push(v), movesFrom.push(t), movesTo.push(t2);
      s = this.stNode[s]! * T + t2;
      t = t2;
      if (!(d > EPS)) return false;
    }
    // A vehicle used twice in one path would spend one capacity twice: share it conservatively.
    let times = 1;
    for (let i = 0; i < movesV.length; i++) {
      let k = movesV[i] === w0 ? 2 : 1;
      for (let j = 0; j < i; j++) if (movesV[j] === movesV[i]) k++;
      times = Math.max(times, k);
    }
    for (let i = 0; i < movesV.length; i++) {
      const v = movesV[i]!;
      d = Math.min(d, this.moveCap(v, movesFrom[i]!, movesTo[i]!), this.cap[v * T + movesTo[i]!]! - this.x[v * T + movesTo[i]!]!);
    }
    d /= times;
    if (!(d > EPS)) return false;
    if (ex >= 0) {
      // The dearer slot's load drops: that is the exchange's saving.
      this.change(w0, ex, -d);
      this.change(w0, t0, d);
    } else {
      this.absorb(w0, t0);
      this.chosenSeg = seg;
      this.take(w0, t0, d);
    }
    for (let i = 0; i < movesV.length; i++) {
      this.change(movesV[i]!, movesFrom[i]!, -d);
      this.change(movesV[i]!, movesTo[i]!, d);
    }
    return true;
  }
}
