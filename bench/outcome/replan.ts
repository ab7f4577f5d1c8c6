/**
 * The planner's idea without the product around it: at every slot in which a car arrives, solve the cars that are
 * here (what each still needs, its stay, the limit) and charge by that plan until the next arrival; with
 * `arrivals`, also the cars still to come, learned each day from the sessions that finished before it
 * (src/scheduler/arrivals.ts, the product's own code). Offline and exact (no minimum power, whole slots), so it runs
 * three months in seconds: how the choices for the cars still to come compare, before the product is run with them.
 */
import { solve, type Problem, type ShortfallRule, type VehicleSpec } from '../../solver/index.js';
import { busyDayFactor, learnArrivals, type ArrivalModel } from '../../src/scheduler/arrivals-model.js';
import { expectedVehicles } from '../../src/scheduler/arrivals.js';
import { withSoftExpected } from '../../src/scheduler/arrivals-soft.js';
import { slotGrid } from '../../src/scheduler/problem.js';
import type { PolicyResult } from './policies.js';
import type { Workload } from './workload.js';
import type { SessionRecord } from '../../src/cli/sim/sessions.js';
import { DateTime } from 'luxon';

const DONE_KWH = 1e-6;

export interface ReplanOptions {
  /** Weeks of finished sessions to learn the arrivals from (0: only the cars that are here). */
  arrivalWeeks: number;
  /** Scales the expected cars (1: the mean). */
  weight?: number;
  /** Sessions before the period, learned from as the workload's own finished ones. */
  history?: readonly SessionRecord[];
  name?: string;
  /**
   * Re-plan at every slot boundary as well as at each arrival, as the product does (its slot timer). Without phantoms
   * this changes nothing (no news between arrivals); with them it frees the room held for expected cars that did not
   * come, which a plan kept until the next arrival would leave unused.
   */
  everySlot?: boolean;
  /** Expected cars as soft tiers (arrivals-soft.ts) with this value of room (1: its probability), not hard phantoms. */
  soft?: number;
  /** With soft: tiers at least this likely stay hard phantoms. */
  hardAbove?: number;
  /** Scale the expected cars of the rest of today by how busy today has been so far (busyDayFactor, this prior). */
  busyPrior?: number;
  /** The solver's problem.shortfall (absent: the solver's default). */
  shortfall?: ShortfallRule;
  /**
   * Plan with what the product knows of prices (issue 21): the day-ahead prices of a local day from 13:00 the day
   * before (as the bench's world publishes them), every later slot at the same slot a week before (the product's
   * 'same-weekday-last-week' estimate). The slot's price one week before the period's first slot, and every slot after it.
   */
  dayAhead?: { pricesFromWeekBefore: readonly number[] };
}

export function replanOnArrival(w: Workload, opts: ReplanOptions): PolicyResult {
  const { grid, site } = w;
  const h = grid.stepMs / 3_600_000;
  const rows = new Map(w.visits.map((v) => [v.session.id, new Array<number>(v.capKwh.length).fill(0)]));
  const left = new Map(w.visits.map((v) => [v.session.id, v.session.energyKwh]));
  const arrivalSlots = opts.everySlot ? occupiedSlots(w) : [...new Set(w.visits.filter((v) => v.toSlot > v.fromSlot).map((v) => v.fromSlot))].sort((a, b) => a - b);
  let model: { day: string; model: ArrivalModel | undefined } | undefined;
  let solves = 0;
  let total = 0;
  let max = 0;
  arrivalSlots.forEach((t0, k) => {
    const until = arrivalSlots[k + 1] ?? grid.slots;
    const here = w.visits.filter((v) => v.fromSlot <= t0 && t0 < v.toSlot && left.get(v.session.id)! > DONE_KWH);
    if (here.length === 0) return;
    const last = Math.max(...here.map((v) => v.toSlot));
    const T = last - t0;
    const startMs = grid.startMs + t0 * grid.stepMs;
    const vehicles: VehicleSpec[] = here.map((v) => {
      const maxKw = new Array<number>(T).fill(0);
      for (let t = t0; t < v.toSlot; t++) maxKw[t - t0] = v.capKwh[t - v.fromSlot]! / h;
      return { id: v.session.id, availableFrom: 0, departure: v.toSlot - t0, energyKwh: left.get(v.session.id)!, maxKw };
    });
    const prices = opts.dayAhead ? knownPrices(w, opts.dayAhead.pricesFromWeekBefore, t0, last) : w.prices.slice(t0, last);
    let problem: Problem = { slotMinutes: site.slotMinutes, prices, siteLimitKw: site.gridLimitKw, tieBreak: 'earlier', vehicles, ...(opts.shortfall ? { shortfall: opts.shortfall } : {}) };
    if (opts.arrivalWeeks > 0) {
      const today = DateTime.fromMillis(startMs, { zone: site.timeZone }).startOf('day');
      if (model?.day !== today.toISODate()) model = { day: today.toISODate()!, model: learn(w, opts.history ?? [], today.minus({ weeks: opts.arrivalWeeks }).toMillis(), today.toMillis()) };
      // The product's grid from the start of this slot (whole slots: the plan starts on the boundary here).
      const g = slotGrid(startMs, site.slotMinutes, startMs + T * grid.stepMs);
      // The whole grid is scaled by how busy today has been: a workplace's plan ends the same evening.
      const scale = model.model && opts.busyPrior !== undefined
        ? busyDayFactor(model.model, w.visits.filter((v) => v.session.arrival >= today.toMillis() && v.fromSlot <= t0).length, startMs, opts.busyPrior)
        : 1;
      if (opts.soft !== undefined) problem = withSoftExpected(problem, model.model, g, site.evseKw, { value: opts.soft, scale, ...(opts.hardAbove !== undefined ? { hardAbove: opts.hardAbove } : {}) });
      else vehicles.push(...expectedVehicles(model.model, g, site.evseKw, (opts.weight ?? 1) * scale));
    }
    const started = performance.now();
    const plan = solve(problem);
    const ms = performance.now() - started;
    solves++;
    total += ms;
    max = Math.max(max, ms);
    const byId = new Map(plan.vehicles.map((p) => [p.id, p]));
    for (const v of here) {
      const p = byId.get(v.session.id)!;
      const row = rows.get(v.session.id)!;
      for (let t = t0; t < Math.min(until, v.toSlot); t++) {
        const e = Math.min(p.powerKw[t - t0]! * h, left.get(v.session.id)!);
        row[t - v.fromSlot] = e;
        left.set(v.session.id, left.get(v.session.id)! - e);
      }
    }
  });
  const every = opts.everySlot ? ' and every slot' : '';
  const named = opts.arrivalWeeks > 0 ? `re-plan on arrival${every} + arrivals (${opts.arrivalWeeks} weeks${opts.soft !== undefined ? `, soft x${opts.soft}${opts.hardAbove !== undefined ? `, hard from p ${opts.hardAbove}` : ''}` : opts.weight && opts.weight !== 1 ? `, x${opts.weight}` : ''}${opts.busyPrior !== undefined ? `, busy day (prior ${opts.busyPrior})` : ''})` : `re-plan on arrival${every}`;
  const known = opts.dayAhead ? ', day-ahead prices only' : '';
  const rule = known + (opts.shortfall ? `, ${opts.shortfall === 'fewest-cars' ? 'fewest cars short' : 'shortfall spread'}` : '');
  return { name: opts.name ?? named + rule, kwh: rows, replans: solves, solverMs: { total, max, count: solves } };
}

/**
 * The prices of slots [t0, last) as the product knows them at slot t0: published up to the end of the local day
 * (of tomorrow from 13:00), each later slot the price a week earlier (itself known or estimated the same way).
 */
function knownPrices(w: Workload, fromWeekBefore: readonly number[], t0: number, last: number): number[] {
  const { grid, site } = w;
  const now = DateTime.fromMillis(grid.startMs + t0 * grid.stepMs, { zone: site.timeZone });
  const knownUntil = now.startOf('day').plus({ days: now.hour >= 13 ? 2 : 1 }).toMillis();
  const week = Math.round((7 * 86_400_000) / grid.stepMs);
  const priceAt = (t: number): number => {
    if (grid.startMs + t * grid.stepMs < knownUntil) return t >= 0 ? w.prices[t]! : fromWeekBefore[t + week]!;
    return priceAt(t - week);
  };
  return Array.from({ length: last - t0 }, (_, k) => priceAt(t0 + k));
}

/** Every slot in which some car is plugged in, in order. */
function occupiedSlots(w: Workload): number[] {
  const on = new Uint8Array(w.grid.slots);
  for (const v of w.visits) for (let t = v.fromSlot; t < v.toSlot; t++) on[t] = 1;
  const out: number[] = [];
  on.forEach((x, t) => { if (x) out.push(t); });
  return out;
}

/** The sessions that arrived in [fromMs, toMs) and left before toMs, as the product's store would have them. */
function learn(w: Workload, history: readonly SessionRecord[], fromMs: number, toMs: number): ArrivalModel | undefined {
  const past = [...history, ...w.visits.map((v) => v.session)]
    .filter((s) => s.arrival >= fromMs && s.departure < toMs)
    .map((s) => ({ arrivalMs: s.arrival, departureMs: s.departure, energyKwh: s.energyKwh }));
  if (past.length === 0) return undefined;
  const first = Math.min(...past.map((p) => p.arrivalMs));
  const from = Math.max(fromMs, DateTime.fromMillis(first, { zone: w.site.timeZone }).startOf('day').toMillis());
  return learnArrivals(past, w.site.timeZone, from, toMs);
}
