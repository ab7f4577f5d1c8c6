// One benchmark measurement in its own process, so peak memory (maxRSS) belongs to one engine and size.
// Prints one JSON line: { ms (median wall), cpuMs (median CPU time of the process, user + system), rssMb, cost,
// delivered, extra }. CPU time is hardly affected by other processes on a shared machine; wall time is.
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { buildInstance } from "../../solver/instance.js";
import { applyChange, loadHighs, parseProblem, solve } from "../../solver/index.js";
import { WarmSolver } from "../../solver/warm.js";
import type { Change, Plan, Problem, ShortfallRule, SolveOptions } from "../../solver/index.js";
import { fewestShort } from "../../solver/fewest-short.js";
import { randomProblem } from "../../test/solver/helpers/random-problem.js";
import { solveReference } from "./reference.js";

export interface WorkerArgs {
  /** reference: the plain implementation in reference.ts, timed like a solve; deal: the fewest-cars pass alone. */
  mode: "solve" | "parse" | "replan" | "reference" | "deal";
  /** problem.shortfall (absent: the solver's default). */
  shortfall?: ShortfallRule;
  /** Every vehicle with a 6 A minimum (4.14 kW at 11 kW and up, else 1-phase 1.38 kW). */
  minPower?: boolean;
  /** Site limit as a fraction of the summed max power (default 0.3); 0.2 leaves some cars short. */
  siteFraction?: number;
  /** One circuit per 25 vehicles (the extra rows); the main table has only the site limit. */
  circuits?: boolean;
  vehicles: number;
  slots: number;
  engine: "flow" | "jslp" | "highs";
  reps: number;
  seed: number;
}

export function benchProblem(a: Pick<WorkerArgs, "vehicles" | "slots" | "seed" | "circuits" | "minPower" | "siteFraction" | "shortfall">): Problem {
  // Site limit at 30 % of the fleet's summed max power: binding in every cheap slot, while every vehicle
  // can still get its energy. With circuits: one circuit per 25 vehicles, each limited to half of its
  // vehicles' summed max power.
  const p = randomProblem(a.seed, { vehicles: a.vehicles, slots: a.slots, siteFraction: a.siteFraction ?? 0.3 });
  if (a.shortfall) p.shortfall = a.shortfall;
  if (a.minPower) for (const v of p.vehicles) v.minKw = (typeof v.maxKw === "number" ? v.maxKw : Math.max(...v.maxKw)) >= 11 ? 4.14 : 1.38;
  if (!a.circuits) return p;
  const nc = Math.max(2, Math.round(a.vehicles / 25));
  const sum = new Array<number>(nc).fill(0);
  p.vehicles.forEach((v, i) => {
    v.circuit = `c${i % nc}`;
    sum[i % nc]! += typeof v.maxKw === "number" ? v.maxKw : Math.max(...v.maxKw);
  });
  p.circuits = sum.map((s, i) => ({ id: `c${i}`, parent: "site", limitKw: Math.round(s * 50) / 100 }));
  return p;
}

/** Runs f, records its wall and CPU milliseconds. */
function timed<R>(times: number[], cpus: number[], f: () => R): R {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = f();
  times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpus.push((c.user + c.system) / 1000);
  return r;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]!) as WorkerArgs;
  const problem = benchProblem(a);
  const times: number[] = [];
  const cpus: number[] = [];
  let plan: Plan | undefined;
  let extra: Record<string, number> = {};
  if (a.mode === "parse") {
    const text = JSON.stringify(problem);
    for (let i = 0; i < a.reps; i++) timed(times, cpus, () => buildInstance(parseProblem(JSON.parse(text))));
  } else if (a.mode === "deal") {
    // The fewest-cars pass alone, on the spread plan of the same problem (solved once, untimed), after as many untimed
    // passes to warm the JIT, as in a long-running scheduler.
    const spread = solve({ ...problem, shortfall: "spread" });
    for (let i = 0; i < a.reps; i++) fewestShort({ ...problem, shortfall: "fewest-cars" }, spread);
    for (let i = 0; i < a.reps; i++) plan = timed(times, cpus, () => fewestShort({ ...problem, shortfall: "fewest-cars" }, spread));
  } else if (a.mode === "reference") {
    for (let i = 0; i < a.reps; i++) extra = { refCost: timed(times, cpus, () => solveReference(problem)).cost };
  } else {
    const options: SolveOptions = { engine: a.engine };
    if (a.engine === "highs") options.highs = await loadHighs();
    if (a.mode === "solve") {
      for (let i = 0; i < a.reps; i++) plan = timed(times, cpus, () => solve(problem, options));
    } else {
      // Warm the JIT like a long-running scheduler would be, then time cold solves and one-change re-plans.
      // The re-plans go through a WarmSolver that keeps the flow between calls (solver/warm.ts), as a site's
      // planning loop would: each change applies to the problem the previous re-plan solved.
      // The warm path is warmed too (an untimed run of the same sequence on its own WarmSolver): otherwise the first
      // timed re-plans run while the JIT compiles them, on background threads that the CPU time counts.
      const cold: number[] = [];
      const coldCpu: number[] = [];
      for (let i = 0; i < a.reps; i++) timed(cold, coldCpu, () => solve(problem, options));
      const change = (current: Problem, i: number): Change => {
        const spec = current.vehicles[(i * 37) % current.vehicles.length]!;
        return i % 3 === 0
          ? { kind: "arrive", vehicle: { ...spec, id: `new${i}`, availableFrom: Math.min(spec.availableFrom + 1, spec.departure - 1) } }
          : i % 3 === 1
            ? { kind: "leave", id: spec.id }
            : { kind: "update", vehicle: { ...spec, energyKwh: spec.energyKwh * 0.7 } };
      };
      const pre = new WarmSolver();
      let current = problem;
      pre.solve(current, options);
      for (let i = 0; i < a.reps; i++) pre.solve((current = applyChange(current, change(current, i))), options);
      const warm = new WarmSolver();
      current = problem;
      warm.solve(current, options);
      const modes = new Set<string>();
      let fulls = 0;
      for (let i = 0; i < a.reps; i++) {
        current = applyChange(current, change(current, i));
        const next = current;
        plan = timed(times, cpus, () => warm.solve(next, options));
        modes.add(warm.lastMode);
        if ((warm as { lastFullRounding?: boolean }).lastFullRounding) fulls++;
      }
      if (modes.size > 1 || !modes.has("warm")) plan!.solver = `${plan!.solver}; modes: ${[...modes].join(", ")}`;
      extra = { coldMs: median(cold), coldCpuMs: median(coldCpu), fullRoundings: fulls, replans: a.reps };
    }
  }
  const out = {
    ms: median(times),
    cpuMs: median(cpus),
    rssMb: process.resourceUsage().maxRSS / 1024,
    cost: plan?.totalCost ?? (extra.refCost as number | undefined) ?? null,
    delivered: plan ? plan.vehicles.reduce((s, v) => s + v.energyKwh, 0) : null,
    short: plan ? plan.vehicles.filter((v) => v.shortfallKwh > 1e-6).length : null,
    solver: plan?.solver ?? null,
    ...extra,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

// Run only as the entry point (the bench imports benchProblem from here).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
