import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { EffectiveSlot } from '../../domain/prices.js';
import { canAccess, READERS, readsSite, requireRole } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { adminSiteRoutes } from './admin-sites.js';
import { errors, PriceSlot, PricesQuery, SiteDetail, SiteParams, SiteSummary, type PriceParts, ok } from './schemas.js';

/**
 * Sites: what a grid connection is (limits, circuits, tariff, zone, EVSEs, policy) and what it pays per slot.
 *
 *   GET /api/v1/sites                      the sites the caller may read
 *   GET /api/v1/sites/:siteId              one site
 *   GET /api/v1/sites/:siteId/prices       effective prices per slot (for the chart when there is no plan)
 *
 * and, for admins, creating, editing, deleting and exporting them (admin-sites.ts, registered here).
 */
const MAX_PRICE_WINDOW_MS = 7 * 24 * 3_600_000;

/** An effective slot's parts in the API's words (taxes summed: the chart shows energy, grid fees, taxes, VAT). */
export function priceParts(s: Pick<EffectiveSlot, 'total' | 'energy' | 'gridFee' | 'taxes' | 'vat'>): PriceParts {
  return { total: s.total, energy: s.energy, gridFees: s.gridFee, taxes: Object.values(s.taxes).reduce((a, t) => a + t, 0), vat: s.vat };
}

export const siteRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  await app.register(adminSiteRoutes, { ctx });
  app.get('/api/v1/sites', {
    schema: {
      tags: ['sites'],
      summary: 'The sites the caller may read',
      description: 'Admins see every site; fleet managers and homeowners the sites whose fleet (or home) they are granted.',
      response: { 200: ok(Type.Array(SiteSummary), 'the readable sites'), ...errors(401, 403) },
    },
  }, async (request) => {
    const p = principalOf(request);
    // Issue 16: a site-viewer lists the sites granted to it.
    requireRole(p, [...READERS, 'site-viewer']);
    return ctx.sites.filter((s) => canAccess(p, s.fleet) || readsSite(p, s.id)).map((s) => ({
      id: s.id, name: s.name, fleet: s.fleet, timeZone: s.timeZone, tariff: s.tariff, gridLimitKw: s.gridLimitKw,
      slotMinutes: s.slotMinutes, evseCount: s.evses.length,
    }));
  });

  app.get('/api/v1/sites/:siteId', {
    schema: {
      tags: ['sites'],
      summary: 'One site: limits, circuits, tariff, time zone, EVSEs and policy',
      params: SiteParams,
      response: { 200: ok(SiteDetail, 'the site'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => ctx.site(principalOf(request), (request.params as SiteParams).siteId));

  app.get('/api/v1/sites/:siteId/prices', {
    schema: {
      tags: ['sites'],
      summary: 'Effective price per slot (energy, grid fees, taxes, VAT) over a window',
      params: SiteParams,
      querystring: PricesQuery,
      response: { 200: ok(Type.Array(PriceSlot), 'one entry per slot with a known price'), ...errors(400, 401, 403, 404, 503) },
    },
  }, async (request) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const q = request.query as PricesQuery;
    const slotMs = site.slotMinutes * 60_000;
    const from = q.from !== undefined ? Date.parse(q.from) : Math.floor(ctx.now() / slotMs) * slotMs;
    const to = q.to !== undefined ? Date.parse(q.to) : from + site.policy.maxHorizonHours * 3_600_000;
    if (!(to > from)) throw new HttpError(400, 'REQUEST_INVALID', 'querystring/to must be after from', 'to');
    if (to - from > MAX_PRICE_WINDOW_MS) throw new HttpError(400, 'REQUEST_INVALID', 'querystring/to must be at most 7 days after from', 'to');
    let slots: EffectiveSlot[];
    try {
      slots = await ctx.deps.prices.effective(site.tariff, { start: from, end: to }, slotMs);
    } catch (err) {
      // The price layer's errors carry codes the error mapping does not know; a chart without prices is a 503.
      throw new HttpError(503, 'PRICES_UNAVAILABLE', `prices for tariff "${site.tariff}" are unavailable: ${(err as Error).message}`);
    }
    return slots.map((s) => ({
      start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString(), ...priceParts(s), currency: s.currency, kind: s.kind,
    }));
  });
};
