/** What the firmware and log routes need of src/operations (deps.ts holds it; firmware-access.ts checks access). */
import type { FirmwareStore, LogStore } from '../../domain/firmware.js';
import type { FirmwareFiles, FirmwareRollouts, LogRequests } from '../../operations/index.js';

export interface ApiMaintenance {
  firmwareFiles: FirmwareFiles;
  rollouts: FirmwareRollouts;
  logs: LogRequests;
  firmwareStore: Pick<FirmwareStore, 'file' | 'files' | 'rollout' | 'jobs' | 'stationJobs' | 'timeline'>;
  logStore: Pick<LogStore, 'ofStation' | 'statuses' | 'get'>;
}
