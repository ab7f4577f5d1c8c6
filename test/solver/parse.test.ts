// parseProblem: a bad problem is rejected with a typed error that names the field and the rule.
import { describe, expect, it } from "vitest";
import { parseProblem, ProblemError } from "../../solver/index.js";

const base = () => ({
  slotMinutes: 60,
  prices: [0.1, 0.2, 0.3],
  circuits: [{ id: "c", parent: "site", limitKw: 11 }],
  vehicles: [{ id: "a", availableFrom: 0, departure: 3, energyKwh: 10, maxKw: 11, circuit: "c" }],
});

function fieldOf(mutate: (p: ReturnType<typeof base> & Record<string, unknown>) => void): string {
  const p = base() as ReturnType<typeof base> & Record<string, unknown>;
  mutate(p);
  try {
    parseProblem(p);
  } catch (e) {
    expect(e).toBeInstanceOf(ProblemError);
    return (e as ProblemError).message;
  }
  throw new Error("accepted a bad problem");
}

describe("parseProblem", () => {
  it("accepts a good problem and copies it", () => {
    const p = base();
    const parsed = parseProblem(p);
    expect(parsed.vehicles[0]!.circuit).toBe("c");
    p.prices[0] = 99;
    expect(parsed.prices[0]).toBe(0.1);
  });

  it("names the field and the rule", () => {
    expect(fieldOf((p) => (p.slotMinutes = 20))).toBe("slotMinutes: must be 15, 30 or 60");
    expect(fieldOf((p) => (p.prices = [0.1, "x" as unknown as number]))).toBe("prices[1]: must be a finite number");
    expect(fieldOf((p) => ((p.vehicles[0] as Record<string, unknown>).maxKw = [1, 2]))).toBe(
      "vehicles[0].maxKw: must be a non-negative number or an array of 3 numbers",
    );
    expect(fieldOf((p) => ((p.vehicles[0] as Record<string, unknown>).maxKw = -1))).toMatch(/^vehicles\[0\]\.maxKw:/);
    expect(fieldOf((p) => (p.siteLimitKw = "lots"))).toMatch(/^siteLimitKw:/);
    expect(fieldOf((p) => ((p.vehicles[0] as Record<string, unknown>).circuit = "nope"))).toMatch(/^vehicles\[0\]\.circuit:/);
    expect(fieldOf((p) => ((p.vehicles[0] as Record<string, unknown>).departure = 1.5))).toMatch(/^vehicles\[0\]\.departure:/);
    expect(fieldOf((p) => ((p.vehicles[0] as Record<string, unknown>).phases = 2))).toMatch(/^vehicles\[0\]\.phases:/);
    expect(fieldOf((p) => ((p.vehicles[0] as Record<string, unknown>).targets = [{ bySlot: 1 }]))).toMatch(/^vehicles\[0\]\.targets\[0\]\.energyKwh:/);
    expect(fieldOf((p) => p.vehicles.push({ ...p.vehicles[0]! }))).toMatch(/^vehicles\[1\]\.id: must be unique/);
    expect(fieldOf((p) => (p.circuits = [{ id: "x", parent: "y" }, { id: "y", parent: "x" }] as never))).toMatch(/^circuits\[0\]\.parent: must not form a cycle/);
    expect(fieldOf((p) => (p.tieBreak = "middle"))).toMatch(/^tieBreak:/);
    expect(fieldOf((p) => ((p as Record<string, unknown>).shortfall = "fair"))).toBe('shortfall: must be "fewest-cars", "spread" or "even"');
    expect(fieldOf((p) => ((p as Record<string, unknown>).vehicles = {}))).toMatch(/^vehicles:/);
  });

  it("accepts slot indices outside the horizon (they are clipped, not errors)", () => {
    const p = base();
    p.vehicles[0]!.availableFrom = -5;
    p.vehicles[0]!.departure = 100;
    expect(() => parseProblem(p)).not.toThrow();
  });
});
