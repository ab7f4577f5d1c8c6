import type { FastifyPluginAsync } from 'fastify';
import { DepartureTarget, type TargetRecord, type Vehicle } from '../../domain/vehicles.js';
import { canAccess, TARGET_WRITERS, type Principal } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { checkTarget } from './target-check.js';
import { errors, ok, TargetView, VehicleParams } from './schemas.js';
import { bodyCheckedByHandler } from './validation.js';

/**
 * Departure targets (one-off and weekly; TARGET_WRITERS over the vehicle's fleet to change them).
 *
 *   GET    /api/v1/vehicles/:vehicleId/target       the targets, the next departure (the form's default), the boost
 *   PUT    /api/v1/vehicles/:vehicleId/target       set the one-off or the weekly target (the other is kept)
 *   DELETE /api/v1/vehicles/:vehicleId/target/once  drop the one-off target: the weekly rule applies again
 */

/**
 * The targets, the next departure by the planner's own precedence (the form's default) and a running boost. A boost
 * on a site the caller may not read is left out: it names that site, station and transaction (issue 20, finding 3).
 */
export async function targetView(ctx: ApiContext, p: Principal, vehicle: Vehicle, record: TargetRecord | undefined): Promise<TargetView> {
  const { scheduler } = ctx.deps;
  const [boost, next] = await Promise.all([scheduler.boost(vehicle.id), scheduler.nextDeparture(vehicle.id)]);
  const visible = boost !== undefined && canAccess(p, ctx.sites.find((s) => s.id === boost.siteId)?.fleet ?? null);
  return {
    vehicleId: vehicle.id,
    once: record?.once ?? null,
    weekly: record?.weekly ?? null,
    updatedAt: record?.updatedAt ?? null,
    nextDeparture: next ?? null,
    boost: visible ? boost : null,
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
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId);
    return targetView(ctx, p, vehicle, await stores.targets.get(vehicle.id));
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
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    const checked = checkTarget(request.body, (await ctx.siteOfVehicle(vehicle))?.timeZone ?? null, ctx.now());
    if (!checked.ok) {
      const first = checked.issues[0]!;
      throw new HttpError(422, 'TARGET_INVALID', first.message, first.field, checked.issues.map((i) => ({ row: null, ...i })));
    }
    return targetView(ctx, p, vehicle, await scheduler.setTarget(vehicle.id, checked.target));
  });

  app.delete('/api/v1/vehicles/:vehicleId/target/once', {
    schema: {
      tags: ['targets'],
      summary: 'Drop the one-off target (the weekly rule applies again)',
      params: VehicleParams,
      response: { 200: ok(TargetView, 'the targets after the change'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    return targetView(ctx, p, vehicle, await scheduler.clearOnceTarget(vehicle.id));
  });
};
