// The full linear model, for the general engines (javascript-lp-solver, HiGHS) and as the tests' oracle.
// It states the same lexicographic objective as flow.ts, solved as a sequence of LPs: maximise each
// level's delivered energy in turn (freezing the optimum of the levels before it), then minimise cost.
// Weighted single LPs would need M factors that wreck floating point once there are several levels.
import type { Instance } from "./instance.js";

export interface LpRow {
  lo: number;
  hi: number;
  idx: number[];
  val: number[];
}

export interface Lp {
  nCols: number;
  colLo: number[];
  colHi: number[];
  /** Columns that must be 0/1 (only when built with binaries for the exact min-power MIP). */
  binary: boolean[];
  rows: LpRow[];
  /** Column of x[v][t], or -1 when the vehicle cannot charge in t. */
  xCol: Int32Array;
  /** With minPowerBinaries: the column of the power reserved in (v, t) (>= x, held against the limits), or -1. */
  rCol: Int32Array;
  /** Delivered energy per lexicographic level, highest first. */
  levels: { idx: number[]; val: number[] }[];
  cost: { idx: number[]; val: number[] };
}

export interface LpBuildOptions {
  cap?: Float64Array;
  lb?: Float64Array;
  /**
   * Add the exact min-power rule as binaries: in each slot the car is off, or reserves r in [minE, cap] against
   * the limits and draws x = r, except in its last charging slot, where it may draw less (it is full and stops).
   */
  minPowerBinaries?: boolean;
  /** Weight of the tie-break (slot rank) in the cost objective; 0 to compare pure costs. */
  tieEps?: number;
}

export function buildLp(inst: Instance, o: LpBuildOptions = {}): Lp {
  const { T, V } = inst;
  const cap = o.cap ?? inst.cap;
  const colLo: number[] = [];
  const colHi: number[] = [];
  const binary: boolean[] = [];
  const addCol = (lo: number, hi: number, bin = false): number => {
    colLo.push(lo), colHi.push(hi), binary.push(bin);
    return colLo.length - 1;
  };
  const rows: LpRow[] = [];
  const xCol = new Int32Array(V * T).fill(-1);
  for (let v = 0; v < V; v++) {
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
      const c = cap[v * T + t]!;
      if (c > 0) xCol[v * T + t] = addCol(o.lb ? Math.min(c, o.lb[v * T + t]!) : 0, c);
    }
  }
  const levelOf = (c: number, late: boolean): number => 2 * c + (late ? 1 : 0);
  const lv: { idx: number[]; val: number[] }[] = Array.from({ length: 2 * inst.nClasses }, () => ({ idx: [], val: [] }));
  for (let v = 0; v < V; v++) {
    const xs: number[] = [];
    for (let t = 0; t < T; t++) if (xCol[v * T + t]! >= 0) xs.push(xCol[v * T + t]!);
    const k0 = inst.segOff[v]!;
    const K = inst.segOff[v + 1]! - k0;
    const on = lv[levelOf(inst.cls[v]!, false)]!;
    if (K === 1) {
      rows.push({ lo: -Infinity, hi: inst.segDem[k0]!, idx: xs, val: xs.map(() => 1) });
      for (const c of xs) on.idx.push(c), on.val.push(1);
      continue;
    }
    // Segments as in flow.ts: sum_{i<=j} f_i <= X(s_j); total x = sum f + late; late <= unmet intermediates.
    const fs: number[] = [];
    let interDem = 0;
    for (let k = 0; k < K; k++) fs.push(addCol(0, inst.segDem[k0 + k]!));
    for (let k = 0; k < K - 1; k++) interDem += inst.segDem[k0 + k]!;
    const g = addCol(0, interDem);
    for (let j = 0; j < K - 1; j++) {
      const idx = fs.slice(0, j + 1);
      const val = idx.map(() => 1);
      for (let t = inst.from[v]!; t < inst.segEnd[k0 + j]!; t++) if (xCol[v * T + t]! >= 0) idx.push(xCol[v * T + t]!), val.push(-1);
      rows.push({ lo: -Infinity, hi: 0, idx, val });
    }
    rows.push({ lo: 0, hi: 0, idx: [...xs, ...fs, g], val: [...xs.map(() => 1), ...fs.map(() => -1), -1] });
    rows.push({ lo: -Infinity, hi: interDem, idx: [...fs.slice(0, K - 1), g], val: fs.slice(0, K - 1).map(() => 1).concat([1]) });
    for (const c of fs) on.idx.push(c), on.val.push(1);
    const late = lv[levelOf(inst.cls[v]!, true)]!;
    late.idx.push(g), late.val.push(1);
  }
  const rCol = new Int32Array(V * T).fill(-1);
  if (o.minPowerBinaries) addMinPowerRule(inst, o, xCol, rCol, addCol, colHi, rows);
  const held = (i: number): number => (rCol[i]! >= 0 ? rCol[i]! : xCol[i]!);
  // Circuit limits: every node bounds the sum over the vehicles in its subtree.
  const members: number[][] = Array.from({ length: inst.nNodes }, () => []);
  for (let v = 0; v < V; v++) for (let a = inst.node[v]!; a >= 0; a = inst.parent[a]!) members[a]!.push(v);
  for (let n = 0; n < inst.nNodes; n++) {
    for (let t = 0; t < T; t++) {
      const lim = inst.limE[n * T + t]!;
      if (!Number.isFinite(lim)) continue;
      const idx: number[] = [];
      for (const v of members[n]!) if (xCol[v * T + t]! >= 0) idx.push(held(v * T + t));
      if (idx.length > 0) rows.push({ lo: -Infinity, hi: lim, idx, val: idx.map(() => 1) });
    }
  }
  for (const pr of inst.phaseRows) {
    for (let t = 0; t < T; t++) {
      const idx: number[] = [];
      const val: number[] = [];
      pr.vehicles.forEach((v, i) => {
        if (xCol[v * T + t]! >= 0) idx.push(held(v * T + t)), val.push(pr.coef[i]!);
      });
      if (idx.length > 0) rows.push({ lo: -Infinity, hi: pr.rhsE, idx, val });
    }
  }
  const tie = o.tieEps ?? 1e-7 / Math.max(1, T);
  const cost = { idx: [] as number[], val: [] as number[] };
  for (let v = 0; v < V; v++) {
    for (let t = 0; t < T; t++) {
      const c = xCol[v * T + t]!;
      if (c >= 0) cost.idx.push(c), cost.val.push(inst.price[t]! + tie * inst.rank[t]!);
    }
  }
  const levels: { idx: number[]; val: number[] }[] = [];
  for (let c = 0; c < inst.nClasses; c++) for (const late of [false, true]) {
    const m = lv[levelOf(c, late)]!;
    if (m.idx.length > 0) levels.push(m);
  }
  return { nCols: colLo.length, colLo, colHi, binary, rows, xCol, rCol, levels, cost };
}

/**
 * Per car with a minimum: on[t] binary, r[t] in [minE * on, cap * on], x <= r, and x >= r - cap * last[t]
 * where last[t] (binary, <= on[t]) marks the slot in which the car may stop early: no charging after it.
 */
function addMinPowerRule(
  inst: Instance, o: LpBuildOptions, xCol: Int32Array, rCol: Int32Array,
  addCol: (lo: number, hi: number, bin?: boolean) => number, colHi: number[], rows: LpRow[],
): void {
  const { T, V } = inst;
  for (let v = 0; v < V; v++) {
    const slots: number[] = [];
    for (let t = 0; t < T; t++) if (xCol[v * T + t]! >= 0) slots.push(t);
    if (!slots.some((t) => inst.minE[v * T + t]! > 0)) continue;
    const onOf = new Map<number, { col: number; scale: number }>();
    const lastCols: number[] = [];
    for (const t of slots) {
      const i = v * T + t;
      const c = xCol[i]!;
      const cap = colHi[c]!;
      const min = inst.minE[i]!;
      const r = addCol(o.lb ? Math.min(cap, o.lb[i]!) : 0, cap);
      rCol[i] = r;
      const on = addCol(0, 1, true);
      const last = addCol(0, 1, true);
      onOf.set(t, { col: on, scale: 1 });
      lastCols.push(last);
      rows.push({ lo: -Infinity, hi: 0, idx: [c, r], val: [1, -1] });
      rows.push({ lo: -Infinity, hi: 0, idx: [r, on], val: [1, -cap] });
      rows.push({ lo: 0, hi: Infinity, idx: [r, on], val: [1, -min] });
      rows.push({ lo: 0, hi: Infinity, idx: [c, r, last], val: [1, -1, cap] });
      rows.push({ lo: -Infinity, hi: 0, idx: [last, on], val: [1, -1] });
    }
    const n = slots.length;
    slots.forEach((t, k) => {
      const idx: number[] = [lastCols[k]!];
      const val: number[] = [n];
      for (const t2 of slots) if (t2 > t) idx.push(onOf.get(t2)!.col), val.push(1);
      rows.push({ lo: -Infinity, hi: n, idx, val });
    });
  }
}

/** One LP solve: maximise or minimise a sparse objective; returns all column values. */
export type LpSolveFn = (lp: Lp, obj: { idx: number[]; val: number[] }, maximize: boolean) => { values: Float64Array; objective: number };

/** The lexicographic sequence: levels first (each frozen at its optimum), cost last. Returns x per (v,t). */
export function solveLexicographic(inst: Instance, lp: Lp, solveOne: LpSolveFn, out?: { values?: Float64Array }): Float64Array {
  for (const m of lp.levels) {
    const { objective } = solveOne(lp, m, true);
    // Freeze the level a hair below its optimum so the next LPs stay feasible under solver tolerances.
    lp.rows.push({ lo: objective - 1e-9 * Math.max(1, Math.abs(objective)), hi: Infinity, idx: m.idx, val: m.val });
  }
  const { values } = solveOne(lp, lp.cost, false);
  if (out) out.values = values;
  const x = new Float64Array(inst.V * inst.T);
  for (let i = 0; i < x.length; i++) {
    const c = lp.xCol[i]!;
    if (c >= 0) x[i] = Math.min(lp.colHi[c]!, Math.max(0, values[c]!));
  }
  return x;
}
