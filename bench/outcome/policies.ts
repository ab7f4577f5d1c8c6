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
  /** Session id -> kWh per grid slot. */
  kwh: Map<string, number[]>;
  replans?: number;
  solverMs?: { total: number; max: number; count: number };
  /** Only the online run measures these (per minute). */
  instantPeakKw?: number;
  instantViolations?: number;
}

// Below this a car has its energy: float residue of kWh sums must not open one more slot.
const DONE_KWH = 1e-9;

const zeros = (w: Workload) => new Array<number>(w.grid.slots).fill(0);

/** Full EVSE power from arrival until the car has its energy or leaves; the site limit is ignored (nobody enforces it). */
export function uncontrolled(w: Workload): PolicyResult {
  const kwh = new Map<string, number[]>();
  for (const v of w.visits) {
    const out = zeros(w);
    let left = v.session.energyKwh;
    for (let t = v.fromSlot; t < v.toSlot && left > DONE_KWH; t++) {
      out[t] = Math.min(v.capKwh[t]!, left);
      left -= out[t]!;
    }
    kwh.set(v.session.id, out);
  }
  return { name: 'uncontrolled', kwh };
}

/** One car alone: its cheapest slots (ties: the earlier) filled to capKwh until it has its energy. */
function cheapestSlots(w: Workload, v: Visit): number[] {
  const out = zeros(w);
  const slots: number[] = [];
  for (let t = v.fromSlot; t < v.toSlot; t++) if (v.capKwh[t]! > 0) slots.push(t);
  slots.sort((a, b) => w.prices[a]! - w.prices[b]! || a - b);
  let left = v.session.energyKwh;
  for (const t of slots) {
    if (left <= DONE_KWH) break;
    out[t] = Math.min(v.capKwh[t]!, left);
    left -= out[t]!;
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
  for (let t = 0; t < w.grid.slots; t++) {
    let room = roomKwh;
    for (const v of w.visits) {
      const row = kwh.get(v.session.id)!;
      const e = Math.min(row[t]!, Math.max(0, room));
      room -= e;
      row[t] = e;
    }
  }
  return { name: 'greedy', kwh };
}

/** The solver's problem for the whole period at once: each car's window and per-slot EVSE cap, the site limit. */
export function hindsightProblem(w: Workload): Problem {
  const h = w.grid.stepMs / 3_600_000;
  return {
    slotMinutes: w.site.slotMinutes,
    prices: w.prices,
    siteLimitKw: w.site.gridLimitKw,
    // Earlier on equal prices, as greedy: the bound must not win on a tie-break.
    tieBreak: 'earlier',
    vehicles: w.visits.map((v) => ({
      id: v.session.id,
      availableFrom: v.fromSlot,
      departure: v.toSlot,
      energyKwh: v.session.energyKwh,
      // A partly occupied slot allows proportionally less power on average (the car is there for part of it).
      maxKw: v.capKwh.map((c) => c / h),
    })),
  };
}

/**
 * The hindsight optimum: solver/ solve() on the whole period, knowing every session and price in advance. No
 * minimum power (the LP relaxation), so it is a lower bound on the cost of any policy that meets the same targets.
 */
export function hindsight(w: Workload): PolicyResult {
  const h = w.grid.stepMs / 3_600_000;
  const started = performance.now();
  const plan = solve(hindsightProblem(w));
  const ms = performance.now() - started;
  const kwh = new Map<string, number[]>();
  for (const p of plan.vehicles) kwh.set(p.id, p.powerKw.map((kw) => kw * h));
  return { name: 'hindsight', kwh, replans: 1, solverMs: { total: ms, max: ms, count: 1 } };
}
