import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { EffectiveSlot } from '../../domain/prices.js';
import type { PlanRecord, PushedProfileRecord, SessionPlan } from '../../domain/plans.js';
import type { PushStateRecord } from '../../domain/push-states.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { errors, PlanView, SiteParams, type PlanSessionView, type PriceParts, ok } from './schemas.js';
import { priceParts } from './sites.js';
import { vehiclesVersion, ViewCache } from './view-cache.js';

/**
 * GET /api/v1/sites/:siteId/plan: the site's current plan as the charts and the fleet table need it: power per
 * slot per session and summed, the site limit, the price parts per slot, expected energy, SoC and cost at
 * departure, and what the charger was last sent. Read from the scheduler's in-memory latest plan, the pushes of
 * all its sessions in one read; the serialized answer is kept until the next plan, push or vehicle change
 * (ViewCache). `?sessions=none` leaves the sessions out: the fleet page's chart needs only the sums (1,000 vans:
 * ~650 kB -> a few kB).
 */
const PlanQuery = Type.Object({
  sessions: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('none')], { default: 'all', description: '`none`: the plan without its sessions (sums, prices, limit and totals only)' })),
});
type PlanQuery = Static<typeof PlanQuery>;
const iso = (ms: number) => new Date(ms).toISOString();

type SessionBase = Omit<PlanSessionView, 'vehicleName' | 'pushed'>;

/** A session's view as the plan says it (everything but its car's name and what was pushed): the same for one plan id. */
function sessionBase(s: SessionPlan): SessionBase {
  return {
    stationId: s.stationId,
    evseId: s.evseId,
    transactionId: s.transactionId,
    vehicleId: s.vehicleId,
    targetSource: s.targetSource,
    compliance: s.compliance,
    departureAt: iso(s.departureMs),
    requestedKwh: s.requestedKwh,
    deliveredKwh: s.deliveredKwh,
    plannedKwh: s.plannedKwh,
    shortfallKwh: s.shortfallKwh,
    // Plans stored before the scheduler gave reasons lack these fields: read them as "none".
    shortfallReason: s.shortfallReason ?? null,
    shortfallMessage: s.shortfallMessage ?? null,
    shortfallPhrase: s.shortfallPhrase ?? null,
    expectedEnergyAtDepartureKwh: s.expectedEnergyAtDepartureKwh ?? round3(s.deliveredKwh + s.plannedKwh),
    socAtDeparturePercent: s.socAtDeparturePercent,
    cost: s.cost,
    readyAt: s.readyAtMs === null ? null : iso(s.readyAtMs),
    powerKw: s.powerKw,
    notes: s.notes,
    notePhrases: s.notes.map((_, i) => s.notePhrases?.[i] ?? null),
    boost: s.boost ? { remainingKwh: s.boost.remainingKwh, plannedKwh: s.boost.plannedKwh, untilAt: s.boost.untilMs === null ? null : iso(s.boost.untilMs) } : null,
  };
}

/** The base view with the car's name and the last push, in the response's field order. */
function withPush(b: SessionBase, names: ReadonlyMap<string, string>, pushed: PushStateRecord | undefined): PlanSessionView {
  return {
    stationId: b.stationId, evseId: b.evseId, transactionId: b.transactionId, vehicleId: b.vehicleId,
    vehicleName: b.vehicleId ? names.get(b.vehicleId) ?? null : null,
    targetSource: b.targetSource, compliance: b.compliance, departureAt: b.departureAt, requestedKwh: b.requestedKwh,
    deliveredKwh: b.deliveredKwh, plannedKwh: b.plannedKwh, shortfallKwh: b.shortfallKwh, shortfallReason: b.shortfallReason,
    shortfallMessage: b.shortfallMessage, shortfallPhrase: b.shortfallPhrase, expectedEnergyAtDepartureKwh: b.expectedEnergyAtDepartureKwh,
    socAtDeparturePercent: b.socAtDeparturePercent, cost: b.cost, readyAt: b.readyAt, powerKw: b.powerKw, notes: b.notes, notePhrases: b.notePhrases,
    pushed: pushed ? { profileId: pushed.profileId, state: pushed.state, at: pushed.sentAt } : null,
    boost: b.boost,
  };
}

/** `pushes`: what was last pushed per session (pushesOf); without them the session's is read on its own. */
export async function sessionView(ctx: ApiContext, s: SessionPlan, names: ReadonlyMap<string, string>, pushes?: ReadonlyMap<string, PushedProfileRecord>): Promise<PlanSessionView> {
  const pushed = pushes ? pushes.get(pushKey(s)) : await ctx.deps.stores.profiles.pushed(s.stationId, s.evseId, s.transactionId);
  return withPush(sessionBase(s), names, pushed);
}

/** Vehicle names for a plan's sessions: a few lookups for a home, one bulk read for a depot (1,000 vans, one query). */
export async function vehicleNames(ctx: ApiContext, plan: PlanRecord): Promise<Map<string, string>> {
  const ids = [...new Set(plan.sessions.flatMap((s) => (s.vehicleId ? [s.vehicleId] : [])))];
  const { vehicles } = ctx.deps.stores;
  if (ids.length > 20) return new Map([...(await vehicles.many(ids))].map(([id, v]) => [id, v.name]));
  const found = await Promise.all(ids.map((id) => vehicles.get(id)));
  return new Map(found.flatMap((v) => (v ? [[v.id, v.name] as const] : [])));
}

const pushKey = (s: { stationId: string; evseId: number; transactionId: string }) => `${s.stationId}|${s.evseId}|${s.transactionId}`;

/** What was last pushed to each of the plan's sessions, in one read of the site's rows however many there are. */
async function pushesOf(ctx: ApiContext, plan: PlanRecord): Promise<Map<string, PushStateRecord>> {
  const { profiles } = ctx.deps.stores;
  const found = profiles.pushStatesOf ? await profiles.pushStatesOf(plan.siteId, plan.sessions) : await profiles.pushedOf(plan.sessions);
  return new Map(found.map((p) => [pushKey(p), p]));
}

/**
 * What a plan's view holds that is the same for every request on that plan (a stored plan never changes: a change is
 * a new plan with a new id): the sums, the price parts and the sessions as the plan says them. Kept per plan object
 * (the scheduler holds the latest in memory), so a rebuild after a push or a rename only merges names and pushes.
 */
const partsOf = new WeakMap<PlanRecord, { summedKw: number[]; prices: (PriceParts | null)[]; slotStarts: string[]; sessions: SessionBase[] }>();
function planParts(plan: PlanRecord) {
  let parts = partsOf.get(plan);
  if (!parts) {
    const summedKw = plan.slotStarts.map((_, i) => round3(plan.sessions.reduce((a, s) => a + (s.powerKw[i] ?? 0), 0)));
    // Stored as the planner's EffectiveSlot per slot; a slot without a known price was stored as null.
    const prices = (Array.isArray(plan.prices) ? (plan.prices as (EffectiveSlot | null | undefined)[]) : []).map((p) => (p ? priceParts(p) : null));
    parts = { summedKw, prices, slotStarts: plan.slotStarts.map(iso), sessions: plan.sessions.map(sessionBase) };
    partsOf.set(plan, parts);
  }
  return parts;
}

/** `names`: the sessions' car names when the caller has them (the route keeps them per version of the vehicles). */
export async function planView(ctx: ApiContext, plan: PlanRecord, withSessions = true, names?: Promise<ReadonlyMap<string, string>>) {
  const [named, pushes] = withSessions ? await Promise.all([names ?? vehicleNames(ctx, plan), pushesOf(ctx, plan)]) : [new Map<string, string>(), new Map<string, PushStateRecord>()];
  const parts = planParts(plan);
  return {
    planId: plan.id,
    siteId: plan.siteId,
    createdAt: plan.createdAt,
    triggers: plan.triggers,
    status: plan.status,
    currency: plan.currency,
    totalCost: plan.totalCost,
    slotStarts: parts.slotStarts,
    endAt: iso(plan.endMs),
    siteLimitKw: plan.siteLimitKw,
    summedKw: parts.summedKw,
    prices: parts.prices,
    sessions: withSessions ? parts.sessions.map((b) => withPush(b, named, pushes.get(pushKey(b)))) : [],
    demand: planDemand(plan, parts.summedKw),
  };
}

/** The demand charge the plan was made with (its stored problem), its peak so far and the plan's own peak, as drawn. */
function planDemand(plan: PlanRecord, summedKw: readonly number[]) {
  const dc = (plan.problem as { demandCharge?: { perKw: number; peakSoFarKw: number } } | null)?.demandCharge;
  if (!dc) return null;
  const plannedPeakKw = round3(Math.max(0, ...summedKw));
  const billedPeakKw = Math.max(dc.peakSoFarKw, plannedPeakKw);
  const money = (x: number) => Math.round(x * 100) / 100;
  return { perKw: dc.perKw, peakSoFarKw: round3(dc.peakSoFarKw), peakSoFarCost: money(dc.perKw * dc.peakSoFarKw), plannedPeakKw, billedPeakKw: round3(billedPeakKw), billedCost: money(dc.perKw * billedPeakKw) };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Per site: the names of the latest plan's cars, and the plan and version of the vehicles they were read for. */
class NamesMemo {
  private readonly kept = new Map<string, { plan: PlanRecord; version: string; names: Promise<ReadonlyMap<string, string>> }>();

  get(ctx: ApiContext, plan: PlanRecord, version: string): Promise<ReadonlyMap<string, string>> {
    const k = this.kept.get(plan.siteId);
    if (k && k.plan === plan && k.version === version) return k.names;
    const entry = { plan, version, names: vehicleNames(ctx, plan) };
    this.kept.set(plan.siteId, entry);
    entry.names.catch(() => {
      if (this.kept.get(plan.siteId) === entry) this.kept.delete(plan.siteId);
    });
    return entry.names;
  }
}

export const planRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  // The view reads the plan and what was pushed; a station that reconnects may find its pushes gone (reconcile).
  const atStation = (e: { stationId: string }) => ctx.sitesOfStation(e.stationId).map((s) => s.id);
  const cache = new ViewCache(ctx.deps.events, () => ctx.now(), {
    'plan.created': (e) => [e.siteId],
    'plan.pushed': (e) => [e.siteId],
    'station.connected': atStation,
    'station.disconnected': atStation,
  });
  const names = new NamesMemo();
  app.addHook('onClose', async () => cache.close());
  app.get('/api/v1/sites/:siteId/plan', {
    schema: {
      tags: ['plans'],
      summary: 'The site’s current plan: power per slot, price parts, expected energy, SoC and cost at departure',
      description: 'Answers with an ETag; If-None-Match gets 304 while the plan, its pushes and the vehicles’ names are unchanged.',
      params: SiteParams,
      querystring: PlanQuery,
      response: { 200: ok(PlanView, 'the latest plan'), 304: { description: 'unchanged since the ETag sent', type: 'null' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const lean = (request.query as PlanQuery).sessions === 'none';
    const [plan, version] = await Promise.all([ctx.deps.scheduler.latestPlan(site.id), vehiclesVersion(ctx, ctx.deps.stores.vehicles)]);
    if (!plan) throw new HttpError(404, 'PLAN_NONE', `site "${site.id}" has no plan yet`, 'siteId');
    return cache.send(request, reply, site.id, lean ? 'lean' : 'all', `${plan.id}|${version}`, async () => ({
      value: await planView(ctx, plan, !lean, lean ? undefined : names.get(ctx, plan, version)),
      validUntil: Number.POSITIVE_INFINITY,
    }));
  });
};
