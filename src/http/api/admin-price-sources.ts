import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../auth/audit.js';
import type { ApiContext } from './context.js';
import { errors, ok } from './schema-kit.js';
import { NoBody } from './schemas.js';
import { bodyCheckedByHandler } from './validation.js';
import { admin, priceChange } from './admin-tariffs.js';
import { FetchResult, SourceEntry, SourceList, SourceParams } from './admin-tariffs-schemas.js';

/**
 * Price sources from the browser (issue 16), admins only:
 *
 *   GET    /api/v1/admin/price-sources                   the sources (credentials never shown: only whether set), zones, kinds
 *   PUT    /api/v1/admin/price-sources/:sourceId         create or replace one; a credential left out keeps the stored one
 *   DELETE /api/v1/admin/price-sources/:sourceId         stop and remove it (the prices it brought stay)
 *   POST   /api/v1/admin/price-sources/:sourceId/fetch   fetch now: what came back, or the source's error in words
 *
 * Every change is checked whole (422 SOURCE_INVALID names the field), written in one statement, restarts the source's
 * schedule and is in the audit log (never with a credential).
 */
const SOURCE_BODY_LIMIT_BYTES = 16 * 1024;

export const adminPriceSourceRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const port = ctx.deps.priceAdmin?.sources;
  if (!port) return;
  const tags = ['prices'];
  const body = Type.Unsafe<unknown>({ ...port.sourceSchema, description: 'a config `prices.sources` entry without its id; kind decides the fields' });

  app.get('/api/v1/admin/price-sources', {
    schema: { tags, summary: 'The price sources, the price zones and the kinds of source (admins)', response: { 200: ok(SourceList, 'the sources by id'), ...errors(401, 403) } },
  }, async (request) => {
    admin(request);
    return {
      sources: await port.list(),
      zones: port.zones(),
      kinds: ['entsoe', 'awattar', 'energi-data-service', 'nordpool', 'octopus', 'openadr3', 'tibber'].map((kind) => ({ kind, secrets: [...(port.secretFields[kind] ?? [])] })),
    };
  });

  app.put('/api/v1/admin/price-sources/:sourceId', {
    schema: {
      tags, summary: 'Create or replace a price source (admins)',
      description: 'kind (entsoe, awattar, energi-data-service, nordpool, octopus, openadr3, tibber), zone (a configured price zone) and the kind’s fields; schedule optional. A credential (token, clientSecret) is stored and never given back; leave it out to keep the stored one. 422 SOURCE_INVALID names the field.',
      params: SourceParams, body,
      response: { 200: ok(SourceEntry, 'replaced'), 201: ok(SourceEntry, 'created'), ...errors(400, 401, 403, 415, 422) },
    },
    bodyLimit: SOURCE_BODY_LIMIT_BYTES,
    validatorCompiler: bodyCheckedByHandler,
  }, async (request, reply) => {
    const p = admin(request);
    const { created, entry } = await priceChange(() => port.put((request.params as SourceParams).sourceId, request.body, actorOf(p)));
    return reply.code(created ? 201 : 200).send(entry);
  });

  app.delete('/api/v1/admin/price-sources/:sourceId', {
    schema: {
      tags, summary: 'Remove a price source (admins)', description: 'Its schedule stops; the prices it stored stay.',
      params: SourceParams, response: { 204: ok(Type.Null(), 'removed'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const p = admin(request);
    await priceChange(() => port.remove((request.params as SourceParams).sourceId, actorOf(p)));
    return reply.code(204).send();
  });

  app.post('/api/v1/admin/price-sources/:sourceId/fetch', {
    schema: {
      tags, summary: 'Fetch now: test a price source (admins)',
      description: 'Asks the source for its usual window (yesterday to the day after tomorrow in its schedule’s zone) and stores what came back. 200 either way: `ok` true with the number of prices, the first and last instant and the currency, or false with the source’s error (code and message).',
      params: SourceParams, body: NoBody, response: { 200: ok(FetchResult, 'what came back'), ...errors(400, 401, 403, 404) },
    },
    bodyLimit: 1024,
    validatorCompiler: bodyCheckedByHandler,
  }, async (request) => {
    admin(request);
    return priceChange(() => port.fetchNow((request.params as SourceParams).sourceId));
  });
};
