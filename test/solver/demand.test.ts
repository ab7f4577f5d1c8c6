// Demand charges (issue 21): energy cost + perKw x max(peak so far, planned site peak), solved by a search over
// site caps with the flow solver, checked against an LP with a peak variable (HiGHS) on seeded instances.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadHighs, parseProblem, ProblemError, sitePeakKw, solve } from "../../solver/index.js";
import type { Highs, Plan, Problem } from "../../solver/index.js";
import { checkPlan } from "./helpers/check-plan.js";
import { deliveredByPriority } from "./helpers/oracle.js";
import { demandLpOracle } from "./helpers/demand-oracle.js";
import { convexLowerBound } from "../../solver/demand.js";
import { randomProblem } from "./helpers/random-problem.js";
import { mulberry32 } from "./helpers/prng.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "demand");
const close = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
// The LP's objective counts the whole period's charge; plan.demand.totalCost only what this plan adds.
const total = (p: Plan): number => p.totalCost + p.demand!.chargeEur;

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

describe("demand charge: exact against the LP with a peak variable", () => {
  const cases: [string, Parameters<typeof randomProblem>[1]][] = [
    ["site limit binding", { vehicles: 5, slots: 12, siteFraction: 0.5 }],
    ["no site limit", { vehicles: 4, slots: 8 }],
    ["circuits and per-slot limits", { vehicles: 6, slots: 10, circuits: 2, siteFraction: 0.6, perSlotLimits: true }],
    ["intermediate targets and priorities, tight", { vehicles: 5, slots: 10, targets: true, priorities: true, siteFraction: 0.3 }],
    ["negative prices", { vehicles: 4, slots: 12, negativePrices: true, siteFraction: 0.7 }],
  ];
  for (const [name, opts] of cases) {
    it(`${name}: same delivered energy per priority and the same energy + demand cost (1e-6)`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const rnd = mulberry32(seed * 7919);
        const problem: Problem = randomProblem(seed, opts);
        const plainPeak = sitePeakKw(solve(problem), problem.prices.length);
        const perKw = [0.02, 0.1, 0.4, 2][seed % 4]!;
        problem.demandCharge = { perKw, peakSoFarKw: Math.round(plainPeak * rnd() * 0.8 * 1000) / 1000 };
        const plan = solve(problem);
        const lp = demandLpOracle(problem, highs);
        expect(checkPlan(problem, plan)).toEqual([]);
        const got = deliveredByPriority(problem, plan);
        deliveredByPriority(problem, lp.plan).forEach((e, i) => expect(close(got[i]!, e), `seed ${seed} delivered[${i}] ${got[i]} vs ${e}`).toBe(true));
        expect(close(total(plan), lp.objective), `seed ${seed}: ${total(plan)} vs LP ${lp.objective} (peak ${plan.demand!.peakKw} vs ${lp.peakKw})`).toBe(true);
        expect(plan.demand!.billedPeakKw).toBeGreaterThanOrEqual(problem.demandCharge.peakSoFarKw);
      }
    });
  }

  it("base load and partial slots (the scheduler's uncontrolled chargers and slot 0): drawn power counts", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = mulberry32(seed * 104729);
      const problem: Problem = randomProblem(seed, { vehicles: 5, slots: 10, siteFraction: 0.6 });
      const T = problem.prices.length;
      const baseKw = Array.from({ length: T }, () => Math.round(rnd() * 8 * 1000) / 1000);
      const slotFraction = Array.from({ length: T }, (_, t) => (t === 0 || rnd() < 0.2 ? Math.round((0.2 + 0.8 * rnd()) * 1000) / 1000 : 1));
      problem.demandCharge = { perKw: [0.05, 0.3, 1][seed % 3]!, peakSoFarKw: seed % 2 ? 0 : 9, baseKw, slotFraction };
      const plan = solve(problem);
      const lp = demandLpOracle(problem, highs);
      expect(checkPlan(problem, plan)).toEqual([]);
      const got = deliveredByPriority(problem, plan);
      deliveredByPriority(problem, lp.plan).forEach((e, i) => expect(close(got[i]!, e), `seed ${seed} delivered`).toBe(true));
      expect(close(total(plan), lp.objective), `seed ${seed}: ${total(plan)} vs LP ${lp.objective} (peak ${plan.demand!.peakKw} vs ${lp.peakKw})`).toBe(true);
    }
  });

  it("with minimum power (a heuristic there): never less delivered, never dearer than the energy-only plan", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const problem = randomProblem(seed, { vehicles: 5, slots: 12, siteFraction: 0.6, minPower: true });
      const T = problem.prices.length;
      const plain = solve(problem);
      const perKw = [0.05, 0.3, 1][seed % 3]!;
      const plan = solve({ ...problem, demandCharge: { perKw, peakSoFarKw: 0 } });
      expect(checkPlan(problem, plan)).toEqual([]);
      const a = deliveredByPriority(problem, plain);
      deliveredByPriority(problem, plan).forEach((d, i) => expect(d).toBeGreaterThanOrEqual(a[i]! - 1e-6));
      expect(total(plan)).toBeLessThanOrEqual(plain.totalCost + perKw * sitePeakKw(plain, T) + 1e-6);
    }
  });

  it("with perKw 0 the plan equals the energy-only plan", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const problem = randomProblem(seed, { vehicles: 5, slots: 12, siteFraction: 0.5, targets: true });
      const plain = solve(problem);
      const withZero = solve({ ...problem, demandCharge: { perKw: 0, peakSoFarKw: 3 } });
      expect(withZero.vehicles.map((v) => v.powerKw)).toEqual(plain.vehicles.map((v) => v.powerKw));
      expect(withZero.totalCost).toBe(plain.totalCost);
      expect(withZero.demand!.addedEur).toBe(0);
    }
  });

  it("never trades delivered energy for demand cost: a huge charge still meets every feasible target", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const problem = randomProblem(seed, { vehicles: 6, slots: 8, siteFraction: 0.4, priorities: true });
      const plain = solve(problem);
      const plan = solve({ ...problem, demandCharge: { perKw: 1000, peakSoFarKw: 0 } });
      const a = deliveredByPriority(problem, plain);
      deliveredByPriority(problem, plan).forEach((d, i) => expect(close(d, a[i]!), `seed ${seed}`).toBe(true));
      expect(plan.demand!.peakKw).toBeLessThanOrEqual(sitePeakKw(plain, problem.prices.length) + 1e-9);
    }
  });
});

describe("demand charge: the search's stopping rule", () => {
  it("the lower bound from four points never exceeds a convex piecewise-linear function's minimum", () => {
    const rnd = mulberry32(42);
    for (let k = 0; k < 2000; k++) {
      // max of a few lines: convex, piecewise linear
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => [rnd() * 20 - 10, rnd() * 10] as const);
      const f = (x: number) => Math.max(...lines.map(([s, c]) => s * x + c));
      const a = rnd() * 2 - 1;
      const b = a + 0.1 + rnd() * 3;
      const c = a + (b - a) * (0.1 + rnd() * 0.4);
      const d = c + (b - c) * (0.1 + rnd() * 0.8);
      let min = Infinity;
      for (let i = 0; i <= 1000; i++) min = Math.min(min, f(a + ((b - a) * i) / 1000));
      for (const [s, cc] of lines) for (const [s2, c2] of lines) if (s !== s2) {
        const x = (c2 - cc) / (s - s2);
        if (x >= a && x <= b) min = Math.min(min, f(x));
      }
      expect(convexLowerBound(a, c, d, b, f(a), f(c), f(d), f(b))).toBeLessThanOrEqual(min + 1e-9);
    }
  });
});

describe("demand charge: problem field", () => {
  it("rejects a negative perKw naming the field", () => {
    const bad = { slotMinutes: 60, prices: [0.1], vehicles: [], demandCharge: { perKw: -1, peakSoFarKw: 0 } };
    expect(() => parseProblem(bad)).toThrow(ProblemError);
    expect(() => parseProblem(bad)).toThrow(/demandCharge\.perKw: must be a non-negative number/);
    expect(() => parseProblem({ ...bad, demandCharge: { perKw: 1, peakSoFarKw: "x" } })).toThrow(/demandCharge\.peakSoFarKw/);
  });
});

describe("demand charge fixtures", () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const fx = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      description: string; problem: unknown;
      expected: { totalCost: number; demand: { peakKw: number; addedEur: number; totalCost: number }; vehicles?: { id: string; powerKw: number[] }[] };
    };
    it(`${file}: ${fx.description}`, () => {
      const problem = parseProblem(fx.problem);
      const plan = solve(problem);
      expect(checkPlan(problem, plan)).toEqual([]);
      expect(close(plan.totalCost, fx.expected.totalCost), `energy ${plan.totalCost}`).toBe(true);
      expect(close(plan.demand!.peakKw, fx.expected.demand.peakKw), `peak ${plan.demand!.peakKw}`).toBe(true);
      expect(close(plan.demand!.addedEur, fx.expected.demand.addedEur), `added ${plan.demand!.addedEur}`).toBe(true);
      expect(close(plan.demand!.totalCost, fx.expected.demand.totalCost)).toBe(true);
      fx.expected.vehicles?.forEach((ev, i) => ev.powerKw.forEach((p, t) => expect(close(plan.vehicles[i]!.powerKw[t]!, p)).toBe(true)));
      expect(close(total(plan), demandLpOracle(problem, highs).objective)).toBe(true);
    });
  }
});
