import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { requireRole } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { actorOf } from '../auth/audit.js';
import type { ApiContext } from './context.js';
import { errors, ok } from './schema-kit.js';
import { StationAdminService } from './admin-stations-service.js';
import {
  AddStationBody, AdoptBody, Credentials, MAX_WAITING_PAGE, RotateBody, StationIdParam, StationList, WaitingList,
} from './admin-stations-schemas.js';

/**
 * Chargers from the browser (issue 16), admins only (403 AUTH_FORBIDDEN for everyone else):
 *
 *   GET    /api/v1/admin/stations                               the registered stations, their placements, the OCPP URLs
 *   POST   /api/v1/admin/stations                               add one: a generated password, shown once with the URL and username
 *   POST   /api/v1/admin/stations/:stationId/password           a new password (A01: sent to the station first, stored when Accepted)
 *   DELETE /api/v1/admin/stations/:stationId                    remove it (refused while a transaction runs)
 *   GET    /api/v1/admin/stations/waiting                       unknown stations waiting to be adopted
 *   POST   /api/v1/admin/stations/waiting/:stationId/adopt      adopt one (SetVariables BasicAuthPassword, then registered)
 *   DELETE /api/v1/admin/stations/waiting/:stationId            dismiss one
 *
 * Every change is audited in the transaction that makes it. A password appears only in the answer that made it.
 */
const ADMIN = ['admin'] as const;

function admin(request: FastifyRequest) {
  const p = principalOf(request);
  requireRole(p, ADMIN);
  return actorOf(p);
}

/** The host the admin reached us by: the charger is usually installed on the same network name. */
const hostOf = (request: FastifyRequest) => request.hostname.replace(/:\d+$/, '') || 'localhost';

export const adminStationRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const deps = ctx.deps.stationAdmin;
  if (!deps) return;
  const service = new StationAdminService(ctx, deps);
  const tags = ['stations'];
  const credentials = ok(Credentials, 'the station, its password (shown once) and what to type into the charger');

  app.get('/api/v1/admin/stations', {
    schema: { tags, summary: 'Registered stations (admins)', response: { 200: ok(StationList, 'every station with its placements, and this server’s OCPP URLs'), ...errors(401, 403) } },
  }, async (request) => {
    admin(request);
    return { stations: await service.list(), endpoints: service.endpoints(hostOf(request)) };
  });

  app.post('/api/v1/admin/stations', {
    schema: {
      tags, summary: 'Add a station (admins)',
      description: 'Generates a 24-character password (A00.FR.205; none for profile 3), stores only its hash and returns it once, with the OCPP URL (ws:// for profile 1, wss:// for 2) and the username (the station id). Placements are made first: a refused one registers nothing (422, the field named as placements[i].…). 409 STATION_EXISTS when the id is taken.',
      body: AddStationBody,
      response: { 201: credentials, ...errors(400, 401, 403, 409, 422) },
    },
  }, async (request, reply) => {
    const actor = admin(request);
    const body = request.body as AddStationBody;
    return reply.code(201).send(await service.add(body, actor, hostOf(request)));
  });

  app.post('/api/v1/admin/stations/:stationId/password', {
    schema: {
      tags, summary: 'Give a station a new password (admins)',
      description: 'mode station (default): SetVariables SecurityCtrlr.BasicAuthPassword goes to the connected station first (A01.FR.02); only when it answers Accepted is the stored hash replaced (A01.FR.03), so it is never locked out. Any other answer keeps the old password (409 STATION_REFUSED, A01.FR.04); a station that is not connected is refused (409 STATION_OFFLINE). mode manual: the hash is replaced now and the password shown, to be typed into the charger by hand.',
      params: StationIdParam, body: Type.Optional(RotateBody),
      response: { 200: credentials, ...errors(400, 401, 403, 404, 409), 502: errors(502)[502]!, 504: errors(504)[504]! },
    },
  }, async (request) => {
    const actor = admin(request);
    const { stationId } = request.params as StationIdParam;
    const mode = (request.body as RotateBody | undefined)?.mode ?? 'station';
    return service.rotate(stationId, mode, actor, hostOf(request));
  });

  app.delete('/api/v1/admin/stations/:stationId', {
    schema: {
      tags, summary: 'Remove a station (admins)',
      description: 'Refused (409 STATION_BUSY, naming them) while it has a running transaction. Otherwise its EVSEs leave their sites, its connection is closed and its stored history (sessions, meter values, log) is deleted with it.',
      params: StationIdParam,
      response: { 204: ok(Type.Null(), 'removed'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const actor = admin(request);
    await service.remove((request.params as StationIdParam).stationId, actor);
    return reply.code(204).send();
  });

  app.get('/api/v1/admin/stations/waiting', {
    schema: {
      tags, summary: 'Stations waiting to be adopted (admins)',
      description: `Unknown station ids that tried to connect while ocpp.autoRegister is off: address, times, attempts, and vendor and model once they booted (answered Pending, B02). Newest first, at most ${MAX_WAITING_PAGE}.`,
      response: { 200: ok(WaitingList, 'the list'), ...errors(401, 403) },
    },
  }, async (request) => {
    admin(request);
    return { waiting: await service.waiting(MAX_WAITING_PAGE) };
  });

  app.post('/api/v1/admin/stations/waiting/:stationId/adopt', {
    schema: {
      tags, summary: 'Adopt a waiting station (admins)',
      description: 'It must be connected: a generated password is sent by SetVariables BasicAuthPassword, and only when it answers Accepted is the station registered with its hash (profile 2 if it came over TLS, else 1), taken off the list and audited, its EVSEs placed; its waiting connection is closed so that it reconnects with the new password.',
      params: StationIdParam, body: Type.Optional(AdoptBody),
      response: { 200: credentials, ...errors(400, 401, 403, 404, 409, 422), 502: errors(502)[502]!, 504: errors(504)[504]! },
    },
  }, async (request) => {
    const actor = admin(request);
    const { stationId } = request.params as StationIdParam;
    return service.adopt(stationId, (request.body as AdoptBody | undefined)?.placements ?? [], actor, hostOf(request));
  });

  app.delete('/api/v1/admin/stations/waiting/:stationId', {
    schema: {
      tags, summary: 'Dismiss a waiting station (admins)',
      description: 'Takes it off the list and closes its waiting connection; if it tries again it is listed again.',
      params: StationIdParam,
      response: { 204: ok(Type.Null(), 'dismissed'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const actor = admin(request);
    await service.dismiss((request.params as StationIdParam).stationId, actor);
    return reply.code(204).send();
  });
};
