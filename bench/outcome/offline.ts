import { firstComeFirstServed, greedy, hindsight, uncontrolled, type PolicyResult } from './policies.js';
import type { Workload } from './workload.js';

/**
 * The policies that need no running product, in the order the bench prints them: charging on arrival with no
 * limit (what the cars alone would draw), the baseline (first come, first served under the limit), the per-car
 * optimiser, the bound. The runner (bench/outcome.bench.ts) adds our scheduler's online run before the bound.
 */
export function runOffline(w: Workload): PolicyResult[] {
  return [uncontrolled(w), firstComeFirstServed(w), greedy(w), hindsight(w)];
}
