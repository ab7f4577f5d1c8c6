import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { ErrorBody } from '../errors.js';
import { apiDocsPageRoutes } from '../pages/api-docs-page.js';

/**
 * The OpenAPI document, built by @fastify/swagger from the routes' TypeBox schemas (convention 4: one schema, one
 * type, one document), served as JSON at /api/openapi.json and as a reference page at /api/docs in the pages' own
 * look (issue 18: pages/api-docs-page.ts, which replaced Swagger UI). Must be
 * registered before any route: swagger learns routes from the onRoute hook.
 *
 * ErrorBody is added once as a shared schema ($id "Error") and every error response references it, so the document
 * has one `Error` component instead of a copy per route and status. Every route not marked `schema: { hide: true }`
 * (the pages, their assets, the reference page and this document are) has tags, a summary and a schema for each
 * status it answers; test/http/openapi-complete.test.ts walks the app's routes and holds that.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ErrorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chargeplan',
        version: '1',
        description: 'Smart charging for fleets and homes: sites, stations, plans, vehicles, departure targets, sessions and costs. Scope rules, CSV formats and error codes: docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'cpk_<id>_<secret>', description: 'an API token (shown once when created)' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'cp_session', description: 'a login session; unsafe methods also need the X-CSRF-Token header' },
        },
      },
      security: [{ bearerAuth: [] }, { cookieAuth: [] }],
      tags: [
        { name: 'sites', description: 'grid connections: limits, circuits, tariff, time zone, prices' },
        { name: 'stations', description: 'stations and EVSEs with live status and profile compliance' },
        { name: 'plans', description: 'the current plan per site' },
        { name: 'vehicles', description: 'vehicles and the fleet table' },
        { name: 'targets', description: 'departure targets, single and bulk, and boost' },
        { name: 'sessions', description: 'charging sessions with cost and savings, CSV export' },
        { name: 'decisions', description: 'the decision log' },
        { name: 'live', description: 'server-sent events' },
        { name: 'auth', description: 'log in and out, who is calling, API tokens (docs/auth.md)' },
        { name: 'admin', description: 'first-run setup, people and their grants, the audit log, the get-started checklist (docs/auth.md)' },
        { name: 'tariffs', description: 'the energy companies’ push intake: JSON, CSV and OpenADR 3 (docs/prices.md)' },
        { name: 'prices', description: 'tariffs and price sources managed by admins, the 48-hour effective-price preview, fetch now (issue 16)' },
        { name: 'health', description: 'liveness for load balancers and monitoring' },
        { name: 'operations', description: 'remote operations on a station and its device model (docs/operations.md)' },
        { name: 'alerts', description: 'alerts (offline, faulted, ignored profiles, failed firmware, shortfalls, stale prices, site limit, security events) and their webhooks (README "Alerts")' },
      ],
    },
    // Shared schemas keep their $id as the component name (#/components/schemas/Error), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String((json as { $id?: string }).$id ?? `def-${i}`) },
  });
  await app.register(apiDocsPageRoutes);
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
