/**
 * What the metrics learn from the product's events (issue 17), wired by main.ts: profiles pushed by outcome, chargers
 * found ignoring profiles, the solver's time per cycle and the push that follows it. The scheduler knows nothing of
 * metrics; it already reports all of this as events.
 */
import type { PlanRecord, SchedulerEvents } from '../domain/plans.js';
import { monotonicMs } from '../platform/clock.js';
import type { Metrics } from '../platform/metrics.js';

interface EventSource {
  on<K extends keyof SchedulerEvents>(event: K, fn: (payload: SchedulerEvents[K]) => void): () => void;
}

/** Plans stored and not yet pushed, at most this many remembered (a cycle that never pushes is forgotten). */
const OPEN_PLANS = 1000;

export function wireMetrics(
  events: EventSource,
  metrics: Pick<Metrics, 'profilePushed' | 'profilesIgnored' | 'planSolved' | 'planPushed'>,
  latestPlan: (siteId: string) => Promise<PlanRecord | undefined>,
): () => void {
  const created = new Map<number, number>();
  const offs = [
    events.on('plan.created', (e) => {
      created.set(e.planId, monotonicMs());
      if (created.size > OPEN_PLANS) created.delete(created.keys().next().value!);
      // The cycle keeps its plan in memory: this read is the scheduler's cache, not the store.
      void latestPlan(e.siteId).then((plan) => {
        if (plan?.id === e.planId) metrics.planSolved(plan.solveMs / 1000);
      }, () => undefined);
    }),
    events.on('plan.pushed', (e) => {
      for (const p of e.pushes) if (p.state !== 'sending') metrics.profilePushed(p.state);
      const at = created.get(e.planId);
      created.delete(e.planId);
      if (at !== undefined) metrics.planPushed((monotonicMs() - at) / 1000);
    }),
    events.on('decision', (d) => {
      if (d.kind === 'station.ignores-profiles') metrics.profilesIgnored();
    }),
  ];
  return () => offs.forEach((off) => off());
}
