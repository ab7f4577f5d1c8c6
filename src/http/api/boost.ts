import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Vehicle } from '../../domain/vehicles.js';
import { SchedulerInputError } from '../../scheduler/index.js';
import { canAccess, TARGET_WRITERS, type Principal } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { BoostBody, BoostView, errors, ok, VehicleParams } from './schemas.js';

/**
 * "Charge now" (TARGET_WRITERS over the vehicle's fleet): full power from now, ahead of price and of the other cars,
 * until `energyKwh` more is in; then the plan continues. It belongs to the running session (Scheduler.setBoost).
 *
 *   PUT    /api/v1/vehicles/:vehicleId/boost   {energyKwh}  -> the boost with its progress
 *   DELETE /api/v1/vehicles/:vehicleId/boost               -> {cleared}: false when there was none
 *
 * Only on the caller's own sites (issue 20, finding 3): a car of the caller's fleet identified in a session on a site
 * the caller may not steer (a card nobody else registered, claimed by this car) reads exactly like a car that is not
 * plugged in: same status, code, field and message, checked in the same order (the amount first). Otherwise the
 * answer (409 vs 200 with site and station) told a fleet manager where a guessed card was charging, and let them
 * steer another fleet's charger.
 */
export const boostRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { scheduler } = ctx.deps;

  const notPluggedIn = (vehicleId: string) =>
    new HttpError(409, 'VEHICLE_NOT_PLUGGED_IN', `vehicle "${vehicleId}" is not plugged in on any site you may steer: "charge now" applies to a running session`, 'vehicleId');
  /** Whether the vehicle's session (if any) is on a site the caller may steer; no session: the scheduler says so. */
  const steerable = async (p: Principal, vehicle: Vehicle) => {
    const site = await ctx.sessionSiteOf(vehicle.id);
    return site === undefined || canAccess(p, site.fleet, TARGET_WRITERS);
  };

  app.put('/api/v1/vehicles/:vehicleId/boost', {
    schema: {
      tags: ['targets'],
      summary: 'Charge now: full power until this much more energy is in',
      description: 'The car must be plugged in on one of the sites the caller may steer (409 VEHICLE_NOT_PLUGGED_IN, field vehicleId, otherwise). Replaces a running boost.',
      params: VehicleParams,
      body: BoostBody,
      response: { 200: ok(BoostView, 'the boost as set'), ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    const { energyKwh } = request.body as BoostBody;
    // The scheduler checks the amount before the session; so does this, so that the order tells nothing either.
    if (vehicle.batteryKwh !== null && energyKwh > vehicle.batteryKwh) {
      throw new HttpError(422, 'TARGET_INVALID', `energyKwh: more than the battery of ${vehicle.name} holds (${vehicle.batteryKwh} kWh)`, 'energyKwh');
    }
    if (!(await steerable(p, vehicle))) throw notPluggedIn(vehicle.id);
    try {
      return await scheduler.setBoost(vehicle.id, energyKwh);
    } catch (e) {
      if (e instanceof SchedulerInputError && e.code === 'VEHICLE_NOT_PLUGGED_IN') throw notPluggedIn(vehicle.id);
      throw e;
    }
  });

  app.delete('/api/v1/vehicles/:vehicleId/boost', {
    schema: {
      tags: ['targets'],
      summary: 'End "charge now": the plan takes over again',
      params: VehicleParams,
      response: { 200: ok(Type.Object({ cleared: Type.Boolean({ description: 'false when there was no running boost on a site the caller may steer' }) }), 'done'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const vehicle = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    const boost = await scheduler.boost(vehicle.id);
    if (!boost || !canAccess(p, ctx.sites.find((s) => s.id === boost.siteId)?.fleet ?? null, TARGET_WRITERS)) return { cleared: false };
    return { cleared: await scheduler.clearBoost(vehicle.id) };
  });
};
