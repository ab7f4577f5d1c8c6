import type { FastifyPluginAsync } from 'fastify';
import { pageLocale } from './locale.js';
import { adminSitesPage } from './views-admin-sites.js';

/** GET /admin/sites (issue 16): admins only; others go to their own page, people not logged in to the login form. */
export const adminSitesPageRoute: FastifyPluginAsync = async (app) => {
  app.get('/admin/sites', { schema: { hide: true } }, async (request, reply) => {
    const p = request.principal ?? null;
    if (!p) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    if (!p.grants.some((g) => g.role === 'admin')) return reply.redirect('/');
    return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(adminSitesPage(pageLocale(request)));
  });
};
