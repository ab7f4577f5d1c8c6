import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { SessionPlan, TargetSource } from '../../domain/plans.js';
import type { Site } from '../../domain/sites.js';
import type { TargetRecord, Vehicle } from '../../domain/vehicles.js';
import { localDateTime, nextLocalTime } from '../../scheduler/index.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { vehiclesVersion, ViewCache } from './view-cache.js';
import { errors, FleetRow, SiteParams, ok } from './schemas.js';

/**
 * GET /api/v1/sites/:siteId/vehicles: the fleet table. One row per vehicle of the site's fleet plus every vehicle in
 * a session at the site: departure, target, expected energy and SoC at departure, status and a warning when it
 * will not make it (and why). Built from the scheduler's in-memory latest plan and one bulk read of the vehicles and
 * one of their targets; the serialized answer is kept until the plan, a station, a vehicle or a target changes, or
 * until the next instant at which a row reads differently (ViewCache: issue 18, 1,000 vans at 1,000 req/s).
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

/** The earliest future instant at which a row would read differently (a departure passes, a car gets ready). */
class Horizon {
  until = Number.POSITIVE_INFINITY;
  constructor(readonly now: number) {}
  at(ms: number | null | undefined): void {
    if (ms !== null && ms !== undefined && ms > this.now && ms < this.until) this.until = ms;
  }
}

/** A vehicle that is not plugged in: its next departure from its own targets, read in the site's zone. */
function awayRow(v: Vehicle, t: TargetRecord | undefined, now: number, at: Departures, h: Horizon): FleetRow {
  const base = { vehicleId: v.id, name: v.name, fleet: v.fleet, stationId: null, evseId: null, status: 'away' as const, expectedEnergyAtDepartureKwh: null, socAtDeparturePercent: null, shortfallKwh: null, warning: null, shortfallPhrase: null };
  const onceAt = t?.once ? at.once(t.once.departure) : null;
  h.at(onceAt);
  if (t?.once && onceAt !== null && onceAt > now) return { ...base, departureAt: iso(onceAt), target: { kind: 'once', ...amount(t.once) } };
  if (t?.weekly) {
    const weeklyAt = at.weekly(t.weekly.time, t.weekly.days);
    h.at(weeklyAt);
    return { ...base, departureAt: iso(weeklyAt), target: { kind: 'weekly', ...amount(t.weekly) } };
  }
  return { ...base, departureAt: null, target: { kind: 'none' } };
}

function sessionRow(ctx: ApiContext, site: Site, v: Vehicle, s: SessionPlan, t: TargetRecord | undefined, slot: number, h: Horizon): FleetRow {
  const kind = KIND[s.targetSource];
  const target = kind === 'once' ? amount(t?.once) : kind === 'weekly' ? amount(t?.weekly)
    : kind === 'site-default' ? { energyKwh: site.policy.defaultEnergyKwh } : { energyKwh: round3(s.deliveredKwh + s.requestedKwh) };
  const ready = s.requestedKwh < 0.01 || (s.readyAtMs !== null && s.readyAtMs <= h.now && s.shortfallKwh < 0.01);
  h.at(s.readyAtMs);
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
    shortfallPhrase: s.shortfallKwh >= 0.01 ? s.shortfallPhrase ?? null : null,
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** What a table is built from besides the plan and the clock: the fleet's vans and their targets. */
export interface FleetInputs {
  vehicles: readonly Vehicle[];
  targets: ReadonlyMap<string, TargetRecord>;
}

/** The fleet's vans in one list and their targets in one bulk read (1,000 vans: two queries, not 1,000). */
export async function readFleetInputs(ctx: ApiContext, site: Site): Promise<FleetInputs> {
  const { stores } = ctx.deps;
  const vehicles = site.fleet === null ? [] : (await stores.vehicles.list()).filter((v) => v.fleet === site.fleet);
  return { vehicles, targets: await stores.targets.many(vehicles.map((v) => v.id)) };
}

/**
 * The table's reads are bounded whatever the fleet's size: the fleet's vans and their targets (`inputs`, read here
 * when not given: the route keeps them per version of the stored vehicles, see fleetRoutes), and the visiting cars
 * (a few) with their targets in one read each. `horizon`, when given, learns until when the rows hold without any
 * event.
 */
export async function fleetTable(ctx: ApiContext, site: Site, horizon?: Horizon, inputs?: FleetInputs): Promise<FleetRow[]> {
  const { stores, scheduler } = ctx.deps;
  const h = horizon ?? new Horizon(ctx.now());
  const now = h.now;
  const plan = await scheduler.latestPlan(site.id);
  const inSession = new Map<string, SessionPlan>();
  for (const s of plan?.sessions ?? []) if (s.vehicleId) inSession.set(s.vehicleId, s);
  let slot = -1;
  if (plan && now < plan.endMs) for (let i = 0; i < plan.slotStarts.length && plan.slotStarts[i]! <= now; i++) slot = i;
  // Charging or not turns at the next slot's start.
  if (plan) h.at(plan.slotStarts[slot + 1] ?? plan.endMs);

  const own = inputs ?? (await readFleetInputs(ctx, site));
  const vehicles = [...own.vehicles];
  const listed = new Set(vehicles.map((v) => v.id));
  // A visiting car charging here is part of this site's picture: its session, not the rest of its fleet.
  const visitingIds = [...inSession.keys()].filter((id) => !listed.has(id));
  let targets = own.targets;
  if (visitingIds.length > 0) {
    const visiting = await stores.vehicles.many(visitingIds);
    for (const id of visitingIds) {
      const v = visiting.get(id);
      if (v) vehicles.push(v);
    }
    targets = new Map([...own.targets, ...(await stores.targets.many([...visiting.keys()]))]);
  }
  const at = departures(site.timeZone, now);
  return vehicles.map((v) => {
    const s = inSession.get(v.id);
    const t = targets.get(v.id);
    return s ? sessionRow(ctx, site, v, s, t, slot, h) : awayRow(v, t, now, at, h);
  });
}

/** Per site: the fleet's inputs as last read, and the version of the stored vehicles and targets they were read at. */
class InputsMemo {
  private readonly kept = new Map<string, { version: string; inputs: Promise<FleetInputs> }>();

  get(ctx: ApiContext, site: Site, version: string): Promise<FleetInputs> {
    const k = this.kept.get(site.id);
    if (k && k.version === version) return k.inputs;
    const inputs = readFleetInputs(ctx, site);
    const entry = { version, inputs };
    this.kept.set(site.id, entry);
    inputs.catch(() => {
      if (this.kept.get(site.id) === entry) this.kept.delete(site.id);
    });
    return inputs;
  }
}

export const fleetRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  // The table reads the plan (plan.created) and which stations are connected; pushes and compliance are not in it.
  const cache = new ViewCache(ctx.deps.events, () => ctx.now(), {
    'plan.created': (e) => [e.siteId],
    'station.connected': (e) => ctx.sitesOfStation(e.stationId).map((s) => s.id),
    'station.disconnected': (e) => ctx.sitesOfStation(e.stationId).map((s) => s.id),
  });
  const inputs = new InputsMemo();
  app.addHook('onClose', async () => cache.close());
  app.get('/api/v1/sites/:siteId/vehicles', {
    schema: {
      tags: ['vehicles'],
      summary: 'The fleet table: every vehicle of the site with departure, target, expected energy, status and warning',
      description: 'Answers with an ETag; If-None-Match gets 304 while nothing in the table changed.',
      params: SiteParams,
      response: { 200: ok(Type.Array(FleetRow), 'one row per vehicle'), 304: { description: 'unchanged since the ETag sent', type: 'null' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const { stores, scheduler } = ctx.deps;
    const [plan, version] = await Promise.all([scheduler.latestPlan(site.id), vehiclesVersion(ctx, stores.vehicles, stores.targets)]);
    return cache.send(request, reply, site.id, 'all', `${plan?.id ?? 0}|${version}`, async () => {
      const h = new Horizon(ctx.now());
      const value = await fleetTable(ctx, site, h, await inputs.get(ctx, site, version));
      return { value, validUntil: h.until };
    });
  });
};
