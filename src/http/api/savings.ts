import type { FastifyPluginAsync } from 'fastify';
import { DateTime } from 'luxon';
import type { SessionCost } from '../../domain/plans.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { errors, ok, SiteParams, SiteSavings, type CostTotals } from './schemas.js';

/**
 * GET /api/v1/sites/:siteId/savings: what the site's charging cost today and this month, and what planning saved
 * against charging every car at full power on arrival: the sessions API's figures (Scheduler.sessionCosts, rules in
 * docs/scheduler.md, Session costs) summed, for the fleet dashboard. A session counts in the period it started in,
 * read on the site's wall clock, as in the sessions API and its CSV export.
 */
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function costTotals(period: CostTotals['period'], fromMs: number, toMs: number, costs: readonly SessionCost[]): CostTotals {
  const mine = costs.filter((c) => {
    const t = Date.parse(c.startedAt);
    return t >= fromMs && t < toMs;
  });
  const compared = mine.filter((c) => c.savings !== null && c.uncontrolledCost !== null);
  const sum = (list: readonly SessionCost[], f: (c: SessionCost) => number) => list.reduce((a, c) => a + f(c), 0);
  const uncontrolledCost = sum(compared, (c) => c.uncontrolledCost!);
  const savings = sum(compared, (c) => c.savings!);
  return {
    period,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    sessions: mine.length,
    running: mine.filter((c) => c.endedAt === null).length,
    energyKwh: round(sum(mine, (c) => c.energyKwh), 3),
    cost: round(sum(mine, (c) => c.cost), 4),
    unpricedKwh: round(sum(mine, (c) => c.unpricedKwh), 3),
    uncontrolledCost: round(uncontrolledCost, 4),
    savings: round(savings, 4),
    savingsPercent: uncontrolledCost > 0 ? round((savings / uncontrolledCost) * 100, 1) : null,
    notCompared: mine.length - compared.length,
  };
}

export const savingsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/api/v1/sites/:siteId/savings', {
    schema: {
      tags: ['sessions'],
      summary: 'The site’s charging cost today and this month, and the saving against charging at full power on arrival',
      description: 'Sums of the sessions API’s figures for the sessions that started today and this month (the site’s time zone, the server’s clock). Sessions with unpriced energy are counted in cost but left out of the comparison (notCompared).',
      params: SiteParams,
      response: { 200: ok(SiteSavings, 'today’s and this month’s totals'), ...errors(400, 401, 403, 404) },
    },
  }, async (request): Promise<SiteSavings> => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const now = DateTime.fromMillis(ctx.now(), { zone: site.timeZone });
    const day = now.startOf('day');
    const month = now.startOf('month');
    const monthEnd = month.plus({ months: 1 }).toMillis();
    // One read for the month; today is a part of it.
    const costs = await ctx.deps.scheduler.sessionCosts({ siteIds: [site.id], fromMs: month.toMillis(), toMs: monthEnd });
    return {
      siteId: site.id,
      currency: costs[0]?.currency ?? (await ctx.deps.scheduler.latestPlan(site.id))?.currency ?? null,
      timeZone: site.timeZone,
      periods: [
        costTotals('today', day.toMillis(), day.plus({ days: 1 }).toMillis(), costs),
        costTotals('month', month.toMillis(), monthEnd, costs),
      ],
    };
  });
};
