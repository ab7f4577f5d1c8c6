// WarmSolver (solver/warm.ts): the flow kept between re-plans. On seeded random sequences of small changes (a car
// arrives, leaves, changes its target, window, power or circuit; a price slot moves; a limit rises or falls) the
// warm plan is valid and has the cold solve's optimum (energy by priority, then cost); structural changes are
// solved cold and still right.
import { describe, expect, it } from "vitest";
import { solve } from "../../solver/index.js";
import { WarmSolver } from "../../solver/warm.js";
import type { Plan, Problem, VehicleSpec } from "../../solver/index.js";
import { checkPlan } from "./helpers/check-plan.js";
import { deliveredByPriority } from "./helpers/oracle.js";
import { mulberry32 } from "./helpers/prng.js";
import { randomProblem } from "./helpers/random-problem.js";

const relClose = (a: number, b: number, tol = 1e-6): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function expectColdOptimum(p: Problem, warm: Plan, label: string): void {
  const cold = solve(p);
  expect(checkPlan(p, warm), label).toEqual([]);
  expect(checkPlan(p, cold), label).toEqual([]);
  const got = deliveredByPriority(p, warm);
  const want = deliveredByPriority(p, cold);
  got.forEach((g, i) => expect(relClose(g, want[i]!), `${label}: energy at priority level ${i}: ${g} vs ${want[i]}`).toBe(true));
  expect(relClose(warm.totalCost, cold.totalCost), `${label}: cost ${warm.totalCost} vs cold ${cold.totalCost}`).toBe(true);
}

/** One random small change to p (a new problem object; p is not modified). */
function randomChange(p: Problem, rnd: () => number, n: number): [Problem, string] {
  const T = p.prices.length;
  const vs = p.vehicles;
  const pick = (): VehicleSpec => vs[Math.floor(rnd() * vs.length)]!;
  const r2 = (x: number): number => Math.round(x * 1000) / 1000;
  const k = Math.floor(rnd() * 9);
  if (k === 0 || vs.length < 2) {
    const s = pick() ?? { id: "x", availableFrom: 0, departure: T, energyKwh: 5, maxKw: 7.4 };
    const a = Math.floor(rnd() * T * 0.7);
    const v: VehicleSpec = { ...s, id: `new${n}`, availableFrom: a, departure: Math.min(T, a + 1 + Math.floor(rnd() * T)), energyKwh: r2(2 + rnd() * 30) };
    return [{ ...p, vehicles: [...vs, v] }, "arrive"];
  }
  if (k === 1) {
    const id = pick().id;
    return [{ ...p, vehicles: vs.filter((v) => v.id !== id) }, "leave"];
  }
  const i = Math.floor(rnd() * vs.length);
  const s = vs[i]!;
  const replace = (v: VehicleSpec): Problem => ({ ...p, vehicles: vs.map((x, j) => (j === i ? v : x)) });
  if (k === 2) return [replace({ ...s, energyKwh: r2(s.energyKwh * (0.3 + rnd() * 1.5)) }), "target"];
  if (k === 3) return [replace({ ...s, departure: Math.max(s.availableFrom + 1, Math.min(T, s.departure + Math.floor(rnd() * 7) - 3)) }), "departure"];
  if (k === 4) return [replace({ ...s, maxKw: [3.7, 7.4, 11, 22][Math.floor(rnd() * 4)]! }), "power"];
  if (k === 5 && (p.circuits ?? []).length > 0) return [replace({ ...s, circuit: p.circuits![Math.floor(rnd() * p.circuits!.length)]!.id }), "circuit"];
  if (k === 6) {
    const prices = p.prices.slice();
    prices[Math.floor(rnd() * T)] = r2(rnd() * 0.5 - 0.05);
    return [{ ...p, prices }, "price"];
  }
  if (k === 7 && typeof p.siteLimitKw === "number") return [{ ...p, siteLimitKw: r2(p.siteLimitKw * (0.85 + rnd() * 0.3)) }, "site limit"];
  if ((p.circuits ?? []).length > 0) {
    const c = Math.floor(rnd() * p.circuits!.length);
    const circuits = p.circuits!.map((x, j) => (j === c && typeof x.limitKw === "number" ? { ...x, limitKw: r2(x.limitKw * (0.8 + rnd() * 0.5)) } : x));
    return [{ ...p, circuits }, "circuit limit"];
  }
  return [replace({ ...s, energyKwh: r2(s.energyKwh * 0.5) }), "target"];
}

describe("WarmSolver: warm re-plans equal cold solves", () => {
  it("random sequences of small changes: valid plans with the cold optimum, and most of them warm", () => {
    let warm = 0;
    let steps = 0;
    let shortWarm = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const rnd = mulberry32(900 + seed);
      let p = randomProblem(9100 + seed, {
        vehicles: 6 + (seed % 20), slots: 8 + (seed % 40), siteFraction: 0.08 + (seed % 5) * 0.12, circuits: seed % 4,
        perSlotLimits: seed % 3 === 0, negativePrices: seed % 5 === 0, priorities: seed % 6 === 0,
      });
      const solver = new WarmSolver();
      expectColdOptimum(p, solver.solve(p), `seed ${seed} first`);
      expect(solver.lastMode).toBe("cold");
      for (let n = 0; n < 25; n++) {
        const [next, what] = randomChange(p, rnd, n);
        p = next;
        const plan = solver.solve(p);
        expectColdOptimum(p, plan, `seed ${seed} step ${n} (${what}, ${solver.lastMode})`);
        steps++;
        if (solver.lastMode === "warm") {
          warm++;
          expect(plan.solver).toBe("flow (warm)");
          if (plan.status === "shortfall") shortWarm++;
        }
      }
    }
    expect(steps).toBe(600);
    // Cuts below the kept flow and priorities with someone short go cold; the rest stays warm.
    expect(warm).toBeGreaterThan(420);
    expect(shortWarm).toBeGreaterThan(50);
  });

  it("a larger site: 300 cars, 96 slots, 12 circuits, 40 single changes in a row, all warm and exact", () => {
    const rnd = mulberry32(77);
    let p = randomProblem(9300, { vehicles: 300, slots: 96, siteFraction: 0.25, circuits: 12 });
    const solver = new WarmSolver();
    solver.solve(p);
    let warm = 0;
    for (let n = 0; n < 40; n++) {
      const [next, what] = randomChange(p, rnd, n);
      p = next;
      const plan = solver.solve(p);
      if (solver.lastMode === "warm") warm++;
      expectColdOptimum(p, plan, `step ${n} (${what}, ${solver.lastMode})`);
    }
    expect(warm).toBeGreaterThan(30);
  });

  it("structural changes are solved cold (or by the general solver) and stay exact", () => {
    const base = randomProblem(9400, { vehicles: 20, slots: 24, siteFraction: 0.3, circuits: 2 });
    const solver = new WarmSolver();
    solver.solve(base);
    const scaled = { ...base, vehicles: base.vehicles.map((v) => ({ ...v, energyKwh: v.energyKwh * 0.9 })) };
    const cases: [string, Problem, string][] = [
      ["other slots", { ...base, prices: [...base.prices, 0.2], siteLimitKw: base.siteLimitKw }, "cold"],
      ["minimum power", { ...base, vehicles: base.vehicles.map((v, i) => (i === 3 ? { ...v, minKw: 1.38 } : v)) }, "not warmable"],
      ["intermediate target", { ...base, vehicles: base.vehicles.map((v, i) => (i === 4 && v.departure - v.availableFrom > 2 ? { ...v, targets: [{ bySlot: v.availableFrom + 2, energyKwh: 1 }] } : v)) }, "not warmable"],
      ["back to plain", base, "cold"],
      ["another circuit tree", { ...base, circuits: [...(base.circuits ?? []), { id: "extra", limitKw: 10 }] }, "cold"],
      ["many cars changed", scaled, "cold"],
      ["one car changed", { ...scaled, vehicles: scaled.vehicles.map((v, i) => (i === 0 ? { ...v, energyKwh: v.energyKwh * 0.5 } : v)) }, "warm"],
      ["a demand charge", { ...base, demandCharge: { perKw: 5, peakSoFarKw: 3 } }, "not warmable"],
    ];
    for (const [label, p, mode] of cases) {
      const plan = solver.solve(p);
      expect(solver.lastMode, label).toBe(mode);
      const cold = solve(p);
      expect(checkPlan(p, plan), label).toEqual([]);
      expect(relClose(plan.totalCost, cold.totalCost), `${label}: ${plan.totalCost} vs ${cold.totalCost}`).toBe(true);
    }
  });

  it("a site limit cut below the kept flow falls back to a cold solve with the right plan", () => {
    const p = randomProblem(9500, { vehicles: 30, slots: 24, siteFraction: 0.3 });
    const solver = new WarmSolver();
    solver.solve(p);
    const cut = { ...p, siteLimitKw: (p.siteLimitKw as number) * 0.5 };
    const plan = solver.solve(cut);
    expect(solver.lastMode).toBe("cold");
    expectColdOptimum(cut, plan, "cut");
    const back = solver.solve(p);
    expect(solver.lastMode).toBe("warm"); // a raise keeps the flow feasible
    expectColdOptimum(p, back, "raised again");
  });

  it("plans of cars whose energies did not move are the previous plan's rows; prices moving rebuild them", () => {
    const p = randomProblem(9600, { vehicles: 50, slots: 48, siteFraction: 0.5 });
    const solver = new WarmSolver();
    const first = solver.solve(p);
    const changed = { ...p, vehicles: p.vehicles.map((v, i) => (i === 7 ? { ...v, energyKwh: v.energyKwh * 0.5 } : v)) };
    const second = solver.solve(changed);
    expect(solver.lastMode).toBe("warm");
    const reused = second.vehicles.filter((v, i) => v === first.vehicles[i]).length;
    expect(reused).toBeGreaterThan(25);
    expect(second.vehicles[7]).not.toBe(first.vehicles[7]);
    const repriced = { ...changed, prices: changed.prices.map((x, t) => (t === 3 ? x + 0.1 : x)) };
    const third = solver.solve(repriced);
    expect(solver.lastMode).toBe("warm");
    expect(third.vehicles.some((v, i) => v === second.vehicles[i])).toBe(false);
    expectColdOptimum(repriced, third, "repriced");
  });
});
