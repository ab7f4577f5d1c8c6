/**
 * Alerts in the API (issue 17), scoped like everything else: admins see every alert; fleet managers and homeowners
 * see the alerts of their groups' sites only (never a site-less one).
 *
 *   GET /api/v1/alerts?state&siteId&stationId&kind&before&limit   newest first, a page at a time (nextBefore)
 *   GET /api/v1/alerts/:alertId                                   one alert with its history
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AlertRecord, AlertStore } from '../../domain/alerts.js';
import type { Site } from '../../domain/sites.js';
import { KIND_WORDS } from '../../domain/alert-words.js';
import { assertAccess, canAccess, isAdmin, READERS, requireRole, type Principal } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import { AlertDetail, AlertPage, AlertParams, AlertQuery, type AlertView } from './alerts-schemas.js';
import { errors, ok } from './schema-kit.js';
import { apiValidatorCompiler } from './validation.js';

export interface AlertRouteDeps {
  store: Pick<AlertStore, 'list' | 'get' | 'history'>;
  /** The sites planned now (their fleets decide who sees their alerts). */
  sites(): readonly Site[];
}

export function alertView(a: AlertRecord): AlertView {
  return { ...a, title: KIND_WORDS[a.kind].title };
}

/** The sites whose alerts `p` may read, or 'all' for an admin (site-less alerts too). */
function visibleSites(p: Principal, sites: readonly Site[]): readonly string[] | 'all' {
  if (isAdmin(p)) return 'all';
  return sites.filter((s) => canAccess(p, s.fleet, READERS)).map((s) => s.id);
}

export const alertRoutes: FastifyPluginAsync<AlertRouteDeps> = async (app, deps) => {
  app.setValidatorCompiler(apiValidatorCompiler);
  app.get('/api/v1/alerts', {
    schema: {
      tags: ['alerts'],
      summary: 'Alerts, open or closed, newest first (scoped: a fleet manager sees only their sites’ alerts)',
      querystring: AlertQuery,
      response: { 200: ok(AlertPage, 'a page of alerts'), ...errors(400, 401, 403, 404) },
    },
  }, async (request: FastifyRequest<{ Querystring: AlertQuery }>) => {
    const p = principalOf(request);
    requireRole(p, READERS);
    const q = request.query;
    const sites = deps.sites();
    let scope = visibleSites(p, sites);
    if (q.siteId !== undefined) {
      const site = sites.find((s) => s.id === q.siteId);
      assertAccess(p, site ? site.fleet : null, `site "${q.siteId}"`, READERS);
      if (!site) throw new HttpError(404, 'SITE_UNKNOWN', `no site "${q.siteId}"`, 'siteId');
      scope = [site.id];
    }
    const limit = q.limit ?? 50;
    const alerts = await deps.store.list({
      sites: scope, limit,
      ...(q.state ? { state: q.state } : {}),
      ...(q.stationId !== undefined ? { stationId: q.stationId } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
    });
    return { alerts: alerts.map(alertView), nextBefore: alerts.length === limit ? alerts[alerts.length - 1]!.id : null };
  });

  app.get('/api/v1/alerts/:alertId', {
    schema: {
      tags: ['alerts'],
      summary: 'One alert with its history (opened, updated, closed)',
      params: AlertParams,
      response: { 200: ok(AlertDetail, 'the alert and what happened to it'), ...errors(400, 401, 403, 404) },
    },
  }, async (request: FastifyRequest<{ Params: AlertParams }>) => {
    const p = principalOf(request);
    requireRole(p, READERS);
    const alert = await deps.store.get(request.params.alertId);
    const site = alert?.siteId ? deps.sites().find((s) => s.id === alert.siteId) : undefined;
    // Not yours and does not exist read the same for a non-admin (403); a site-less alert is for admins.
    assertAccess(p, site ? site.fleet : null, `alert ${request.params.alertId}`, READERS);
    if (!alert) throw new HttpError(404, 'ALERT_UNKNOWN', `no alert ${request.params.alertId}`, 'alertId');
    return { alert: alertView(alert), history: await deps.store.history(alert.id) };
  });
};
