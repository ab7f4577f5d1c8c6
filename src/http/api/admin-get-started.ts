import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { errors, ok } from './schema-kit.js';
import { Checklist } from './admin-schemas.js';
import { phrase } from '../../domain/phrases.js';

/**
 * The "get started" checklist for admins (issue 16): GET /api/v1/admin/get-started says what exists of what the
 * product needs before it plans anything: a site, prices for its tariff, a connected charger, a vehicle, a
 * departure target. The page (assets/get-started.js) links each item to the page that does it.
 */
const DAY_MS = 86_400_000;
/** Bounds: the checklist reads at most this many sites' prices and vehicles' targets (it asks "is there any?"). */
const MAX_SITES = 20;
const MAX_VEHICLES = 1000;

export const adminGetStartedRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/api/v1/admin/get-started', {
    schema: {
      tags: ['admin'],
      summary: 'What is set up and what is missing before the product plans charging (admins)',
      response: { 200: ok(Checklist, 'one item per step, in order'), ...errors(401, 403) },
    },
  }, async (request) => {
    requireRole(principalOf(request), ['admin']);
    const { deps } = ctx;
    const now = ctx.now();
    const sites = ctx.sites.slice(0, MAX_SITES);
    const priced = await Promise.all(sites.map(async (s) => {
      try {
        return (await deps.prices.effective(s.tariff, { start: now, end: now + DAY_MS }, s.slotMinutes * 60_000)).length > 0;
      } catch {
        return false;
      }
    }));
    const unpriced = sites.filter((_, k) => !priced[k]);
    const connected = deps.stations.connectedCount();
    const vehicles = await deps.stores.vehicles.list();
    const targets = await deps.stores.targets.many(vehicles.slice(0, MAX_VEHICLES).map((v) => v.id));
    const names = (list: readonly { name: string }[]) => list.slice(0, 3).map((s) => s.name).join(', ') + (list.length > 3 ? ', …' : '');
    const n = ctx.sites.length;
    const tariffPhrase = sites.length === 0 ? phrase('start.tariff.noSite') : unpriced.length === 0 ? phrase('start.tariff.all')
      : phrase('start.tariff.missing', { names: names(unpriced) });
    // Each detail also as a phrase (issue 18): the page says it in its language; names are data, said as they are.
    return {
      items: [
        { id: 'site', done: n > 0, detail: n > 0 ? `${n} site${n === 1 ? '' : 's'}: ${names(ctx.sites)}` : 'no site yet',
          phrase: n > 0 ? phrase('start.site.some', { count: n, names: names(ctx.sites) }) : phrase('start.site.none') },
        {
          id: 'tariff',
          done: sites.length > 0 && unpriced.length === 0,
          detail: sites.length === 0 ? 'no site pays a tariff yet: save a tariff first (a site names the tariff it pays), then add the site'
            : unpriced.length === 0 ? 'every site has prices for the next 24 hours'
            : `no prices for the next 24 hours at ${names(unpriced)}`,
          phrase: tariffPhrase,
        },
        { id: 'charger', done: connected > 0, detail: connected > 0 ? `${connected} station${connected === 1 ? '' : 's'} connected` : 'no station connected',
          phrase: phrase(connected > 0 ? 'start.charger.some' : 'start.charger.none', connected > 0 ? { count: connected } : {}) },
        { id: 'vehicle', done: vehicles.length > 0, detail: vehicles.length > 0 ? `${vehicles.length} vehicle${vehicles.length === 1 ? '' : 's'}` : 'no vehicle yet',
          phrase: phrase(vehicles.length > 0 ? 'start.vehicle.some' : 'start.vehicle.none', vehicles.length > 0 ? { count: vehicles.length } : {}) },
        { id: 'departure', done: targets.size > 0, detail: targets.size > 0 ? `${targets.size} vehicle${targets.size === 1 ? ' has' : 's have'} a departure target` : 'no departure target yet',
          phrase: phrase(targets.size > 0 ? 'start.departure.some' : 'start.departure.none', targets.size > 0 ? { count: targets.size } : {}) },
      ],
    };
  });
};
