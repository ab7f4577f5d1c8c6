// Warm re-plans: one WarmSolver per site keeps the flow of its last solve (flow-warm.ts) and, when the next problem
// differs from the last one by a few vehicles (arrived, left, changed), some prices or raised limits, edits that
// state and re-optimises from it; anything structural (other slots or circuits, intermediate targets, demand
// charges, per-phase coupling, many changes at once) is solved cold, and the next call can be warm again. Same
// optimum as solve(): flow-warm.ts says why.
//
// The scheduler's re-plans (issue 21): its slot 0 is the part of the current slot that is left, so between two
// re-plans in one slot every car's cap and minimum and every limit move in slot 0, and cars that drew energy need
// less. A change confined to a few slots (MAX_RESET_SLOTS) resets those slots (caps set, energies above them and
// slots over a lowered limit given back as supply) and a change of need alone trims the car's dearest slots; the
// top-up and the exchange pass re-optimise as for any change. Minimum power (fleets, warm-min-power.ts): the kept
// flow is the relaxation (slots below the minimum closed), rounded per car as the cold path does; where the rounding
// delivers less than the relaxation, the cold path's forcing re-solve is done warm (lower bounds in the kept flow).
//
// Import it from solver/warm.js: it falls back on index.ts's solve, so index.ts does not re-export it (a cycle).
// Pure like the rest of the solver: the state is an object the caller holds (one per site), no I/O, no clock.
// Plans share the VehiclePlan objects of vehicles whose energies did not change with the previous plan: treat
// plans as read-only.
import { buildInstance } from "./instance.js";
import type { Instance } from "./instance.js";
import { WarmFlow } from "./flow-warm.js";
import type { VehicleRow } from "./flow-warm.js";
import { clean, SHORTFALL_TOL, vehicleRow } from "./plan.js";
import { solve } from "./index.js";
import { closeBelowMinimum, hasMinimum, RelaxationCheck, MAX_RESET_SLOTS, relaxedCap, roundedPlan, setMinimum, SMALL_MIN_POWER, vehicleChange } from "./warm-slots.js";
import { roundWarm } from "./warm-min-power.js";
import type { MinPowerKept } from "./warm-min-power.js";
import type { SolveOptions } from "./index.js";
import type { CircuitSpec, PerSlot, Plan, Problem, VehiclePlan, VehicleSpec } from "./types.js";

/** A problem with more changed vehicles than this share of the fleet (or 8) is solved cold. */
const WARM_SHARE = 0.05;

function sameSlots(a: PerSlot | undefined, b: PerSlot | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || typeof a === "number" || typeof b === "number") return false;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const sameCircuit = (a: CircuitSpec, b: CircuitSpec): boolean => a.id === b.id && (a.parent ?? "site") === (b.parent ?? "site") && a.phaseLimitA === b.phaseLimitA && a.voltage === b.voltage;

/** Problems the kept flow can represent: simple vehicles, no demand charge, no phase coupling, a minimum on fleets only. */
function warmable(p: Problem): boolean {
  if (p.demandCharge) return false;
  const phaseLimited = (p.circuits ?? []).some((c) => c.phaseLimitA !== undefined);
  const small = p.vehicles.length * p.prices.length <= SMALL_MIN_POWER;
  for (const v of p.vehicles) {
    if ((small && hasMinimum(v.minKw)) || (v.targets && v.targets.length > 0)) return false;
    if (phaseLimited && v.phases === 1) return false;
  }
  return true;
}

/** Pads the instance with spare (empty) vehicles so that arrivals need no new arrays. */
function padInstance(inst: Instance, spare: number): Instance {
  const { V, T } = inst;
  const N = V + spare;
  const grow = <A extends Int32Array | Float64Array>(a: A, n: number, make: (n: number) => A): A => {
    const out = make(n);
    out.set(a);
    return out;
  };
  const segOff = new Int32Array(N + 1);
  for (let v = 0; v <= N; v++) segOff[v] = v;
  return {
    ...inst, V: N, ids: [...inst.ids, ...new Array<string>(spare).fill("")],
    node: grow(inst.node, N, (n) => new Int32Array(n)), from: grow(inst.from, N, (n) => new Int32Array(n)),
    to: grow(inst.to, N, (n) => new Int32Array(n)), cap: grow(inst.cap, N * T, (n) => new Float64Array(n)),
    minE: grow(inst.minE, N * T, (n) => new Float64Array(n)), need: grow(inst.need, N, (n) => new Float64Array(n)), segOff,
    segEnd: grow(inst.segEnd, N, (n) => new Int32Array(n)), segDem: grow(inst.segDem, N, (n) => new Float64Array(n)),
    cls: grow(inst.cls, N, (n) => new Int32Array(n)),
  };
}

interface Kept extends MinPowerKept {
  problem: Problem;
  /** Vehicle id -> index in the flow; specs and plan rows per index. */
  slot: Map<string, number>;
  spec: (VehicleSpec | undefined)[];
  row: (VehiclePlan | undefined)[];
  cost: Float64Array;
  freeSlots: number[];
  clsOf: Map<number, number>;
  nodeOf: Map<string, number>;
  /** The kept problem's vehicles: kept index per position (order) and position per kept index (pos); scratch. */
  order: Int32Array;
  pos: Int32Array;
  seen: Uint8Array;
  /** Some car has a minimum: the flow is the relaxation and plans are its rounding (warm-min-power.ts). */
  minPower: boolean;
}

export type WarmMode = "warm" | "cold" | "not warmable";

export class WarmSolver {
  private kept: Kept | undefined;
  /** How the last solve ran (for benchmarks and logs). */
  lastMode: WarmMode = "cold";

  /** Whether the last solve rounded every car again (minimum power: a full rounding, warm-min-power.ts). */
  get lastFullRounding(): boolean {
    return this.kept?.minPower === true && this.kept.lastFull === true;
  }

  /** The optimal plan of problem, from the kept state when the change since the last call is small. */
  solve(problem: Problem, options: SolveOptions = {}): Plan {
    const engine = options.engine ?? "auto";
    if (!warmable(problem) || (engine !== "auto" && engine !== "flow")) {
      this.kept = undefined;
      this.lastMode = "not warmable";
      return solve(problem, options);
    }
    if (this.kept) {
      this.lastMode = "warm";
      let plan: Plan | undefined;
      try {
        plan = this.warm(this.kept, problem);
      } catch (err) {
        this.kept = undefined; // a state left half-edited is never reused
        throw err;
      }
      if (plan) return plan;
    }
    return this.cold(problem, options);
  }

  /** Forgets the kept state (the next solve is cold). */
  reset(): void {
    this.kept = undefined;
  }

  private cold(problem: Problem, options: SolveOptions): Plan {
    this.kept = undefined;
    const inst0 = buildInstance(problem);
    let simple = true;
    for (let v = 0; v < inst0.V; v++) if (inst0.segOff[v + 1]! - inst0.segOff[v]! !== 1) simple = false;
    if (!simple || inst0.phaseRows.length > 0 || inst0.nNodes !== (problem.circuits ?? []).length + 1) {
      this.lastMode = "not warmable";
      return solve(problem, options);
    }
    const inst = padInstance(inst0, Math.max(16, Math.ceil(inst0.V / 8)));
    const minPower = problem.vehicles.some((v) => hasMinimum(v.minKw));
    if (minPower) closeBelowMinimum(inst);
    const flow = new WarmFlow(inst, minPower);
    flow.solveCold();
    const prios = [...new Set(problem.vehicles.map((v) => v.priority ?? 0))].sort((a, b) => b - a);
    const kept: Kept = {
      problem, inst, flow, slot: new Map(), spec: new Array(inst.V).fill(undefined), row: new Array(inst.V).fill(undefined),
      cost: new Float64Array(inst.V), freeSlots: [], clsOf: new Map(prios.map((q, k) => [q, k])),
      nodeOf: new Map((problem.circuits ?? []).map((c, i) => [c.id, i + 1])), minPower, changed: new Uint8Array(inst.V), respec: new Uint8Array(inst.V), check: new RelaxationCheck(inst), spare: [],
      order: new Int32Array(0), pos: new Int32Array(inst.V), seen: new Uint8Array(inst.V),
    };
    problem.vehicles.forEach((v, i) => (kept.slot.set(v.id, i), (kept.spec[i] = v)));
    for (let v = inst.V - 1; v >= inst0.V; v--) kept.freeSlots.push(v);
    this.kept = kept;
    this.lastMode = "cold";
    const order = Int32Array.from(problem.vehicles, (_, i) => i);
    this.keepOrder(kept, order);
    return this.plan(kept, problem, order, "flow", false);
  }

  /** The warm path; undefined when the change is structural or too large (the caller solves cold). */
  private warm(k: Kept, p: Problem): Plan | undefined {
    const old = k.problem;
    const { inst, flow } = k;
    const T = inst.T;
    if (p.slotMinutes !== old.slotMinutes || p.prices.length !== T || (p.tieBreak ?? "earlier") !== (old.tieBreak ?? "earlier")) return undefined;
    if (p.vehicles.some((v) => hasMinimum(v.minKw)) !== k.minPower) return undefined;
    const oc = old.circuits ?? [];
    const nc = p.circuits ?? [];
    if (oc.length !== nc.length || nc.some((c, i) => !sameCircuit(c, oc[i]!))) return undefined;

    // Which vehicles changed, before touching anything: taken out and put back (update), a new need only, or
    // nothing but their caps and minima in a few slots (gathered in `slots`, reset below for every car).
    const seen = k.seen;
    seen.fill(0);
    const order = new Int32Array(p.vehicles.length);
    const arrive: number[] = [];
    const update: number[] = [];
    const needOnly: number[] = [];
    const slots = new Set<number>();
    // A spec object that follows the previous one as in the last problem is the same vehicle (no lookup by id: a
    // string-keyed Map read per car was a noticeable share of a re-plan); otherwise the id says, and the walk
    // resumes after it.
    const prev = old.vehicles;
    let j = 0;
    let kept = 0;
    for (let i = 0; i < p.vehicles.length; i++) {
      const spec = p.vehicles[i]!;
      let v: number | undefined;
      if (j < prev.length && prev[j] === spec) v = k.order[j++]!;
      else if ((v = k.slot.get(spec.id)) !== undefined) j = k.pos[v]! + 1;
      if (v === undefined) {
        arrive.push(i);
        order[i] = -1;
        continue;
      }
      if (seen[v]) return undefined; // a duplicate id
      seen[v] = 1;
      kept++;
      order[i] = v;
      const change = vehicleChange(k.spec[v]!, spec, T, slots);
      if (change === "update") update.push(i);
      else if (change === "need") needOnly.push(i);
    }
    const leave: number[] = [];
    if (kept < k.slot.size) for (const v of k.slot.values()) if (!seen[v]) leave.push(v);
    const changes = arrive.length + update.length + leave.length;
    if (changes > Math.max(8, WARM_SHARE * p.vehicles.length) || arrive.length > k.freeSlots.length + leave.length) return undefined;
    for (const i of [...arrive, ...update]) {
      const s = p.vehicles[i]!;
      if (!k.clsOf.has(s.priority ?? 0) || (s.circuit !== undefined && !k.nodeOf.has(s.circuit))) return undefined;
    }
    let limE: Float64Array | undefined;
    if (!sameSlots(p.siteLimitKw, old.siteLimitKw) || nc.some((c, i) => !sameSlots(c.limitKw, oc[i]!.limitKw))) {
      limE = buildInstance({ ...p, vehicles: [] }).limE;
      // A limit lowered below the kept load empties that slot: it counts with the slots reset.
      for (let i = 0; i < limE.length; i++) if (flow.load[i]! > limE[i]! + 1e-7 * Math.max(1, limE[i]!)) slots.add(i % T);
    }
    if (slots.size > MAX_RESET_SLOTS) return undefined;

    // From here on the state changes: every path below ends in a plan.
    if (limE) inst.limE.set(limE);
    k.capsMoved = slots.size > 0;
    const repriced = p.prices !== old.prices && !sameSlots(p.prices, old.prices);
    if (repriced) this.setPrices(inst, p);
    for (const v of leave) {
      flow.clearVehicle(v);
      setMinimum(inst, v, undefined);
      k.slot.delete(k.spec[v]!.id);
      k.spec[v] = undefined;
      k.row[v] = undefined;
      k.freeSlots.push(v);
    }
    for (const i of update) {
      const v = order[i]!;
      const before = k.spec[v]!;
      const spec = p.vehicles[i]!;
      flow.clearVehicle(v);
      const same = before.availableFrom === spec.availableFrom && before.departure === spec.departure && before.circuit === spec.circuit;
      setMinimum(inst, v, spec);
      flow.setVehicle(v, this.rowOf(k, spec), same);
      k.respec[v] = 1;
    }
    for (const i of arrive) {
      const v = k.freeSlots.pop()!;
      const spec = p.vehicles[i]!;
      setMinimum(inst, v, spec);
      flow.setVehicle(v, this.rowOf(k, spec), false);
      k.respec[v] = 1;
      k.slot.set(spec.id, v);
      order[i] = v;
    }
    for (const t of slots) {
      for (let i = 0; i < p.vehicles.length; i++) {
        const v = order[i]!;
        const spec = p.vehicles[i]!;
        inst.minE[v * T + t] = (typeof spec.minKw === "number" ? spec.minKw : (spec.minKw?.[t] ?? 0)) * inst.h;
        const c = relaxedCap(spec, t, inst.h);
        // A kept rounding is rounded again where it no longer fits t's new cap or minimum (the slot-0 shrink
        // scales both: most plans still fit).
        const rr = k.round ? k.round.r[v * T + t]! : 0;
        if (rr > 0 && (rr > c + 1e-9 || rr < inst.minE[v * T + t]! - 1e-9)) k.changed[v] = k.respec[v] = 1;
        if (inst.from[v]! <= t && t < inst.to[v]!) flow.setCap(v, t, c);
      }
      for (let n = 0; n < inst.nNodes; n++) {
        const i = n * T + t;
        if (flow.load[i]! > inst.limE[i]! + 1e-7 * Math.max(1, inst.limE[i]!)) {
          flow.clearSlot(t);
          break;
        }
      }
    }
    for (const i of needOnly) {
      flow.setNeed(order[i]!, p.vehicles[i]!.energyKwh);
      k.row[order[i]!] = undefined; // its shortfall changed even where its energies did not
      k.changed[order[i]!] = k.respec[order[i]!] = 1;
    }
    for (let i = 0; i < p.vehicles.length; i++) k.spec[order[i]!] = p.vehicles[i]!;
    k.problem = p;
    this.keepOrder(k, order);
    if (!flow.reindex()) {
      this.kept = undefined;
      return undefined;
    }
    flow.reoptimize();
    // Several priority classes with someone short: who is short is decided through the source, which the
    // exchanges do not see (flow-warm.ts); solve cold then.
    if (inst.nClasses > 1 && !this.deliversAll(inst, flow.x)) {
      this.kept = undefined;
      return undefined;
    }
    return this.plan(k, p, order, "flow (warm)", repriced);
  }

  /** The kept index of each vehicle of the kept problem, and back (the next warm call walks them). */
  private keepOrder(k: Kept, order: Int32Array): void {
    k.order = order;
    for (let i = 0; i < order.length; i++) k.pos[order[i]!] = i;
  }

  private rowOf(k: Kept, s: VehicleSpec): VehicleRow {
    const { T, h } = k.inst;
    const from = Math.max(0, s.availableFrom);
    const to = Math.max(from, Math.min(T, s.departure));
    const mk = s.maxKw;
    return {
      id: s.id, from, to, node: s.circuit === undefined ? 0 : k.nodeOf.get(s.circuit)!, cls: k.clsOf.get(s.priority ?? 0)!,
      need: s.energyKwh, capAt: k.minPower ? (t) => relaxedCap(s, t, h) : typeof mk === "number" ? () => mk * h : (t) => (mk[t] ?? 0) * h,
    };
  }

  private setPrices(inst: Instance, p: Problem): void {
    const T = inst.T;
    inst.price.set(p.prices);
    const later = p.tieBreak === "later";
    const order = Array.from({ length: T }, (_, t) => t).sort((a, b) => inst.price[a]! - inst.price[b]! || (later ? b - a : a - b));
    inst.order.set(order);
    order.forEach((t, i) => (inst.rank[t] = i));
  }

  private deliversAll(inst: Instance, x: Float64Array): boolean {
    const T = inst.T;
    for (let v = 0; v < inst.V; v++) {
      let sum = 0;
      for (let t = inst.from[v]!; t < inst.to[v]!; t++) sum += x[v * T + t]!;
      if (sum < inst.need[v]! - 1e-9) return false;
    }
    return true;
  }

  /** The plan in the problem's vehicle order; rows of vehicles whose energies did not change are reused. */
  private plan(k: Kept, p: Problem, order: Int32Array, solver: string, allRows: boolean): Plan {
    if (k.minPower) return roundedPlan(k.inst, p, order, roundWarm(k, allRows), k.row, k.cost, solver);
    const x = k.flow.x;
    let total = 0;
    let short = false;
    const vehicles: VehiclePlan[] = new Array<VehiclePlan>(p.vehicles.length);
    for (let i = 0; i < p.vehicles.length; i++) {
      const v = order[i]!;
      const spec = p.vehicles[i]!;
      let row = k.row[v];
      if (k.flow.takeDirty(v) || allRows || !row) k.row[v] = row = vehicleRow(k.inst, spec, v, x, undefined, k.cost);
      if (!short && row.shortfallKwh > SHORTFALL_TOL) short = true;
      total += k.cost[v]!;
      vehicles[i] = row;
    }
    return { status: short ? "shortfall" : "optimal", totalCost: clean(total), vehicles, solver, solveMs: 0 };
  }
}
