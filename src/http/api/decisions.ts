import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { DecisionsQuery, DecisionView, errors, SiteParams, ok } from './schemas.js';

/** GET /api/v1/sites/:siteId/decisions: the site's decision log, newest first; page back with `before`. */
export const decisionRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/api/v1/sites/:siteId/decisions', {
    schema: {
      tags: ['decisions'],
      summary: 'What the scheduler did at the site and why, newest first',
      params: SiteParams,
      querystring: DecisionsQuery,
      response: { 200: ok(Type.Array(DecisionView), 'decisions, newest first'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const q = request.query as DecisionsQuery;
    return ctx.deps.scheduler.decisions(site.id, { limit: q.limit ?? 100, ...(q.before !== undefined ? { beforeId: q.before } : {}) });
  });
};
