// Turns a validated Problem into flat typed arrays (energy per slot, not power) that every engine reads.
// Everything here is clipping and bookkeeping; the optimisation lives in flow.ts and lp.ts.
import type { PerSlot, Problem } from "./types.js";

export interface PhaseRow {
  /** Vehicles drawing on this phase of the circuit, with their share of power on it (1 or 1/3). */
  vehicles: number[];
  coef: number[];
  /** Energy per slot allowed on the phase: V * A / 1000 * slot hours. */
  rhsE: number;
}

export interface Instance {
  T: number;
  /** Slot length in hours. */
  h: number;
  price: Float64Array;
  /** rank[t]: position of slot t in the order (price, tie-break); a total order, so plans are unique. */
  rank: Int32Array;
  /** Slots sorted by rank. */
  order: Int32Array;
  /** Node 0 is the site; circuits and per-phase virtual circuits follow. parent[0] = -1. */
  nNodes: number;
  parent: Int32Array;
  /** Energy limit per node and slot, limE[n * T + t]; Infinity when unlimited. */
  limE: Float64Array;
  V: number;
  ids: string[];
  node: Int32Array;
  /** Window [from, to) clipped to 0..T. from >= to means the vehicle cannot charge. */
  from: Int32Array;
  to: Int32Array;
  /** Energy cap per vehicle and slot, cap[v * T + t]; 0 outside the window. */
  cap: Float64Array;
  /** Minimum energy in a slot where the vehicle charges at all (minKw * h), per vehicle and slot (v * T + t), 0 if none. */
  minE: Float64Array;
  /** Energy asked for (energyKwh). */
  need: Float64Array;
  /**
   * Segments: vehicle v owns segments segOff[v]..segOff[v+1]-1, in deadline order; the last one is the
   * final need with deadline `to`. segEnd is exclusive; segDem is the energy that segment adds.
   */
  segOff: Int32Array;
  segEnd: Int32Array;
  segDem: Float64Array;
  /** Priority class, 0 = highest priority. */
  cls: Int32Array;
  nClasses: number;
  /** Per-phase limits that do not fit the circuit tree (mixed 1- and 3-phase vehicles). */
  phaseRows: PhaseRow[];
}

function slotValues(v: PerSlot | undefined, T: number, fallback: number): Float64Array {
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) out[t] = v === undefined ? fallback : typeof v === "number" ? v : (v[t] ?? fallback);
  return out;
}

/** Builds the tree (site + circuits + per-phase virtual nodes) and the vehicles' flat data. */
export function buildInstance(p: Problem): Instance {
  const T = p.prices.length;
  const h = p.slotMinutes / 60;
  const price = Float64Array.from(p.prices);
  const later = p.tieBreak === "later";
  const order = Int32Array.from({ length: T }, (_, t) => t).sort((a, b) => {
    const d = (price[a] as number) - (price[b] as number);
    if (d !== 0) return d;
    return later ? b - a : a - b;
  });
  const rank = new Int32Array(T);
  order.forEach((t, i) => (rank[t] = i));

  const circuits = p.circuits ?? [];
  const idx = new Map<string, number>();
  circuits.forEach((c, i) => idx.set(c.id, i + 1));
  const parents: number[] = [-1];
  const lims: Float64Array[] = [slotValues(p.siteLimitKw, T, Infinity).map((x) => x * h)];
  for (const c of circuits) {
    parents.push(c.parent === undefined || c.parent === null || c.parent === "site" ? 0 : (idx.get(c.parent) as number));
    lims.push(slotValues(c.limitKw, T, Infinity).map((x) => x * h));
  }

  const V = p.vehicles.length;
  const node = new Int32Array(V);
  p.vehicles.forEach((v, i) => (node[i] = v.circuit === undefined ? 0 : (idx.get(v.circuit) as number)));
  const phases = p.vehicles.map((v) => v.phases ?? 3);
  const phaseOf = p.vehicles.map((v) => v.phase ?? 1);

  // Per-phase limits. A circuit whose vehicles are all 3-phase has a plain kW limit (3 * V * A); one whose
  // vehicles are all 1-phase and hang on it directly splits into three virtual children, one per phase.
  // Both keep the tree, so the exact flow path applies. Mixed fleets couple the phases (a 3-phase car
  // loads all three), which no tree can express: those become PhaseRows for the LP engines.
  const phaseRows: PhaseRow[] = [];
  const isUnder = (n: number, c: number): boolean => {
    for (let a = n; a >= 0; a = parents[a] as number) if (a === c) return true;
    return false;
  };
  circuits.forEach((c, i) => {
    if (c.phaseLimitA === undefined) return;
    const n = i + 1;
    const volt = c.voltage ?? 230;
    const phaseE = ((volt * c.phaseLimitA) / 1000) * h;
    const members: number[] = [];
    for (let v = 0; v < V; v++) if (isUnder(node[v] as number, n)) members.push(v);
    if (members.every((v) => phases[v] === 3)) {
      const lim = lims[n] as Float64Array;
      for (let t = 0; t < T; t++) lim[t] = Math.min(lim[t] as number, 3 * phaseE);
    } else if (members.every((v) => phases[v] === 1 && node[v] === n)) {
      const virt = [0, 0, 0].map(() => {
        parents.push(n);
        lims.push(new Float64Array(T).fill(phaseE));
        return parents.length - 1;
      });
      for (const v of members) node[v] = virt[(phaseOf[v] as number) - 1] as number;
    } else {
      for (let ph = 1; ph <= 3; ph++) {
        const row: PhaseRow = { vehicles: [], coef: [], rhsE: phaseE };
        for (const v of members) {
          if (phases[v] === 3) row.vehicles.push(v), row.coef.push(1 / 3);
          else if (phaseOf[v] === ph) row.vehicles.push(v), row.coef.push(1);
        }
        phaseRows.push(row);
      }
    }
  });

  const nNodes = parents.length;
  const limE = new Float64Array(nNodes * T);
  lims.forEach((l, n) => limE.set(l, n * T));

  const from = new Int32Array(V);
  const to = new Int32Array(V);
  const cap = new Float64Array(V * T);
  const minE = new Float64Array(V * T);
  const need = new Float64Array(V);
  const segOff = new Int32Array(V + 1);
  const segEnd: number[] = [];
  const segDem: number[] = [];
  const prios = [...new Set(p.vehicles.map((v) => v.priority ?? 0))].sort((a, b) => b - a);
  const clsOf = new Map(prios.map((q, k) => [q, k]));
  const cls = new Int32Array(V);
  p.vehicles.forEach((v, i) => {
    const a = Math.max(0, v.availableFrom);
    const d = Math.min(T, v.departure);
    from[i] = a;
    to[i] = Math.max(a, d);
    // Numbers fill directly (no per-vehicle array): 10,000 vehicles are built in a few milliseconds.
    if (typeof v.maxKw === "number") cap.fill(v.maxKw * h, i * T + a, i * T + Math.max(a, d));
    else for (let t = a; t < d; t++) cap[i * T + t] = (v.maxKw[t] ?? 0) * h;
    if (typeof v.minKw === "number") minE.fill(v.minKw * h, i * T, i * T + T);
    else if (v.minKw !== undefined) for (let t = 0; t < T; t++) minE[i * T + t] = (v.minKw[t] ?? 0) * h;
    need[i] = v.energyKwh;
    cls[i] = clsOf.get(v.priority ?? 0) as number;
    segOff[i] = segEnd.length;
    // Intermediate targets become nested deadline segments. Targets are capped at the final need,
    // made cumulative (a later target can only ask for more), and the ones due at or after departure
    // merge into the final need. A target due before the car arrives stays, with an empty window: it is
    // reported as missed and its energy can still arrive later (the "late" level in flow.ts).
    const ts = (v.targets ?? []).map((x) => ({ s: Math.max(a, Math.min(x.bySlot, d)), e: Math.min(x.energyKwh, v.energyKwh) }));
    ts.sort((x, y) => x.s - y.s);
    let prevE = 0;
    for (const x of ts) {
      if (x.s >= d || x.e <= prevE + 1e-12) continue;
      if (segEnd.length > (segOff[i] as number) && segEnd[segEnd.length - 1] === x.s) {
        segDem[segDem.length - 1] = (segDem[segDem.length - 1] as number) + (x.e - prevE);
      } else {
        segEnd.push(x.s);
        segDem.push(x.e - prevE);
      }
      prevE = x.e;
    }
    segEnd.push(to[i] as number);
    segDem.push(Math.max(0, v.energyKwh - prevE));
  });
  segOff[V] = segEnd.length;

  return {
    T, h, price, rank, order, nNodes, parent: Int32Array.from(parents), limE, V,
    ids: p.vehicles.map((v) => v.id), node, from, to, cap, minE, need, segOff,
    segEnd: Int32Array.from(segEnd), segDem: Float64Array.from(segDem), cls, nClasses: prios.length, phaseRows,
  };
}
