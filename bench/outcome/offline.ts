import { greedy, hindsight, uncontrolled, type PolicyResult } from './policies.js';
import type { Workload } from './workload.js';

/**
 * The three policies that need no running product, in the order the bench prints them: the reference, the
 * per-car optimiser, the bound. The runner (bench/outcome.bench.ts) adds our scheduler's online run to these.
 */
export function runOffline(w: Workload): PolicyResult[] {
  return [uncontrolled(w), greedy(w), hindsight(w)];
}
