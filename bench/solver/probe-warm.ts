// Probe (issue 21): per re-plan timings and modes of the warm path; argv: siteFraction, "min"|"nomin", reps, "cmp".
import { performance } from "node:perf_hooks";
import { applyChange, solve } from "../../solver/index.js";
import { WarmSolver } from "../../solver/warm.js";
import { WarmRounding } from "../../solver/warm-round.js";
import type { Change } from "../../solver/index.js";
import { benchProblem } from "./worker.js";

const frac = Number(process.argv[2] ?? 0.3);
const minPower = process.argv[3] !== "nomin";
const reps = Number(process.argv[4] ?? 31);
const cmp = process.argv[5] === "cmp";
let fulls = 0;
const orig = WarmRounding.prototype.runAll;
WarmRounding.prototype.runAll = function (this: WarmRounding) { fulls++; return orig.call(this); };
const problem = benchProblem({ vehicles: Number(process.env.CARS ?? 1000), slots: 96, seed: 42, minPower, siteFraction: frac });
for (let i = 0; i < 2; i++) solve(problem);
const warm = new WarmSolver();
let current = problem;
warm.solve(current);
const times: number[] = [];
const cpu: number[] = [];
let worst = 0;
const modes: Record<string, number> = {};
const byMode: Record<string, number[]> = {};
for (let i = 0; i < reps; i++) {
  const spec = current.vehicles[(i * 37) % current.vehicles.length]!;
  const change: Change = i % 3 === 0 ? { kind: "arrive", vehicle: { ...spec, id: `new${i}`, availableFrom: Math.min(spec.availableFrom + 1, spec.departure - 1) } }
    : i % 3 === 1 ? { kind: "leave", id: spec.id } : { kind: "update", vehicle: { ...spec, energyKwh: spec.energyKwh * 0.7 } };
  current = applyChange(current, change);
  const f0 = fulls;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const plan = warm.solve(current);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  times.push(ms);
  cpu.push((c.user + c.system) / 1000);
  const mode = warm.lastMode + (fulls > f0 ? "+full" : "");
  modes[mode] = (modes[mode] ?? 0) + 1;
  (byMode[mode] ??= []).push(cpu[cpu.length - 1]!);
  if (cmp) {
    const cold = solve(current);
    const e = (p: typeof plan) => p.vehicles.reduce((s, v) => s + v.energyKwh, 0);
    const rel = (plan.totalCost - cold.totalCost) / cold.totalCost;
    worst = Math.max(worst, rel);
    console.log(`${i} ${change.kind} ${ms.toFixed(2)}ms ${mode} rel=${rel.toExponential(1)} dE=${(e(plan) - e(cold)).toExponential(1)} short=${plan.vehicles.filter((v) => v.shortfallKwh > 1e-6).length}`);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [m, xs] of Object.entries(byMode)) console.log(m, "n", xs.length, "median cpu", med(xs).toFixed(2), "mean", (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2));
console.log("median ms", med(times).toFixed(2), "cpu", med(cpu).toFixed(2), JSON.stringify(modes), cmp ? `worst ${worst.toExponential(1)}` : "");
