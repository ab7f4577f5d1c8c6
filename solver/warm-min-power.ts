// Minimum power in warm re-plans (warm.ts). The kept flow is the relaxation (slots below the minimum closed) and the
// kept rounding is updated for the cars that changed (warm-round.ts), as the cold path's rounding would round them.
//
// Where the rounding delivers less than the relaxation (cars short: a car's last slot cannot reserve its minimum
// under a binding limit), the cold path re-solves the relaxation once with the slots its rounding could resolve
// only at a cost forced to the minimum as lower bounds, rounds that, and keeps the better plan (min-power.ts,
// fleets). Warm does the same on the kept state: the suggested slots of the cars it rounded again are forced in the
// kept flow (flow-warm.ts force: the others at that slot give up the room and the flow re-optimises warm around the
// lower bounds, which it keeps), and the cars the re-optimisation moved are rounded again. Forced minima stay in the
// kept flow while their car and slot do not change (a car that leaves, changes or whose slot's cap moves loses
// them), so the next re-plans start from the forced relaxation, as cold's plan does. Until 7 December such a
// re-plan ran the cold path (159 ms at 1,000 cars with 653 short, more than cold's 110 ms).
//
// A full rounding runs on the first solve, with new prices, and when the kept rounding drifted: it delivers less
// than the last full one did (relative to the relaxation, per class) or costs more than DRIFT above it. It is the
// cold path's steps on the kept instance, both relaxations solved from nothing, so its plan is cold's.
import type { Instance } from "./instance.js";
import { WarmFlow } from "./flow-warm.js";
import { WarmRounding } from "./warm-round.js";
import { keepSameRows } from "./warm-slots.js";
import type { CheckResult, RelaxationCheck } from "./warm-slots.js";

/**
 * How far (relative cost) incremental roundings may drift above the last full rounding's distance to the
 * relaxation before every car is rounded again. The cold path's own rounding is ~4e-5 above it at fleet size.
 */
const DRIFT = 5e-5;
/**
 * The same when cars are short: a full rounding's own distance to its relaxation then varies by ~2e-4 from one
 * problem to the next (a re-optimised relaxation is another optimal vertex than a cold one, rounded differently).
 */
const DRIFT_SHORT = 2e-4;
/** Energy (kWh, per class) an incremental rounding may leave beyond what the last full one left of its relaxation. */
const DEFICIT_TOL = 1e-7;
const EPS = 1e-9;

export interface MinPowerKept {
  inst: Instance;
  flow: WarmFlow;
  /** The kept rounding, and spare ones reused by full roundings. */
  round?: WarmRounding;
  spare: WarmRounding[];
  /** The cars whose relaxation changed since the last rounding, and those whose need, window, caps or minima did. */
  changed: Uint8Array;
  respec: Uint8Array;
  check: RelaxationCheck;
  /** The last full rounding's check against its relaxation. */
  full?: CheckResult;
  /** Whether the last full rounding left cars short of the relaxation without forced minima (cold forced some). */
  short?: boolean;
  /** Set by warm.ts when some car's caps moved without its spec changing (slots reset): the rounding's caches go. */
  capsMoved?: boolean;
  /** Whether the last rounding was a full one (every car rounded again; benchmarks count them). */
  lastFull?: boolean;
}

/** The kept rounding brought up to the kept relaxation (flow.x); `fresh`: round every car (new prices, first solve). */
export function roundWarm(k: MinPowerKept, fresh: boolean): WarmRounding {
  k.flow.takeDirtyInto(k.changed);
  let r = !fresh && k.full ? k.round : undefined;
  if (r && drifted(k, incremental(k, r))) r = undefined;
  k.lastFull = !r;
  if (!r) r = fullRounding(k, fresh);
  k.changed.fill(0);
  k.respec.fill(0);
  k.capsMoved = false;
  return r;
}

/** Updates r for the changed cars; when it delivers less than the relaxation, forces its suggestions (one round). */
function incremental(k: MinPowerKept, r: WarmRounding): CheckResult {
  const { flow, check, changed } = k;
  const x = flow.x;
  // Cars short (the last full rounding left some of its relaxation): every car whose relaxation moved starts again
  // from it, so that energy the relaxation re-routed to short cars reaches their plans.
  r.update(x, changed, k.respec, k.short, flow.lb, k.capsMoved !== false);
  check.refresh(x, r.e, changed, r.touched);
  const res = check.result();
  if (res.delivers || !force(k.inst, flow, r.suggested)) return res;
  const touched = r.touched.slice();
  flow.reoptimize();
  changed.fill(0);
  flow.takeDirtyInto(changed);
  // The cars the forcing moved start again from the forced relaxation (their kept plans reserve where the forced
  // minima now sit).
  r.update(x, changed, k.respec, true, flow.lb, false);
  for (let v = 0; v < touched.length; v++) r.touched[v]! |= touched[v]!;
  check.refresh(x, r.e, changed, r.touched);
  return check.result();
}

/**
 * Whether the incremental rounding drifted: with everyone served, it delivers less than the relaxation or costs
 * DRIFT more above it than the last full rounding; with cars short, it leaves more of its relaxation's energy than
 * the last full rounding (cold's plan) left of its own, in some class, or costs DRIFT_SHORT more above it.
 */
function drifted(k: MinPowerKept, res: CheckResult): boolean {
  const full = k.full!;
  if (!k.short) return !res.delivers || res.gap > full.gap + DRIFT;
  for (let c = 0; c < res.got.length; c++) {
    if (res.bound[c]! - res.got[c]! > full.bound[c]! - full.got[c]! + DEFICIT_TOL * Math.max(1, res.bound[c]!)) return true;
  }
  return res.gap > full.gap + DRIFT_SHORT;
}

/** A whole rounding of `flow`'s relaxation in spare rounding `i`, checked against it (read with `k.check.result()`). */
function roundFrom(k: MinPowerKept, i: number, flow: WarmFlow): WarmRounding {
  const r = spareOf(k, i);
  r.reset(flow.x);
  r.runAll();
  k.check.refresh(flow.x, r.e, undefined, undefined);
  return r;
}

/**
 * The cold path's steps (min-power.ts, fleets) on the kept instance: the relaxation solved from nothing (a
 * re-optimised one is another optimal vertex, and its rounding delivered up to 0.4 kWh less than cold's at 1,000 cars
 * with 650 short), its rounding, and when that leaves relaxation energy the relaxation solved again from nothing
 * with the suggested minima as lower bounds, its rounding, the better of the two. The same plan as cold's.
 */
function fullRounding(k: MinPowerKept, fresh: boolean): WarmRounding {
  const { check, inst } = k;
  let unforced = k.flow;
  // Everyone served: the kept relaxation as it is (same optimum, and the incremental path's drift checks keep the
  // cost within DRIFT); a fresh one only where cars are short and the forcing decides who gets what.
  if (k.full && k.short) {
    unforced = new WarmFlow(inst, true);
    unforced.solveCold();
  } else if (unforced.forcedCount > 0) {
    unforced.unforceAll();
    unforced.reoptimize();
  }
  const a = roundFrom(k, 0, unforced);
  let res = check.result();
  let r = a;
  k.flow = unforced;
  k.short = !res.delivers;
  if (!res.delivers) {
    const forcedFlow = new WarmFlow(inst, true);
    if (force(inst, forcedFlow, a.suggested, true)) {
      forcedFlow.solveCold();
      const b = roundFrom(k, 1, forcedFlow);
      const forced = check.result();
      if (better(forced, res)) (r = b), (res = forced), (k.flow = forcedFlow);
      else {
        check.refresh(unforced.x, a.e, undefined, undefined);
        res = check.result();
      }
    }
  }
  // Every car was rounded from the flow as it is now: the flow's marks of moved cars are spent.
  k.flow.takeDirtyInto(k.changed);
  if (k.round && !fresh) keepSameRows(inst, k.round, r);
  k.spare = k.spare.filter((s) => s !== r);
  if (k.round) k.spare.push(k.round);
  k.round = r;
  k.full = res;
  return r;
}

function spareOf(k: MinPowerKept, j: number): WarmRounding {
  while (k.spare.length <= j) k.spare.push(new WarmRounding(k.inst, k.flow.x));
  return k.spare[j]!;
}

/**
 * Forces the suggested slots whose minima, with those already forced, fit every limit (min-power.ts fits): into the
 * kept flow (re-optimised by the caller), or with `preset` into a flow not solved yet.
 */
function force(inst: Instance, flow: WarmFlow, suggested: readonly number[], preset = false): boolean {
  const { T, minE, limE, node, parent } = inst;
  const lb = flow.lb!;
  const forced = flow.forcedLoad!;
  let added = false;
  for (const i of suggested) {
    const m = minE[i]!;
    if (lb[i]! > 0 || !(m > 0)) continue;
    const v = Math.floor(i / T);
    const t = i - v * T;
    let fits = true;
    for (let a = node[v]!; a >= 0 && fits; a = parent[a]!) if (forced[a * T + t]! + m > limE[a * T + t]! + EPS) fits = false;
    if (!fits) continue;
    if (preset) flow.preset(v, t, m);
    else flow.force(v, t, m);
    added = true;
  }
  return added;
}

/** More energy by class (highest first), then a lower cost (min-power.ts better). */
function better(a: CheckResult, b: CheckResult): boolean {
  for (let c = 0; c < a.got.length; c++) {
    if (a.got[c]! > b.got[c]! + 1e-7) return true;
    if (a.got[c]! < b.got[c]! - 1e-7) return false;
  }
  return a.cost < b.cost - 1e-9 * Math.max(1, Math.abs(b.cost));
}
