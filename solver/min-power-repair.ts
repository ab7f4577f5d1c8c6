// The repair flow of the minimum-power rounding (min-power-round.ts): when a car still short cannot draw in a slot
// because a limit binds there, cars drawing in that slot move energy to another slot of theirs with room
// (one-hop paths). At a binding site limit with cars left short it is asked for every short car and slot, so it
// looks only where a move can exist: slots the binding node's path has room in, partners with room under their
// cap there (bits per car, kept until the car changes), and a search that found nothing is remembered until
// anything changes.
import { CarState, EPS } from "./min-power-state.js";

export class Repair extends CarState {
  /**
   * The repair flow's one-hop paths: cars drawing in slot t move up to `amount` of it to another slot of
   * theirs with room (cheapest first, every slot keeping its minimum or being the car's last), so that a car
   * still short can draw in t. Only cars whose move frees the nodes that bind v in t are asked.
   */
  protected makeRoom(v: number, t: number, amount: number): void {
    const { inst } = this;
    const { T } = inst;
    let b0 = -1;
    for (let a = inst.node[v]!; a >= 0 && b0 < 0; a = inst.parent[a]!) if (inst.limE[a * T + t]! - this.load[a * T + t]! < amount - EPS) b0 = a;
    if (b0 < 0) return;
    // Every partner must hang under every binding node, i.e. under the deepest (b0), so the room it finds in a
    // slot t2 is at most what b0's path leaves there: only those slots are tried.
    let nOpen = this.openSlots(b0, t);
    if (nOpen === 0) return;
    // A search that found no partner with room at all (not a move tried and refused, which depends on the
    // amount) is remembered for (t, b0) until anything changes: fleets with cars left short ask it again for
    // every short car (52,000 times at 1,000 cars, 83 % of the rounding). Only the caller it excluded is
    // looked at then.
    const c = this.noRoom;
    const memo = c.ver[t] === this.ver && c.node[t] === b0;
    if (memo && (c.by[t] === v || c.by[t] === -1)) return;
    const list = this.partnersAt(t);
    const open = this.open;
    let freed = 0;
    let tried = false;
    for (let pi = 0, nw = memo ? 1 : this.bySlotN[t]!; pi < nw; pi++) {
      const w = memo ? c.by[t]! : list[pi]!;
      if (freed >= amount - EPS) return;
      // The spare bits first: they are kept per car and most partners have none (a read of e per partner was the
      // loop's cost).
      if (w === v || !this.isUnder(inst.node[w]!, b0) || !this.spareIn(w)) continue;
      if (inst.segOff[w + 1]! - inst.segOff[w]! > 1 || this.e[w * T + t]! <= EPS) continue;
      let Lw = -2; // w's last slot, found when a move is tried
      for (let j = 0; j < nOpen && freed < amount - EPS; j++) {
        const t2 = open[j]!;
        if (t2 < inst.from[w]! || t2 >= inst.to[w]!) continue;
        const held = Math.max(this.e[w * T + t2]!, this.r[w * T + t2]!);
        if (this.cap[w * T + t2]! - held <= EPS) continue; // u() is at most the cap: no room (the common case)
        const room = this.u(w, t2) - held;
        const d = Math.min(amount - freed, room, this.e[w * T + t]!);
        if (d <= EPS) continue;
        tried = true;
        if (Lw === -2) Lw = this.last(w);
        this.touch(w);
        this.e[w * T + t]! -= d;
        this.e[w * T + t2]! += d;
        if (this.validAt(w, [t, t2, Lw])) {
          this.reserveCar(w, "down");
          this.reserveCar(w);
          freed += d;
          // Loads moved (a last slot's reservation may have fallen elsewhere): the open slots again, resuming
          // after t2 in price order.
          const rk = inst.rank[t2]!;
          nOpen = this.openSlots(b0, t);
          j = -1;
          while (j + 1 < nOpen && inst.rank[open[j + 1]!]! <= rk) j++;
        } else {
          this.e[w * T + t]! += d;
          this.e[w * T + t2]! -= d;
        }
      }
    }
    if (!tried) {
      c.ver[t] = this.ver;
      c.node[t] = b0;
      c.by[t] = memo ? -1 : v;
    }
  }

  private readonly open = new Int32Array(this.inst.T);
  private readonly words = (this.inst.T + 31) >>> 5;
  private readonly openBits = new Uint32Array(this.words);
  private readonly spare = new Uint32Array(this.inst.V * this.words);
  private readonly spareAt = new Float64Array(this.inst.V).fill(-1);
  private readonly noRoom = {
    ver: new Float64Array(this.inst.T).fill(-1), node: new Int32Array(this.inst.T), by: new Int32Array(this.inst.T),
  };

  /**
   * Slots other than t, cheapest first, where every node from b up to the site has room left: into `open`, and
   * as bits into `openBits`.
   */
  private openSlots(b: number, t: number): number {
    const { T, order, limE, parent } = this.inst;
    let n = 0;
    this.openBits.fill(0);
    for (let k = 0; k < T; k++) {
      const t2 = order[k]!;
      if (t2 === t) continue;
      let free = Infinity;
      for (let a = b; a >= 0 && free > EPS; a = parent[a]!) free = Math.min(free, limE[a * T + t2]! - this.load[a * T + t2]!);
      if (free > EPS) (this.open[n++] = t2), (this.openBits[t2 >>> 5]! |= 1 << (t2 & 31));
    }
    return n;
  }

  /**
   * Whether car w has room under its cap (cap above what it holds) in some open slot of its window: the move
   * below needs that (u() is at most the cap), and most partners have none. The bits per car are kept until
   * the car is written to (touch) or the caps change (epoch).
   */
  private spareIn(w: number): boolean {
    const { T, from, to } = this.inst;
    const W = this.words;
    if (!(this.spareAt[w]! >= this.wrote[w]! && this.spareAt[w]! >= this.epoch)) {
      this.spare.fill(0, w * W, w * W + W);
      for (let t = from[w]!; t < to[w]!; t++) {
        const i = w * T + t;
        if (this.cap[i]! - Math.max(this.e[i]!, this.r[i]!) > EPS) this.spare[w * W + (t >>> 5)]! |= 1 << (t & 31);
      }
      this.spareAt[w] = this.ver;
    }
    for (let k = 0; k < W; k++) if ((this.spare[w * W + k]! & this.openBits[k]!) !== 0) return true;
    return false;
  }

  private isUnder(n: number, a: number): boolean {
    for (let x = n; x >= 0; x = this.inst.parent[x]!) if (x === a) return true;
    return false;
  }
}
