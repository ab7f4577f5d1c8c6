import type { PlanRecord, PlanStore } from '../domain/plans.js';

/** A plan store that can also say its latest plan's id alone, in one index read (PlanRepository). */
type WithLatestId = PlanStore & { latestId?(siteId: string): Promise<number | undefined> };

/**
 * The latest plans of sites another node plans (a cluster): read from the database on every ask, since that node's
 * plans reach this one only there, but parsed only when the latest id moved (issue 18: a 1,000-van plan parsed per
 * request of the plan page or the fleet table on such a node). Keeping the same object while the id stands also lets
 * the views keep what they derived from it. One index read per ask, so never staler than the database.
 */
export class KeptPlans {
  private readonly kept = new Map<string, PlanRecord>();

  constructor(private readonly store: WithLatestId) {}

  async latest(siteId: string): Promise<PlanRecord | undefined> {
    if (!this.store.latestId) return this.store.latest(siteId);
    const id = await this.store.latestId(siteId);
    const kept = this.kept.get(siteId);
    if (id !== undefined && kept?.id === id) return kept;
    const plan = await this.store.latest(siteId);
    if (plan) this.kept.set(siteId, plan);
    else this.kept.delete(siteId);
    return plan;
  }
}
