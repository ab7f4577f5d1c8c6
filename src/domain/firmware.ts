/**
 * Firmware updates and log retrieval (issue 17; OCPP 2.0.1 L01 and N01) in the product's words: the records the
 * operations keep (src/operations), the stores they keep them in (src/storage) and the events they announce.
 */

/** FirmwareStatusEnumType (L01.FR.01): every state a station reports during an update. */
export const FIRMWARE_STATUSES = [
  'Downloaded', 'DownloadFailed', 'Downloading', 'DownloadScheduled', 'DownloadPaused', 'Idle', 'InstallationFailed',
  'Installing', 'Installed', 'InstallRebooting', 'InstallScheduled', 'InstallVerificationFailed', 'InvalidSignature',
  'SignatureVerified',
] as const;
export type FirmwareStatus = (typeof FIRMWARE_STATUSES)[number];

/** The station's statuses that end an update badly (L01.FR.03, .29, .30 and the installation failing). */
export const FIRMWARE_FAILURES: ReadonlySet<string> = new Set(['DownloadFailed', 'InstallationFailed', 'InstallVerificationFailed', 'InvalidSignature']);

/**
 * A job's state: ours, not the station's. Pending (not sent yet: its batch has not come), WaitingForIdle (the
 * station charges and may not be reset: sent once its transactions end), Sent (UpdateFirmware Accepted; the
 * station's statuses follow), Installed, Failed (a failure status, a refusal or an error), Cancelled (the rollout
 * stopped before its batch).
 */
export type FirmwareJobState = 'Pending' | 'WaitingForIdle' | 'Sent' | 'Installed' | 'Failed' | 'Cancelled';
export const FINISHED_JOB_STATES: ReadonlySet<string> = new Set(['Installed', 'Failed', 'Cancelled']);

export interface FirmwareFile {
  id: string;
  version: string;
  fileName: string;
  /** The file's name under the files directory. */
  storedName: string;
  sizeBytes: number;
  sha256: string;
  /** SecureFirmwareUpdate (L01.FR.11): PEM, and the Base64 signature over the file. */
  signingCertificate: string | null;
  signature: string | null;
  uploadedBy: string;
  uploadedAt: string;
}

export type RolloutState = 'Running' | 'Stopped' | 'Completed';

export interface FirmwareRollout {
  id: string;
  firmwareId: string;
  createdBy: string;
  createdAt: string;
  retrieveAt: string | null;
  installAt: string | null;
  batchSize: number;
  /** Stop when failed / finished in the rollout exceeds this (0..1). */
  maxFailureRate: number;
  resetWhileCharging: boolean;
  state: RolloutState;
  detail: string | null;
  updatedAt: string;
}

export interface FirmwareJob {
  id: string;
  rolloutId: string;
  stationId: string;
  /** Order within the rollout; batch = floor(position / batchSize). */
  position: number;
  requestId: number;
  state: FirmwareJobState;
  lastStatus: string | null;
  tokenSha256: string | null;
  linkExpiresAt: string | null;
  sentAt: string | null;
  finishedAt: string | null;
  detail: string | null;
  /** The firmwareVersion of the station's next BootNotification after the update was sent. */
  bootVersion: string | null;
  updatedAt: string;
}

/** One line of a station's firmware timeline: a FirmwareStatusNotification, our own step, or a boot. */
export interface FirmwareTimelineEntry {
  jobId: string;
  stationId: string;
  status: string;
  at: string;
  detail: string | null;
}

export type JobChange = Partial<Pick<FirmwareJob, 'state' | 'lastStatus' | 'tokenSha256' | 'linkExpiresAt' | 'sentAt' | 'finishedAt' | 'detail' | 'bootVersion'>>;

export interface FirmwareStore {
  addFile(file: FirmwareFile): Promise<void>;
  file(id: string): Promise<FirmwareFile | undefined>;
  files(limit: number): Promise<FirmwareFile[]>;
  setSignature(id: string, signingCertificate: string, signature: string): Promise<void>;
  /** The rollout and its jobs, written together. */
  addRollout(rollout: FirmwareRollout, jobs: FirmwareJob[]): Promise<void>;
  rollout(id: string): Promise<FirmwareRollout | undefined>;
  rollouts(state: RolloutState | null, limit: number): Promise<FirmwareRollout[]>;
  setRollout(id: string, state: RolloutState, detail: string | null, at: string): Promise<void>;
  jobs(rolloutId: string): Promise<FirmwareJob[]>;
  job(id: string): Promise<FirmwareJob | undefined>;
  jobByRequest(stationId: string, requestId: number): Promise<FirmwareJob | undefined>;
  jobByToken(tokenSha256: string): Promise<FirmwareJob | undefined>;
  /** A station's jobs, newest first. */
  stationJobs(stationId: string, limit: number): Promise<FirmwareJob[]>;
  /**
   * Those of these stations that have a job sent to them, not failed, without a boot version yet: the only ones whose
   * next boot may be an update's (asked at every accepted boot, for all the boots of a turn at once).
   */
  stationsAwaitingBoot(stationIds: readonly string[]): Promise<Set<string>>;
  /** Jobs in `states` on any rollout (WaitingForIdle jobs on a station whose charging ended, ...). */
  jobsIn(states: readonly FirmwareJobState[], stationId?: string): Promise<FirmwareJob[]>;
  updateJob(id: string, change: JobChange, at: string): Promise<void>;
  addHistory(entry: FirmwareTimelineEntry): Promise<void>;
  /** A station's timeline, newest first. */
  timeline(stationId: string, limit: number): Promise<FirmwareTimelineEntry[]>;
}

/** UploadLogEnumType (N01): the station's statuses while it uploads a log. */
export const LOG_FAILURES: ReadonlySet<string> = new Set(['BadMessage', 'NotSupportedOperation', 'PermissionDenied', 'UploadFailure']);
export type LogType = 'DiagnosticsLog' | 'SecurityLog';
/** Requested (GetLog Accepted, waiting for the upload), Uploaded (the file is here), Failed, Cancelled. */
export type LogState = 'Requested' | 'Uploaded' | 'Failed' | 'Cancelled';

export interface LogRequest {
  id: string;
  stationId: string;
  requestId: number;
  logType: LogType;
  requestedBy: string;
  requestedAt: string;
  state: LogState;
  lastStatus: string | null;
  tokenSha256: string | null;
  linkExpiresAt: string | null;
  fileName: string | null;
  storedName: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  uploadedAt: string | null;
  detail: string | null;
  updatedAt: string;
}

export type LogChange = Partial<Pick<LogRequest, 'state' | 'lastStatus' | 'tokenSha256' | 'linkExpiresAt' | 'fileName' | 'storedName' | 'sizeBytes' | 'sha256' | 'uploadedAt' | 'detail'>>;

export interface LogStore {
  add(request: LogRequest): Promise<void>;
  get(id: string): Promise<LogRequest | undefined>;
  byRequest(stationId: string, requestId: number): Promise<LogRequest | undefined>;
  byToken(tokenSha256: string): Promise<LogRequest | undefined>;
  /** A station's requests, newest first. */
  ofStation(stationId: string, limit: number): Promise<LogRequest[]>;
  update(id: string, change: LogChange, at: string): Promise<void>;
  /** Sets the upload's fields only while the link is unused: of two uploads racing, one wins. */
  claimUpload(id: string, tokenSha256: string, at: string): Promise<boolean>;
  addStatus(logId: string, status: string, at: string): Promise<void>;
  statuses(logId: string): Promise<{ status: string; at: string }[]>;
}

/**
 * What the firmware and log operations announce (for alerts, the live page and tests). A failure is announced once
 * per job or log request, when it happens.
 */
export interface MaintenanceEvents {
  'firmware.job': { stationId: string; jobId: string; rolloutId: string; state: FirmwareJobState; status: string | null; detail: string | null };
  'firmware.rollout': { rolloutId: string; state: RolloutState; detail: string | null };
  'firmware.failed': { stationId: string; jobId: string; rolloutId: string; status: string; detail: string | null };
  'log.request': { stationId: string; logId: string; state: LogState; status: string | null };
  'log.failed': { stationId: string; logId: string; status: string; detail: string | null };
}

/** UpdateFirmware as the operations send it (L01): the station fetches `location` itself. */
export interface UpdateFirmwareCall {
  requestId: number;
  location: string;
  retrieveDateTime: string;
  installDateTime?: string | undefined;
  signingCertificate?: string | undefined;
  signature?: string | undefined;
}

/** GetLog (N01): the station uploads to `remoteLocation`. */
export interface GetLogCall {
  requestId: number;
  logType: LogType;
  remoteLocation: string;
  oldestTimestamp?: string | undefined;
  latestTimestamp?: string | undefined;
}

/**
 * The calls the firmware and log operations make (src/ocpp/maintenance-calls.ts implements it over the server's
 * typed call). A call that does not reach the station or fails throws OperationError (station-operations.ts); any
 * answer the station gives is returned as it is.
 */
export interface MaintenanceGateway {
  updateFirmware(stationId: string, call: UpdateFirmwareCall): Promise<{ status: string; reasonCode: string | null }>;
  getLog(stationId: string, call: GetLogCall): Promise<{ status: string; reasonCode: string | null; filename: string | null }>;
}
