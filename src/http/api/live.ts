import type { FastifyPluginAsync } from 'fastify';
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import { canAccess, READERS, requireRole } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { errors, LiveQuery } from './schemas.js';

/**
 * GET /api/v1/live?site=: server-sent events for open pages (the plan chart and the fleet table redraw on them).
 *
 *   event: plan      data: {siteId, planId, reason: created|pushed}
 *   event: status    data: {siteId, stationId, evseId, reason: compliance|connector|transaction|connection}
 *   event: decision  data: {siteId, id, at, kind, message, stationId, evseId}
 *
 * Only events of sites the caller may read are sent (checked once at open: grants do not change under an open
 * stream, and a revoked token's stream ends with the next reconnect). A comment line every 15 s keeps proxies from
 * closing an idle stream; its timer is unref'd and wall-clock, as it decides nothing. Streams end when the client
 * goes away and when the app closes (preClose: fastify would otherwise wait for them forever).
 */
const MAX_BUFFERED = 1024 * 1024;

type Send = (siteId: string, event: 'plan' | 'status' | 'decision', data: Record<string, unknown>) => void;

/** Subscribes to every forwarded event; `send` decides per site. Returns the unsubscribers. */
function subscribe(ctx: ApiContext, send: Send): (() => void)[] {
  const { events } = ctx.deps;
  const evse = (stationId: string, evseId: number | null, reason: string) => {
    for (const site of ctx.sitesOfStation(stationId)) {
      for (const e of site.evses) {
        if (e.stationId === stationId && (evseId === null || e.evseId === evseId)) send(site.id, 'status', { siteId: site.id, stationId, evseId: e.evseId, reason });
      }
    }
  };
  return [
    events.on('plan.created', (e) => send(e.siteId, 'plan', { siteId: e.siteId, planId: e.planId, reason: 'created' })),
    events.on('plan.pushed', (e) => send(e.siteId, 'plan', { siteId: e.siteId, planId: e.planId, reason: 'pushed' })),
    events.on('decision', (d) => send(d.siteId, 'decision', { siteId: d.siteId, id: d.id, at: d.at, kind: d.kind, message: d.message, stationId: d.stationId, evseId: d.evseId })),
    events.on('charger.status', (e) => evse(e.stationId, e.evseId, 'compliance')),
    events.on('connector.status', (e) => evse(e.stationId, e.evseId, 'connector')),
    events.on('transaction.event', (e) => {
      if (!e.duplicate && e.transaction.evseId !== null) evse(e.stationId, e.transaction.evseId, 'transaction');
    }),
    events.on('station.connected', (e) => evse(e.stationId, null, 'connection')),
    events.on('station.disconnected', (e) => evse(e.stationId, null, 'connection')),
  ];
}

export const liveRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get('/api/v1/live', {
    schema: {
      tags: ['live'],
      summary: 'Server-sent events: plan, status and decision changes of the sites the caller may read',
      querystring: LiveQuery,
      response: {
        200: {
          description: 'an event stream (text/event-stream): events plan, status, decision with JSON data; comment lines keep it open',
          content: { 'text/event-stream': { schema: Type.String() } },
        },
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { site } = request.query as LiveQuery;
    let sites;
    if (site !== undefined) sites = [ctx.site(p, site)];
    else {
      requireRole(p, READERS);
      sites = ctx.sites.filter((s) => canAccess(p, s.fleet));
    }
    const allowed = new Set(sites.map((s) => s.id));

    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 5000\n: sites ${[...allowed].join(',')}\n\n`);

    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      offs.forEach((off) => off());
      clearInterval(keepAlive);
      open.delete(close);
      res.end();
    };
    const offs = subscribe(ctx, (siteId, event, data) => {
      if (closed || !allowed.has(siteId)) return;
      // A client that stopped reading is dropped instead of buffering without bound; EventSource reconnects.
      if (res.writableLength > MAX_BUFFERED) return close();
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), ctx.deps.keepAliveMs ?? 15_000);
    keepAlive.unref();
    open.add(close);
    // The response's close fires when the client disconnects (the request's fires once its body is read).
    res.on('close', close);
    return reply;
  });
};
