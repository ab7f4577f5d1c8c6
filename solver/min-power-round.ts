// Rounding of the relaxation to the minimum-power rule, car by car, without re-solving.
//
// A car's plan is valid when every charging slot holds at least the minimum, except its last charging slot:
// there the car becomes full and stops, so it may draw less, with the minimum's power reserved. For each car
// with a slot that breaks this ("fractional": 0 < energy < minimum, not last or no room for the minimum), the
// cheapest of three local moves is applied, dearest fractional slot first:
//   A. move the slot's energy into the car's other slots with room (cheapest first), or into a new slot at
//      least at the minimum, or into a new last slot (where it may be less than the minimum);
//   B. raise the slot to the minimum and take the difference back from the car's dearest slots (each keeps its
//      minimum; the last slot may give everything, it only ends the charge earlier);
//   C. (free) raise the slot with energy another car gives up there, handing that car as much of this car's
//      energy in another slot: loads and cost unchanged, an exchange the relaxation is indifferent to.
// Then each car moves energy into cheaper slots that the moves of others left free ("improve").
// The room a car may use in a slot is what the other cars leave under every limit, so limits always hold.
// When neither move fits, the slot is dropped and the fill pass (by priority, cheapest slots first) gives the
// car whatever room is left, including a slot at the minimum that is more than the rest it needs.
// Intermediate targets: a move never lowers the energy before a deadline below what the relaxation delivered
// on time (the "slack" of the deadline).
import { EPS } from "./min-power-state.js";
import { Repair } from "./min-power-repair.js";

const NO_SLACK: number[] = [];

export class Rounding extends Repair {
  private readonly cands = new Float64Array(6);
  private readonly donors = new Int32Array(this.inst.T);

  run(): void {
    const { inst } = this;
    const byClass = Array.from({ length: inst.V }, (_, v) => v).sort((a, b) => inst.cls[a]! - inst.cls[b]! || a - b);
    for (const v of byClass) if (this.hasMin(v)) this.roundCar(v);
    for (const v of byClass) if (this.hasMin(v)) this.improve(v);
    for (const v of byClass) this.fill(v);
    for (const v of byClass) this.safetyNet(v);
  }

  /**
   * Safety net: a charging slot whose reservation stayed below the minimum (no room was left for it when it
   * became the last) is dropped, and the car gets what the fill can still find.
   */
  protected safetyNet(v: number): void {
    const { inst } = this;
    const { T, minE } = inst;
    let dropped = false;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
      const i = v * T + t;
      if (this.e[i]! > EPS && this.r[i]! < minE[i]! - EPS) (this.e[i] = 0), (dropped = true), this.touch(v);
    }
    if (dropped) {
      this.reserveCar(v);
      this.fill(v);
    }
  }

  protected roundCar(v: number): void {
    const { inst } = this;
    const { T } = inst;
    this.setDeadlines(v, true);
    for (let guard = 0; guard <= 2 * T; guard++) {
      const L = this.last(v);
      let m = -1;
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
        if (this.violating(v, t, L) && (m < 0 || inst.rank[t]! > inst.rank[m]!)) m = t;
      }
      if (m < 0) break;
      const a = this.relocate(v, m);
      const b = this.raise(v, m);
      const best = a && (!b || a.cost <= b.cost) ? a : b;
      if (!best || best.cost > 0) {
        // Move C costs nothing: prefer it to any move that costs something.
        if (this.swap(v, m)) continue;
      }
      const costly = !best || (best === a && a.cost > 1e-12 * Math.max(1, Math.abs(this.key[m]!)));
      if (costly && this.cap[v * T + m]! >= inst.minE[v * T + m]! - EPS) this.suggested.push(v * T + m);
      this.touch(v);
      if (best) for (const [t, d] of best.moves) this.e[v * T + t]! += d;
      else this.e[v * T + m] = 0; // nothing fits: the fill pass gives the car what room is left
      this.reserveCar(v);
    }
    this.reserveCar(v);
  }

  /** Move A: the fractional slot's energy goes elsewhere. */
  protected relocate(v: number, m: number): { cost: number; moves: [number, number][] } | null {
    const { inst } = this;
    const { T } = inst;
    const a = this.e[v * T + m]!;
    const sl = this.slacks(v);
    const moves: [number, number][] = [[m, -a]];
    let cost = -a * this.key[m]!;
    let left = a;
    let lp = this.last(v, m);
    for (let k = 0; k < T && left > EPS; k++) {
      const t = inst.order[k]!;
      if (t < inst.from[v]! || t >= inst.to[v]! || t === m) continue;
      const i = v * T + t;
      const cur = this.e[i]!;
      const u = this.u(v, t);
      const min = inst.minE[i]!;
      let add: number;
      if (cur > EPS) {
        add = this.capMove(sl, m, t, Math.min(left, u - cur));
      } else {
        if (u < Math.max(min, EPS) - EPS) continue;
        const lastOk = lp < 0 || this.e[v * T + lp]! + this.added(moves, lp) >= inst.minE[v * T + lp]! - EPS;
        if (t > lp && !lastOk) continue;
        add = this.capMove(sl, m, t, Math.min(left, u));
        // Less than the minimum only as the new last slot, taking all that is left.
        if (add < min - EPS && !(t > lp && add >= left - EPS)) continue;
        if (t > lp) lp = t;
      }
      if (add <= EPS) continue;
      this.applyMove(sl, m, t, add);
      moves.push([t, add]);
      cost += add * this.key[t]!;
      left -= add;
    }
    return left <= EPS ? { cost, moves } : null;
  }

  protected added(moves: [number, number][], t: number): number {
    let s = 0;
    for (const [tt, d] of moves) if (tt === t) s += d;
    return s;
  }

  /** Move B: the fractional slot rises to the minimum; the car's dearest slots give the difference back. */
  protected raise(v: number, m: number): { cost: number; moves: [number, number][] } | null {
    const { inst } = this;
    const { T } = inst;
    const im = v * T + m;
    const min = inst.minE[im]!;
    if (this.u(v, m) < min - EPS) return null;
    const delta = min - this.e[im]!;
    const sl = this.slacks(v);
    const L = this.last(v);
    const moves: [number, number][] = [[m, delta]];
    let cost = delta * this.key[m]!;
    let left = delta;
    for (let k = T - 1; k >= 0 && left > EPS; k--) {
      const t = inst.order[k]!;
      if (t < inst.from[v]! || t >= inst.to[v]! || t === m) continue;
      const cur = this.e[v * T + t]!;
      if (cur <= EPS) continue;
      const give = this.capMove(sl, t, m, Math.min(left, t === L ? cur : cur - inst.minE[v * T + t]!));
      if (give <= EPS) continue;
      this.applyMove(sl, t, m, give);
      moves.push([t, -give]);
      cost -= give * this.key[t]!;
      left -= give;
    }
    return left <= EPS ? { cost, moves } : null;
  }

  /**
   * Move C: raise v's fractional slot m with energy another car w gives up in m, and hand w as much of v's
   * energy in another slot t: both slots' loads stay as they are, so does the cost (an exchange that the
   * relaxation is indifferent to and a per-car move cannot see). Cars without intermediate targets only.
   */
  protected swap(v: number, m: number): boolean {
    const { inst } = this;
    const { T, V, minE, cap } = inst;
    if (this.dl.length > 0) return false;
    const im = v * T + m;
    const need = minE[im]! - this.e[im]!;
    const Lv = this.last(v);
    void V;
    // v's slots that can give `need` (a looser bound than the check below, which stays): every partner looks
    // at these only, not at the whole overlap of the two windows.
    const donors = this.donors;
    let nd = 0;
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) if (t !== m && this.e[v * T + t]! >= need - 2 * EPS) donors[nd++] = t;
    if (nd === 0) return false;
    const partners = this.partnersAt(m);
    for (let j = 0, nw = this.bySlotN[m]!; j < nw; j++) {
      const w = partners[j]!;
      if (w === v || inst.segOff[w + 1]! - inst.segOff[w]! > 1 || inst.cls[w] !== inst.cls[v]) continue;
      const wm = w * T + m;
      if (this.e[wm]! < need - EPS) continue;
      let Lw = -2; // found when a slot passes the first checks
      const lo = Math.max(inst.from[v]!, inst.from[w]!);
      const hi = Math.min(inst.to[v]!, inst.to[w]!);
      for (let k = 0; k < nd; k++) {
        const t = donors[k]!;
        if (t < lo || t >= hi) continue;
        const vt = v * T + t;
        const wt = w * T + t;
        if (t === m || this.e[vt]! < need - EPS || cap[wt]! - this.e[wt]! < need - EPS) continue;
        if (Lw === -2) Lw = this.last(w);
        // Candidate amounts, smallest first (a scratch array: this loop runs for every partner and slot).
        const cands = this.cands;
        cands[0] = need, cands[1] = minE[wt]! - this.e[wt]!, cands[2] = this.e[vt]!;
        cands[3] = this.e[wm]!, cands[4] = this.e[vt]! - minE[vt]!, cands[5] = this.e[wm]! - minE[wm]!;
        cands.sort();
        for (let ci = 0; ci < 6; ci++) {
          const d = cands[ci]!;
          if (!(d >= need - EPS) || d > this.e[vt]! + EPS || d > this.e[wm]! + EPS) continue;
          if (this.e[im]! + d > cap[im]! + EPS || this.e[wt]! + d > cap[wt]! + EPS) continue;
          // Cheap filter before the full check: a slot left between 0 and its minimum must be able to be last.
          if (!this.mayHold(this.e[vt]! - d, minE[vt]!, t >= Lv) || !this.mayHold(this.e[wm]! - d, minE[wm]!, m >= Lw)) continue;
          if (!this.mayHold(this.e[wt]! + d, minE[wt]!, t >= Lw) || !this.pathsAllow(v, w, m, t, d)) continue;
          this.exchange(v, w, m, t, d);
          if (this.validAt(v, [m, t, Lv]) && this.validAt(w, [m, t, Lw])) {
            // Loads fall before they rise, so no reservation is judged against a transient overload.
            this.reserveCar(v, "down");
            this.reserveCar(w, "down");
            this.reserveCar(v);
            this.reserveCar(w);
            return true;
          }
          this.exchange(v, w, m, t, -d);
        }
      }
    }
    return false;
  }

  /**
   * After the rounding a car may have room left in a cheaper slot than one it uses (another car's move freed
   * it): move energy there while every slot keeps its minimum (or is the last) and no deadline loses energy.
   */
  protected improve(v: number): void {
    const { inst } = this;
    const { T, order, rank, minE } = inst;
    this.setDeadlines(v, true);
    for (let ci = 0; ci < T; ci++) {
      const c = order[ci]!;
      if (c < inst.from[v]! || c >= inst.to[v]!) continue;
      // No room in c: the scan below would stop at the first dearer slot with energy, having moved nothing (at a
      // binding limit most cheap slots are full, and this keeps improve at O(T) per car there instead of O(T^2)).
      if (this.u(v, c) - Math.max(this.e[v * T + c]!, this.r[v * T + c]!) <= EPS) continue;
      for (let di = T - 1; di > ci; di--) {
        const d = order[di]!;
        if (d < inst.from[v]! || d >= inst.to[v]! || this.e[v * T + d]! <= EPS || !(this.key[d]! > this.key[c]!)) continue;
        const ic = v * T + c;
        const id = v * T + d;
        const room = this.u(v, c) - Math.max(this.e[ic]!, this.r[ic]!);
        if (room <= EPS) break;
        const sl = this.dl.length === 0 ? NO_SLACK : this.slacks(v);
        for (let k = 0; k < 2; k++) {
          const a0 = Math.min(room, k === 0 ? this.e[id]! : this.e[id]! - minE[id]!);
          const a = this.capMove(sl, d, c, a0);
          if (a <= EPS) continue;
          this.touch(v);
          this.e[ic]! += a;
          this.e[id]! -= a;
          if (this.e[ic]! >= minE[ic]! - EPS || c > this.last(v, c)) {
            if (this.validCar(v)) {
              this.reserveCar(v);
              break;
            }
          }
          this.e[ic]! -= a;
          this.e[id]! += a;
        }
      }
      void rank;
    }
  }

  /**
   * Cars still short (by priority): room left, cheapest slots first; intermediate targets before the rest. Without
   * `repair`, only room that is there (no other car is asked to move: warm-round.ts).
   */
  protected fill(v: number, repair = true): void {
    const { inst } = this;
    if (inst.to[v]! <= inst.from[v]!) return;
    this.setDeadlines(v, false);
    for (let j = 0; j < this.dl.length; j++) {
      const s = this.dl[j]!;
      const want = Math.min(this.req[j]! - this.before(v, s), inst.need[v]! - this.before(v, inst.to[v]!));
      if (want > EPS) this.fillWithin(v, want, s, repair);
    }
    const want = inst.need[v]! - this.before(v, inst.to[v]!);
    if (want > EPS) this.fillWithin(v, want, inst.to[v]!, repair);
  }

  protected fillWithin(v: number, amount: number, end: number, repair = true): void {
    const { inst } = this;
    const { T } = inst;
    let left = amount;
    for (let k = 0; k < T && left > EPS; k++) {
      const t = inst.order[k]!;
      if (t < inst.from[v]! || t >= Math.min(inst.to[v]!, end)) continue;
      const i = v * T + t;
      const cur = this.e[i]!;
      const min = inst.minE[i]!;
      const want = cur > EPS ? cur + left : Math.max(min, Math.min(left, this.cap[i]!));
      if (repair && this.u(v, t) < want - EPS && this.cap[i]! >= Math.max(min, EPS)) this.makeRoom(v, t, want - this.u(v, t));
      const u = this.u(v, t);
      const L = this.last(v);
      let add = 0;
      if (cur > EPS) {
        add = Math.min(left, u - cur);
        if (add > 0) (this.e[i]! += add), this.touch(v);
      } else if (u >= Math.max(min, EPS) - EPS) {
        const lastOk = L < 0 || this.e[v * T + L]! >= inst.minE[v * T + L]! - EPS;
        if (left >= min - EPS) {
          if (t > L && !lastOk) continue;
          add = Math.min(left, u);
          this.e[i] = add;
          this.touch(v);
        } else if (t > L && lastOk) {
          add = left; // a new last slot: the minimum is reserved, the car takes the rest and stops
          this.e[i] = add;
          this.touch(v);
        } else if (t < L) {
          // One more slot at the minimum, more than the rest: the last slot draws the excess less.
          const excess = min - left;
          if (this.e[v * T + L]! - excess <= EPS) continue;
          this.e[i] = min;
          this.e[v * T + L]! -= excess;
          this.touch(v);
          add = left;
        }
      }
      if (add > EPS) {
        left -= add;
        this.reserveCar(v);
      }
    }
  }
}
