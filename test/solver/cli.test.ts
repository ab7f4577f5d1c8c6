// The CLI end to end, spawned as a user would run it: stdout carries the plan as JSON and nothing else;
// a malformed problem gets a line on stderr that names the field, and a non-zero exit.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixture = join(root, "test/solver/fixtures/two-cars-one-circuit.json");
const problemText = JSON.stringify((JSON.parse(readFileSync(fixture, "utf8")) as { problem: unknown }).problem);

function run(args: string[], input?: string) {
  return spawnSync("npm", ["run", "--silent", "solve", "--", ...args], { cwd: root, input, encoding: "utf8", timeout: 30_000 });
}

describe("npm run solve", () => {
  it("reads the problem from stdin and prints only the plan JSON", () => {
    const r = run([], problemText);
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as { status: string; totalCost: number; solver: string; solveMs: number; vehicles: unknown[] };
    expect(plan.status).toBe("optimal");
    expect(plan.totalCost).toBeCloseTo(3.85, 9);
    expect(plan.solver).toBe("flow");
    expect(typeof plan.solveMs).toBe("number");
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("reads a file argument", () => {
    const src = join(root, "test/solver/fixtures/one-car-cheapest.json");
    const problem = (JSON.parse(readFileSync(src, "utf8")) as { problem: unknown }).problem;
    const file = join(mkdtempSync(join(tmpdir(), "solver-cli-")), "problem.json");
    writeFileSync(file, JSON.stringify(problem));
    const r = run([file]);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { totalCost: number }).totalCost).toBeCloseTo(1.9, 9);
  });

  it("rejects a malformed problem naming the field, with a non-zero exit and nothing on stdout", () => {
    const bad = JSON.parse(problemText) as { vehicles: { maxKw: unknown }[] };
    bad.vehicles[1]!.maxKw = [1, 2];
    const r = run([], JSON.stringify(bad));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("vehicles[1].maxKw: must be a non-negative number or an array of 4 numbers");
  });

  it("rejects text that is not JSON", () => {
    const r = run([], "{nope");
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/problem: not valid JSON/);
  });
});
