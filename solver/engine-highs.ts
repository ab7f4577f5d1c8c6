// HiGHS (WebAssembly): a sparse simplex, the general engine for large problems outside the flow path.
// Loading the Wasm is asynchronous, so callers load it once (loadHighs) and pass it in; solving is sync.
// presolve is off: on these models it cost far more than it saved (8x slower measured).
import highsModule from "highs";
import type { Highs } from "highs";

// The package ships CommonJS typings but an ES module build whose default export is the loader; under
// NodeNext TypeScript sees the CommonJS shape, so take whichever the runtime gives.
type Loader = () => Promise<Highs>;
const highsLoader: Loader =
  typeof highsModule === "function" ? (highsModule as unknown as Loader) : ((highsModule as unknown as { default: Loader }).default);
import type { Lp, LpSolveFn } from "./lp.js";

export type { Highs };

export function loadHighs(): Promise<Highs> {
  return highsLoader();
}

export function highsSolver(highs: Highs, opts: { timeLimitS?: number } = {}): LpSolveFn {
  return (lp: Lp, obj, maximize) => {
    const inf = highs.infinity;
    const starts = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (const r of lp.rows) {
      // HiGHS rejects a repeated column within one row: merge duplicates.
      const m = new Map<number, number>();
      r.idx.forEach((c, k) => m.set(c, (m.get(c) ?? 0) + r.val[k]!));
      for (const [c, v] of m) indices.push(c), values.push(v);
      starts.push(indices.length);
    }
    const colCost = new Float64Array(lp.nCols);
    const sign = maximize ? -1 : 1;
    obj.idx.forEach((c, k) => (colCost[c]! += sign * obj.val[k]!));
    const fin = (v: number): number => (v === Infinity ? inf : v === -Infinity ? -inf : v);
    const hasInt = lp.binary.some((b) => b);
    const model = highs.createModel({
      numCols: lp.nCols,
      numRows: lp.rows.length,
      colCost,
      colLower: lp.colLo.map(fin),
      colUpper: lp.colHi.map(fin),
      rowLower: lp.rows.map((r) => fin(r.lo)),
      rowUpper: lp.rows.map((r) => fin(r.hi)),
      matrix: { format: "csr", numRows: lp.rows.length, numCols: lp.nCols, starts, indices, values },
      ...(hasInt ? { integrality: lp.binary.map((b) => (b ? 1 : 0)) as (0 | 1)[] } : {}),
    });
    try {
      model.options.set({ output_flag: false, presolve: hasInt ? "on" : "off", ...(opts.timeLimitS ? { time_limit: opts.timeLimitS } : {}) });
      model.run();
      const sol = model.getSolution();
      const x = Float64Array.from(sol.colValue);
      let objective = 0;
      obj.idx.forEach((c, k) => (objective += x[c]! * obj.val[k]!));
      return { values: x, objective };
    } finally {
      model.dispose();
    }
  };
}
