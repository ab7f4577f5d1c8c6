// Fixture tests: each test/solver/fixtures/*.json is { description, problem, expected }. Every listed
// expected field must match (1e-6); every plan must pass the plan checker.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadHighs, parseProblem, solve } from "../../solver/index.js";
import type { Highs, Plan } from "../../solver/index.js";
import { checkPlan } from "./helpers/check-plan.js";
import { lpOracle } from "./helpers/oracle.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

interface Fixture {
  description: string;
  problem: unknown;
  expected: {
    status: Plan["status"];
    totalCost: number;
    vehicles: { id: string; energyKwh: number; shortfallKwh: number; unusedKwh?: number; powerKw?: number[]; targets?: { shortfallKwh: number }[] }[];
  };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

let highs: Highs;
beforeAll(async () => {
  highs = await loadHighs();
});

describe("solver fixtures", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  it("has the fixtures the issue asks for", () => {
    for (const name of ["one-car-cheapest", "negative-prices", "two-cars-one-circuit", "site-limit-binding", "impossible-target",
      "intermediate-target", "minimum-power", "mixed-phases", "zero-length-window", "departure-past"]) {
      expect(files).toContain(`${name}.json`);
    }
  });
  for (const file of files) {
    const fx = JSON.parse(readFileSync(join(dir, file), "utf8")) as Fixture;
    it(`${file}: ${fx.description}`, () => {
      const problem = parseProblem(fx.problem);
      const plan = solve(problem);
      expect(checkPlan(problem, plan)).toEqual([]);
      expect(plan.status).toBe(fx.expected.status);
      expect(close(plan.totalCost, fx.expected.totalCost), `totalCost ${plan.totalCost} vs ${fx.expected.totalCost}`).toBe(true);
      fx.expected.vehicles.forEach((ev, i) => {
        const v = plan.vehicles[i]!;
        expect(v.id).toBe(ev.id);
        expect(close(v.energyKwh, ev.energyKwh), `${ev.id} energy ${v.energyKwh}`).toBe(true);
        expect(close(v.shortfallKwh, ev.shortfallKwh), `${ev.id} shortfall ${v.shortfallKwh}`).toBe(true);
        expect(close(v.unusedKwh ?? 0, ev.unusedKwh ?? 0), `${ev.id} unusedKwh ${v.unusedKwh}`).toBe(true);
        ev.powerKw?.forEach((p, t) => expect(close(v.powerKw[t]!, p), `${ev.id}[${t}] ${v.powerKw[t]} vs ${p}`).toBe(true));
        ev.targets?.forEach((tg, k) => expect(close(v.targets![k]!.shortfallKwh, tg.shortfallKwh)).toBe(true));
      });
      // Minimum power: the plan is the mixed-integer optimum (HiGHS branch and bound on the exact model).
      if (problem.vehicles.some((v) => v.minKw !== undefined)) {
        const mip = lpOracle(problem, highs, { minPowerBinaries: true });
        expect(checkPlan(problem, mip, 1e-5)).toEqual([]);
        const got = plan.vehicles.reduce((s, v) => s + v.energyKwh, 0);
        const best = mip.vehicles.reduce((s, v) => s + v.energyKwh, 0);
        expect(got, "energy against the MIP").toBeGreaterThanOrEqual(best - 1e-5);
        expect(plan.totalCost, "cost against the MIP").toBeLessThanOrEqual(mip.totalCost + 1e-3 * Math.abs(mip.totalCost) + 1e-6);
      }
    });
  }
});
