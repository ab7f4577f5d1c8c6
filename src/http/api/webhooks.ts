/**
 * Alert webhooks for admins (issue 17; README "Alerts" documents the signature):
 *
 *   POST   /api/v1/admin/webhooks              add one (per site, per fleet or for all); answers the secret once
 *   GET    /api/v1/admin/webhooks              list them with their last delivery outcome (never the secret)
 *   DELETE /api/v1/admin/webhooks/:webhookId   remove one
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MAX_WEBHOOKS, type WebhookRecord, type WebhookStore } from '../../domain/alerts.js';
import type { Site } from '../../domain/sites.js';
import { isoUtc, type Clock } from '../../platform/clock.js';
import { requireRole } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import { Type } from '@sinclair/typebox';
import { WebhookBody, WebhookCreated, WebhookList, WebhookParams } from './alerts-schemas.js';
import { errors, ok } from './schema-kit.js';
import { apiValidatorCompiler } from './validation.js';

export interface WebhookRouteDeps {
  webhooks: Pick<WebhookStore, 'add' | 'list' | 'remove'>;
  sites(): readonly Site[];
  clock: Clock;
}

const view = (h: WebhookRecord) => ({
  id: h.id, scope: { kind: h.scopeKind, id: h.scopeId }, url: h.url, description: h.description, createdAt: h.createdAt,
  lastSuccessAt: h.lastSuccessAt, lastFailureAt: h.lastFailureAt, lastError: h.lastError,
});

export const webhookRoutes: FastifyPluginAsync<WebhookRouteDeps> = async (app, deps) => {
  app.setValidatorCompiler(apiValidatorCompiler);
  const admin = (request: FastifyRequest) => requireRole(principalOf(request), ['admin']);

  app.post('/api/v1/admin/webhooks', {
    bodyLimit: 8192,
    schema: {
      tags: ['alerts'],
      summary: 'Add an alert webhook for a site, a fleet or all alerts (admins); the signing secret is shown once',
      body: WebhookBody,
      response: { 201: ok(WebhookCreated, 'the webhook and its secret (shown this once)'), ...errors(400, 401, 403, 409, 422) },
    },
  }, async (request: FastifyRequest<{ Body: WebhookBody }>, reply) => {
    admin(request);
    const b = request.body;
    const kind = b.scope.kind;
    if (kind !== 'all' && b.scope.id === undefined) throw new HttpError(422, 'WEBHOOK_SCOPE', `scope.id is required for a ${kind} webhook`, 'scope.id');
    if (kind === 'all' && b.scope.id !== undefined && b.scope.id !== '*') throw new HttpError(422, 'WEBHOOK_SCOPE', 'scope.id must be absent (or "*") for all alerts', 'scope.id');
    if (kind === 'site' && !deps.sites().some((s) => s.id === b.scope.id)) throw new HttpError(422, 'SITE_UNKNOWN', `no site "${b.scope.id}"`, 'scope.id');
    let url: URL;
    try {
      url = new URL(b.url);
    } catch {
      throw new HttpError(422, 'WEBHOOK_URL', 'url is not a valid URL', 'url');
    }
    if (url.username || url.password) throw new HttpError(422, 'WEBHOOK_URL', 'url must not carry credentials (the signature authenticates us)', 'url');
    if ((await deps.webhooks.list()).length >= MAX_WEBHOOKS) throw new HttpError(409, 'WEBHOOK_LIMIT', `at most ${MAX_WEBHOOKS} webhooks`, 'url');
    const secret = randomBytes(32).toString('base64url');
    const hook = { id: randomUUID(), scopeKind: kind, scopeId: kind === 'all' ? '*' : b.scope.id!, url: url.href, description: b.description ?? '', createdAt: isoUtc(deps.clock.now()) };
    await deps.webhooks.add(hook, secret);
    reply.code(201);
    return { webhook: view({ ...hook, lastSuccessAt: null, lastFailureAt: null, lastError: null }), secret };
  });

  app.get('/api/v1/admin/webhooks', {
    schema: {
      tags: ['alerts'],
      summary: 'The alert webhooks with their last delivery outcome (admins; never the secret)',
      response: { 200: ok(WebhookList, 'every webhook'), ...errors(401, 403) },
    },
  }, async (request: FastifyRequest) => {
    admin(request);
    return { webhooks: (await deps.webhooks.list()).map(view) };
  });

  app.delete('/api/v1/admin/webhooks/:webhookId', {
    schema: {
      tags: ['alerts'],
      summary: 'Remove an alert webhook (admins)',
      params: WebhookParams,
      response: { 204: ok(Type.Null(), 'removed'), ...errors(400, 401, 403, 404) },
    },
  }, async (request: FastifyRequest<{ Params: WebhookParams }>, reply) => {
    admin(request);
    if (!(await deps.webhooks.remove(request.params.webhookId))) throw new HttpError(404, 'WEBHOOK_UNKNOWN', `no webhook "${request.params.webhookId}"`, 'webhookId');
    return reply.code(204).send();
  });
};
