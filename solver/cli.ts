// The solver's I/O edge: `npm run --silent solve -- [--engine auto|flow|jslp|highs] [problem.json]`
// (stdin when no file). Prints the plan as JSON on stdout and nothing else; a bad problem gets one line
// on stderr naming the field, and exit code 2 (1 for anything unexpected).
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { buildInstance } from "./instance.js";
import { loadHighs, parseProblem, ProblemError, timedSolve } from "./index.js";
import type { SolveOptions } from "./index.js";

async function main(argv: string[]): Promise<number> {
  let file: string | undefined;
  let engine: SolveOptions["engine"] = "auto";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--engine") {
      const e = argv[++i];
      if (e !== "auto" && e !== "flow" && e !== "jslp" && e !== "highs") {
        process.stderr.write("--engine: must be auto, flow, jslp or highs\n");
        return 2;
      }
      engine = e;
    } else file = a;
  }
  let text: string;
  try {
    text = readFileSync(file ?? 0, "utf8");
  } catch (e) {
    process.stderr.write(`problem: cannot read ${file ?? "stdin"}: ${(e as Error).message}\n`);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    process.stderr.write(`problem: not valid JSON: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const problem = parseProblem(json);
    const options: SolveOptions = { engine };
    // HiGHS is loaded only when it may be used: large problems the flow path cannot represent, or with
    // intermediate targets (the flow hands a class that cannot get everything on time to an LP).
    const inst = buildInstance(problem);
    const mayNeedLp = inst.phaseRows.length > 0 || inst.segEnd.length > inst.V;
    if (engine === "highs" || (engine === "auto" && mayNeedLp && inst.V * inst.T > 2000)) {
      options.highs = await loadHighs();
    }
    const plan = timedSolve(problem, options, () => performance.now());
    process.stdout.write(JSON.stringify(plan) + "\n");
    return 0;
  } catch (e) {
    if (e instanceof ProblemError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    process.stderr.write(`solver: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
