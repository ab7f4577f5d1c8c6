/** 0018: firmware files, rollouts, jobs and their status history; GetLog requests (issue 17; L01, N01). */
import type { Generated } from 'kysely';

export interface FirmwareFilesTable {
  id: string;
  version: string;
  file_name: string;
  stored_name: string;
  size_bytes: number;
  sha256: string;
  signing_certificate: string | null;
  signature: string | null;
  uploaded_by: string;
  uploaded_at: string;
}

export interface FirmwareRolloutsTable {
  id: string;
  firmware_id: string;
  created_by: string;
  created_at: string;
  retrieve_at: string | null;
  install_at: string | null;
  batch_size: number;
  max_failure_rate: number;
  reset_while_charging: number;
  state: string;
  detail: string | null;
  updated_at: string;
}

export interface FirmwareJobsTable {
  id: string;
  rollout_id: string;
  station_id: string;
  position: number;
  request_id: number;
  state: string;
  last_status: string | null;
  token_sha256: string | null;
  link_expires_at: string | null;
  sent_at: string | null;
  finished_at: string | null;
  detail: string | null;
  boot_version: string | null;
  updated_at: string;
}

export interface FirmwareStatusHistoryTable {
  id: Generated<number>;
  job_id: string;
  station_id: string;
  status: string;
  at: string;
  detail: string | null;
}

export interface LogRequestsTable {
  id: string;
  station_id: string;
  request_id: number;
  log_type: string;
  requested_by: string;
  requested_at: string;
  state: string;
  last_status: string | null;
  token_sha256: string | null;
  link_expires_at: string | null;
  file_name: string | null;
  stored_name: string | null;
  size_bytes: number | null;
  sha256: string | null;
  uploaded_at: string | null;
  detail: string | null;
  updated_at: string;
}

export interface LogStatusHistoryTable {
  id: Generated<number>;
  log_id: string;
  status: string;
  at: string;
}

export interface FirmwareTables {
  firmware_files: FirmwareFilesTable;
  firmware_rollouts: FirmwareRolloutsTable;
  firmware_jobs: FirmwareJobsTable;
  firmware_status_history: FirmwareStatusHistoryTable;
  log_requests: LogRequestsTable;
  log_status_history: LogStatusHistoryTable;
}
