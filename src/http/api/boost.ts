import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { TARGET_WRITERS } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { BoostBody, BoostView, errors, ok, VehicleParams } from './schemas.js';

/**
 * "Charge now" (TARGET_WRITERS over the vehicle's fleet): full power from now, ahead of price and of the other cars,
 * until `energyKwh` more is in; then the plan continues. It belongs to the running session (Scheduler.setBoost).
 *
 *   PUT    /api/v1/vehicles/:vehicleId/boost   {energyKwh}  -> the boost with its progress
 *   DELETE /api/v1/vehicles/:vehicleId/boost               -> {cleared}: false when there was none
 */
export const boostRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { scheduler } = ctx.deps;

  app.put('/api/v1/vehicles/:vehicleId/boost', {
    schema: {
      tags: ['targets'],
      summary: 'Charge now: full power until this much more energy is in',
      description: 'The car must be plugged in on one of the sites (409 VEHICLE_NOT_PLUGGED_IN, field vehicleId, otherwise). Replaces a running boost.',
      params: VehicleParams,
      body: BoostBody,
      response: { 200: ok(BoostView, 'the boost as set'), ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const vehicle = ctx.vehicle(principalOf(request), (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    return scheduler.setBoost(vehicle.id, (request.body as BoostBody).energyKwh);
  });

  app.delete('/api/v1/vehicles/:vehicleId/boost', {
    schema: {
      tags: ['targets'],
      summary: 'End "charge now": the plan takes over again',
      params: VehicleParams,
      response: { 200: ok(Type.Object({ cleared: Type.Boolean({ description: 'false when there was no running boost' }) }), 'done'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const vehicle = ctx.vehicle(principalOf(request), (request.params as VehicleParams).vehicleId, TARGET_WRITERS);
    return { cleared: scheduler.clearBoost(vehicle.id) };
  });
};
