/**
 * Request and response schemas of firmware updates and log retrieval (firmware.ts, station-logs.ts, station-files.ts;
 * issue 17, L01/N01): the single source of their types and of their part of the OpenAPI document.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Iso, Nullable, Words } from './schema-kit.js';
import { STATION_ID_MAX_LENGTH } from '../../domain/station-id.js';

const Body = <T extends Parameters<typeof Type.Object>[0]>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, description });

export const FirmwareUploadQuery = Type.Object({
  // BootNotification's firmwareVersion is at most 50 characters: what the station reports after the update.
  version: Type.String({ minLength: 1, maxLength: 50, description: 'the version the image installs (as the station will report it at boot)' }),
  fileName: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._+-]+$', description: 'the image’s file name: letters, digits and . _ + -' }),
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'the SHA-256 you expect (hex): the upload is refused if it differs' })),
}, { additionalProperties: false });
export type FirmwareUploadQuery = Static<typeof FirmwareUploadQuery>;

export const FirmwareFileView = Type.Object({
  id: Type.String(),
  version: Type.String(),
  fileName: Type.String(),
  sizeBytes: Type.Integer(),
  sha256: Type.String({ description: 'hex' }),
  signed: Type.Boolean({ description: 'a signing certificate and signature are attached (SecureFirmwareUpdate, L01.FR.11)' }),
  uploadedBy: Type.String(),
  uploadedAt: Iso(),
});
export const FirmwareList = Type.Object({ files: Type.Array(FirmwareFileView, { maxItems: 200 }) });
export const FirmwareParams = Type.Object({ firmwareId: Type.String({ minLength: 1, maxLength: 64 }) });
export type FirmwareParams = Static<typeof FirmwareParams>;

export const SignatureBody = Body({
  // UpdateFirmware's limits (FirmwareType): certificate 5500 characters, signature 800.
  signingCertificate: Type.String({ minLength: 1, maxLength: 5500, description: 'the Firmware Signing certificate, PEM (at most 5500 characters)' }),
  signature: Type.String({ minLength: 1, maxLength: 800, pattern: '^[A-Za-z0-9+/=\\s]+$', description: 'Base64 signature over the whole file: SHA-256 with RSA-PSS or ECDSA (at most 800 characters)' }),
}, 'SecureFirmwareUpdate (L01.FR.11/.12): checked against the stored file');
export type SignatureBody = Static<typeof SignatureBody>;

const When = {
  retrieveAt: Type.Optional(Iso('download from then on (retrieveDateTime); omitted: now')),
  installAt: Type.Optional(Iso('install at (installDateTime, L01.FR.16); omitted: as soon as downloaded')),
  resetWhileCharging: Type.Optional(Type.Boolean({ description: 'true: send even to a charging station (it may end its transactions); default false: wait until it is idle' })),
};

export const StationUpdateBody = Body({ firmwareId: Type.String({ minLength: 1, maxLength: 64 }), ...When }, 'UpdateFirmware for this station (L01)');
export type StationUpdateBody = Static<typeof StationUpdateBody>;

export const RolloutBody = Body({
  firmwareId: Type.String({ minLength: 1, maxLength: 64 }),
  stationIds: Type.Array(Type.String({ minLength: 1, maxLength: STATION_ID_MAX_LENGTH }), { minItems: 1, maxItems: 500, description: 'the group, in rollout order (at most 500)' }),
  batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'stations per batch; default all at once' })),
  maxFailureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'stop when failed / finished exceeds this after a batch (default 0.2)' })),
  ...When,
}, 'UpdateFirmware for a group, in batches (L01)');
export type RolloutBody = Static<typeof RolloutBody>;

const JobState = Words(['Pending', 'WaitingForIdle', 'Sent', 'Installed', 'Failed', 'Cancelled'] as const,
  'Pending: its batch has not come; WaitingForIdle: charging, sent when idle; Sent: the station’s statuses follow; then Installed, Failed or Cancelled');
export const JobView = Type.Object({
  id: Type.String(),
  rolloutId: Type.String(),
  stationId: Type.String(),
  position: Type.Integer(),
  requestId: Type.Integer({ description: 'every FirmwareStatusNotification for it carries this (L01.FR.10)' }),
  state: JobState,
  lastStatus: Nullable(Type.String({ description: 'the station’s last FirmwareStatus, or our refusal code' })),
  sentAt: Nullable(Iso()),
  finishedAt: Nullable(Iso()),
  linkExpiresAt: Nullable(Iso('the download link stops working then')),
  detail: Nullable(Type.String()),
  bootVersion: Nullable(Type.String({ description: 'firmwareVersion of the station’s next BootNotification' })),
});
export const RolloutView = Type.Object({
  id: Type.String(),
  firmwareId: Type.String(),
  createdBy: Type.String(),
  createdAt: Iso(),
  retrieveAt: Nullable(Iso()),
  installAt: Nullable(Iso()),
  batchSize: Type.Integer(),
  maxFailureRate: Type.Number(),
  resetWhileCharging: Type.Boolean(),
  state: Words(['Running', 'Stopped', 'Completed'] as const),
  detail: Nullable(Type.String()),
  jobs: Type.Array(JobView, { maxItems: 500 }),
});
export const RolloutParams = Type.Object({ rolloutId: Type.String({ minLength: 1, maxLength: 64 }) });
export type RolloutParams = Static<typeof RolloutParams>;

export const TimelineEntry = Type.Object({
  jobId: Type.String(),
  status: Type.String({ description: 'a FirmwareStatus (L01.FR.01), UpdateFirmware (sent), WaitingForIdle, Booted, or a refusal' }),
  at: Iso(),
  detail: Nullable(Type.String()),
});
export const StationFirmwareView = Type.Object({
  stationId: Type.String(),
  firmwareVersion: Nullable(Type.String({ description: 'from the last BootNotification' })),
  jobs: Type.Array(JobView, { maxItems: 20 }),
  timeline: Type.Array(TimelineEntry, { maxItems: 200, description: 'newest first' }),
});

export const LogBody = Body({
  logType: Words(['DiagnosticsLog', 'SecurityLog'] as const, 'which log (N01)'),
  oldest: Type.Optional(Iso('oldestTimestamp: from then on')),
  latest: Type.Optional(Iso('latestTimestamp: up to then')),
}, 'GetLog (N01)');
export type LogBody = Static<typeof LogBody>;
export const LogView = Type.Object({
  id: Type.String(),
  stationId: Type.String(),
  requestId: Type.Integer(),
  logType: Type.String(),
  requestedBy: Type.String(),
  requestedAt: Iso(),
  state: Words(['Requested', 'Uploaded', 'Failed', 'Cancelled'] as const),
  lastStatus: Nullable(Type.String({ description: 'the station’s last UploadLogStatus, or our refusal code' })),
  fileName: Nullable(Type.String()),
  sizeBytes: Nullable(Type.Integer()),
  sha256: Nullable(Type.String()),
  uploadedAt: Nullable(Iso()),
  detail: Nullable(Type.String()),
  statuses: Type.Array(Type.Object({ status: Type.String(), at: Iso() }), { maxItems: 200 }),
  download: Nullable(Type.String({ description: 'the file’s download path, once uploaded' })),
});
export const LogList = Type.Object({ logs: Type.Array(LogView, { maxItems: 50 }) });
export const LogParams = Type.Object({
  stationId: Type.String({ minLength: 1, maxLength: STATION_ID_MAX_LENGTH }),
  logId: Type.String({ minLength: 1, maxLength: 64 }),
});
export type LogParams = Static<typeof LogParams>;

export const LinkParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100, description: 'the link’s secret' }) });
export type LinkParams = Static<typeof LinkParams>;
export const Binary = (description: string) => ({ description, content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } } });
