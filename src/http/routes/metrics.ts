/**
 * GET /metrics (issue 17): the Prometheus text format, for an admin (API token or login) or a scraper presenting the
 * configured `metrics.scrapeToken` as its Bearer token. Also times every HTTP request by method, route pattern (never
 * the raw URL: ids would make a series per vehicle) and status.
 *
 * Registered before the auth plugin (buildApp): the auth plugin refuses any Bearer token that is not an API token, so
 * the scrape token is recognised in an onRequest hook that runs first and answers at once.
 */
import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyReply } from 'fastify';
import type { Metrics } from '../../platform/metrics.js';
import { principalOf } from '../auth/plugin.js';
import { requireRole } from '../auth/access.js';

export interface MetricsRouteDeps {
  metrics: Metrics;
  /** config `metrics.scrapeToken`; absent: only admins read /metrics. */
  scrapeToken?: string | undefined;
}

const PATH = '/metrics';

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const metricsPlugin = fp<MetricsRouteDeps>(async (app, deps) => {
  const send = async (reply: FastifyReply) => reply.code(200).header('content-type', deps.metrics.contentType).header('cache-control', 'no-store').send(await deps.metrics.text());

  app.addHook('onRequest', async (request, reply) => {
    if (!deps.scrapeToken || request.method !== 'GET' || request.url.split('?')[0] !== PATH) return;
    const header = request.headers.authorization ?? '';
    if (header.startsWith('Bearer ') && sameSecret(header.slice(7), deps.scrapeToken)) return send(reply);
  });

  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get(PATH, {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      description: 'Stations connected, OCPP messages by action and result, call round trips, schema failures, profiles pushed, planning times, HTTP requests, event-loop lag. An admin API token or login, or `metrics.scrapeToken` as the Bearer token.',
    },
  }, async (request, reply) => {
    requireRole(principalOf(request), ['admin']);
    return send(reply);
  });
}, { name: 'chargeplan-metrics' });
