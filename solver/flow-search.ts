// The search of the flow (flow.ts explains the algorithm): augmenting paths into one slot, as blocking flows
// (Dinic) over states (slot, node), with counters standing for interchangeable vehicles.
import { EPS, FlowState } from "./flow-state.js";
import { DearerSlots } from "./dearer-slots.js";

const DEAD = -1;
// The phases of a state's current arc, in the order they are tried.
const P_FREE = 0; // free supply here: the path ends
const P_CX = 1; // vehicles with intermediate targets: the path ends, or one moves energy from another slot
const P_EX = 2; // exchange pass: a vehicle giving up energy in a dearer slot ends the path
const P_DOWN = 3; // a child circuit with room
const P_MOVE = 4; // simple vehicles moving energy from another slot into this one (by counter)
const P_END = 5;
const ARC_NONE = 0;
const ARC_END = 1;
const ARC_STEP = 2;

export class FlowSearch extends FlowState {
  // Per state: BFS distance from the slot's sink in the current level graph (DEAD once no path leaves it), and
  // its current arc (phase, index, sub-index) valid while ptrStamp equals the level graph's stamp.
  private dist = new Int32Array(0);
  private ptrStamp = new Int32Array(0);
  private ptrP = new Uint8Array(0);
  private ptrI = new Int32Array(0);
  private ptrJ = new Int32Array(0);
  private ptrK = new Int32Array(0);
  // The path being built: states, and for each step the mover (-1 for a step down the tree).
  private pState = new Int32Array(0);
  private pVeh = new Int32Array(0);
  // The arc nextArc found: its end state and mover, or the vehicle ending the path.
  private arcTo = 0;
  private arcVeh = -1;
  /** In the exchange pass, the slots dearer than tau (exchangePass resets it: prices may have moved). */
  protected readonly dearer = new DearerSlots();
  // Per layer and node, the bit set of slots whose state is in that layer and not dead.
  private layerMask = new Int32Array(0);
  private layers = 0;

  private ensureScratch(): void {
    if (this.dist.length > 0) return;
    const S = this.inst.nNodes * this.T;
    this.dist = new Int32Array(S);
    this.ptrStamp = new Int32Array(S);
    this.ptrP = new Uint8Array(S);
    this.ptrI = new Int32Array(S);
    this.ptrJ = new Int32Array(S);
    this.ptrK = new Int32Array(S);
    this.pState = new Int32Array(S + 1);
    this.pVeh = new Int32Array(S + 1);
    this.dearer.resize(this.W);
  }

  private supply(): boolean {
    return this.exchanging || this.freeLeft > EPS;
  }

  /**
   * A maximum flow into slot tau: blocking flows on level graphs until a level graph built without a cut-off
   * holds no path. Each level graph is a breadth-first search backwards from the sink of tau over states
   * (t, node), "energy arriving at this node in slot t can reach the sink"; it stops at the first layer that
   * holds the end of a path (free supply, or in the exchange pass a dearer slot to give up). A depth-first
   * search with a current arc per state then takes paths until none is left in that graph, pruning dead
   * states: a saturated circuit costs one arc, not a new search. Exactness does not depend on the levels:
   * only a search without cut-off that finds no path ends the slot.
   */
  protected maxFlowAt(tau: number): void {
    this.ensureScratch();
    this.tauRank = this.inst.rank[tau]!;
    if (this.exchanging) this.dearer.set(this.tauRank, this.inst.rank, this.inst.order, this.T);
    let cutoff = true;
    while (this.supply() && this.room(0, tau) > EPS) {
      if (!this.levels(tau, cutoff)) return;
      if (this.blocking(tau)) cutoff = true;
      else if (cutoff) cutoff = false;
      else return;
    }
  }

  /** Builds the level graph from the sink of tau; false when no state ends a path (then none exists). */
  private levels(tau: number, cutoff: boolean): boolean {
    const { inst, T, stStamp, dist, queue } = this;
    void dist;
    const stamp = ++this.stamp;
    this.seen.fill(0);
    this.layerMask.fill(0);
    stStamp[tau] = stamp;
    this.label(tau, 0);
    let qh = 0;
    let qt = 0;
    queue[qt++] = tau;
    let found = false;
    while (qh < qt) {
      const s = queue[qh++]!;
      if (this.endsAt(s)) {
        found = true;
        if (cutoff) break;
      }
      const n = (s / T) | 0;
      const t = s - n * T;
      const d1 = dist[s]! + 1;
      for (let ci = this.childOff[n]!; ci < this.childOff[n + 1]!; ci++) {
        const ch = this.child[ci]!;
        const cs = ch * T + t;
        if (stStamp[cs] === stamp || this.room(ch, t) <= EPS) continue;
        stStamp[cs] = stamp;
        this.label(cs, d1);
        queue[qt++] = cs;
      }
      for (let i = this.cxOff[s]!; i < this.cxOff[s + 1]!; i++) {
        const w = this.cxVeh[i]!;
        if (!this.sp[w * T + t]) continue;
        for (let t2 = inst.from[w]!; t2 < inst.to[w]!; t2++) {
          if (t2 !== t && this.moveCap(w, t2, t) > EPS) qt = this.openChain(n, t2, d1, qt);
        }
      }
      const W = this.W;
      for (let k = 0; k < W; k++) {
        let bits = this.pairMask[s * W + k]! & ~this.seen[n * W + k]!;
        while (bits !== 0) {
          const b = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          qt = this.openChain(n, (k << 5) + b, d1, qt);
        }
      }
    }
    return found;
  }

  /** Puts state s into layer d (a new layer grows the masks). */
  private label(s: number, d: number): void {
    const { T, W } = this;
    const nN = this.inst.nNodes;
    this.dist[s] = d;
    this.markSeen(s);
    if (d >= this.layers) {
      const layers = Math.max(8, d + 1, this.layers * 2);
      const grown = new Int32Array(layers * nN * W);
      grown.set(this.layerMask);
      this.layerMask = grown;
      this.layers = layers;
    }
    const n = (s / T) | 0;
    const t = s - n * T;
    this.layerMask[(d * nN + n) * W + (t >>> 5)]! |= 1 << (t & 31);
  }

  /** Takes state s out of the level graph: no path leaves it. */
  private kill(s: number): void {
    const { T, W } = this;
    const d = this.dist[s]!;
    const n = (s / T) | 0;
    const t = s - n * T;
    this.layerMask[(d * this.inst.nNodes + n) * W + (t >>> 5)]! &= ~(1 << (t & 31));
    this.dist[s] = DEAD;
  }

  /** Labels (t2, a) for n and its ancestors a: a vehicle on n giving up energy in t2 frees room all the way up. */
  private openChain(n: number, t2: number, d: number, qt: number): number {
    const { inst, T, stamp } = this;
    for (let a = n; a >= 0; a = inst.parent[a]!) {
      const as = a * T + t2;
      if (this.stStamp[as] === stamp) break; // its ancestors are labelled already
      this.stStamp[as] = stamp;
      this.label(as, d);
      this.queue[qt++] = as;
    }
    return qt;
  }

  /** Does some path end at state s (free supply, a vehicle with targets that can absorb, a dearer slot)? */
  private endsAt(s: number): boolean {
    // Free marks may stay set through the exchange pass (flow-warm.ts topUp): it ends paths at dearer slots only.
    if (this.freeCnt[s]! > 0 && !this.exchanging) return true;
    const T = this.T;
    const t = s % T;
    for (let i = this.cxOff[s]!; i < this.cxOff[s + 1]!; i++) {
      const w = this.cxVeh[i]!;
      if (this.sp[w * T + t] && this.absorb(w, t) > EPS) return true;
    }
    if (this.exchanging) for (let k = 0; k < this.W; k++) if ((this.pairMask[s * this.W + k]! & this.dearer.mask[k]!) !== 0) return true;
    return false;
  }

  /** Takes paths in the level graph from the sink of tau until none is left; true if any was applied. */
  private blocking(tau: number): boolean {
    const { pState, pVeh } = this;
    let any = false;
    let depth = 0;
    pState[0] = tau;
    while (this.supply() && this.room(0, tau) > EPS) {
      const s = pState[depth]!;
      const arc = this.nextArc(s);
      if (arc === ARC_END) {
        if (this.augment(depth, tau)) {
          any = true;
          this.reroutes++;
          depth = 0;
        } else this.ptrJ[s]!++; // too little left on this path: skip the end it took
      } else if (arc === ARC_STEP) {
        pVeh[depth] = this.arcVeh;
        pState[++depth] = this.arcTo;
      } else {
        this.kill(s);
        if (depth === 0) break;
        depth--;
      }
    }
    return any;
  }

  /**
   * The current arc of state s, advanced past arcs that no longer hold: ARC_END (a path ends here: arcVeh is the
   * vehicle, exFrom the dearer slot in the exchange pass), ARC_STEP (to arcTo, by mover arcVeh or down the tree
   * with arcVeh -1) or ARC_NONE. The pointer stays on the arc returned, so it is tried again until it fails.
   */
  private nextArc(s: number): number {
    const { inst, T, stamp, ptrI, ptrJ, ptrK } = this;
    const n = (s / T) | 0;
    const t = s - n * T;
    const d1 = this.dist[s]! + 1;
    if (this.ptrStamp[s] !== stamp) {
      this.ptrStamp[s] = stamp;
      this.ptrP[s] = P_FREE;
      ptrI[s] = this.atOff[s]!;
      ptrJ[s] = 0;
    }
    for (;;) {
      switch (this.ptrP[s]) {
        case P_FREE: {
          if (this.freeCnt[s]! > 0 && !this.exchanging) {
            // ptrJ counts skipped ends: on a skip move past that vehicle.
            if (ptrJ[s]! > 0) (ptrI[s]! += 1), (ptrJ[s] = 0);
            for (let i = ptrI[s]!; i < this.atOff[s + 1]!; i++) {
              const w = this.atVeh[i]!;
              if (!this.isFree[w] || !this.sp[w * T + t]) continue;
              ptrI[s] = i;
              this.arcVeh = w;
              return ARC_END;
            }
          }
          this.ptrP[s] = P_CX;
          ptrI[s] = this.cxOff[s]!;
          ptrJ[s] = -1; // -1: the vehicle ends the path; t2 >= 0: it moves energy from t2, to ptrK's ancestor
          ptrK[s] = -1;
          break;
        }
        case P_CX: {
          for (; ptrI[s]! < this.cxOff[s + 1]!; ptrI[s]!++, ptrJ[s] = -1, ptrK[s] = -1) {
            const w = this.cxVeh[ptrI[s]!]!;
            if (!this.sp[w * T + t]) continue;
            if (ptrJ[s] === -1) {
              if (this.absorb(w, t) > EPS) {
                this.arcVeh = w;
                return ARC_END; // a skip (ptrJ++) moves on to its moves
              }
              ptrJ[s] = 0;
            }
            for (; ptrJ[s]! < T; ptrJ[s]!++, ptrK[s] = -1) {
              const t2 = ptrJ[s]!;
              if (t2 === t || t2 < inst.from[w]! || t2 >= inst.to[w]! || this.moveCap(w, t2, t) <= EPS) continue;
              if (ptrK[s] === -1) ptrK[s] = n;
              for (; ptrK[s]! >= 0; ptrK[s] = inst.parent[ptrK[s]!]!) {
                const to = ptrK[s]! * T + t2;
                if (this.stStamp[to] === stamp && this.dist[to] === d1) {
                  this.arcTo = to;
                  this.arcVeh = w;
                  return ARC_STEP;
                }
              }
            }
          }
          this.ptrP[s] = this.exchanging ? P_EX : P_DOWN;
          ptrI[s] = this.exchanging ? 0 : this.childOff[n]!;
          ptrJ[s] = 0;
          break;
        }
        case P_EX: {
          if (ptrJ[s]! > 0) (ptrI[s]! += 1), (ptrJ[s] = 0);
          // Dearer slots with a mover, a word of bits at a time from ptrI, in increasing slot order.
          const W = this.W;
          const from = ptrI[s]!;
          for (let k = from >>> 5; k < W; k++) {
            let bits = this.dearer.mask[k]! & this.pairMask[s * W + k]!;
            if (k === from >>> 5) bits &= -1 << (from & 31);
            while (bits !== 0) {
              const t2 = (k << 5) + 31 - Math.clz32(bits & -bits);
              bits &= bits - 1;
              const w = this.pickMover(n, t, t2);
              if (w < 0) continue;
              ptrI[s] = t2;
              this.exFrom = t2;
              this.arcVeh = w;
              return ARC_END;
            }
          }
          this.ptrP[s] = P_DOWN;
          ptrI[s] = this.childOff[n]!;
          break;
        }
        case P_DOWN: {
          for (; ptrI[s]! < this.childOff[n + 1]!; ptrI[s]!++) {
            const ch = this.child[ptrI[s]!]!;
            const cs = ch * T + t;
            if (this.stStamp[cs] !== stamp || this.dist[cs] !== d1 || this.room(ch, t) <= EPS) continue;
            this.arcTo = cs;
            this.arcVeh = -1;
            return ARC_STEP;
          }
          this.ptrP[s] = P_MOVE;
          ptrK[s] = -1;
          break;
        }
        case P_MOVE: {
          // Movers into the live states of the next layer at n or an ancestor (ptrK), slot by slot from ptrI,
          // a word of bits at a time: pairs (t, t2) with a mover, and'ed with the layer's live states.
          const W = this.W;
          if (ptrK[s] === -1) (ptrK[s] = n), (ptrI[s] = 0);
          const lm = this.layerMask;
          const nN = inst.nNodes;
          while (ptrK[s]! >= 0) {
            const a = ptrK[s]!;
            if (d1 < this.layers) {
              const base = (d1 * nN + a) * W;
              for (let k = ptrI[s]! >>> 5; k < W; k++) {
                let bits = this.pairMask[s * W + k]! & lm[base + k]!;
                if (k === ptrI[s]! >>> 5) bits &= -1 << (ptrI[s]! & 31);
                while (bits !== 0) {
                  const t2 = (k << 5) + 31 - Math.clz32(bits & -bits);
                  bits &= bits - 1;
                  const w = this.pickMover(n, t, t2);
                  if (w < 0) continue;
                  ptrI[s] = t2;
                  this.arcTo = a * T + t2;
                  this.arcVeh = w;
                  return ARC_STEP;
                }
              }
            }
            ptrK[s] = inst.parent[a]!;
            ptrI[s] = 0;
          }
          this.ptrP[s] = P_END;
          break;
        }
        default:
          return ARC_NONE;
      }
    }
  }

  /** The path pState[0..depth] ending at vehicle arcVeh: finds its bottleneck and applies it if > 0. */
  private augment(depth: number, tau: number): boolean {
    const { T, pState, pVeh } = this;
    const s0 = pState[depth]!;
    const t0 = s0 % T;
    const w0 = this.arcVeh;
    const ex = this.exchanging ? this.exFrom : -1;
    let d = Math.min(ex >= 0 ? this.moveCap(w0, ex, t0) : this.absorb(w0, t0), this.cap[w0 * T + t0]! - this.x[w0 * T + t0]!);
    const seg = this.chosenSeg;
    d = Math.min(d, this.room(0, tau));
    for (let k = 0; k < depth && d > EPS; k++) {
      const to = pState[k]! % T;
      const next = pState[k + 1]!;
      const v = pVeh[k]!;
      if (v < 0) d = Math.min(d, this.room((next / T) | 0, to));
      else d = Math.min(d, this.moveCap(v, next % T, to), this.cap[v * T + to]! - this.x[v * T + to]!);
    }
    // A vehicle used twice in one path would spend one capacity twice: share it conservatively.
    let times = 1;
    for (let i = 0; i < depth; i++) {
      if (pVeh[i]! < 0) continue;
      let k = pVeh[i] === w0 ? 2 : 1;
      for (let j = 0; j < i; j++) if (pVeh[j] === pVeh[i]) k++;
      times = Math.max(times, k);
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
    for (let k = 0; k < depth; k++) {
      const v = pVeh[k]!;
      if (v < 0) continue;
      const to = pState[k]! % T;
      this.change(v, pState[k + 1]! % T, -d);
      this.change(v, to, d);
    }
    return true;
  }
}
