// The same-run reference for bench:solver: a plain implementation of the flow engine's algorithm with none of
// its incremental tricks. Slots in price order (ties: earlier first); for each slot, Dinic's maximum flow on the
// explicit residual network source -> vehicle -> (circuit, slot) -> ... -> (site, slot), whose sink is the
// site of the current slot only (energy already placed may be re-routed between slots, never taken back).
// That is the greedy on the polymatroid docs/solver.md describes, so it reaches the same optimum on problems
// without priorities, intermediate targets or minimum power (the bench instances); it exists to be timed.
import { buildInstance } from "../../solver/instance.js";
import type { Problem } from "../../solver/index.js";

const EPS = 1e-9;
const BIG = 1e18;

export interface ReferenceResult {
  cost: number;
  delivered: number;
}

export function solveReference(problem: Problem): ReferenceResult {
  const inst = buildInstance(problem);
  const { T, V, nNodes } = inst;
  const state = (n: number, t: number): number => 1 + V + n * T + t;
  const N = 1 + V + nNodes * T;
  const head = new Int32Array(N).fill(-1);
  const to: number[] = [];
  const cap: number[] = [];
  const next: number[] = [];
  const addArc = (a: number, b: number, c: number): number => {
    to.push(b), cap.push(c), next.push(head[a]!), (head[a] = to.length - 1);
    to.push(a), cap.push(0), next.push(head[b]!), (head[b] = to.length - 1);
    return to.length - 2;
  };
  for (let v = 0; v < V; v++) addArc(0, 1 + v, inst.need[v]!);
  const xArc: { v: number; t: number; arc: number }[] = [];
  for (let v = 0; v < V; v++) {
    for (let t = inst.from[v]!; t < inst.to[v]!; t++) {
      const c = inst.cap[v * T + t]!;
      if (c > 0) xArc.push({ v, t, arc: addArc(1 + v, state(inst.node[v]!, t), c) });
    }
  }
  for (let n = 1; n < nNodes; n++) {
    for (let t = 0; t < T; t++) {
      const l = inst.limE[n * T + t]!;
      addArc(state(n, t), state(inst.parent[n]!, t), Number.isFinite(l) ? l : BIG);
    }
  }
  const C = Float64Array.from(cap);
  const TO = Int32Array.from(to);
  const NEXT = Int32Array.from(next);
  const level = new Int32Array(N);
  const iter = new Int32Array(N);
  const queue = new Int32Array(N);

  const bfs = (target: number): boolean => {
    level.fill(-1);
    level[0] = 0;
    let qh = 0;
    let qt = 0;
    queue[qt++] = 0;
    while (qh < qt) {
      const a = queue[qh++]!;
      for (let e = head[a]!; e >= 0; e = NEXT[e]!) {
        const b = TO[e]!;
        if (C[e]! > EPS && level[b]! < 0) {
          level[b] = level[a]! + 1;
          queue[qt++] = b;
        }
      }
    }
    return level[target]! >= 0;
  };
  const dfs = (a: number, target: number, f: number): number => {
    if (a === target) return f;
    for (; iter[a]! >= 0; iter[a] = NEXT[iter[a]!]!) {
      const e = iter[a]!;
      const b = TO[e]!;
      if (C[e]! <= EPS || level[b] !== level[a]! + 1) continue;
      const d = dfs(b, target, Math.min(f, C[e]!));
      if (d > EPS) {
        C[e]! -= d;
        C[e ^ 1]! += d;
        return d;
      }
    }
    return 0;
  };

  for (let k = 0; k < T; k++) {
    const tau = inst.order[k]!;
    const lim = inst.limE[tau]!;
    let room = Number.isFinite(lim) ? lim : BIG;
    const target = state(0, tau);
    while (room > EPS && bfs(target)) {
      iter.set(head);
      for (let f = dfs(0, target, room); f > EPS && room > EPS; f = dfs(0, target, room)) room -= f;
    }
  }
  let cost = 0;
  let delivered = 0;
  for (const { t, arc } of xArc) {
    const x = C[arc ^ 1]!;
    cost += x * inst.price[t]!;
    delivered += x;
  }
  return { cost, delivered };
}
