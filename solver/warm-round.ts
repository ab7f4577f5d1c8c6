// The minimum-power rounding kept between warm re-plans (warm.ts): instead of rounding every car of the new
// relaxation again (93 % of a warm re-plan's time at 1,000 cars), only the cars whose relaxation changed are
// rounded again; every other car keeps its rounded plan.
//
// Why that is a valid plan, and the same rounding the cold path would apply to those cars:
// - a car whose relaxation did not change keeps energies and reservations that were valid (every charging slot
//   at its minimum, the last one with the minimum reserved) under caps and minima that did not change either
//   (warm.ts marks every car drawing in a slot whose caps or minima moved);
// - the changed cars start from their new relaxation. Together with the kept cars' relaxations it fits every
//   limit, so a (node, slot) can be over its limit only where kept cars reserve more than their relaxation
//   (their rounding moved energy there): those cars start from their relaxation again too, until nothing is
//   over a limit (at worst everyone: the relaxation itself);
// - the changed cars are then rounded, improved and filled exactly as min-power-round.ts does (same moves, the
//   others' reservations as the room they leave), and cars still short are filled by priority.
// warm-slots.ts then checks the result against the relaxation's energy as for a full rounding.
import type { Instance } from "./instance.js";
import { Rounding } from "./min-power-round.js";
import { EPS } from "./min-power-state.js";

export class WarmRounding extends Rounding {
  /** The node each car's reservations are booked on (a car that moved circuit is taken off its old path). */
  private readonly booked: Int32Array;
  /** Cars whose energies or reservations changed in the last run: their plan rows are rebuilt. */
  readonly touched: Uint8Array;
  private readonly mark: Uint8Array;
  /** The relaxation each car was last rounded from. */
  private readonly base: Float64Array;
  /** Loads when the last run started, and the slots where some node's room grew since (update's fill). */
  private readonly loadAtStart: Float64Array;
  private readonly grew: Int32Array;

  constructor(inst: Instance, x: Float64Array) {
    super(inst, inst.cap, x);
    this.base = x.slice();
    this.booked = inst.node.slice();
    this.touched = new Uint8Array(inst.V).fill(1);
    this.mark = new Uint8Array(inst.V);
    this.loadAtStart = new Float64Array(inst.nNodes * inst.T);
    this.grew = new Int32Array((inst.T + 31) >>> 5);
  }

  /** Starts again from relaxation x, unrounded, reusing this object's arrays (warm.ts keeps two). */
  reset(x: Float64Array): void {
    this.start(x);
    this.base.set(x);
    this.booked.set(this.inst.node);
    this.touched.fill(1);
    this.mark.fill(0);
  }

  protected override reserveCar(v: number, pass: "down" | "up" | "both" = "both"): void {
    this.touched[v] = 1;
    super.reserveCar(v, pass);
  }

  /** The full rounding (the cold path's). */
  runAll(): void {
    this.run();
    this.touched.fill(1);
  }

  /**
   * Rounds again after the relaxation x changed for the cars marked in `changed` (1: its relaxation, need, window,
   * caps or minima changed). Prices must be those the rounding was built with (warm.ts builds a new one otherwise).
   */
  update(x: Float64Array, changed: Uint8Array, respec?: Uint8Array, restartMoved = false, forced?: Float64Array, capsMoved = true): void {
    const { inst, mark, touched } = this;
    const { T, V, nNodes, limE, cls } = inst;
    touched.fill(0);
    this.loadAtStart.set(this.load);
    // Caps moved for cars the run may not write to (warm.ts reset slots): every car's spare bits are stale (repair
    // flow). Otherwise only cars whose spec changed have new caps, and they start again (touch) below.
    if (capsMoved) this.touchAll();
    else this.listsMoved();
    const list: number[] = [];
    this.suggested.length = 0; // this run's suggestions only (warm-min-power.ts forces them)
    // Cars whose relaxation alone moved (the flow re-routed them around the change: 10-100 cars after one change
    // at 1,000) keep their rounded plan, still valid under the same caps and minima, and move into cheaper room
    // afterwards (improve); restarting them from the moved relaxation rounds them around everyone else's rounded
    // plans, which drifted past the full rounding's cost more often (40 % of re-plans against 33 %).
    const moved: number[] = [];
    for (let v = 0; v < V; v++) {
      mark[v] = changed[v]! && (restartMoved || !respec || respec[v]! || !this.keeps(v)) ? 1 : 0;
      if (mark[v]) (this.restart(v, x), list.push(v));
      else if (changed[v]) moved.push(v);
    }
    for (let again = true; again; ) {
      again = false;
      for (let a = 0; a < nNodes; a++) {
        for (let t = 0; t < T; t++) {
          let over = this.load[a * T + t]! - limE[a * T + t]!;
          if (over <= EPS) continue;
          // The changed cars give up what does not fit (the fill below looks for room elsewhere) ...
          for (let k = 0; k < list.length && over > EPS; k++) {
            const v = list[k]!;
            const i = v * T + t;
            // A forced minimum (the flow's lower bound) stays: the kept cars above their relaxation give way to it.
            const d = Math.min(over, this.r[i]! - (forced ? forced[i]! : 0));
            if (d <= EPS || !this.isBelow(this.booked[v]!, a)) continue;
            this.touch(v);
            this.e[i] = this.r[i] = this.r[i]! - d;
            for (let b = this.booked[v]!; b >= 0; b = inst.parent[b]!) this.load[b * T + t]! -= d;
            over -= d;
          }
          // ... then kept cars that reserve more there than their relaxation start from it again.
          for (let v = 0; v < V && over > EPS; v++) {
            const i = v * T + t;
            if (mark[v] || !(this.r[i]! > x[i]! + EPS) || !this.isBelow(this.booked[v]!, a)) continue;
            over -= this.r[i]! - x[i]!;
            this.restart(v, x, true);
            mark[v] = 1;
            list.push(v);
            again = true;
          }
        }
      }
    }
    // Partners of moves C and of the repair flow: cars drawing in each slot now (only the cars of `list` ask for them).
    if (list.length > 0) this.fillBySlot();
    this.listsMoved();
    const byClass = (a: number, b: number): number => cls[a]! - cls[b]! || a - b;
    list.sort(byClass);
    for (const v of list) if (this.hasMin(v)) this.roundCar(v);
    for (const v of list) if (this.hasMin(v)) this.improve(v);
    for (const v of moved) if (!mark[v] && this.hasMin(v)) this.improve(v);
    // The fill: the changed cars, and every other car still short that can draw in a slot where room grew since the
    // last run (another car gave it up). The others were filled before and the room they saw has not grown: asking
    // them again (the repair flow for every short car and slot) took ~40 ms at 1,000 cars with 650 short.
    const grew = this.grew;
    grew.fill(0);
    let anyGrew = false;
    for (let a = 0; a < nNodes; a++) {
      for (let t = 0; t < T; t++) if (this.loadAtStart[a * T + t]! - this.load[a * T + t]! > EPS) (grew[t >>> 5]! |= 1 << (t & 31)), (anyGrew = true);
    }
    // The repair flow (other cars asked to make room) only for cars whose own spec changed or whose rounding left
    // some of their relaxation: a car that got its relaxation's energy was filled as far as room allowed before.
    for (const v of list) this.fill(v, !respec || respec[v] === 1 || this.below(v, x));
    // Then the kept cars still short, where they can draw in such a slot now (the first ones take the room), without
    // the repair flow: the room they could not get before has not grown elsewhere.
    for (let v = 0; v < V && anyGrew; v++) {
      if (mark[v] || inst.to[v]! <= inst.from[v]! || !this.roomGrew(v)) continue;
      let got = 0;
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) got += this.e[v * T + t]!;
      if (got >= inst.need[v]! - EPS) continue;
      this.fill(v, false);
    }
    // Every car written to in this run (moves of the repair flow and improve included) keeps the rule: a slot left
    // below its minimum without the minimum reserved is dropped and the car filled again.
    for (let v = 0; v < V; v++) if (touched[v]) this.safetyNet(v);
    // Energy the fill placed in dear slots moves to cheaper ones that the rounding of others left free.
    for (const v of list) if (this.hasMin(v)) this.improve(v);
  }

  /**
   * Car v starts again: from its rounded plan moved as its relaxation moved (rounded + new - old relaxation, where
   * that stays within 0 and the cap; the rounding keeps most of its structure) or, with `plain`, from the new
   * relaxation. Its old reservations leave the loads, the new ones enter.
   */
  private restart(v: number, x: Float64Array, plain = false): void {
    const { inst, e, r, load, base } = this;
    const { T, parent } = inst;
    const from = inst.from[v]!;
    const to = inst.to[v]!;
    const old = this.booked[v]!;
    const now = inst.node[v]!;
    this.touch(v);
    let delta = !plain && old === now;
    if (delta) {
      for (let t = 0; t < T && delta; t++) {
        const i = v * T + t;
        const is = t >= from && t < to ? e[i]! + x[i]! - base[i]! : 0;
        if (is < -EPS || is > this.cap[i]! + EPS || (is !== 0 && (t < from || t >= to))) delta = false;
      }
    }
    for (let t = 0; t < T; t++) {
      const i = v * T + t;
      const was = r[i]!;
      let is = t >= from && t < to ? (delta ? e[i]! + x[i]! - base[i]! : x[i]!) : 0;
      if (Math.abs(is) <= EPS) is = 0;
      if (was !== 0) for (let a = old; a >= 0; a = parent[a]!) load[a * T + t]! -= was;
      if (is !== 0) for (let a = now; a >= 0; a = parent[a]!) load[a * T + t]! += is;
      r[i] = is;
      e[i] = is;
      base[i] = x[i]!;
    }
    // A forced minimum beyond the need (the flow's demand was raised: flow-warm.ts force): the car draws its need in
    // time order and stops, the minimum stays reserved where it stops (as CarState.start does).
    let left = inst.need[v]!;
    for (let t = from; t < to; t++) {
      const i = v * T + t;
      const take = Math.min(e[i]!, Math.max(0, left));
      left -= take;
      e[i] = take;
    }
    this.booked[v] = now;
    this.touched[v] = 1;
  }

  /** Whether car v's rounding draws less than its relaxation x (capped at its need). */
  private below(v: number, x: Float64Array): boolean {
    const { T, from, to, need } = this.inst;
    let got = 0;
    let want = 0;
    for (let i = v * T + from[v]!; i < v * T + to[v]!; i++) (got += this.e[i]!), (want += x[i]!);
    return got < Math.min(want, need[v]!) - EPS;
  }

  /** Whether car v can draw more in a slot where room grew in this run (bits: usually a few slots grew). */
  private roomGrew(v: number): boolean {
    const { T, from, to } = this.inst;
    const a = from[v]!;
    const b = to[v]!;
    for (let k = a >>> 5; k < this.grew.length && k << 5 < b; k++) {
      let bits = this.grew[k]!;
      while (bits !== 0) {
        const t = (k << 5) + 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        if (t < a || t >= b) continue;
        if (this.u(v, t) - Math.max(this.e[v * T + t]!, this.r[v * T + t]!) > EPS) return true;
      }
    }
    return false;
  }

  /** Whether car v's kept plan can stay as it is (booked on its node, nothing outside its window). */
  private keeps(v: number): boolean {
    const { T } = this.inst;
    if (this.booked[v] !== this.inst.node[v]) return false;
    const from = this.inst.from[v]!;
    const to = this.inst.to[v]!;
    for (let t = 0; t < T; t++) if ((t < from || t >= to) && this.r[v * T + t] !== 0) return false;
    return true;
  }

  private isBelow(n: number, a: number): boolean {
    for (let x = n; x >= 0; x = this.inst.parent[x]!) if (x === a) return true;
    return false;
  }
}
