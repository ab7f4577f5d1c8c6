// The search of the flow (flow.ts explains the algorithm): augmenting paths into one slot, found backwards from
// the slot's sink over states (slot, node), with counters standing for interchangeable vehicles.
import { EPS, FlowState, LAZY } from "./flow-state.js";

export class FlowSearch extends FlowState {
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
  protected maxFlowAt(tau: number): void {
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

  protected startSearch(tau: number): void {
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
  protected open(n: number, t2: number, veh: number, t: number): void {
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

  protected enqueue(s: number): void {
    this.queue[this.qt++] = s;
    // Hot: free supply somewhere below (a site state with 400 circuits under it is worth expanding before
    // the other states already queued), or vehicles with targets here.
    if (this.freeSub[s]! > 0 || this.cxOff[s + 1]! > this.cxOff[s]!) this.hot[this.hotLen++] = s;
  }

  /** Returns t * V + w for a free vehicle w found in slot t, or -1 when the search space is exhausted. */
  protected continueSearch(): number {
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

  /** Walks the search tree from the free vehicle back to tau, finds the bottleneck, applies it if > 0. */
  protected augment(w0: number, t0: number, tau: number): boolean {

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
