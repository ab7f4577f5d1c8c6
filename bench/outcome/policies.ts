import { solve, type Problem } from '../../solver/index.js';
import type { Visit, Workload } from './workload.js';

/**
 * The offline policies of the outcome benchmark, each a pure function of the workload: the baseline a garage
 * without smart charging has, the per-car price optimiser most chargers and cars ship, and the best any planner
 * could do knowing every arrival, departure and price in advance. Our scheduler (bench/outcome/online.ts) sits
 * between the last two and is judged against both.
 */
export interface PolicyResult {
  name: string;
  /** Session id -> kWh per slot of the visit's window (row[i] is slot fromSlot + i, as Visit.capKwh). */
  kwh: Map<string, number[]>;
  replans?: number;
  solverMs?: { total: number; max: number; count: number };
  /** Only the online run measures these (per minute). */
  instantPeakKw?: number;
  instantViolations?: number;
}

// Below this a car has its energy: float residue of kWh sums must not open one more slot.
const DONE_KWH = 1e-9;

export const UNLIMITED = 'uncontrolled (no limit)';
export const FCFS = 'first come, first served';

/** Full power from arrival until the car has its energy or leaves; the site limit is ignored (nobody enforces it). */
export function uncontrolled(w: Workload): PolicyResult {
  const kwh = new Map<string, number[]>();
  for (const v of w.visits) {
    let left = v.session.energyKwh;
    kwh.set(v.session.id, v.capKwh.map((cap) => {
      const e = left > DONE_KWH ? Math.min(cap, left) : 0;
      left -= e;
      return e;
    }));
  }
  return { name: UNLIMITED, kwh };
}

/**
 * What a garage without smart charging but with a load manager does (the baseline): every car at full power from
 * arrival until it has its energy or leaves, and where the cars together would pass the site limit, the ones that
 * came first keep their power and the latest get what is left. Nothing is lost that a later slot can still give.
 */
export function firstComeFirstServed(w: Workload): PolicyResult {
  const roomKwh = w.site.gridLimitKw * (w.grid.stepMs / 3_600_000);
  const rows = w.visits.map((v) => ({ v, row: new Array<number>(v.capKwh.length).fill(0), left: v.session.energyKwh }));
  // Visits are in arrival order; those present in slot t are a contiguous run that starts where the earliest
  // still present one is.
  let first = 0;
  for (let t = 0; t < w.grid.slots; t++) {
    while (first < rows.length && rows[first]!.v.toSlot <= t) first++;
    let room = roomKwh;
    for (let k = first; k < rows.length && rows[k]!.v.fromSlot <= t && room > DONE_KWH; k++) {
      const r = rows[k]!;
      if (t >= r.v.toSlot || r.left <= DONE_KWH) continue;
      const e = Math.min(r.v.capKwh[t - r.v.fromSlot]!, r.left, room);
      r.row[t - r.v.fromSlot] = e;
      r.left -= e;
      room -= e;
    }
  }
  return { name: FCFS, kwh: new Map(rows.map((r) => [r.v.session.id, r.row])) };
}

/** One car alone: its cheapest slots (ties: the earlier) filled to capKwh until it has its energy. */
function cheapestSlots(w: Workload, v: Visit): number[] {
  const out = new Array<number>(v.capKwh.length).fill(0);
  const slots: number[] = [];
  for (let i = 0; i < v.capKwh.length; i++) if (v.capKwh[i]! > 0) slots.push(i);
  slots.sort((a, b) => w.prices[v.fromSlot + a]! - w.prices[v.fromSlot + b]! || a - b);
  let left = v.session.energyKwh;
  for (const i of slots) {
    if (left <= DONE_KWH) break;
    out[i] = Math.min(v.capKwh[i]!, left);
    left -= out[i]!;
  }
  return out;
}

/**
 * Every car plans its own cheapest slots, unaware of the others; then the site's breaker-like limit cuts each
 * slot down to gridLimitKw, serving cars in arrival order. Cars all like the same cheap slots, so the cut bites
 * exactly there, and what is cut is lost (nobody re-plans).
 */
export function greedy(w: Workload): PolicyResult {
  const kwh = new Map(w.visits.map((v) => [v.session.id, cheapestSlots(w, v)] as const));
  const roomKwh = w.site.gridLimitKw * (w.grid.stepMs / 3_600_000);
  let first = 0;
  for (let t = 0; t < w.grid.slots; t++) {
    while (first < w.visits.length && w.visits[first]!.toSlot <= t) first++;
    let room = roomKwh;
    for (let k = first; k < w.visits.length && w.visits[k]!.fromSlot <= t; k++) {
      const v = w.visits[k]!;
      if (t >= v.toSlot) continue;
      const row = kwh.get(v.session.id)!;
      const e = Math.min(row[t - v.fromSlot]!, Math.max(0, room));
      room -= e;
      row[t - v.fromSlot] = e;
    }
  }
  return { name: 'greedy', kwh };
}

/**
 * The solver's problem for visits[from..to) on the slots [first, last) (the whole period by default): each car's
 * window and per-slot cap, the site limit. Each car asks for `energyKwh(v)` (its session's energy unless told
 * otherwise).
 */
export function hindsightProblem(
  w: Workload,
  energyKwh: (v: Visit) => number = (v) => v.session.energyKwh,
  block: { visits: readonly Visit[]; first: number; last: number } = { visits: w.visits, first: 0, last: w.grid.slots },
): Problem {
  const h = w.grid.stepMs / 3_600_000;
  const { first, last } = block;
  return {
    slotMinutes: w.site.slotMinutes,
    prices: w.prices.slice(first, last),
    siteLimitKw: w.site.gridLimitKw,
    // Earlier on equal prices, as greedy: the bound must not win on a tie-break.
    tieBreak: 'earlier',
    vehicles: block.visits.map((v) => {
      // A partly occupied slot allows proportionally less power on average (the car is there for part of it).
      const maxKw = new Array<number>(last - first).fill(0);
      v.capKwh.forEach((c, i) => (maxKw[v.fromSlot - first + i] = c / h));
      return { id: v.session.id, availableFrom: v.fromSlot - first, departure: v.toSlot - first, energyKwh: energyKwh(v), maxKw };
    }),
  };
}

/**
 * The visits in runs that share no slot: between two runs there is a slot with no car, so nothing couples them and
 * each can be solved alone, exactly. Three months of a garage are a few dozen runs of days each instead of one
 * problem of thousands of cars times thousands of slots.
 */
export function independentBlocks(w: Workload): { visits: Visit[]; first: number; last: number }[] {
  const blocks: { visits: Visit[]; first: number; last: number }[] = [];
  for (const v of w.visits) {
    const open = blocks.at(-1);
    if (open && v.fromSlot < open.last) {
      open.visits.push(v);
      open.last = Math.max(open.last, v.toSlot);
    } else {
      blocks.push({ visits: [v], first: v.fromSlot, last: Math.max(v.toSlot, v.fromSlot + 1) });
    }
  }
  return blocks;
}

/**
 * The hindsight optimum: solver/ solve() on the whole period, knowing every session and price in advance (block by
 * independent block). No minimum power (the LP relaxation), so it is a lower bound on the cost of any policy that
 * meets the same targets. With `energyKwh`, the cheapest way to give each session that energy instead (what another
 * policy delivered): the bound at the same per-session energies.
 */
export function hindsight(w: Workload, energyKwh?: (v: Visit) => number): PolicyResult {
  const h = w.grid.stepMs / 3_600_000;
  const kwh = new Map<string, number[]>();
  let total = 0;
  let max = 0;
  for (const block of independentBlocks(w)) {
    const started = performance.now();
    const plan = solve(hindsightProblem(w, energyKwh, block));
    const ms = performance.now() - started;
    total += ms;
    max = Math.max(max, ms);
    const byId = new Map(plan.vehicles.map((p) => [p.id, p]));
    for (const v of block.visits) {
      const p = byId.get(v.session.id)!;
      kwh.set(v.session.id, v.capKwh.map((_, i) => p.powerKw[v.fromSlot - block.first + i]! * h));
    }
  }
  // Rows in the workload's visit order, as every other policy's.
  return { name: 'hindsight', kwh: new Map(w.visits.map((v) => [v.session.id, kwh.get(v.session.id)!])), replans: 1, solverMs: { total, max, count: 1 } };
}
