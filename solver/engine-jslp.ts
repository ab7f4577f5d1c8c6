// javascript-lp-solver: a dense-tableau simplex. Small problems only (it does not scale: 100 vehicles x 96
// slots with a binding site limit took seconds and most of a gigabyte), but it is synchronous and needs no
// WebAssembly, so it is the default engine for small problems the flow path cannot represent.
import jsLpModule from "javascript-lp-solver";
import type { Model } from "javascript-lp-solver";
import type { Lp, LpSolveFn } from "./lp.js";

// Same CommonJS-typings-vs-ES-module mismatch as highs: the runtime default export is the solver object.
const jsLp = ((jsLpModule as unknown as { default?: unknown }).default ?? jsLpModule) as { Solve(model: Model): unknown };

export const solveWithJsLp: LpSolveFn = (lp: Lp, obj, maximize) => {
  const variables: Record<string, Record<string, number>> = {};
  const constraints: Model["constraints"] = {};
  for (let j = 0; j < lp.nCols; j++) {
    variables[`c${j}`] = {};
    if (Number.isFinite(lp.colHi[j]!)) {
      constraints[`u${j}`] = { max: lp.colHi[j]! };
      variables[`c${j}`]![`u${j}`] = 1;
    }
    if (lp.colLo[j]! > 0) {
      constraints[`l${j}`] = { min: lp.colLo[j]! };
      variables[`c${j}`]![`l${j}`] = 1;
    }
  }
  lp.rows.forEach((r, i) => {
    const b: { min?: number; max?: number } = {};
    if (Number.isFinite(r.lo)) b.min = r.lo;
    if (Number.isFinite(r.hi)) b.max = r.hi;
    constraints[`r${i}`] = b;
    r.idx.forEach((c, k) => {
      const col = variables[`c${c}`]!;
      col[`r${i}`] = (col[`r${i}`] ?? 0) + r.val[k]!;
    });
  });
  obj.idx.forEach((c, k) => {
    const col = variables[`c${c}`]!;
    col.obj = (col.obj ?? 0) + obj.val[k]!;
  });
  const binaries: Record<string, 1> = {};
  lp.binary.forEach((b, j) => {
    if (b) binaries[`c${j}`] = 1;
  });
  const model: Model = { optimize: "obj", opType: maximize ? "max" : "min", constraints, variables, binaries };
  const res = jsLp.Solve(model) as Record<string, number | boolean | undefined>;
  if (!res.feasible) throw new Error("javascript-lp-solver: model reported infeasible (internal invariant: x = 0 is feasible)");
  const values = new Float64Array(lp.nCols);
  for (let j = 0; j < lp.nCols; j++) {
    const v = res[`c${j}`];
    values[j] = typeof v === "number" ? v : 0;
  }
  let objective = 0;
  obj.idx.forEach((c, k) => (objective += values[c]! * obj.val[k]!));
  return { values, objective };
};
