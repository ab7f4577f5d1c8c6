import type { FastifyPluginAsync } from 'fastify';
import { ID_TOKENS_MAX, IdTokenInUseError, type Vehicle } from '../../domain/vehicles.js';
import { VehicleChangedError, type EvseRef, type VehicleChange } from '../../domain/vehicle-changes.js';
import { canAccess, READERS, requireRole, VEHICLE_WRITERS, type Principal } from '../auth/access.js';
import { actorOf } from '../auth/audit.js';
import { principalOf } from '../auth/plugin.js';
import type { Role } from '../auth/roles.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { errors, ok, VehicleParams, VehicleView } from './schemas.js';
import {
  AssignmentBody, AssignmentsView, AssignmentView, IdTokenBody, IdTokenParams, VehiclePatch,
} from './vehicles-admin-schemas.js';

/**
 * People's edits of vehicles (issue 16): the fleet page's vehicles, cards and chargers, and a homeowner's own car.
 *
 *   PATCH  /api/v1/vehicles/:vehicleId                      name, battery, max AC power, phases, minimum current
 *                                                           (admins, fleet managers, and a homeowner for their own car)
 *   POST   /api/v1/vehicles/:vehicleId/id-tokens            add an RFID card or contract id (VEHICLE_WRITERS)
 *   DELETE /api/v1/vehicles/:vehicleId/id-tokens/:idToken   remove one (VEHICLE_WRITERS)
 *   PUT    /api/v1/vehicles/:vehicleId/assignment           put the van on an EVSE of its fleet's site (VEHICLE_WRITERS)
 *   DELETE /api/v1/vehicles/:vehicleId/assignment           take it off (VEHICLE_WRITERS)
 *   GET    /api/v1/vehicle-assignments                      the readable vehicles' EVSEs and the EVSEs one may assign to
 *
 * Every change goes through the scheduler's upsert (it checks the vehicle and re-plans the sites with cars plugged
 * in) inside the store's transaction with its audit entry (VehicleChanges.changing), so the log and the change
 * commit together. Each edit is computed from the vehicle as read and is stored only if the vehicle is still that one;
 * otherwise it is read and computed again (EDIT_ATTEMPTS in all, then 409 VEHICLE_CHANGED), so two people's edits of
 * one car both land and neither undoes the other. A person cannot move a car between fleets here: PUT /vehicles/:id does that, in scope both sides.
 */
const tags = ['vehicles'];
/** Who may edit a car's own fields: its fleet's managers, and the household for its car (issue 16). */
const CAR_EDITORS: readonly Role[] = ['admin', 'fleet-manager', 'homeowner'];
/** Reads and writes of one edit at most, when others keep changing the car in between. */
const EDIT_ATTEMPTS = 3;

/** Runs `edit` again while the car changed between its read and its write; a 409 naming what changed after that. */
async function retrying<T>(edit: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await edit();
    } catch (e) {
      if (!(e instanceof VehicleChangedError)) throw e;
      if (attempt >= EDIT_ATTEMPTS) throw new HttpError(409, e.code, `${e.message}; read it again and retry`, e.fields[0]);
    }
  }
}

export const vehicleAdminRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { stores, scheduler, clock } = ctx.deps;

  /**
   * Stores `v` through the scheduler, in one transaction with the audit entry and the assignment change, if the stored
   * vehicle is still `read` (VehicleChangedError otherwise: the caller runs in `retrying`).
   */
  const save = async (p: Principal, read: Vehicle, v: Vehicle, action: string, detail: Record<string, unknown>, assign?: EvseRef | null): Promise<Vehicle> => {
    const change: VehicleChange = {
      audit: { at: clock.now(), actor: actorOf(p), action, target: { kind: 'vehicle', id: v.id }, detail: { name: v.name, fleet: v.fleet, ...detail } },
      ...(assign !== undefined ? { assign } : {}),
      expected: read,
    };
    return scheduler.upsertVehicle(v, (write) => stores.vehicles.changing(change, write));
  };

  app.patch('/api/v1/vehicles/:vehicleId', {
    schema: {
      tags,
      summary: 'Edit a vehicle’s name, battery, max AC power, phases or minimum current',
      description: 'Admins, fleet managers over the vehicle’s fleet, and homeowners for their own car. The fleet and the id tokens are not changed here. Re-plans the sites with cars plugged in; recorded in the audit log.',
      params: VehicleParams,
      body: VehiclePatch,
      response: { 200: ok(VehicleView, 'the vehicle now'), ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const p = principalOf(request);
    return retrying(async () => {
      const before = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, CAR_EDITORS);
      const body = request.body as VehiclePatch;
      const after: Vehicle = { ...before, ...body, idTokens: before.idTokens };
      const changed = (Object.keys(body) as (keyof VehiclePatch)[]).filter((k) => before[k] !== after[k]);
      if (changed.length === 0) return before;
      return save(p, before, after, 'vehicle.updated', { changed: Object.fromEntries(changed.map((k) => [k, [before[k], after[k]]])) });
    });
  });

  app.post('/api/v1/vehicles/:vehicleId/id-tokens', {
    schema: {
      tags,
      summary: 'Add an id token (RFID card, contract id) to a vehicle',
      description: `Admins and fleet managers over the vehicle’s fleet. A vehicle holds at most ${ID_TOKENS_MAX} (422 ID_TOKENS_FULL). A token another vehicle holds is 409 ID_TOKEN_IN_USE whoever’s it is (the body never says which). Already held: 200, unchanged.`,
      params: VehicleParams,
      body: IdTokenBody,
      response: { 200: ok(VehicleView, 'already held: unchanged'), 201: ok(VehicleView, 'added'), ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const idToken = (request.body as IdTokenBody).idToken.trim();
    const { added, v } = await retrying(async () => {
      const read = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, VEHICLE_WRITERS);
      if (read.idTokens.includes(idToken)) return { added: false, v: read };
      if (read.idTokens.length >= ID_TOKENS_MAX) {
        throw new HttpError(422, 'ID_TOKENS_FULL', `idToken: vehicle "${read.id}" already holds ${ID_TOKENS_MAX} id tokens, the most a vehicle may; remove one first`, 'idToken');
      }
      try {
        return { added: true, v: await save(p, read, { ...read, idTokens: [...read.idTokens, idToken] }, 'vehicle.id-token-added', { idToken }) };
      } catch (e) {
        if (!(e instanceof IdTokenInUseError)) throw e;
        throw new HttpError(409, e.code, 'idToken is already in use by another vehicle: a token names one car', 'idToken');
      }
    });
    return reply.code(added ? 201 : 200).send(v);
  });

  app.delete('/api/v1/vehicles/:vehicleId/id-tokens/:idToken', {
    schema: {
      tags,
      summary: 'Remove an id token from a vehicle',
      description: 'Admins and fleet managers over the vehicle’s fleet. A token the vehicle does not hold is 404 ID_TOKEN_UNKNOWN.',
      params: IdTokenParams,
      response: { 200: ok(VehicleView, 'the vehicle without the token'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const { vehicleId, idToken } = request.params as IdTokenParams;
    return retrying(async () => {
      const v = await ctx.vehicle(p, vehicleId, VEHICLE_WRITERS);
      if (!v.idTokens.includes(idToken)) throw new HttpError(404, 'ID_TOKEN_UNKNOWN', `idToken: vehicle "${vehicleId}" holds no id token "${idToken}"`, 'idToken');
      return save(p, v, { ...v, idTokens: v.idTokens.filter((t) => t !== idToken) }, 'vehicle.id-token-removed', { idToken });
    });
  });

  app.put('/api/v1/vehicles/:vehicleId/assignment', {
    schema: {
      tags,
      summary: 'Put a van on a charger (an EVSE of a site of its fleet)',
      description: 'Admins and fleet managers over the vehicle’s fleet and the EVSE’s site. The van is taken off any other EVSE, and a van on this EVSE before is taken off it. The EVSE’s site must belong to the vehicle’s fleet (422 ASSIGNMENT_INVALID, field stationId). An EVSE on no site, or on a site outside the caller’s scope: 403 for non-admins, 404 EVSE_UNKNOWN for admins.',
      params: VehicleParams,
      body: AssignmentBody,
      response: { 200: ok(AssignmentView, 'assigned'), ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const p = principalOf(request);
    const v = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, VEHICLE_WRITERS);
    const { stationId, evseId } = request.body as AssignmentBody;
    const site = ctx.siteOfEvse(stationId, evseId);
    // Like ctx.site: "not yours" and "does not exist" read alike for everyone but admins, and a refusal names no
    // station, site or fleet (the security matrix checks every refusal for them).
    if (!site || !canAccess(p, site.fleet, VEHICLE_WRITERS)) {
      if (!canAccess(p, null, VEHICLE_WRITERS)) throw new HttpError(403, 'AUTH_FORBIDDEN', 'evseId: that EVSE is outside your scope', 'evseId');
      throw new HttpError(404, 'EVSE_UNKNOWN', 'evseId: that EVSE of that station is on no site', 'evseId');
    }
    if (site.fleet !== v.fleet) {
      throw new HttpError(422, 'ASSIGNMENT_INVALID', 'stationId: that EVSE is on a site of another fleet than the vehicle’s; a van goes only on its own fleet’s chargers', 'stationId');
    }
    await retrying(async () => {
      const now = await ctx.vehicle(p, v.id, VEHICLE_WRITERS);
      if (now.fleet !== site.fleet) {
        throw new HttpError(422, 'ASSIGNMENT_INVALID', 'stationId: that EVSE is on a site of another fleet than the vehicle’s; a van goes only on its own fleet’s chargers', 'stationId');
      }
      await save(p, now, now, 'vehicle.assigned', { stationId, evseId, siteId: site.id }, { stationId, evseId });
    });
    return { vehicleId: v.id, stationId, evseId, siteId: site.id };
  });

  app.delete('/api/v1/vehicles/:vehicleId/assignment', {
    schema: {
      tags,
      summary: 'Take a van off its charger',
      description: 'Admins and fleet managers over the vehicle’s fleet. Without an assignment: 204 all the same, and nothing is recorded.',
      params: VehicleParams,
      response: { 204: { type: 'null', description: 'not assigned (any more)' }, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const v = await ctx.vehicle(p, (request.params as VehicleParams).vehicleId, VEHICLE_WRITERS);
    const held = await stores.vehicles.assignmentsOf([v.id]);
    if (held.length > 0) {
      await retrying(async () => {
        const now = await ctx.vehicle(p, v.id, VEHICLE_WRITERS);
        await save(p, now, now, 'vehicle.unassigned', { from: held.map((a) => `${a.stationId}/${a.evseId}`).join(', ') }, null);
      });
    }
    return reply.code(204).send();
  });

  app.get('/api/v1/vehicle-assignments', {
    schema: {
      tags,
      summary: 'Which charger each readable vehicle is on, and the chargers the caller may put vans on',
      description: 'Both lists are bounded by the EVSEs of the caller’s sites (one vehicle per EVSE).',
      response: { 200: ok(AssignmentsView, 'assignments and choices'), ...errors(401, 403) },
    },
  }, async (request) => {
    const p = principalOf(request);
    requireRole(p, READERS);
    const vehicles = (await stores.vehicles.list()).filter((v) => canAccess(p, v.fleet));
    const assignments = (await stores.vehicles.assignmentsOf(vehicles.map((v) => v.id)))
      .map((a) => ({ ...a, siteId: ctx.siteOfEvse(a.stationId, a.evseId)?.id ?? null }));
    const chargers = ctx.sites.filter((s) => canAccess(p, s.fleet, VEHICLE_WRITERS))
      .flatMap((s) => s.evses.map((e) => ({ siteId: s.id, siteName: s.name, fleet: s.fleet, stationId: e.stationId, evseId: e.evseId })));
    return { assignments, chargers };
  });
};
