import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { SessionPlan, TargetSource } from '../../domain/plans.js';
import type { Site } from '../../domain/sites.js';
import type { TargetRecord, Vehicle } from '../../domain/vehicles.js';
import { localDateTime, nextLocalTime } from '../../scheduler/index.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { errors, FleetRow, SiteParams, ok } from './schemas.js';

/**
 * GET /api/v1/sites/:siteId/vehicles: the fleet table. One row per vehicle of the site's fleet plus every vehicle in
 * a session at the site: departure, target, expected energy and SoC at departure, status and a warning when it
 * will not make it (and why). Built from the scheduler's in-memory latest plan and one bulk read of the targets, so
 * that a site with 1,000 vehicles answers without parsing stored plans or a query per row (bench:http and
 * bench:storage read this).
 */
const iso = (ms: number) => new Date(ms).toISOString();
const UNSTEERED = new Set(['ignores-profiles', 'rejects-profiles', 'unreachable']);
const KIND: Record<TargetSource, FleetRow['target']['kind']> = {
  'vehicle-once': 'once', 'vehicle-weekly': 'weekly', 'charging-needs': 'charging-needs', 'site-default': 'site-default',
};

/** For people: the shortfall and its reason, and a charger that does not follow the plan. */
export function warningOf(s: SessionPlan): string | null {
  const parts: string[] = [];
  if (s.shortfallKwh >= 0.01) {
    const why = s.shortfallMessage ?? s.shortfallReason ?? null;
    parts.push(`${s.shortfallKwh.toFixed(2)} kWh short at departure${why ? `: ${why}` : ''}`);
  }
  if (UNSTEERED.has(s.compliance)) parts.push(`charger ${s.compliance.replace('-', ' ')}: charging is not steered`);
  return parts.length ? parts.join('; ') : null;
}

function amount(t: { energyKwh?: number | undefined; socPercent?: number | undefined } | null | undefined) {
  return { ...(t?.energyKwh !== undefined ? { energyKwh: t.energyKwh } : {}), ...(t?.socPercent !== undefined ? { socPercent: t.socPercent } : {}) };
}

/**
 * Departure instants for one table: a fleet repeats the same weekly rules and mornings, and luxon costs ~0.25 ms per
 * resolution, so each distinct rule is resolved once per request (1,000 rows: 260 ms -> a few ms).
 */
function departures(zone: string, now: number) {
  const memo = new Map<string, number>();
  const cached = (key: string, f: () => number) => {
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = f()));
    return v;
  };
  return {
    once: (local: string) => cached(`o|${local}`, () => localDateTime(local, zone)),
    weekly: (time: string, days: readonly string[]) => cached(`w|${time}|${days.join(',')}`, () => nextLocalTime(now, zone, time, days)),
  };
}
type Departures = ReturnType<typeof departures>;

/** A vehicle that is not plugged in: its next departure from its own targets, read in the site's zone. */
function awayRow(v: Vehicle, t: TargetRecord | undefined, now: number, at: Departures): FleetRow {
  const base = { vehicleId: v.id, name: v.name, fleet: v.fleet, stationId: null, evseId: null, status: 'away' as const, expectedEnergyAtDepartureKwh: null, socAtDeparturePercent: null, shortfallKwh: null, warning: null };
  const onceAt = t?.once ? at.once(t.once.departure) : null;
  if (t?.once && onceAt !== null && onceAt > now) return { ...base, departureAt: iso(onceAt), target: { kind: 'once', ...amount(t.once) } };
  if (t?.weekly) return { ...base, departureAt: iso(at.weekly(t.weekly.time, t.weekly.days)), target: { kind: 'weekly', ...amount(t.weekly) } };
  return { ...base, departureAt: null, target: { kind: 'none' } };
}

function sessionRow(ctx: ApiContext, site: Site, v: Vehicle, s: SessionPlan, t: TargetRecord | undefined, slot: number): FleetRow {
  const kind = KIND[s.targetSource];
  const target = kind === 'once' ? amount(t?.once) : kind === 'weekly' ? amount(t?.weekly)
    : kind === 'site-default' ? { energyKwh: site.policy.defaultEnergyKwh } : { energyKwh: round3(s.deliveredKwh + s.requestedKwh) };
  const ready = s.requestedKwh < 0.01 || (s.readyAtMs !== null && s.readyAtMs <= ctx.now() && s.shortfallKwh < 0.01);
  const status = !ctx.deps.stations.isConnected(s.stationId) ? 'offline'
    : ready ? 'ready'
    : slot >= 0 && (s.powerKw[slot] ?? 0) > 0 ? 'charging' : 'plugged-in';
  return {
    vehicleId: v.id, name: v.name, fleet: v.fleet, stationId: s.stationId, evseId: s.evseId, status,
    departureAt: iso(s.departureMs),
    target: { kind, ...target },
    expectedEnergyAtDepartureKwh: s.expectedEnergyAtDepartureKwh ?? round3(s.deliveredKwh + s.plannedKwh),
    socAtDeparturePercent: s.socAtDeparturePercent,
    shortfallKwh: s.shortfallKwh,
    warning: warningOf(s),
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The table's reads are bounded whatever the fleet's size: the vehicles in one list, the visiting cars (a few) by id,
 * and every row's targets in one bulk read (1,000 vans: three queries, not 1,000).
 */
export async function fleetTable(ctx: ApiContext, site: Site): Promise<FleetRow[]> {
  const { stores, scheduler } = ctx.deps;
  const now = ctx.now();
  const plan = await scheduler.latestPlan(site.id);
  const inSession = new Map<string, SessionPlan>();
  for (const s of plan?.sessions ?? []) if (s.vehicleId) inSession.set(s.vehicleId, s);
  let slot = -1;
  if (plan && now < plan.endMs) for (let i = 0; i < plan.slotStarts.length && plan.slotStarts[i]! <= now; i++) slot = i;

  const vehicles = site.fleet === null ? [] : (await stores.vehicles.list()).filter((v) => v.fleet === site.fleet);
  const listed = new Set(vehicles.map((v) => v.id));
  // A visiting car charging here is part of this site's picture: its session, not the rest of its fleet.
  const visiting = await Promise.all([...inSession.keys()].filter((id) => !listed.has(id)).map((id) => stores.vehicles.get(id)));
  for (const v of visiting) if (v) vehicles.push(v);
  const targets = await stores.targets.many(vehicles.map((v) => v.id));
  const at = departures(site.timeZone, now);
  return vehicles.map((v) => {
    const s = inSession.get(v.id);
    const t = targets.get(v.id);
    return s ? sessionRow(ctx, site, v, s, t, slot) : awayRow(v, t, now, at);
  });
}

export const fleetRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/api/v1/sites/:siteId/vehicles', {
    schema: {
      tags: ['vehicles'],
      summary: 'The fleet table: every vehicle of the site with departure, target, expected energy, status and warning',
      params: SiteParams,
      response: { 200: ok(Type.Array(FleetRow), 'one row per vehicle'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => fleetTable(ctx, ctx.site(principalOf(request), (request.params as SiteParams).siteId)));
};
