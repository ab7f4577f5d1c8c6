// problem.shortfall "fewest-cars" (solver/fewest-short.ts): the same energy per class and slot re-dealt so that as few
// cars as possible end short. Properties on seeded instances against the "spread" plan of the same problem, and the
// count against a brute force on instances with one bottleneck.
import { describe, expect, it } from "vitest";
import { fewestShortSolver, solve, withFewestShort } from "../../solver/index.js";
import type { Plan, Problem } from "../../solver/index.js";
import { WarmSolver } from "../../solver/warm.js";
import { checkPlan } from "./helpers/check-plan.js";
import { deliveredByPriority } from "./helpers/oracle.js";
import { mulberry32 } from "./helpers/prng.js";
import { randomProblem } from "./helpers/random-problem.js";

const shortCount = (plan: Plan): number => plan.vehicles.filter((v) => v.shortfallKwh > 1e-6).length;
const summedCost = (plan: Plan): number => plan.vehicles.reduce((s, v) => s + v.cost, 0);

/** Both rules on one problem, with every property the rule promises checked. */
function compare(p: Problem, label: string): { spread: Plan; fewest: Plan } {
  const spread = solve({ ...p, shortfall: "spread" });
  const fewest = solve({ ...p, shortfall: "fewest-cars" });
  expect(checkPlan(p, fewest), `${label}: valid plan (limits, windows, max and min power, accounting)`).toEqual([]);
  const a = deliveredByPriority(p, spread);
  const b = deliveredByPriority(p, fewest);
  a.forEach((e, k) => expect(Math.abs(b[k]! - e), `${label}: class ${k} delivers ${b[k]} vs ${e}`).toBeLessThanOrEqual(1e-6 * Math.max(1, e)));
  // Moves stay inside one slot, so the cost is the same up to float noise (per-car costs are rounded to 1e-9).
  expect(fewest.totalCost, `${label}: total cost`).toBeCloseTo(spread.totalCost, 9);
  expect(summedCost(fewest), `${label}: cars' costs add up to at most the spread plan's`).toBeLessThanOrEqual(spread.totalCost + 1e-6);
  expect(shortCount(fewest), `${label}: cars short`).toBeLessThanOrEqual(shortCount(spread));
  return { spread, fewest };
}

describe("fewest cars short", () => {
  it("random instances (circuits, priorities, minimum power, targets): valid, same energy per class and cost, never more cars short", () => {
    let before = 0;
    let after = 0;
    for (let seed = 1; seed <= 160; seed++) {
      const p = randomProblem(9100 + seed, {
        vehicles: 3 + (seed % 14), slots: 6 + (seed % 19), siteFraction: 0.08 + (seed % 5) * 0.05, circuits: seed % 4,
        minPower: seed % 2 === 0, priorities: seed % 5 === 0, targets: seed % 7 === 0, perSlotLimits: seed % 6 === 0,
      });
      const { spread, fewest } = compare(p, `seed ${seed}`);
      before += shortCount(spread);
      after += shortCount(fewest);
    }
    // Not a property but the point: the rule completes a good share of the cars the spread plan leaves short.
    expect(after).toBeLessThan(0.75 * before);
  });

  it("is deterministic and leaves a plan with nobody short as it is", () => {
    const p: Problem = { ...randomProblem(77, { vehicles: 12, slots: 16, siteFraction: 0.12, circuits: 2, minPower: true }), shortfall: "fewest-cars" };
    expect(solve(p)).toEqual(solve(p));
    const easy: Problem = { ...randomProblem(78, { vehicles: 5, slots: 16 }), shortfall: "fewest-cars" };
    const plain = solve({ ...easy, shortfall: "spread" });
    expect(shortCount(plain)).toBe(0);
    expect(withFewestShort(easy, plain)).toBe(plain);
  });

  it("completes the smallest needs on a shared limit (where the smallest shortfalls would complete fewer)", () => {
    // One slot of 9.5 kWh for needs of 10, 3 and 3: at most two cars can be complete, the two small ones.
    const p: Problem = {
      slotMinutes: 60, prices: [0.2], siteLimitKw: 9.5, shortfall: "fewest-cars",
      vehicles: [
        { id: "big", availableFrom: 0, departure: 1, energyKwh: 10, maxKw: 22 },
        { id: "small-a", availableFrom: 0, departure: 1, energyKwh: 3, maxKw: 22 },
        { id: "small-b", availableFrom: 0, departure: 1, energyKwh: 3, maxKw: 22 },
      ],
    };
    const plan = solve(p);
    expect(plan.vehicles.map((v) => v.shortfallKwh)).toEqual([6.5, 0, 0]);
    expect(checkPlan(p, plan)).toEqual([]);
  });

  it("one bottleneck (the site limit, one stay, caps above the limit): as few cars short as a brute force finds", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = mulberry32(4200 + seed);
      const V = 3 + (seed % 5);
      const T = 2 + (seed % 4);
      const limit = 5 + Math.round(rnd() * 10);
      const p: Problem = {
        slotMinutes: 60, siteLimitKw: limit,
        // Distinct prices: the cheapest plan of the delivered energy has one load per slot, so "no higher cost" is
        // "the same loads" and the brute force may deal them out however it likes.
        prices: Array.from({ length: T }, (_, t) => Math.round((0.1 + rnd() * 0.3) * 1e4) / 1e4 + t * 1e-6),
        vehicles: Array.from({ length: V }, (_, v) => ({
          id: `v${v}`, availableFrom: 0, departure: T, energyKwh: Math.round((0.5 + rnd() * 2.5 * limit * T / V) * 100) / 100, maxKw: limit + 1,
        })),
      };
      const { fewest } = compare(p, `seed ${seed}`);
      const loads = Array.from({ length: T }, (_, t) => fewest.vehicles.reduce((s, v) => s + v.powerKw[t]!, 0));
      expect(shortCount(fewest), `seed ${seed}: cars short`).toBe(V - mostComplete(p, loads));
    }
  });

  it("the scheduler's wrapped warm solver deals its plans too, and a cold fallback's plan only once", () => {
    const p: Problem = { ...randomProblem(31, { vehicles: 40, slots: 48, siteFraction: 0.1 }), shortfall: "fewest-cars" };
    const warm = fewestShortSolver(new WarmSolver());
    const first = warm.solve(p);
    const next: Problem = { ...p, vehicles: p.vehicles.map((v, i) => (i === 3 ? { ...v, energyKwh: v.energyKwh * 0.8 } : v)) };
    const second = warm.solve(next);
    for (const [problem, plan] of [[p, first], [next, second]] as const) {
      const cold = solve(problem);
      expect(checkPlan(problem, plan)).toEqual([]);
      expect(shortCount(plan)).toBe(shortCount(cold));
      expect(shortCount(plan)).toBeLessThan(shortCount(solve({ ...problem, shortfall: "spread" })));
    }
    expect(withFewestShort(p, first)).toBe(first);
  });
});

/**
 * Brute force: the largest set of cars that can all be complete when the slots keep the given loads (every car within
 * its window and maximum, none above its need, all of every slot's load delivered). Feasibility of a set C: a maximum
 * flow source -> car (its need) -> slot (its cap) -> sink (the load) through C's cars first, then the others; C is
 * complete and every load delivered iff both saturate (augmenting paths never lower a source arc's flow).
 */
function mostComplete(p: Problem, loads: number[]): number {
  const V = p.vehicles.length;
  let best = 0;
  for (let mask = 0; mask < 1 << V; mask++) {
    const size = popcount(mask);
    if (size <= best) continue;
    if (feasible(p, loads, mask)) best = size;
  }
  return best;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

function feasible(p: Problem, loads: number[], mask: number): boolean {
  const V = p.vehicles.length;
  const T = loads.length;
  const h = p.slotMinutes / 60;
  const N = 2 + V + T;
  const S = 0;
  const K = N - 1;
  const cap: number[][] = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  p.vehicles.forEach((v, i) => {
    for (let t = v.availableFrom; t < v.departure; t++) cap[1 + i]![1 + V + t] = (typeof v.maxKw === "number" ? v.maxKw : v.maxKw[t]!) * h;
  });
  for (let t = 0; t < T; t++) cap[1 + V + t]![K] = loads[t]! * h;
  const flow = (cars: number[]): number => {
    for (const i of cars) cap[S]![1 + i] = p.vehicles[i]!.energyKwh;
    let total = 0;
    for (;;) {
      const prev = new Array<number>(N).fill(-1);
      prev[S] = S;
      const queue = [S];
      while (queue.length > 0 && prev[K] === -1) {
        const a = queue.shift()!;
        for (let b = 0; b < N; b++) if (prev[b] === -1 && cap[a]![b]! > 1e-12) (prev[b] = a), queue.push(b);
      }
      if (prev[K] === -1) return total;
      let push = Infinity;
      for (let b = K; b !== S; b = prev[b]!) push = Math.min(push, cap[prev[b]!]![b]!);
      for (let b = K; b !== S; b = prev[b]!) (cap[prev[b]!]![b]! -= push), (cap[b]![prev[b]!]! += push);
      total += push;
    }
  };
  const inSet = [...Array(V).keys()].filter((i) => mask & (1 << i));
  const rest = [...Array(V).keys()].filter((i) => !(mask & (1 << i)));
  const first = flow(inSet);
  const need = inSet.reduce((s, i) => s + p.vehicles[i]!.energyKwh, 0);
  if (first < need - 1e-7) return false;
  const second = flow(rest);
  return first + second >= loads.reduce((s, l) => s + l * h, 0) - 1e-7;
}
