import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { pageLocale } from './locale.js';
import { carEditPage, vehiclesPage } from './views-vehicles.js';

/**
 * GET /fleet/vehicles (fleet managers and admins) and GET /home/car (homeowners and admins), issue 16. The pages are
 * shells; the API decides what each person sees and may change. Anyone else goes to their own page, people not
 * logged in to the login form.
 */
const PAGE = { schema: { hide: true } };

function page(roles: readonly string[], body: (request: FastifyRequest) => string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const p = request.principal ?? null;
    if (!p) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    if (!p.grants.some((g) => roles.includes(g.role))) return reply.redirect('/');
    return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body(request));
  };
}

export const vehiclePageRoutes: FastifyPluginAsync = async (app) => {
  app.get('/fleet/vehicles', PAGE, page(['admin', 'fleet-manager'], (request) => vehiclesPage(pageLocale(request))));
  app.get('/home/car', PAGE, page(['admin', 'homeowner'], (request) => carEditPage(pageLocale(request))));
};
