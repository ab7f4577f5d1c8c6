import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { IdTokenInUseError, type VehicleStore } from '../../domain/vehicles.js';
import { assertAccess, canAccess, READERS, requireRole, VEHICLE_WRITERS } from '../auth/access.js';
import { actorOf } from '../auth/audit.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { errors, VehicleBody, VehicleParams, VehicleView, VehicleWriteQuery, ok } from './schemas.js';

/**
 * Vehicles.
 *
 *   GET /api/v1/vehicles               the vehicles the caller may read
 *   GET /api/v1/vehicles/:vehicleId    one vehicle
 *   PUT /api/v1/vehicles/:vehicleId    create (201) or replace (200) (VEHICLE_WRITERS; the old and the new fleet must be in scope)
 *
 * Id tokens (issue 20, finding 3): a token names one car. A token another vehicle holds is 409 ID_TOKEN_IN_USE with
 * the same body whoever's vehicle holds it (the store refuses it too, VehicleRepository.upsert); with
 * `?moveIdTokens=true` it is taken from its holder when the caller may edit that holder, and the same 409 otherwise.
 * The 409 says that a token is registered, never to which car or fleet.
 *
 * Edits of single fields, cards and chargers: vehicles-admin.ts. Every write here is in the audit log (issue 16).
 */
export const vehicleRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { stores, scheduler } = ctx.deps;

  app.get('/api/v1/vehicles', {
    schema: {
      tags: ['vehicles'],
      summary: 'The vehicles the caller may read',
      response: { 200: ok(Type.Array(VehicleView), 'the readable vehicles'), ...errors(401, 403) },
    },
  }, async (request) => {
    const p = principalOf(request);
    requireRole(p, READERS);
    return (await stores.vehicles.list()).filter((v) => canAccess(p, v.fleet));
  });

  app.get('/api/v1/vehicles/:vehicleId', {
    schema: {
      tags: ['vehicles'],
      summary: 'One vehicle',
      params: VehicleParams,
      response: { 200: ok(VehicleView, 'the vehicle'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => ctx.vehicle(principalOf(request), (request.params as VehicleParams).vehicleId));

  app.put('/api/v1/vehicles/:vehicleId', {
    schema: {
      tags: ['vehicles'],
      summary: 'Create or replace a vehicle',
      description: 'Needs admin or fleet-manager over the vehicle’s fleet, before and after the change (a vehicle cannot be moved into or out of a fleet outside the caller’s scope). A vehicle without a fleet is admin-only. An id token that another vehicle holds is 409 ID_TOKEN_IN_USE (field idTokens[i]), whoever’s vehicle that is; `?moveIdTokens=true` takes it from a holder the caller may edit.',
      params: VehicleParams,
      querystring: VehicleWriteQuery,
      body: VehicleBody,
      response: {
        200: ok(VehicleView, 'replaced'),
        201: ok(VehicleView, 'created'),
        ...errors(400, 401, 403, 409, 422),
      },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { vehicleId } = request.params as VehicleParams;
    const body = request.body as VehicleBody;
    if (body.id !== undefined && body.id !== vehicleId) {
      throw new HttpError(400, 'REQUEST_INVALID', `body/id "${body.id}" must equal the vehicleId in the path "${vehicleId}"`, 'id');
    }
    const existing = await stores.vehicles.get(vehicleId);
    // Unknown and foreign vehicles get the same 403: creating over someone else's id must not reveal that it exists.
    if (existing) assertAccess(p, existing.fleet, `vehicle "${vehicleId}"`, VEHICLE_WRITERS);
    assertAccess(p, body.fleet ?? null, body.fleet ? `fleet "${body.fleet}"` : 'a vehicle without a fleet', VEHICLE_WRITERS);
    const tokens = body.idTokens ?? [];
    const move = (request.query as VehicleWriteQuery).moveIdTokens === true;
    // One transaction (the store's): the audit entry (issue 16), the release of moved tokens from their holders, and
    // this vehicle's write; a refused move or a token in use leaves no entry behind.
    const audit = {
      at: ctx.deps.clock.now(), actor: actorOf(p), action: existing ? 'vehicle.replaced' : 'vehicle.created',
      target: { kind: 'vehicle', id: vehicleId }, detail: { name: body.name, fleet: body.fleet ?? null, idTokens: tokens.length, moveIdTokens: move },
    };
    const within = (write: (vehicles: VehicleStore) => Promise<void>) => stores.vehicles.changing({ audit }, (store) => (move
      ? store.transferring(tokens, vehicleId, (holder) => canAccess(p, holder.fleet, VEHICLE_WRITERS), write)
      : write(store)));
    try {
      const vehicle = await scheduler.upsertVehicle({ ...body, id: vehicleId }, within);
      return reply.code(existing ? 200 : 201).send(vehicle);
    } catch (e) {
      if (!(e instanceof IdTokenInUseError)) throw e;
      throw new HttpError(409, e.code, `${e.message} (remove it there first, or move it with ?moveIdTokens=true from a vehicle you may edit)`, e.field);
    }
  });
};
