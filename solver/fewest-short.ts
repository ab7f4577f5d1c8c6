// Fewest cars short (problem.shortfall "fewest-cars"): when not every target fits, the exact flow decides how much
// each priority class gets and what it costs, but not which cars of a class carry the shortfall; by price it spreads
// it over every car that shares the saturated slots (issue 21: Trondheim's September, 43 sessions short by 0.2-5.8
// kWh on 7 full nights). This post-pass keeps every slot's energy at every price as it is and re-deals it inside a
// class so that as many cars as possible end complete.
//
// The move: in one slot t, car d (a donor) draws δ less and car r (the car being completed) δ more. The site's and
// every common ancestor circuit's load in t are unchanged, so are the cost, the tie-break order's objective and a
// demand charge's peak; only r's circuits below the common ancestor take δ more, which is checked. Each car keeps its
// window, its maximum and the minimum rule (a slot is 0 or at least minKw; the donor gives all of a slot or keeps its
// minimum there, the receiver opens a slot only with at least its minimum). Cars are completed whole or not at all (a
// half-completed car is still short: the moves are undone), in order of smallest need (what the car asks for in this
// problem), ties toward the smaller shortfall and the earlier departure.
//
// Why smallest need, not smallest shortfall: where the short cars share one pool (one bottleneck, windows and
// maxima that do not bind), completing a set C needs sum(need, C) of the pool, so the most cars complete when the
// smallest needs go first (a knapsack with unit values). By shortfall is not: cars A (needs 10, has 9), B (needs 3,
// has 0), C (needs 3, has 0.5) share 9.5 kWh; smallest shortfall completes A only, smallest need B and C.
//
// Two deals: (1) every car of the class is in the pool (a complete car with a large need may give to two small ones),
// optimal on one bottleneck (tested against a brute force); (2) only cars already short give, so no complete car is
// touched and the count can only fall: the fallback when (1) leaves as many short as the plan did. Not done: moves
// across slots (through a third car shifting its own energy between two slots; every slot keeps its load, so they
// are free too) and cars with intermediate targets or under per-phase coupling (they keep their plan).
//
// The default since issue 21 (docs/outcome.md "Fewest cars short"): offline re-planning September, it met 34-58 more
// targets at home and up to 50 more at the workplace for the same energy and cost. Pure and deterministic.
import { evenShare } from "./even-share.js";
import { SHORTFALL_TOL, vehicleRow } from "./plan.js";
import { carsShort, maxEnergyAt, minEnergyAt, planEnergies, sitesOf, type Sites } from "./short-cars.js";
import type { Plan, Problem, VehiclePlan } from "./types.js";

/** Below this a slot's energy or a move is float noise (kWh). */
const EPS = 1e-9;
/** A car is complete when it misses at most this (kWh): well under SHORTFALL_TOL, so the plan reports it complete. */
const DONE = 1e-7;

/** Plans this pass returned (or found nothing to do in): applying it twice, as a wrapped warm solver may, is free. */
const dealt = new WeakSet<Plan>();

/**
 * The plan with as few cars short as the deal finds when the problem asks for it ("fewest-cars", the default), and
 * with "even" the energy of those still short shared evenly among them (even-share.ts); else the plan itself.
 */
export function withFewestShort(problem: Problem, plan: Plan): Plan {
  const rule = problem.shortfall ?? "fewest-cars";
  if (rule === "spread" || dealt.has(plan)) return plan;
  const dealtPlan = fewestShort(problem, plan);
  const out = rule === "even" ? evenShare(problem, dealtPlan) : dealtPlan;
  dealt.add(out);
  return out;
}

/** A solver (the scheduler's warm solver) whose plans go through the rule. */
export function fewestShortSolver<S extends { solve(problem: Problem): Plan }>(base: S): { solve(problem: Problem): Plan } {
  return { solve: (problem) => withFewestShort(problem, base.solve(problem)) };
}

/** The deal itself, whatever problem.shortfall says (the caller decided). */
export function fewestShort(problem: Problem, plan: Plan): Plan {
  const short = carsShort(problem, plan);
  if (!short) return plan;
  const deal = new Deal(problem, plan);
  // The pool deal first: on 200 random instances never worse than the plan nor than the short cars' deal (6 better).
  let best = deal.run(true);
  if (best.short >= short) best = deal.run(false);
  return best.short < short ? deal.plan(best) : plan;
}

interface Outcome { x: Float64Array; short: number; touched: Uint8Array }


class Deal {
  private readonly inst: Sites;
  private readonly T: number;
  /** Energy per car and slot as planned (the reservation: for a car that becomes full it may exceed what it draws). */
  private readonly x0: Float64Array;
  private readonly load0: Float64Array;
  private readonly energy0: Float64Array;
  /** Cars that may take part: no intermediate targets, no phase coupling, no early stop in their last slot. */
  private readonly free: Uint8Array;
  private readonly wasShort: Uint8Array;
  private readonly children: number[][];
  // The state of one run.
  private x = new Float64Array(0);
  private load = new Float64Array(0);
  private energy = new Float64Array(0);
  private done = new Uint8Array(0);
  /** Cars whose energies a move touched in this run (the plan rebuilds only their rows). */
  private touched = new Uint8Array(0);
  /** Donors per (node, slot): flat, bucket li holds flat[ptr[li]..end[li]); ptr moves past donors that gave out. */
  private flat = new Int32Array(0);
  private ptr = new Int32Array(0);
  private end = new Int32Array(0);
  /** Per slot, the energy the class's cars not yet completed draw: what a receiver could at most gather there. */
  private pool = new Float64Array(0);
  private readonly logD: number[] = [];
  private readonly logT: number[] = [];
  private readonly logE: number[] = [];
  private readonly logL: number[] = [];
  private readonly stack: number[] = [];

  constructor(
    private readonly problem: Problem,
    private readonly base: Plan,
  ) {
    const inst = (this.inst = sitesOf(problem));
    const { T, nNodes, parent } = inst;
    const V = problem.vehicles.length;
    this.T = T;
    ({ x: this.x0, load: this.load0, energy: this.energy0, free: this.free } = planEnergies(inst, problem, base));
    this.wasShort = new Uint8Array(V);
    for (let v = 0; v < V; v++) this.wasShort[v] = base.vehicles[v]!.shortfallKwh > SHORTFALL_TOL ? 1 : 0;
    this.children = Array.from({ length: nNodes }, () => []);
    for (let n = 1; n < nNodes; n++) this.children[parent[n]!]!.push(n);
  }

  private capAt(v: number, t: number): number {
    return maxEnergyAt(this.problem, this.inst, v, t);
  }

  private minAt(v: number, t: number): number {
    return minEnergyAt(this.problem, this.inst, v, t);
  }

  /** One deal over every class; pool: every car of the class may give, not only the cars already short. */
  run(pool: boolean): Outcome {
    const { cls, nClasses, need } = this.inst;
    const V = this.energy0.length;
    this.x = this.x0.slice();
    this.load = this.load0.slice();
    this.energy = this.energy0.slice();
    this.touched = new Uint8Array(V);
    this.done = new Uint8Array(V);
    for (let k = 0; k < nClasses; k++) {
      const members: number[] = [];
      let shortHere = 0;
      for (let v = 0; v < V; v++) {
        if (cls[v] !== k || !this.free[v]) continue;
        members.push(v);
        shortHere += this.wasShort[v]!;
      }
      if (shortHere === 0 || (!pool && shortHere < 2) || members.length < 2) continue;
      this.dealClass(pool ? members : members.filter((v) => this.wasShort[v]));
    }
    let short = 0;
    for (let v = 0; v < V; v++) {
      const missed = this.free[v] ? need[v]! - this.energy[v]! : this.base.vehicles[v]!.shortfallKwh;
      if (missed > SHORTFALL_TOL) short++;
    }
    return { x: this.x, short, touched: this.touched };
  }

  private dealClass(cars: number[]): void {
    const { T, nNodes, need, to } = this.inst;
    const missing = (v: number): number => need[v]! - this.energy[v]!;
    // Receivers: smallest need first (see the head of the file), then smallest shortfall, earlier departure, index.
    const recv = [...cars].sort((a, b) => need[a]! - need[b]! || missing(a) - missing(b) || to[a]! - to[b]! || a - b);
    // Donors per (node, slot), the receivers' order reversed: the cars least likely to be completed give first, and
    // the completed ones (never donors again) gather at the end of each list.
    const { from, node } = this.inst;
    const ptr = (this.ptr = new Int32Array(nNodes * T));
    const end = (this.end = new Int32Array(nNodes * T));
    for (const v of cars) for (let t = from[v]!; t < to[v]!; t++) if (this.x[v * T + t]! > EPS) end[node[v]! * T + t]!++;
    let at = 0;
    for (let li = 0; li < end.length; li++) ptr[li] = at, at += end[li]!, end[li] = ptr[li]!;
    const flat = (this.flat = new Int32Array(at));
    for (let i = recv.length - 1; i >= 0; i--) {
      const v = recv[i]!;
      for (let t = from[v]!; t < to[v]!; t++) if (this.x[v * T + t]! > EPS) flat[end[node[v]! * T + t]!++] = v;
    }
    this.pool = new Float64Array(T);
    for (const v of cars) for (let t = this.inst.from[v]!; t < to[v]!; t++) this.pool[t]! += this.x[v * T + t]!;
    for (const r of recv) this.complete(r);
  }

  /** Completes car r from its class's donors in the slots of its window, or leaves everything as it was. */
  private complete(r: number): void {
    const { T, from, to, need } = this.inst;
    let want = need[r]! - this.energy[r]!;
    this.done[r] = 1; // never a donor to itself, and never again once completed
    for (let t = from[r]!; t < to[r]!; t++) this.pool[t]! -= this.x[r * T + t]!;
    if (want <= DONE) return;
    // What the slots of its window could give at most (limits aside): a car that cannot be completed is seen at once.
    let most = 0;
    for (let t = from[r]!; t < to[r]!; t++) most += Math.min(Math.max(0, this.capAt(r, t) - this.x[r * T + t]!), this.pool[t]!);
    if (most < want - DONE) return this.giveUp(r);
    this.logD.length = this.logT.length = this.logE.length = this.logL.length = 0;
    // Slots where r charges first (no minimum to reach), then slots it would open.
    for (let pass = 0; pass < 2 && want > DONE; pass++) {
      for (let t = from[r]!; t < to[r]! && want > DONE; t++) {
        const had = this.x[r * T + t]!;
        if ((had > EPS) !== (pass === 0)) continue;
        const room = this.capAt(r, t) - had;
        if (room <= EPS) continue;
        const mark = this.logD.length;
        const got = this.fill(r, t, Math.min(want, room));
        if (pass === 1 && got < this.minAt(r, t) - EPS) this.undo(r, mark);
        else want -= got;
      }
    }
    if (want > DONE) {
      this.undo(r, 0);
      return this.giveUp(r);
    }
    this.energy[r] = need[r]!;
  }

  /** r stays short (its energies as they were): it may give to the cars after it. */
  private giveUp(r: number): void {
    const { from, to } = this.inst;
    this.done[r] = 0;
    for (let t = from[r]!; t < to[r]!; t++) this.pool[t]! += this.x[r * this.T + t]!;
  }

  /** Moves up to `want` into r's slot t from donors, nearest circuit first; returns what it moved. */
  private fill(r: number, t: number, want: number): number {
    const { parent, limE } = this.inst;
    const T = this.T;
    const a0 = this.inst.node[r]!;
    let got = this.take(r, a0, t, want, Infinity, a0);
    // Donors on other branches: r's circuits below the common ancestor take the energy.
    let room = Infinity;
    for (let prev = a0, a = parent[a0]!; a >= 0 && want - got > EPS; prev = a, a = parent[a]!) {
      room = Math.min(room, limE[prev * T + t]! - this.load[prev * T + t]!);
      if (room <= EPS) break;
      const stack = this.stack;
      stack.length = 0;
      stack.push(a);
      while (stack.length > 0 && want - got > EPS && room > EPS) {
        const n = stack.pop()!;
        const g = this.take(r, n, t, want - got, room, a);
        got += g;
        room -= g;
        for (const c of this.children[n]!) if (c !== prev) stack.push(c);
      }
    }
    return got;
  }

  /** Takes up to want (and at most room) from the donors hanging on node n in slot t; lca is r's and n's ancestor. */
  private take(r: number, n: number, t: number, want: number, room: number, lca: number): number {
    const T = this.T;
    const { flat, ptr } = this;
    const li = n * T + t;
    const end = this.end[li]!;
    // Leading donors that are completed or empty stay so (only the car being completed gains energy, and it may still
    // fail and give again): skip them once.
    while (ptr[li]! < end) {
      const d = flat[ptr[li]!]!;
      if (d === r || !(this.done[d] || this.x[d * T + t]! <= EPS)) break;
      ptr[li]!++;
    }
    let got = 0;
    for (let i = ptr[li]!; i < end && want - got > EPS && room - got > EPS; i++) {
      const d = flat[i]!;
      if (this.done[d]) continue;
      const has = this.x[d * T + t]!;
      if (has <= EPS) continue;
      const cap = Math.min(want - got, room - got);
      // The donor gives the whole slot, or keeps at least its minimum there.
      const delta = cap >= has - EPS ? has : Math.min(cap, has - this.minAt(d, t));
      if (delta <= EPS) continue;
      this.move(d, r, t, delta, lca);
      got += delta;
    }
    return got;
  }

  private move(d: number, r: number, t: number, delta: number, lca: number): void {
    const { parent, node } = this.inst;
    const T = this.T;
    this.x[d * T + t]! -= delta;
    if (this.x[d * T + t]! < EPS) this.x[d * T + t] = 0;
    this.x[r * T + t]! += delta;
    this.energy[d]! -= delta;
    this.energy[r]! += delta;
    this.pool[t]! -= delta;
    for (let a = node[r]!; a !== lca; a = parent[a]!) this.load[a * T + t]! += delta;
    for (let a = node[d]!; a !== lca; a = parent[a]!) this.load[a * T + t]! -= delta;
    this.logD.push(d);
    this.logT.push(t);
    this.logE.push(delta);
    this.logL.push(lca);
    this.touched[d] = this.touched[r] = 1;
  }

  /** Undoes r's moves after the mark (newest first). */
  private undo(r: number, mark: number): void {
    const { parent, node } = this.inst;
    const T = this.T;
    for (let i = this.logD.length - 1; i >= mark; i--) {
      const d = this.logD[i]!;
      const t = this.logT[i]!;
      const delta = this.logE[i]!;
      this.x[d * T + t]! += delta;
      this.x[r * T + t]! -= delta;
      if (this.x[r * T + t]! < EPS) this.x[r * T + t] = 0;
      this.energy[d]! += delta;
      this.energy[r]! -= delta;
      this.pool[t]! += delta;
      const lca = this.logL[i]!;
      for (let a = node[r]!; a !== lca; a = parent[a]!) this.load[a * T + t]! -= delta;
      for (let a = node[d]!; a !== lca; a = parent[a]!) this.load[a * T + t]! += delta;
    }
    this.logD.length = this.logT.length = this.logE.length = this.logL.length = mark;
  }

  /** The plan of the dealt energies: cars whose energies did not move keep their rows. */
  plan({ x, touched }: Outcome): Plan {
    let short = false;
    const vehicles: VehiclePlan[] = this.base.vehicles.map((row, v) => {
      if (!touched[v]) {
        if (row.shortfallKwh > SHORTFALL_TOL || (row.targets ?? []).some((g) => g.shortfallKwh > SHORTFALL_TOL)) short = true;
        return row;
      }
      const out = vehicleRow(this.inst, this.problem.vehicles[v]!, v, x);
      if (out.shortfallKwh > SHORTFALL_TOL) short = true;
      return out;
    });
    // Every slot keeps its energy, so the total cost is the plan's (per-car costs moved between cars).
    return { ...this.base, status: short ? "shortfall" : "optimal", vehicles };
  }
}
