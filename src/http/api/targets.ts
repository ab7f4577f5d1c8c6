import type { FastifyPluginAsync } from 'fastify';
import type { Site } from '../../domain/sites.js';
import type { TargetRecord, Vehicle } from '../../domain/vehicles.js';
import { localDateTime, nextLocalTime } from '../../scheduler/index.js';
import { TARGET_WRITERS } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { checkTarget } from './target-check.js';
import { errors, ok, TargetView, VehicleParams } from './schemas.js';
import { DepartureTarget } from '../../domain/vehicles.js';
import { bodyCheckedByHandler } from './validation.js';

/**
 * Departure targets (one-off and weekly; TARGET_WRITERS over the vehicle's fleet to change them).
 *
 *   GET    /api/v1/vehicles/:vehicleId/target       the targets plus the next departure (the form's default)
 *   PUT    /api/v1/vehicles/:vehicleId/target       set the one-off or the weekly target (the other is kept)
 *   DELETE /api/v1/vehicles/:vehicleId/target/once  drop the one-off target: the weekly rule applies again
 */
const iso = (ms: number) => new Date(ms).toISOString();

/** Epoch ms as YYYY-MM-DDTHH:MM on the wall clock of `zone` (what the form shows and sends back). */
export function localText(ms: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(ms).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function nextDeparture(site: Site, t: TargetRecord | undefined, now: number): TargetView['nextDeparture'] {
  const zone = site.timeZone;
  if (t?.once && localDateTime(t.once.departure, zone) > now) {
    return { at: iso(localDateTime(t.once.departure, zone)), local: t.once.departure, timeZone: zone, source: 'once' };
  }
  const [time, days, source] = t?.weekly ? [t.weekly.time, t.weekly.days, 'weekly' as const] : [site.policy.defaultDeparture, undefined, 'site-default' as const];
  const at = nextLocalTime(now, zone, time, days);
  return { at: iso(at), local: localText(at, zone), timeZone: zone, source };
}

export function targetView(ctx: ApiContext, vehicle: Vehicle, record: TargetRecord | undefined): TargetView {
  const site = ctx.siteOfVehicle(vehicle);
  return {
    vehicleId: vehicle.id,
    once: record?.once ?? null,
    weekly: record?.weekly ?? null,
    updatedAt: record?.updatedAt ?? null,
    nextDeparture: site ? nextDeparture(site, record, ctx.now()) : null,
  };
}

export const targetRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { stores, scheduler } = ctx.deps;

  app.get('/api/v1/vehicles/:vehicleId/target', {
    schema: {
      tags: ['targets'],
      summary: 'A vehicle’s departure targets and its next departure',
      params: VehicleParams,
      response: { 200: ok(TargetView, 'the targets'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const vehicle = ctx.vehicle(principalOf(request), (request.params as VehicleParams).vehicleId);
    return targetView(ctx, vehicle, stores.targets.get(vehicle.id));
  });

  app.put('/api/v1/vehicles/:vehicleId/target', {
    schema: {
      tags: ['targets'],
      summary: 'Set the one-off or the weekly departure target',
      description: 'Departure and time are wall-clock in the time zone of the site where the car charges. A one-off departure must be in the future. Every problem is listed in `issues` (row null) with its field and rule; `field` names the first.',
      params: VehicleParams,
      body: DepartureTarget,
      response: { 200: ok(TargetView, 'the targets after the change'), ...errors(400, 401, 403, 404, 422) },
    },
    // The body is checked by checkTarget (by kind, every field reported); ajv on the union would blame the wrong branch.
    validatorCompiler: bodyCheckedByHandler,
  }, async (request) => {
    const vehicle = ctx.vehicle(principalOf(request), (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    const checked = checkTarget(request.body, ctx.siteOfVehicle(vehicle)?.timeZone ?? null, ctx.now());
    if (!checked.ok) {
      const first = checked.issues[0]!;
      throw new HttpError(422, 'TARGET_INVALID', first.message, first.field, checked.issues.map((i) => ({ row: null, ...i })));
    }
    return targetView(ctx, vehicle, scheduler.setTarget(vehicle.id, checked.target));
  });

  app.delete('/api/v1/vehicles/:vehicleId/target/once', {
    schema: {
      tags: ['targets'],
      summary: 'Drop the one-off target (the weekly rule applies again)',
      params: VehicleParams,
      response: { 200: ok(TargetView, 'the targets after the change'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const vehicle = ctx.vehicle(principalOf(request), (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    stores.targets.clearOnce(vehicle.id, iso(ctx.now()));
    ctx.replanFor(vehicle, 'target-changed');
    return targetView(ctx, vehicle, stores.targets.get(vehicle.id));
  });
};
