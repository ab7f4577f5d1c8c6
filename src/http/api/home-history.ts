import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { SessionCost } from '../../domain/plans.js';
import type { Site } from '../../domain/sites.js';
import type { Vehicle } from '../../domain/vehicles.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { toCsv } from './csv.js';
import { HistoryQuery, HistoryView, NowView, type HistorySession, type HistoryTotals } from './home-schemas.js';
import { errors, ok, VehicleParams } from './schemas.js';

/**
 * A homeowner's sessions (issue 18): each charge with its energy, cost, saving, price paid per kWh and the plan it
 * followed, the month's totals and CSV; and the running session so far, the last one, and the battery.
 *
 *   GET /api/v1/vehicles/:vehicleId/history?month=YYYY-MM       newest first, with the month's totals
 *   GET /api/v1/vehicles/:vehicleId/history.csv?month=YYYY-MM   the same as CSV
 *   GET /api/v1/vehicles/:vehicleId/now                         the running session, the last one, the battery
 *
 * The figures are the sessions API's (Scheduler.sessionCosts; docs/scheduler.md, Costs), at the sites the caller may
 * read; a session belongs to the month it started in, on its site's wall clock. The month defaults to the current one.
 */

/** A typical car's use, for a range estimate when the car reports its SoC (the page says it is an estimate). */
export const CONSUMPTION_KWH_PER_100KM = 18;
/** How far back the last finished session is looked for. */
const LAST_SESSION_DAYS = 62;
const MAX_SESSIONS = 200;

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

const CSV_COLUMNS = ['started', 'ended', 'started_local', 'time_zone', 'station', 'evse', 'transaction', 'kwh', 'cost', 'currency', 'price_per_kwh', 'savings', 'uncontrolled_cost', 'unpriced_kwh', 'plan'] as const;

function monthOf(ms: number, zone: string): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit' }).formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}`;
}

function localText(iso: string, zone: string): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(Date.parse(iso)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function totalsOf(sessions: readonly HistorySession[]): HistoryTotals {
  const sum = (f: (s: HistorySession) => number) => sessions.reduce((a, s) => a + f(s), 0);
  const priced = sum((s) => s.energyKwh - s.unpricedKwh);
  const cost = sum((s) => s.cost);
  const compared = sessions.filter((s) => s.savings !== null);
  return {
    sessions: sessions.length,
    energyKwh: round(sum((s) => s.energyKwh), 3),
    cost: round(cost, 4),
    savings: round(compared.reduce((a, s) => a + s.savings!, 0), 4),
    pricePerKwh: priced > 1e-6 ? round(cost / priced, 4) : null,
    notCompared: sessions.length - compared.length,
  };
}

export const homeHistoryRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { scheduler, stores } = ctx.deps;
  const readable = (p: ReturnType<typeof principalOf>) => ctx.sites.filter((s) => { try { ctx.site(p, s.id); return true; } catch { return false; } });

  /** The session with the plan its charger last received (one read per session: a car's month is a few dozen). */
  const withPlan = async (c: SessionCost): Promise<HistorySession> => {
    const pushed = await stores.profiles.pushed(c.stationId, c.evseId, c.transactionId);
    const priced = c.energyKwh - c.unpricedKwh;
    return {
      siteId: c.siteId, stationId: c.stationId, evseId: c.evseId, transactionId: c.transactionId, startedAt: c.startedAt, endedAt: c.endedAt,
      energyKwh: c.energyKwh, cost: c.cost, savings: c.savings, uncontrolledCost: c.uncontrolledCost,
      pricePerKwh: priced > 1e-6 ? round(c.cost / priced, 4) : null, unpricedKwh: c.unpricedKwh, planId: pushed?.planId ?? null,
    };
  };

  const history = async (p: ReturnType<typeof principalOf>, vehicle: Vehicle, month: string | undefined): Promise<{ view: HistoryView; zoneOf: (id: string) => string }> => {
    const sites = readable(p);
    const home: Site | undefined = (await ctx.siteOfVehicle(vehicle)) ?? sites[0];
    const zone = home?.timeZone ?? 'UTC';
    const m = month ?? monthOf(ctx.now(), zone);
    const costs = sites.length ? await scheduler.sessionCosts({ siteIds: sites.map((s) => s.id), vehicleIds: [vehicle.id], month: m }) : [];
    costs.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
    const sessions = await Promise.all(costs.slice(0, MAX_SESSIONS).map(withPlan));
    return {
      view: { vehicleId: vehicle.id, month: m, timeZone: zone, currency: costs[0]?.currency ?? null, totals: totalsOf(sessions), sessions },
      zoneOf: (id) => sites.find((s) => s.id === id)?.timeZone ?? zone,
    };
  };

  app.get('/api/v1/vehicles/:vehicleId/history', {
    schema: {
      tags: ['sessions'],
      summary: 'A vehicle’s charging sessions of one month with their totals',
      description: 'Newest first (at most 200), at the sites the caller may read: energy, cost, saving against charging at full power on arrival, the price paid per priced kWh, and the plan the charger last received. `month` (YYYY-MM) defaults to the current month in the car’s site’s time zone.',
      params: VehicleParams,
      querystring: HistoryQuery,
      response: { 200: ok(HistoryView, 'the month’s sessions and totals'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId);
    return (await history(p, vehicle, (request.query as HistoryQuery).month)).view;
  });

  app.get('/api/v1/vehicles/:vehicleId/history.csv', {
    schema: {
      tags: ['sessions'],
      summary: 'A vehicle’s charging sessions of one month as CSV',
      description: `RFC 4180, UTF-8, CRLF, oldest first. Columns: ${CSV_COLUMNS.join(', ')}. started/ended in UTC ISO-8601, started_local on the site’s wall clock; kWh with 3 decimals, money with 4.`,
      params: VehicleParams,
      querystring: HistoryQuery,
      response: {
        200: { description: 'the CSV file (Content-Disposition: attachment)', content: { 'text/csv': { schema: Type.String() } } },
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId);
    const { view, zoneOf } = await history(p, vehicle, (request.query as HistoryQuery).month);
    const fixed = (x: number | null, d: number) => (x === null ? null : x.toFixed(d));
    const csv = toCsv(CSV_COLUMNS, [...view.sessions].reverse().map((s) => [
      s.startedAt, s.endedAt, localText(s.startedAt, zoneOf(s.siteId)), zoneOf(s.siteId), s.stationId, s.evseId, s.transactionId,
      fixed(s.energyKwh, 3), fixed(s.cost, 4), view.currency, fixed(s.pricePerKwh, 4), fixed(s.savings, 4), fixed(s.uncontrolledCost, 4), fixed(s.unpricedKwh, 3), s.planId,
    ]));
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="charging-${vehicle.id.replace(/[^A-Za-z0-9_-]/g, '_')}-${view.month}.csv"`)
      .send(csv);
  });

  app.get('/api/v1/vehicles/:vehicleId/now', {
    schema: {
      tags: ['sessions'],
      summary: 'A vehicle’s running session so far, its last finished session, and its battery',
      description: `The running session's cost and saving up to its latest reading; the latest finished session of the last ${LAST_SESSION_DAYS} days; the SoC the car last reported in the running session (MeterValues SoC) with a range estimate at ${CONSUMPTION_KWH_PER_100KM} kWh per 100 km.`,
      params: VehicleParams,
      response: { 200: ok(NowView, 'the session so far, the last one and the battery'), ...errors(400, 401, 403, 404) },
    },
  }, async (request): Promise<NowView> => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId);
    const sites = readable(p);
    const now = ctx.now();
    const costs = sites.length
      ? await scheduler.sessionCosts({ siteIds: sites.map((s) => s.id), vehicleIds: [vehicle.id], fromMs: now - LAST_SESSION_DAYS * 86_400_000, toMs: now + 1 })
      : [];
    costs.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
    const running = costs.find((c) => c.endedAt === null);
    const ended = costs.find((c) => c.endedAt !== null);
    const [current, last] = await Promise.all([running ? withPlan(running) : null, ended ? withPlan(ended) : null]);
    let battery: NowView['battery'] = null;
    if (running) {
      const [soc] = await stores.meterValues.latestOf([{ stationId: running.stationId, transactionId: running.transactionId }], 'SoC');
      if (soc) {
        const socPercent = Math.max(0, Math.min(100, soc.value));
        battery = {
          socPercent,
          at: soc.timestamp,
          rangeKm: vehicle.batteryKwh ? Math.round((vehicle.batteryKwh * socPercent) / CONSUMPTION_KWH_PER_100KM) : null,
          consumptionKwhPer100Km: CONSUMPTION_KWH_PER_100KM,
        };
      }
    }
    return { vehicleId: vehicle.id, currency: costs[0]?.currency ?? null, current, last, battery };
  });
};
