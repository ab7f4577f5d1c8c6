import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AuditReader } from '../../domain/audit.js';
import { isoUtc } from '../../platform/clock.js';
import { requireRole } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { errors, ok } from './schema-kit.js';
import { apiValidatorCompiler } from './validation.js';
import { AuditPage, AuditQuery } from './admin-schemas.js';

/**
 * The audit log for admins (issue 16): GET /api/v1/admin/audit?limit&before&targetKind&targetId, newest first,
 * a page at a time (`nextBefore` continues).
 */
export const adminAuditRoutes: FastifyPluginAsync<{ audit: AuditReader }> = async (app, { audit }) => {
  app.setValidatorCompiler(apiValidatorCompiler);
  app.get('/api/v1/admin/audit', {
    schema: {
      tags: ['admin'],
      summary: 'Who changed what: the audit log, newest first (admins)',
      querystring: AuditQuery,
      response: { 200: ok(AuditPage, 'a page of entries'), ...errors(400, 401, 403) },
    },
  }, async (request: FastifyRequest<{ Querystring: AuditQuery }>) => {
    requireRole(principalOf(request), ['admin']);
    const q = request.query;
    const limit = q.limit ?? 100;
    const entries = await audit.list({
      limit,
      ...(q.before !== undefined ? { before: q.before } : {}),
      ...(q.targetKind !== undefined ? { targetKind: q.targetKind } : {}),
      ...(q.targetId !== undefined ? { targetId: q.targetId } : {}),
    });
    return {
      entries: entries.map((e) => ({ ...e, at: isoUtc(e.at) })),
      nextBefore: entries.length === limit ? entries[entries.length - 1]!.id : null,
    };
  });
};
