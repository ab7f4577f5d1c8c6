import type { FastifyPluginAsync } from 'fastify';
import { pageLocale } from './locale.js';
import { utilisationPage } from './views-utilisation.js';

/**
 * GET /utilisation (issue 17): admins and fleet managers (the API answers only for the sites they may see); others go
 * to their own page, people not logged in to the login form.
 */
export const utilisationPageRoute: FastifyPluginAsync = async (app) => {
  app.get('/utilisation', { schema: { hide: true } }, async (request, reply) => {
    const p = request.principal ?? null;
    if (!p) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    if (!p.grants.some((g) => g.role === 'admin' || g.role === 'fleet-manager')) return reply.redirect('/');
    return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(utilisationPage(pageLocale(request)));
  });
};
