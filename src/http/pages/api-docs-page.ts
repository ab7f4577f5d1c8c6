import type { FastifyPluginAsync } from 'fastify';
import { apiDocsPage, type OpenApiDocument } from './views-api-docs.js';

/**
 * The API reference page (issue 18; views-api-docs.ts) at /api/docs, in place of Swagger UI: rendered once from the
 * app's own OpenAPI document (app.swagger(), complete once every route is registered) and kept, since routes do not
 * change while the app runs. /api/docs/ comes back here; /api/docs/json (where Swagger UI served it) and
 * /api/openapi.json are the document. Public, as the document is: it describes the API, it holds no data.
 * Hidden from the document itself like every page.
 */
export const apiDocsPageRoutes: FastifyPluginAsync = async (app) => {
  let page: string | null = null;
  const HIDDEN = { schema: { hide: true } };
  app.get('/api/docs', HIDDEN, async (_request, reply) => {
    page ??= apiDocsPage(app.swagger() as OpenApiDocument);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  });
  app.get('/api/docs/', HIDDEN, async (_request, reply) => reply.redirect('/api/docs'));
  app.get('/api/docs/json', HIDDEN, async () => app.swagger());
};
