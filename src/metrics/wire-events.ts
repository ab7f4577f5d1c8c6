/**
 * What the metrics learn from the product's events (issue 17), wired by main.ts: profiles pushed by outcome, chargers
 * found ignoring profiles, the solver's time per cycle, the push that follows it, the whole cycle, and each site's
 * shortfall in its latest plan. The scheduler knows nothing of metrics; it already reports all of this as events.
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
  metrics: Pick<Metrics, 'profilePushed' | 'profilesIgnored' | 'planSolved' | 'planPushed' | 'planCycle' | 'planShortfall'>,
  latestPlan: (siteId: string) => Promise<PlanRecord | undefined>,
  /** The injected clock: a plan's createdAt is its reading as the cycle began to load its snapshot. */
  now: () => number,
): () => void {
  const created = new Map<number, number>();
  /** When each open plan's cycle began (its createdAt), for the whole-cycle time at its push. */
  const began = new Map<number, number>();
  const offs = [
    events.on('plan.created', (e) => {
      created.set(e.planId, monotonicMs());
      if (created.size > OPEN_PLANS) {
        const oldest = created.keys().next().value!;
        created.delete(oldest);
        began.delete(oldest);
      }
      // The cycle keeps its plan in memory: this read is the scheduler's cache, not the store.
      void latestPlan(e.siteId).then((plan) => {
        if (plan?.id !== e.planId) return;
        metrics.planSolved(plan.solveMs / 1000);
        const short = plan.sessions.filter((s) => s.shortfallKwh > 0);
        metrics.planShortfall(e.siteId, short.length, short.reduce((a, s) => a + s.shortfallKwh, 0));
        if (created.has(e.planId)) began.set(e.planId, Date.parse(plan.createdAt));
      }, () => undefined);
    }),
    events.on('plan.pushed', (e) => {
      for (const p of e.pushes) if (p.state !== 'sending') metrics.profilePushed(p.state);
      const at = created.get(e.planId);
      const start = began.get(e.planId);
      created.delete(e.planId);
      began.delete(e.planId);
      if (at !== undefined) metrics.planPushed((monotonicMs() - at) / 1000);
      if (start !== undefined) metrics.planCycle(Math.max(0, now() - start) / 1000);
    }),
    events.on('decision', (d) => {
      if (d.kind === 'station.ignores-profiles') metrics.profilesIgnored();
    }),
  ];
  return () => offs.forEach((off) => off());
}
