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
import { FlowSearch } from "./flow-search.js";
import { EPS } from "./flow-state.js";
import type { FlowOptions, FlowResult } from "./flow-state.js";

export type { FlowOptions, FlowResult } from "./flow-state.js";

export function solveFlow(inst: Instance, opts: FlowOptions = {}): FlowResult {
  return new FlowSolver(inst, opts).run();
}

export class FlowSolver extends FlowSearch {
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

  protected placeInitial(x0: Float64Array): void {
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
  protected exchangePass(): void {
    this.exchanging = true;
    this.dearer.reset();
    for (let i = 0; i < this.T; i++) this.maxFlowAt(this.inst.order[i]!);
    this.exchanging = false;
  }

  /** Forced energy is delivered energy: book it to the earliest segment it can serve, else late. */
  protected placeLowerBounds(): void {
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

  protected runLevel(c: number, late: boolean): void {
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
    const heap = new Int32Array(V);
    for (let i = 0; i < T && this.freeLeft > EPS; i++) {
      const tau = inst.order[i]!;
      let n = 0;
      for (const v of slotVeh[tau]!) {
        const r = this.residual(v);
        if (r > EPS) (heap[n++] = v), (key[v] = remCap[v]! - this.cap[v * T + tau]! - r);
      }
      this.directFill(tau, heap, n, key);
      this.maxFlowAt(tau);
      for (const v of slotVeh[tau]!) remCap[v]! -= this.cap[v * T + tau]!;
    }
    for (let v = 0; v < V; v++) this.setFree(v, false);
  }

  /**
   * Fills the candidates heap[0..n) in order of (key, index) until the site is full in tau or no supply is left.
   * A binary heap gives that order one candidate at a time: the site usually fills after a small share of them,
   * so sorting them all (5,000 per slot at 10,000 cars) was wasted.
   */
  protected directFill(tau: number, heap: Int32Array, n: number, key: Float64Array): void {
    const less = (a: number, b: number): boolean => key[a]! < key[b]! || (key[a] === key[b] && a < b);
    const down = (i: number, len: number): void => {
      const x = heap[i]!;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= len) break;
        if (c + 1 < len && less(heap[c + 1]!, heap[c]!)) c++;
        if (!less(heap[c]!, x)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = x;
    };
    for (let i = (n >>> 1) - 1; i >= 0; i--) down(i, n);
    for (let len = n; len > 0; ) {
      if (this.room(0, tau) <= EPS || this.freeLeft <= EPS) return;
      const v = heap[0]!;
      heap[0] = heap[--len]!;
      down(0, len);
      this.push(v, tau, Infinity);
    }
  }

  /** A length-one augmenting path: v takes new supply in slot tau directly. */
  protected push(v: number, tau: number, limit: number): void {
    const i = v * this.T + tau;
    const spare = this.cap[i]! - this.x[i]!;
    if (spare <= EPS) return;
    const a = this.absorb(v, tau);
    if (a <= EPS) return;
    const d = Math.min(limit, spare, a, this.pathRoom(this.inst.node[v]!, tau));
    if (d <= EPS) return;
    this.take(v, tau, d);
  }
}
