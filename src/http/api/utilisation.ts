import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Role } from '../auth/roles.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import { UtilisationTooLarge, type UtilisationSource } from '../../domain/utilisation.js';
import type { Site } from '../../domain/sites.js';
import { computeUtilisation, PeriodError, utilisationPeriod, type SiteUtilisation, type TimeShares } from '../../scheduler/index.js';
import type { ApiContext } from './context.js';
import { toCsv } from './csv.js';
import { errors, ok } from './schema-kit.js';
import { SiteParams } from './schemas.js';
import { UtilisationQuery, UtilisationView } from './utilisation-schemas.js';

/**
 * Utilisation (issue 17): how busy a site's EVSEs were, and whether it needs more.
 *
 *   GET /api/v1/sites/:siteId/utilisation?from=&to=        figures per EVSE, station and site, heat map, sentence
 *   GET /api/v1/sites/:siteId/utilisation.csv?from=&to=    the same figures, one row per EVSE, station and the site
 *
 * Scoped like the site plan, for the people who decide where to add chargers: admins, and fleet managers of the
 * site's fleet (homeowners get 403). One bounded read of the history per request, then a pure computation.
 */
export const UTILISATION_READERS: readonly Role[] = ['admin', 'fleet-manager'];

const CSV_COLUMNS = [
  'level', 'site', 'station', 'evse', 'from', 'to', 'time_zone', 'period_h', 'plugged_h', 'charging_h', 'idle_h', 'available_h',
  'out_of_service_h', 'offline_h', 'known_h', 'occupancy', 'charging_share', 'availability', 'sessions', 'energy_kwh', 'all_taken_h', 'found_none',
] as const;

export function view(u: SiteUtilisation, measuredUntil: number): UtilisationView {
  const { period, ...rest } = u;
  return {
    ...rest, timeZone: period.zone, from: period.from, to: period.to,
    start: new Date(period.startMs).toISOString(), end: new Date(period.endMs).toISOString(), measuredUntil: new Date(measuredUntil).toISOString(),
  };
}

export function utilisationCsv(u: SiteUtilisation): string {
  const p = u.period;
  const figures = (s: TimeShares) => [
    s.pluggedH, s.chargingH, s.idleH, s.availableH, s.outOfServiceH, s.offlineH, s.knownH, s.occupancy, s.chargingShare, s.availability, s.sessions, s.energyKwh,
  ];
  const head = (level: string, station: string | null, evse: number | null) => [level, u.siteId, station, evse, p.from, p.to, p.zone, u.periodH];
  return toCsv(CSV_COLUMNS, [
    ...u.evseRows.map((r) => [...head('evse', r.stationId, r.evseId), ...figures(r), null, null]),
    ...u.stations.map((s) => [...head('station', s.stationId, null), ...figures(s), null, null]),
    [...head('site', null, null), ...figures(u), u.allTakenH, u.foundNone],
  ]);
}

export const utilisationRoutes: FastifyPluginAsync<{ ctx: ApiContext; source: UtilisationSource }> = async (app, { ctx, source }) => {
  const compute = async (site: Site, q: UtilisationQuery) => {
    const now = ctx.now();
    let period;
    try {
      period = utilisationPeriod(site.timeZone, now, q.from, q.to);
    } catch (err) {
      if (err instanceof PeriodError) throw new HttpError(400, 'REQUEST_INVALID', err.message, err.field);
      throw err;
    }
    const until = Math.max(period.startMs, Math.min(period.endMs, now));
    const stations = [...new Set(site.evses.map((e) => e.stationId))];
    try {
      const history = await source.history(stations, new Date(period.startMs).toISOString(), new Date(until).toISOString());
      return { u: computeUtilisation({ site, period, nowMs: now, history }), until };
    } catch (err) {
      if (err instanceof UtilisationTooLarge) throw new HttpError(422, err.code, err.message, 'from');
      throw err;
    }
  };

  app.get('/api/v1/sites/:siteId/utilisation', {
    schema: {
      tags: ['sites'],
      summary: 'How busy the site’s EVSEs were: occupancy, charging vs idle, availability, all taken, drivers who found none',
      description: 'The period is local dates in the site’s zone (23- and 25-hour days count as they are), measured up to now. Admins, and fleet managers of the site.',
      params: SiteParams,
      querystring: UtilisationQuery,
      response: { 200: ok(UtilisationView, 'the figures per EVSE, station and site'), ...errors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId, UTILISATION_READERS);
    const { u, until } = await compute(site, request.query as UtilisationQuery);
    return view(u, until);
  });

  app.get('/api/v1/sites/:siteId/utilisation.csv', {
    schema: {
      tags: ['sites'],
      summary: 'Export: the site’s utilisation as CSV',
      description: `RFC 4180, UTF-8, CRLF. One row per EVSE, per station and one for the site (column level). Columns: ${CSV_COLUMNS.join(', ')}. Hours with up to 4 decimals, shares 0-1; all_taken_h and found_none on the site row only.`,
      params: SiteParams,
      querystring: UtilisationQuery,
      response: {
        200: { description: 'the CSV file (Content-Disposition: attachment)', content: { 'text/csv': { schema: Type.String() } } },
        ...errors(400, 401, 403, 404, 422),
      },
    },
  }, async (request, reply) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId, UTILISATION_READERS);
    const { u } = await compute(site, request.query as UtilisationQuery);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="utilisation-${site.id}-${u.period.from}-${u.period.to}.csv"`)
      .send(utilisationCsv(u));
  });
};
