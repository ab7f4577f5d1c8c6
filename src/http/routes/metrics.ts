/**
 * GET /metrics (issue 17): the Prometheus text format, for an admin (API token or login) or a scraper presenting the
 * configured `metrics.scrapeToken` as its Bearer token. Also times every HTTP request by method, route pattern (never
 * the raw URL: ids would make a series per vehicle) and status.
 *
 * Two plugins. metricsPlugin is registered before the auth plugin (buildApp): the auth plugin refuses any Bearer token
 * that is not an API token, so the scrape token is recognised in an onRequest hook that runs first and answers at
 * once. metricsRoute, the route itself, is registered after the OpenAPI plugin so that the document shows it (swagger
 * only learns routes registered after it); its onRequest hooks still run in the order they were added, the scrape
 * token's first. The response schemas are documentation: a text body is sent as it is, never serialized.
 */
import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { ensureErrorSchema, ErrorBody } from '../errors.js';
import type { Metrics } from '../../platform/metrics.js';
import { principalOf } from '../auth/plugin.js';
import { requireRole } from '../auth/access.js';

export interface MetricsRouteDeps {
  metrics: Metrics;
  /** config `metrics.scrapeToken`; absent: only admins read /metrics. */
  scrapeToken?: string | undefined;
}

const PATH = '/metrics';

const send = async (metrics: Metrics, reply: FastifyReply) =>
  reply.code(200).header('content-type', metrics.contentType).header('cache-control', 'no-store').send(await metrics.text());

const errorRef = (description: string) => Type.Ref(ErrorBody.$id!, { description });

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const metricsPlugin = fp<MetricsRouteDeps>(async (app, deps) => {
  app.addHook('onRequest', async (request, reply) => {
    if (!deps.scrapeToken || request.method !== 'GET' || request.url.split('?')[0] !== PATH) return;
    const header = request.headers.authorization ?? '';
    if (header.startsWith('Bearer ') && sameSecret(header.slice(7), deps.scrapeToken)) return send(deps.metrics, reply);
  });

  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
}, { name: 'chargeplan-metrics' });

/** GET /metrics itself: after the OpenAPI plugin (documented) and the auth plugin (an admin's login or API token). */
export const metricsRoute = fp<MetricsRouteDeps>(async (app, deps) => {
  ensureErrorSchema(app);
  app.get(PATH, {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      description: 'Stations connected, OCPP messages by action and result, call round trips, schema failures, profiles pushed, planning times, HTTP requests, event-loop lag. An admin API token or login, or `metrics.scrapeToken` as the Bearer token.',
      security: [{ bearerAuth: [] }, { cookieAuth: [] }],
      response: {
        200: {
          description: 'the metrics in the Prometheus text exposition format (version 0.0.4)',
          content: { 'text/plain': { schema: { type: 'string', description: '# HELP, # TYPE and sample lines, ending with a newline' } } },
        },
        401: errorRef('no credentials or invalid ones (AUTH_MISSING, AUTH_INVALID)'),
        403: errorRef('not an admin (AUTH_FORBIDDEN)'),
      },
    },
  }, async (request, reply) => {
    requireRole(principalOf(request), ['admin']);
    return send(deps.metrics, reply);
  });
}, { name: 'chargeplan-metrics-route', dependencies: ['chargeplan-metrics'] });
