import type { FastifyPluginAsync } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { MinimumMode, PausedMode, PriceCapMode, type ChargingMode } from '../../domain/charging-modes.js';
import type { TSchema } from '@sinclair/typebox';
import type { Site } from '../../domain/sites.js';
import type { Vehicle } from '../../domain/vehicles.js';
import { localDateTime } from '../../scheduler/index.js';
import { TARGET_WRITERS } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { targetView } from './targets.js';
import { ModeBody, ModeView, SmartMode } from './home-schemas.js';
import { errors, ok, TargetView, VehicleParams } from './schemas.js';
import { bodyCheckedByHandler } from './validation.js';

/**
 * A homeowner's charging mode and the weekly rule's removal (issue 18; TARGET_WRITERS over the vehicle's fleet):
 *
 *   GET    /api/v1/vehicles/:vehicleId/mode            the mode (null: smart) and whether it is in force
 *   PUT    /api/v1/vehicles/:vehicleId/mode            {kind: smart | paused | price-cap | minimum, ...}
 *   DELETE /api/v1/vehicles/:vehicleId/target/weekly   drop the weekly rule (a one-off target is kept)
 *
 * The mode is a solver input (src/scheduler/charging-modes.ts): a change re-plans the sites where the car is planned
 * or would be, and the next TxProfile carries it. A mode other than smart ends a running "charge now" (the boost
 * charges at full power whatever the price, which is what pause and the cap forbid).
 */

const MAX_PAUSE_DAYS = 7;
const SCHEMA_OF: Record<string, TSchema> = { smart: SmartMode, paused: PausedMode, 'price-cap': PriceCapMode, minimum: MinimumMode };

function modeInForce(mode: ChargingMode | null | undefined, site: Site | null, now: number): boolean {
  if (!mode) return false;
  if (mode.kind !== 'paused') return true;
  return site !== null && localDateTime(mode.until, site.timeZone) > now;
}

/** The body checked by kind, every field named (ajv on the union would blame the wrong branch). */
function checkMode(body: unknown, site: Site | null, now: number): ChargingMode | null {
  const kind = (body as { kind?: unknown } | null)?.kind;
  const bad = (field: string, message: string) => new HttpError(422, 'MODE_INVALID', message, field);
  if (!['smart', 'paused', 'price-cap', 'minimum'].includes(kind as string)) throw bad('kind', 'kind: one of smart, paused, price-cap, minimum');
  const schema = SCHEMA_OF[kind as string]!;
  if (!Value.Check(schema, body)) {
    const first = Value.Errors(schema, body).First();
    const field = first?.path.replace(/^\//, '') || 'kind';
    const rules: Record<string, string> = {
      until: 'until: a local date and time YYYY-MM-DDTHH:MM in the site’s time zone',
      maxPrice: 'maxPrice: a price per kWh from 0 to 10',
      energyKwh: 'energyKwh: more than 0 and at most 200 kWh',
      socPercent: 'socPercent: a battery level from 1 to 100 %',
    };
    throw bad(field, rules[field] ?? `${field}: not allowed for kind ${String(kind)}`);
  }
  const mode = body as ModeBody;
  if (mode.kind === 'smart') return null;
  if (mode.kind === 'paused') {
    if (!site) throw bad('until', 'until: the car is on no site, so the time has no time zone');
    const at = localDateTime(mode.until, site.timeZone);
    if (!(at > now)) throw bad('until', 'until: the time must be in the future');
    if (at > now + MAX_PAUSE_DAYS * 86_400_000) throw bad('until', `until: at most ${MAX_PAUSE_DAYS} days ahead`);
  }
  if (mode.kind === 'minimum' && (mode.energyKwh === undefined) === (mode.socPercent === undefined)) {
    throw bad('energyKwh', 'energyKwh: give either energyKwh or socPercent for a minimum, not both or neither');
  }
  return mode;
}

export const homeModeRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { stores, scheduler } = ctx.deps;
  const modes = stores.modes;
  if (!modes) return; // a server built without the store has no such routes

  /** Re-plans where the car is planned now and its home site: the next profile carries the change. */
  const replan = async (vehicle: Vehicle, reason: string) => {
    const plans = await Promise.all(ctx.sites.map((s) => scheduler.latestPlan(s.id)));
    const ids = new Set(ctx.sites.filter((_, k) => plans[k]?.sessions.some((x) => x.vehicleId === vehicle.id)).map((s) => s.id));
    const home = await ctx.siteOfVehicle(vehicle);
    if (home) ids.add(home.id);
    for (const id of ids) scheduler.trigger(id, reason, { leading: true });
  };

  const view = async (vehicle: Vehicle): Promise<ModeView> => {
    const mode = (await stores.targets.get(vehicle.id))?.mode ?? null;
    return { vehicleId: vehicle.id, mode, inForce: modeInForce(mode, await ctx.siteOfVehicle(vehicle), ctx.now()) };
  };

  app.get('/api/v1/vehicles/:vehicleId/mode', {
    schema: {
      tags: ['targets'],
      summary: 'A vehicle’s charging mode',
      params: VehicleParams,
      response: { 200: ok(ModeView, 'the mode (null: smart)'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const vehicle = await ctx.vehicle(principalOf(request), (request.params as VehicleParams).vehicleId);
    return view(vehicle);
  });

  app.put('/api/v1/vehicles/:vehicleId/mode', {
    schema: {
      tags: ['targets'],
      summary: 'Set the charging mode: smart, paused until a time, a price cap, or a minimum at once',
      description: 'Solver inputs, visible in the next profile the charger receives. paused: no energy before `until` (local time in the site’s zone, at most 7 days ahead). price-cap: no energy in slots whose effective price is above `maxPrice`; a target the cap makes infeasible is left short, and the plan says so. minimum: `energyKwh` in the session or `socPercent` battery level as early as the car can take it, the rest at the cheapest hours. A mode other than smart ends a running charge-now.',
      params: VehicleParams,
      body: ModeBody,
      response: { 200: ok(ModeView, 'the mode as set'), ...errors(400, 401, 403, 404, 422) },
    },
    validatorCompiler: bodyCheckedByHandler,
  }, async (request) => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    const mode = checkMode(request.body, await ctx.siteOfVehicle(vehicle), ctx.now());
    await modes.setMode(vehicle.id, mode, new Date(ctx.now()).toISOString());
    if (mode) await scheduler.clearBoost(vehicle.id);
    await replan(vehicle, 'mode-changed');
    return view(vehicle);
  });

  app.delete('/api/v1/vehicles/:vehicleId/target/weekly', {
    schema: {
      tags: ['targets'],
      summary: 'Drop the weekly rule (a one-off target is kept)',
      params: VehicleParams,
      response: { 200: ok(TargetView, 'the targets after the change'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    await modes.clearWeekly(vehicle.id, new Date(ctx.now()).toISOString());
    await replan(vehicle, 'target-changed');
    return targetView(ctx, p, vehicle, await stores.targets.get(vehicle.id));
  });
};
