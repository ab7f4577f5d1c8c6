/**
 * Remote operations on a station (issue 17, docs/operations.md), for admins and the fleet managers of its sites:
 *
 *   POST /api/v1/stations/:stationId/reset                 Reset (B11/B12)
 *   POST /api/v1/stations/:stationId/availability          ChangeAvailability (G03/G04)
 *   POST /api/v1/stations/:stationId/unlock                UnlockConnector (F05)
 *   POST /api/v1/stations/:stationId/transactions/start    RequestStartTransaction (F01), with our TxProfile
 *   POST /api/v1/stations/:stationId/transactions/stop     RequestStopTransaction (F03)
 *   POST /api/v1/stations/:stationId/trigger               TriggerMessage (F06)
 *   POST /api/v1/stations/:stationId/clear-cache           ClearCache (C11)
 *
 * Each answers 200 with the station's status in words, or the shared error body: 409 STATION_REFUSED with the
 * station's status and reasonCode, STATION_OFFLINE; 502 OCPP_CALL_ERROR; 504 OCPP_TIMEOUT.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { principalOf } from '../auth/plugin.js';
import type { OperationAnswer } from '../../domain/station-operations.js';
import type { ApiContext } from './context.js';
import { errors, NoBody, ok, StationParams } from './schemas.js';
import { ErrorRef } from './schema-kit.js';
import { bodyCheckedByHandler } from './validation.js';
import { noBody, operableStation, stationCall, type ApiOperations } from './operations-access.js';
import {
  AvailabilityBody, OperationView, ResetBody, StartBody, StopBody, stationCallErrors, TriggerBody, UnlockBody,
} from './operations-schemas.js';

const BODY_LIMIT = 4096;

export const operationRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const deps = ctx.deps.operations;
  if (!deps) return;
  const ops = deps.operations;

  const route = <B>(path: string, summary: string, description: string, body: TSchema, run: (stationId: string, body: B) => Promise<OperationAnswer>) =>
    app.post(`/api/v1/stations/:stationId/${path}`, {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['operations'],
        summary,
        description: `${description} Admins; fleet managers for stations whose EVSEs are all on their fleets’ sites.`,
        params: StationParams,
        body,
        response: { 200: ok(OperationView, 'the station’s answer'), ...errors(400, 401, 403), 404: ErrorRef('no such station, or one outside the caller’s scope (STATION_UNKNOWN)'), ...stationCallErrors },
      },
    }, async (request: FastifyRequest) => {
      const { stationId } = request.params as StationParams;
      await operableStation(ctx, principalOf(request), stationId);
      return stationCall(() => run(stationId, request.body as B));
    });

  route<ResetBody>('reset', 'Reset the station or one EVSE (B11/B12)',
    'Immediate resets now (running transactions end, ImmediateReset); OnIdle waits for them: the station answers Scheduled. The scheduler reconciles the station when it boots again (its profiles are pushed again).',
    ResetBody, (id, b) => ops.reset(id, b.type, b.evseId));
  route<AvailabilityBody>('availability', 'Take the station, an EVSE or a connector out of service, or back (G03/G04)',
    'Inoperative: its connectors show Unavailable and nothing starts there; while a transaction runs the station answers Scheduled and changes once it ends. Operative: back in service.',
    AvailabilityBody, (id, b) => ops.changeAvailability(id, b.operationalStatus, { evseId: b.evseId, connectorId: b.connectorId }));
  route<UnlockBody>('unlock', 'Unlock a connector (F05)',
    'Unlocked, or 409 STATION_REFUSED with UnlockFailed, OngoingAuthorizedTransaction (stop the transaction first) or UnknownConnector.',
    UnlockBody, (id, b) => ops.unlockConnector(id, b.evseId, b.connectorId));
  route<StartBody>('transactions/start', 'Start a transaction remotely (F01)',
    'With `evseId` on a site, the request carries our TxProfile (F01.FR.08): the limit an unplanned session holds, until the scheduler’s first plan for it (made at once when it starts).',
    StartBody, (id, b) => ops.requestStart(id, { idToken: b.idToken, idTokenType: b.idTokenType ?? 'Central', evseId: b.evseId }));
  route<StopBody>('transactions/stop', 'Stop a transaction remotely (F03)', 'The station ends it (stoppedReason Remote).',
    StopBody, (id, b) => ops.requestStop(id, b.transactionId));
  route<TriggerBody>('trigger', 'Ask the station to send a message now (F06)',
    'StatusNotification, MeterValues, BootNotification (refused by an accepted station, F06.FR.17), Heartbeat or TransactionEvent.',
    TriggerBody, (id, b) => ops.trigger(id, b.message, b.evseId));

  app.post('/api/v1/stations/:stationId/clear-cache', {
    bodyLimit: BODY_LIMIT,
    validatorCompiler: bodyCheckedByHandler,
    schema: {
      tags: ['operations'],
      summary: 'Clear the station’s authorization cache (C11)',
      description: 'No body. Rejected (409) by a station whose cache is disabled.',
      params: StationParams,
      body: NoBody,
      response: { 200: ok(OperationView, 'the station’s answer'), ...errors(400, 401, 403), 404: ErrorRef('STATION_UNKNOWN'), ...stationCallErrors },
    },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    noBody(request.body);
    await operableStation(ctx, principalOf(request), stationId);
    return stationCall(() => ops.clearCache(stationId));
  });
};

export type { ApiOperations };
