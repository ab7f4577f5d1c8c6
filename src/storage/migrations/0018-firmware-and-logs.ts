import type { Migration } from './migration.js';

/**
 * Firmware updates and log retrieval (issue 17; L01, N01; src/operations, src/storage/firmware-repository.ts).
 *
 * - firmware_files: what an admin uploaded. The bytes live on disk (files.dir, beside the SQLite file by default);
 *   here its name there, size, SHA-256, and for SecureFirmwareUpdate the signing certificate and signature (L01.FR.11).
 * - firmware_rollouts: one UpdateFirmware for one station or a group: when to retrieve and install, the batch size,
 *   the failure rate that stops it, and whether charging stations may be reset.
 * - firmware_jobs: one station in a rollout: its requestId (L01.FR.10: every FirmwareStatusNotification carries it),
 *   its state, and the download link (only the SHA-256 of the token in the URL is stored; the link expires).
 * - firmware_status_history: every FirmwareStatusNotification (L01.FR.01) and the next boot's firmware version,
 *   the station's timeline.
 * - log_requests / log_status_history: GetLog (N01) with its one-time upload link, LogStatusNotification history and
 *   the uploaded file (on disk, like firmware).
 */
export const m0018FirmwareAndLogs: Migration = {
  version: 18,
  name: 'firmware-and-logs',
  sqlite: `
CREATE TABLE firmware_files (
  id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  file_name TEXT NOT NULL,
  stored_name TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  signing_certificate TEXT,
  signature TEXT,
  uploaded_by TEXT NOT NULL,
  uploaded_at TEXT NOT NULL
);

CREATE TABLE firmware_rollouts (
  id TEXT PRIMARY KEY,
  firmware_id TEXT NOT NULL REFERENCES firmware_files (id),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  retrieve_at TEXT,
  install_at TEXT,
  batch_size INTEGER NOT NULL,
  max_failure_rate REAL NOT NULL,
  reset_while_charging INTEGER NOT NULL,
  state TEXT NOT NULL,
  detail TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE firmware_jobs (
  id TEXT PRIMARY KEY,
  rollout_id TEXT NOT NULL REFERENCES firmware_rollouts (id),
  station_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  request_id INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_status TEXT,
  token_sha256 TEXT UNIQUE,
  link_expires_at TEXT,
  sent_at TEXT,
  finished_at TEXT,
  detail TEXT,
  boot_version TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX firmware_jobs_rollout ON firmware_jobs (rollout_id, position);
CREATE INDEX firmware_jobs_station ON firmware_jobs (station_id, request_id);

CREATE TABLE firmware_status_history (
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES firmware_jobs (id),
  station_id TEXT NOT NULL,
  status TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX firmware_status_history_station ON firmware_status_history (station_id, id);

CREATE TABLE log_requests (
  id TEXT PRIMARY KEY,
  station_id TEXT NOT NULL,
  request_id INTEGER NOT NULL,
  log_type TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  state TEXT NOT NULL,
  last_status TEXT,
  token_sha256 TEXT UNIQUE,
  link_expires_at TEXT,
  file_name TEXT,
  stored_name TEXT,
  size_bytes INTEGER,
  sha256 TEXT,
  uploaded_at TEXT,
  detail TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX log_requests_station ON log_requests (station_id, request_id);

CREATE TABLE log_status_history (
  id INTEGER PRIMARY KEY,
  log_id TEXT NOT NULL REFERENCES log_requests (id),
  status TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX log_status_history_log ON log_status_history (log_id, id);
`,
  postgres: `
CREATE TABLE firmware_files (
  id TEXT COLLATE "C" PRIMARY KEY,
  version TEXT COLLATE "C" NOT NULL,
  file_name TEXT COLLATE "C" NOT NULL,
  stored_name TEXT COLLATE "C" NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 TEXT COLLATE "C" NOT NULL,
  signing_certificate TEXT COLLATE "C",
  signature TEXT COLLATE "C",
  uploaded_by TEXT COLLATE "C" NOT NULL,
  uploaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE firmware_rollouts (
  id TEXT COLLATE "C" PRIMARY KEY,
  firmware_id TEXT COLLATE "C" NOT NULL REFERENCES firmware_files (id),
  created_by TEXT COLLATE "C" NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  retrieve_at TIMESTAMPTZ,
  install_at TIMESTAMPTZ,
  batch_size INTEGER NOT NULL,
  max_failure_rate DOUBLE PRECISION NOT NULL,
  reset_while_charging SMALLINT NOT NULL,
  state TEXT COLLATE "C" NOT NULL,
  detail TEXT COLLATE "C",
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE firmware_jobs (
  id TEXT COLLATE "C" PRIMARY KEY,
  rollout_id TEXT COLLATE "C" NOT NULL REFERENCES firmware_rollouts (id),
  station_id TEXT COLLATE "C" NOT NULL,
  position INTEGER NOT NULL,
  request_id INTEGER NOT NULL,
  state TEXT COLLATE "C" NOT NULL,
  last_status TEXT COLLATE "C",
  token_sha256 TEXT COLLATE "C" UNIQUE,
  link_expires_at TIMESTAMPTZ,
  sent_at TIMESTAMPTZ,
  finished_at TIMESTAMPTZ,
  detail TEXT COLLATE "C",
  boot_version TEXT COLLATE "C",
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX firmware_jobs_rollout ON firmware_jobs (rollout_id, position);
CREATE INDEX firmware_jobs_station ON firmware_jobs (station_id, request_id);

CREATE TABLE firmware_status_history (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  job_id TEXT COLLATE "C" NOT NULL REFERENCES firmware_jobs (id),
  station_id TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  detail TEXT COLLATE "C"
);
CREATE INDEX firmware_status_history_station ON firmware_status_history (station_id, id);

CREATE TABLE log_requests (
  id TEXT COLLATE "C" PRIMARY KEY,
  station_id TEXT COLLATE "C" NOT NULL,
  request_id INTEGER NOT NULL,
  log_type TEXT COLLATE "C" NOT NULL,
  requested_by TEXT COLLATE "C" NOT NULL,
  requested_at TIMESTAMPTZ NOT NULL,
  state TEXT COLLATE "C" NOT NULL,
  last_status TEXT COLLATE "C",
  token_sha256 TEXT COLLATE "C" UNIQUE,
  link_expires_at TIMESTAMPTZ,
  file_name TEXT COLLATE "C",
  stored_name TEXT COLLATE "C",
  size_bytes BIGINT,
  sha256 TEXT COLLATE "C",
  uploaded_at TIMESTAMPTZ,
  detail TEXT COLLATE "C",
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX log_requests_station ON log_requests (station_id, request_id);

CREATE TABLE log_status_history (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  log_id TEXT COLLATE "C" NOT NULL REFERENCES log_requests (id),
  status TEXT COLLATE "C" NOT NULL,
  at TIMESTAMPTZ NOT NULL
);
CREATE INDEX log_status_history_log ON log_status_history (log_id, id);
`,
};
