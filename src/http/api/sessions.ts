import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { SessionCost } from '../../domain/plans.js';
import type { Site } from '../../domain/sites.js';
import { assertAccess, canAccess, READERS, requireRole } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { toCsv } from './csv.js';
import { errors, Month, ok, SessionsCsvQuery, SessionsQuery, SessionView } from './schemas.js';

/**
 * Charging sessions with their cost (measured energy per slot times the slot's effective price) and the saving
 * against charging at full power on arrival (Scheduler.sessionCosts; rules in docs/scheduler.md, Costs).
 *
 *   GET /api/v1/sessions?site=&vehicle=&month=YYYY-MM    sessions at the sites the caller may read
 *   GET /api/v1/sessions.csv?fleet=&month=YYYY-MM        the month's sessions at a fleet's (or home's) sites, as CSV
 *
 * `month` defaults to the current month on the wall clock of the first site concerned, in both routes (issue 18: the
 * fleet page's "Download CSV" asks for the month the manager is in).
 *
 * A session belongs to the month in which it started, the month read in its site's time zone, so that consecutive
 * months bill each session once.
 */
/** The export's query: the fleet required, the month optional (SessionsCsvQuery's words). */
const CsvQuery = Type.Object({
  fleet: SessionsCsvQuery.properties.fleet,
  // YYYY-MM; by default the current month in the fleet's (first) site's time zone.
  month: Type.Optional(Month),
});
type CsvQuery = Static<typeof CsvQuery>;

const CSV_COLUMNS = [
  'site', 'station', 'evse', 'transaction', 'vehicle', 'vehicle_fleet', 'started', 'ended', 'started_local', 'time_zone',
  'kwh', 'cost', 'currency', 'uncontrolled_cost', 'savings', 'unpriced_kwh', 'estimated_kwh',
] as const;

function parts(ms: number, zone: string): Record<string, string> {
  return Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(ms).map((p) => [p.type, p.value]),
  );
}
/** The month (YYYY-MM) of an instant on the wall clock of `zone`. */
const monthIn = (ms: number, zone: string) => { const p = parts(ms, zone); return `${p.year}-${p.month}`; };
/** YYYY-MM-DD HH:MM on the wall clock of `zone`: what a driver's bill shows. */
const localText = (iso: string, zone: string) => { const p = parts(Date.parse(iso), zone); return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`; };

/** Fixed decimals: kWh to the Wh, money to a hundredth of a cent, so a column's sum matches the totals. */
const fixed = (x: number | null, digits: number) => (x === null ? null : x.toFixed(digits));

function view(c: SessionCost): SessionView {
  return {
    siteId: c.siteId, stationId: c.stationId, evseId: c.evseId, transactionId: c.transactionId, vehicleId: c.vehicleId, fleet: c.fleet,
    startedAt: c.startedAt, endedAt: c.endedAt, energyKwh: c.energyKwh, cost: c.cost, currency: c.currency, unpricedKwh: c.unpricedKwh,
    estimatedKwh: c.estimatedKwh, fullPowerKw: c.fullPowerKw, uncontrolledCost: c.uncontrolledCost, savings: c.savings,
  };
}

export function sessionsCsv(costs: readonly SessionCost[], zoneOf: (siteId: string) => string): string {
  return toCsv(CSV_COLUMNS, costs.map((c) => {
    const zone = zoneOf(c.siteId);
    return [
      c.siteId, c.stationId, c.evseId, c.transactionId, c.vehicleId, c.fleet, c.startedAt, c.endedAt, localText(c.startedAt, zone), zone,
      fixed(c.energyKwh, 3), fixed(c.cost, 4), c.currency, fixed(c.uncontrolledCost, 4), fixed(c.savings, 4), fixed(c.unpricedKwh, 3), fixed(c.estimatedKwh, 3),
    ];
  }));
}

export const sessionRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { scheduler } = ctx.deps;
  const zoneOf = (siteId: string) => ctx.sites.find((s) => s.id === siteId)?.timeZone ?? 'UTC';
  const costs = async (sites: readonly Site[], month: string, vehicleId?: string): Promise<SessionCost[]> =>
    sites.length === 0 ? [] : scheduler.sessionCosts({ siteIds: sites.map((s) => s.id), month, ...(vehicleId ? { vehicleIds: [vehicleId] } : {}) });

  app.get('/api/v1/sessions', {
    schema: {
      tags: ['sessions'],
      summary: 'Charging sessions with energy, cost and savings',
      description: 'Only sessions at sites the caller may read. `month` defaults to the current month in the (first) site’s time zone; a session belongs to the month it started in.',
      querystring: SessionsQuery,
      response: { 200: ok(Type.Array(SessionView), 'the sessions, oldest first per site'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const q = request.query as SessionsQuery;
    requireRole(p, READERS);
    const sites = q.site !== undefined ? [ctx.site(p, q.site)] : ctx.sites.filter((s) => canAccess(p, s.fleet));
    if (q.vehicle !== undefined) await ctx.vehicle(p, q.vehicle);
    const month = q.month ?? monthIn(ctx.now(), sites[0]?.timeZone ?? 'UTC');
    return (await costs(sites, month, q.vehicle)).map(view);
  });

  app.get('/api/v1/sessions.csv', {
    schema: {
      tags: ['sessions'],
      summary: 'Export: a fleet’s (or home’s) sessions of one month as CSV',
      description: `RFC 4180, UTF-8, CRLF. Columns: ${CSV_COLUMNS.join(', ')}. started/ended are UTC ISO-8601; started_local is the site’s wall clock. kWh with 3 decimals, money with 4. One row per session that started in the month (site time zone) at a site of the fleet; month defaults to the current month in the fleet’s (first) site’s time zone.`,
      querystring: CsvQuery,
      response: {
        200: { description: 'the CSV file (Content-Disposition: attachment)', content: { 'text/csv': { schema: Type.String() } } },
        ...errors(400, 401, 403),
      },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const q = request.query as CsvQuery;
    // A fleet is a group the caller must hold, like a site's; unknown fleets give an empty file to admins only.
    assertAccess(p, q.fleet, `fleet "${q.fleet}"`);
    const sites = ctx.sites.filter((s) => s.fleet === q.fleet);
    const month = q.month ?? monthIn(ctx.now(), sites[0]?.timeZone ?? 'UTC');
    const csv = sessionsCsv(await costs(sites, month), zoneOf);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="sessions-${q.fleet}-${month}.csv"`)
      .send(csv);
  });
};
