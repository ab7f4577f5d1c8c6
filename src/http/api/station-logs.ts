/**
 * Log retrieval (issue 17, N01), admins only:
 *
 *   POST /api/v1/stations/:stationId/logs                  GetLog: the station uploads to a one-time link here
 *   GET  /api/v1/stations/:stationId/logs                  the requests, their LogStatusNotification history, files
 *   GET  /api/v1/stations/:stationId/logs/:logId/file      the uploaded file
 */
import type { FastifyPluginAsync } from 'fastify';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { errors, ok, StationParams } from './schemas.js';
import { ErrorRef } from './schema-kit.js';
import { stationCallErrors } from './operations-schemas.js';
import { attachment, existingStation, logView, maintenanceCall } from './firmware-access.js';
import { Binary, LogBody, LogList, LogParams, LogView } from './firmware-schemas.js';

const tags = ['operations'];

export const stationLogRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const m = ctx.deps.maintenance;
  if (!m) return;
  const notFound = { ...errors(400, 401, 403), 404: ErrorRef('no such station (STATION_UNKNOWN) or log (LOG_UNKNOWN)') };

  app.post('/api/v1/stations/:stationId/logs', {
    bodyLimit: 4096,
    schema: {
      tags, summary: 'Ask the station for a log (GetLog, N01)',
      description: 'The station uploads the file to a one-time link on this server (bounded by files.maxLogMB) and reports LogStatusNotification; the file is then offered at `download`.',
      params: StationParams, body: LogBody,
      response: { 201: ok(LogView, 'the station accepted'), ...notFound, ...stationCallErrors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { stationId } = request.params as StationParams;
    await existingStation(ctx, p, stationId);
    const b = request.body as LogBody;
    if (b.oldest && b.latest && Date.parse(b.oldest) > Date.parse(b.latest)) throw new HttpError(400, 'REQUEST_INVALID', 'latest: before oldest', 'latest');
    const log = await maintenanceCall(() => m.logs.request({ stationId, logType: b.logType, oldest: b.oldest, latest: b.latest, by: p.name }));
    return reply.code(201).send(logView(log, await m.logStore.statuses(log.id)));
  });

  app.get('/api/v1/stations/:stationId/logs', {
    schema: { tags, summary: 'The station’s log requests, newest first (at most 50)', params: StationParams, response: { 200: ok(LogList, 'newest first'), ...notFound } },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    await existingStation(ctx, principalOf(request), stationId);
    const logs = await m.logStore.ofStation(stationId, 50);
    return { logs: await Promise.all(logs.map(async (l) => logView(l, await m.logStore.statuses(l.id)))) };
  });

  app.get('/api/v1/stations/:stationId/logs/:logId/file', {
    schema: { tags, summary: 'Download an uploaded log', params: LogParams, response: { 200: Binary('the file, as the station uploaded it (Content-Disposition: attachment)'), ...notFound } },
  }, async (request, reply) => {
    const { stationId, logId } = request.params as LogParams;
    await existingStation(ctx, principalOf(request), stationId);
    const found = await m.logs.file(stationId, logId);
    if (!found) throw new HttpError(404, 'LOG_UNKNOWN', 'no uploaded log with this id for this station', 'logId');
    return reply.type('application/octet-stream').header('content-length', found.sizeBytes)
      .header('content-disposition', attachment(found.log.fileName ?? `${logId}.log`)).send(found.stream);
  });
};
