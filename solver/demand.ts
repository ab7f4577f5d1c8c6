// Demand charges: energy cost plus perKw x the billing period's highest site power, planned jointly.
// Why a search over peak caps: with the site limit lowered to a cap P, the cheapest plan's energy cost C(P)
// is the optimum of an LP whose right-hand side moves with P, so it is convex, non-increasing and piecewise
// linear in P; C(P) + perKw x max(P, peakSoFar) is then convex too. Caps below the peak already reached this
// period cost nothing extra (that power is paid for), so the search runs on [max(peakSoFar, P_min), U] where
// U is the energy-only plan's peak and P_min the lowest cap that still delivers what the energy-only plan
// delivers: shortfall first, then cost (the solver's objective), so demand cost never buys a missed target.
// Exact within COST_GAP_REL of the total: a golden-section search that stops when a lower bound from its four
// points (convexity) is that close, or the cap is within CAP_TOL_KW; then the breakpoint between the two closing
// slopes is tried (exact when one breakpoint lies in the last interval). With minimum power C(P) comes from
// the min-power rounding and need not be convex; the search is then a heuristic that still never plans a
// larger shortfall than the energy-only plan.
import type { DemandCharge, DemandOutcome, Plan, Problem } from "./types.js";

/** Caps closer than this (kW, relative to max(1, U)) are not told apart. */
export const CAP_TOL_KW = 1e-6;
/** The cap tolerance when some car has a minimum power (kW, relative to max(1, U)). */
export const MIN_POWER_CAP_TOL_KW = 1e-4;
/** Shortfall differences below this (kWh) are rounding (as plan.ts's SHORTFALL_TOL). */
const SHORT_TOL = 1e-6;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** The search stops when the total is certified within this fraction of the optimum (convex case). */
export const COST_GAP_REL = 1e-8;

/**
 * A lower bound on a convex function on [a, b] from its values at a < c < d < b: left of c it lies above the chord
 * c-d extended, right of d likewise, and between c and d above both outer chords (a-c extended right, d-b left).
 */
export function convexLowerBound(a: number, c: number, d: number, b: number, fa: number, fc: number, fd: number, fb: number): number {
  const scd = (fd - fc) / (d - c);
  const left = fc - Math.max(0, scd) * (c - a);
  const right = fd - Math.max(0, -scd) * (b - d);
  const sac = (fc - fa) / (c - a);
  const sdb = (fb - fd) / (b - d);
  const l1 = (x: number) => fc + sac * (x - c);
  const l2 = (x: number) => fd + sdb * (x - d);
  let mid = Math.min(Math.max(l1(c), l2(c)), Math.max(l1(d), l2(d)));
  if (sac !== sdb) {
    const x = (fd - fc + sac * c - sdb * d) / (sac - sdb);
    if (x > c && x < d) mid = Math.min(mid, l1(x));
  }
  return Math.min(left, right, mid);
}

export type PlainSolve = (problem: Problem) => Plan;

/**
 * The site's power per slot (kW) as planned, what is held against the site limit, as actually drawn: divided by
 * the slot's fraction and plus the base load of dc (if given).
 */
export function sitePowerKw(plan: Plan, T: number, dc?: DemandCharge): number[] {
  const out = new Array<number>(T).fill(0);
  for (const v of plan.vehicles) for (let t = 0; t < T; t++) out[t]! += v.powerKw[t] ?? 0;
  for (let t = 0; t < T; t++) out[t] = out[t]! / (dc?.slotFraction?.[t] ?? 1) + (dc?.baseKw?.[t] ?? 0);
  return out;
}

/** Highest planned site power. Slots are 15, 30 or 60 minutes of constant power, so this is also the highest 15-minute average. */
export function sitePeakKw(plan: Plan, T: number, dc?: DemandCharge): number {
  return sitePowerKw(plan, T, dc).reduce((m, p) => Math.max(m, p), 0);
}

/** Shortfall per priority, highest priority first: final needs and intermediate targets (on time). */
function shortfallKey(problem: Problem, plan: Plan): number[] {
  const prios = [...new Set(problem.vehicles.map((v) => v.priority ?? 0))].sort((a, b) => b - a);
  return prios.map((p) =>
    plan.vehicles.reduce((s, v, i) => {
      if ((problem.vehicles[i]!.priority ?? 0) !== p) return s;
      return s + v.shortfallKwh + (v.targets ?? []).reduce((a, tg) => a + tg.shortfallKwh, 0);
    }, 0),
  );
}

/** The problem with the site's power held at or below capKw (as drawn, base load included). */
function capped(problem: Problem, capKw: number): Problem {
  const { demandCharge: dc, ...rest } = problem;
  const lim = problem.siteLimitKw;
  const T = problem.prices.length;
  if (!dc?.baseKw && !dc?.slotFraction) {
    const siteLimitKw = lim === undefined ? capKw : typeof lim === "number" ? Math.min(lim, capKw) : lim.map((l) => Math.min(l, capKw));
    return { ...rest, siteLimitKw };
  }
  const siteLimitKw = Array.from({ length: T }, (_, t) => {
    const l = lim === undefined ? Infinity : typeof lim === "number" ? lim : lim[t]!;
    return Math.min(l, Math.max(0, capKw - (dc.baseKw?.[t] ?? 0)) * (dc.slotFraction?.[t] ?? 1));
  });
  return { ...rest, siteLimitKw };
}

export function demandOutcome(problem: Problem, plan: Plan, capKw?: number): DemandOutcome {
  const dc = problem.demandCharge ?? { perKw: 0, peakSoFarKw: 0 };
  const peakKw = round9(sitePeakKw(plan, problem.prices.length, dc));
  const billedPeakKw = Math.max(dc.peakSoFarKw, peakKw);
  const addedEur = round9(dc.perKw * (billedPeakKw - dc.peakSoFarKw));
  const out: DemandOutcome = {
    perKw: dc.perKw, peakSoFarKw: dc.peakSoFarKw, peakKw, billedPeakKw,
    chargeEur: round9(dc.perKw * billedPeakKw), addedEur, totalCost: round9(plan.totalCost + addedEur),
  };
  if (capKw !== undefined) out.capKw = round9(capKw);
  return out;
}

const round9 = (v: number): number => {
  const r = Math.round(v * 1e9) / 1e9;
  return r === 0 ? 0 : r;
};

/**
 * The plan minimising energy cost + perKw x max(peakSoFar, site peak) after delivering as much as the energy-only
 * plan does (per priority). plan.totalCost stays the energy cost; plan.demand carries the peak and its cost.
 */
export function solveWithDemand(problem: Problem, plain: PlainSolve): Plan {
  const dc = problem.demandCharge!;
  const T = problem.prices.length;
  const { demandCharge: _dc, ...energyOnly } = problem;
  const base = plain(energyOnly);
  const U = sitePeakKw(base, T, dc);
  if (!(dc.perKw > 0) || U <= dc.peakSoFarKw) return { ...base, demand: demandOutcome(problem, base) };
  const baseKey = shortfallKey(problem, base);
  // With minimum power C(P) is not convex and the search is a heuristic: a tenth of a watt per kW of cap is plenty, and each capped
  // solve costs a min-power rounding.
  const minPower = problem.vehicles.some((v) => v.minKw !== undefined);
  const tol = (minPower ? MIN_POWER_CAP_TOL_KW : CAP_TOL_KW) * Math.max(1, U);
  const memo = new Map<number, Plan>();
  const at = (P: number): Plan => {
    let p = memo.get(P);
    if (!p) memo.set(P, (p = plain(capped(problem, P))));
    return p;
  };
  // The convex search function: energy cost at cap P plus the demand charge of the cap itself.
  const hOf = (P: number): number => (P >= U ? base.totalCost : at(P).totalCost) + dc.perKw * Math.max(P, dc.peakSoFarKw);
  // The search stops once the cost is certified within this much of the optimum (relative to the energy-only total).
  const gap = COST_GAP_REL * Math.max(1, Math.abs(hOf(U)));
  const deliversAsBase = (P: number): boolean => shortfallKey(problem, at(P)).every((s, i) => s <= baseKey[i]! + SHORT_TOL);
  // The lowest cap that loses no energy: delivered energy is non-decreasing in the cap, so bisect.
  let L = Math.max(dc.peakSoFarKw, ...(dc.baseKw ?? []));
  if (!deliversAsBase(L)) {
    let lo = L;
    let hi = U;
    // h(L) - h(P_min) <= perKw x (L - P_min) (C does not rise with the cap): stop when that is within the gap.
    while (hi - lo > tol && (hi - lo) * dc.perKw > gap) {
      const mid = (lo + hi) / 2;
      if (deliversAsBase(mid)) hi = mid;
      else lo = mid;
    }
    L = hi;
  }
  let a = L;
  let b = U;
  let c = b - GOLDEN * (b - a);
  let d = a + GOLDEN * (b - a);
  let ha = hOf(a);
  let hb = hOf(b);
  let hc = hOf(c);
  let hd = hOf(d);
  while (b - a > tol && Math.min(ha, hb, hc, hd) - convexLowerBound(a, c, d, b, ha, hc, hd, hb) > gap) {
    // Ties go left: among equally cheap caps the lower peak leaves more room for the rest of the period.
    if (hc <= hd) {
      b = d, hb = hd, d = c, hd = hc;
      c = b - GOLDEN * (b - a);
      hc = hOf(c);
    } else {
      a = c, ha = hc, c = d, hc = hd;
      d = a + GOLDEN * (b - a);
      hd = hOf(d);
    }
  }
  const candidates = [L, U, a, b, c, d];
  // Piecewise linear: intersect the slopes just outside [a, b] to land on the breakpoint itself.
  if (a - tol >= L && b + tol <= U) {
    const sL = (hOf(a) - hOf(a - tol)) / tol;
    const sR = (hOf(b + tol) - hOf(b)) / tol;
    if (sL < 0 && sR > 0) {
      const x = (hOf(b) - hOf(a) + sL * a - sR * b) / (sL - sR);
      if (x >= a && x <= b) candidates.push(x);
    }
  }
  let best: { plan: Plan; cap: number; total: number; peak: number } | undefined;
  for (const P of candidates) {
    const plan = P >= U ? base : at(P);
    if (P < U && !deliversAsBase(P)) continue;
    const peak = sitePeakKw(plan, T, dc);
    const total = plan.totalCost + dc.perKw * Math.max(peak, dc.peakSoFarKw);
    const better = !best || total < best.total - 1e-9 * Math.max(1, Math.abs(total)) || (total <= best.total + 1e-9 * Math.max(1, Math.abs(total)) && peak < best.peak);
    if (better) best = { plan, cap: P, total, peak };
  }
  const chosen = best!;
  return { ...chosen.plan, demand: demandOutcome(problem, chosen.plan, chosen.cap >= U ? undefined : chosen.cap) };
}
