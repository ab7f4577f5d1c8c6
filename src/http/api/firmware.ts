/**
 * Firmware updates (issue 17, L01), admins only:
 *
 *   (POST /api/v1/firmware, the upload: firmware-upload.ts)
 *   GET  /api/v1/firmware                                     the images
 *   PUT  /api/v1/firmware/:firmwareId/signature               attach certificate + signature (SecureFirmwareUpdate)
 *   POST /api/v1/firmware/rollouts                            UpdateFirmware for a group, in batches
 *   GET  /api/v1/firmware/rollouts/:rolloutId                 a rollout and its stations
 *   GET  /api/v1/stations/:stationId/firmware                 a station's version, jobs and timeline
 *   POST /api/v1/stations/:stationId/firmware                 UpdateFirmware for one station
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { errors, ok, StationParams } from './schemas.js';
import { ErrorRef } from './schema-kit.js';
import { bodyCheckedByHandler } from './validation.js';
import { stationCallErrors } from './operations-schemas.js';
import { existingStation, fileView, maintenanceCall, requireAdmin, rolloutView, jobView } from './firmware-access.js';
import {
  Binary, FirmwareFileView, FirmwareList, FirmwareParams, FirmwareUploadQuery, RolloutBody, RolloutParams, RolloutView, SignatureBody,
  StationFirmwareView, StationUpdateBody,
} from './firmware-schemas.js';

const tags = ['operations'];

export const firmwareRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const m = ctx.deps.maintenance;
  if (!m) return;
  app.get('/api/v1/firmware', {
    schema: { tags, summary: 'The firmware images (admins), newest first', response: { 200: ok(FirmwareList, 'at most 200'), ...errors(401, 403) } },
  }, async (request) => {
    requireAdmin(principalOf(request));
    return { files: (await m.firmwareStore.files(200)).map(fileView) };
  });

  app.put('/api/v1/firmware/:firmwareId/signature', {
    bodyLimit: 16_384,
    schema: {
      tags, summary: 'Attach the signing certificate and signature (SecureFirmwareUpdate, L01.FR.11)',
      description: 'Both are checked against the stored file: a signature that does not verify is refused (400, field signature).',
      params: FirmwareParams, body: SignatureBody,
      response: { 200: ok(FirmwareFileView, 'signed'), ...errors(400, 401, 403), 404: ErrorRef('no such image (FIRMWARE_UNKNOWN)') },
    },
  }, async (request) => {
    requireAdmin(principalOf(request));
    const { firmwareId } = request.params as FirmwareParams;
    const b = request.body as SignatureBody;
    const file = await maintenanceCall(() => m.firmwareFiles.sign(firmwareId, b.signingCertificate.trim(), b.signature.replace(/\s+/g, '')));
    if (!file) throw new HttpError(404, 'FIRMWARE_UNKNOWN', 'no firmware image with this id', 'firmwareId');
    return fileView(file);
  });

  const stationErrors = { ...errors(400, 401, 403), 404: ErrorRef('no such station (STATION_UNKNOWN)') };

  app.post('/api/v1/firmware/rollouts', {
    bodyLimit: 65_536,
    schema: {
      tags, summary: 'Update the firmware of a group of stations, in batches (L01)',
      description: 'Each batch is sent when the last one has finished (Installed or failed); the rollout stops when the failed share of the finished stations exceeds maxFailureRate. A charging station is not sent UpdateFirmware until its transactions end, unless resetWhileCharging.',
      body: RolloutBody,
      response: { 201: ok(RolloutView, 'started: the first batch was sent'), ...stationErrors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    requireAdmin(p);
    const b = request.body as RolloutBody;
    for (const [k, id] of b.stationIds.entries()) {
      if (!(await ctx.deps.stores.stations.get(id))) throw new HttpError(400, 'REQUEST_INVALID', `stationIds[${k}]: no station ${id}`, `stationIds[${k}]`);
    }
    const rollout = await maintenanceCall(() => m.rollouts.start({ ...b, by: p.name }));
    return reply.code(201).send(rolloutView(rollout, await m.firmwareStore.jobs(rollout.id)));
  });

  app.get('/api/v1/firmware/rollouts/:rolloutId', {
    schema: { tags, summary: 'A rollout and its stations', params: RolloutParams, response: { 200: ok(RolloutView, 'the rollout'), ...errors(400, 401, 403), 404: ErrorRef('no such rollout (ROLLOUT_UNKNOWN)') } },
  }, async (request) => {
    requireAdmin(principalOf(request));
    const { rolloutId } = request.params as RolloutParams;
    const rollout = await m.firmwareStore.rollout(rolloutId);
    if (!rollout) throw new HttpError(404, 'ROLLOUT_UNKNOWN', 'no rollout with this id', 'rolloutId');
    return rolloutView(rollout, await m.firmwareStore.jobs(rolloutId));
  });

  app.get('/api/v1/stations/:stationId/firmware', {
    schema: { tags, summary: 'A station’s firmware: version, updates and the FirmwareStatusNotification timeline (L01.FR.01)', params: StationParams, response: { 200: ok(StationFirmwareView, 'newest first'), ...stationErrors } },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    await existingStation(ctx, principalOf(request), stationId);
    const [station, jobs, timeline] = await Promise.all([ctx.deps.stores.stations.get(stationId), m.firmwareStore.stationJobs(stationId, 20), m.firmwareStore.timeline(stationId, 200)]);
    return {
      stationId, firmwareVersion: station?.firmwareVersion ?? null, jobs: jobs.map(jobView),
      timeline: timeline.map((t) => ({ jobId: t.jobId, status: t.status, at: t.at, detail: t.detail })),
    };
  });

  app.post('/api/v1/stations/:stationId/firmware', {
    bodyLimit: 4096,
    schema: {
      tags, summary: 'Update this station’s firmware (UpdateFirmware, L01)',
      description: 'Sent now (or, while it charges and resetWhileCharging is not set, once its transactions end); the station downloads from its own expiring link on this server and reports each step.',
      params: StationParams, body: StationUpdateBody,
      response: { 201: ok(RolloutView, 'a rollout of one station'), ...stationErrors, ...stationCallErrors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { stationId } = request.params as StationParams;
    await existingStation(ctx, p, stationId);
    const b = request.body as typeof StationUpdateBody.static;
    const rollout = await maintenanceCall(() => m.rollouts.start({ ...b, stationIds: [stationId], by: p.name }));
    return reply.code(201).send(rolloutView(rollout, await m.firmwareStore.jobs(rollout.id)));
  });
};

export { Binary };
