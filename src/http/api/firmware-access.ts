/**
 * What the firmware and log routes need (main.ts wires src/wiring/maintenance.ts) and their shared steps: admins
 * only, a station that exists, the services' errors as the shared Error body, and records as views.
 */
import { requireRole, type Principal } from '../auth/access.js';
import { HttpError } from '../errors.js';
import type { FirmwareFile, FirmwareJob, FirmwareRollout, FirmwareStore, LogRequest, LogStore } from '../../domain/firmware.js';
import { FileTooLarge, LinkRefused, RolloutInputError, type FirmwareFiles, type FirmwareRollouts, type LogRequests } from '../../operations/index.js';
import type { ApiContext } from './context.js';
import { stationCall } from './operations-access.js';

export type { ApiMaintenance } from './maintenance-port.js';

/** Firmware and logs are the admins' (a fleet manager sees the result on the station page, not the files). */
export function requireAdmin(p: Principal): void {
  requireRole(p, ['admin']);
}

export async function existingStation(ctx: ApiContext, p: Principal, stationId: string): Promise<void> {
  requireAdmin(p);
  if (!(await ctx.deps.stores.stations.get(stationId))) throw new HttpError(404, 'STATION_UNKNOWN', 'no station with this id', 'stationId');
}

/** The services' errors in the API's words; OperationErrors as the remote operations answer them. */
export async function maintenanceCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await stationCall(work);
  } catch (err) {
    if (err instanceof RolloutInputError) throw new HttpError(400, 'REQUEST_INVALID', err.message, err.field);
    if (err instanceof FileTooLarge) throw new HttpError(413, 'FILE_TOO_LARGE', err.message, 'body');
    if (err instanceof LinkRefused) throw new HttpError(err.code === 'LINK_UNKNOWN' ? 404 : 410, err.code, err.message);
    throw err;
  }
}

export const fileView = (f: FirmwareFile) => ({
  id: f.id, version: f.version, fileName: f.fileName, sizeBytes: f.sizeBytes, sha256: f.sha256,
  signed: f.signingCertificate !== null && f.signature !== null, uploadedBy: f.uploadedBy, uploadedAt: f.uploadedAt,
});

export const jobView = (j: FirmwareJob) => ({
  id: j.id, rolloutId: j.rolloutId, stationId: j.stationId, position: j.position, requestId: j.requestId, state: j.state, lastStatus: j.lastStatus,
  sentAt: j.sentAt, finishedAt: j.finishedAt, linkExpiresAt: j.linkExpiresAt, detail: j.detail, bootVersion: j.bootVersion,
});

export const rolloutView = (r: FirmwareRollout, jobs: FirmwareJob[]) => ({
  id: r.id, firmwareId: r.firmwareId, createdBy: r.createdBy, createdAt: r.createdAt, retrieveAt: r.retrieveAt, installAt: r.installAt,
  batchSize: r.batchSize, maxFailureRate: r.maxFailureRate, resetWhileCharging: r.resetWhileCharging, state: r.state, detail: r.detail,
  jobs: jobs.map(jobView),
});

export const logView = (l: LogRequest, statuses: { status: string; at: string }[]) => ({
  id: l.id, stationId: l.stationId, requestId: l.requestId, logType: l.logType, requestedBy: l.requestedBy, requestedAt: l.requestedAt,
  state: l.state, lastStatus: l.lastStatus, fileName: l.fileName, sizeBytes: l.sizeBytes, sha256: l.sha256, uploadedAt: l.uploadedAt,
  detail: l.detail, statuses,
  download: l.state === 'Uploaded' ? `/api/v1/stations/${encodeURIComponent(l.stationId)}/logs/${l.id}/file` : null,
});

/** A file name safe in Content-Disposition (ours are [A-Za-z0-9._+-]; a station's may be anything). */
export const attachment = (name: string) => `attachment; filename="${name.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 200)}"`;
