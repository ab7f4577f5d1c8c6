import type { Migration } from './migration.js';

/**
 * Stations waiting to be adopted (issue 16; src/domain/waiting-stations.ts): one row per unknown station id that tried
 * to connect while ocpp.autoRegister is off. The number of rows is bounded by the writer (WAITING_LIMITS.maxRows), the
 * rate per address by the OCPP server; a row goes when the station is adopted (in the transaction that registers it)
 * or dismissed. Never read at a handshake of a known station.
 */
export const m0016WaitingStations: Migration = {
  version: 16,
  name: 'waiting-stations',
  sqlite: `
CREATE TABLE waiting_stations (
  station_id TEXT PRIMARY KEY,
  remote_address TEXT NOT NULL,
  tls INTEGER NOT NULL DEFAULT 0,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  vendor_name TEXT,
  model TEXT,
  serial_number TEXT,
  firmware_version TEXT,
  booted_at TEXT
);
CREATE INDEX waiting_stations_last_seen ON waiting_stations (last_seen_at);
`,
  postgres: `
CREATE TABLE waiting_stations (
  station_id TEXT COLLATE "C" PRIMARY KEY,
  remote_address TEXT COLLATE "C" NOT NULL,
  tls INTEGER NOT NULL DEFAULT 0,
  first_seen_at TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  vendor_name TEXT COLLATE "C",
  model TEXT COLLATE "C",
  serial_number TEXT COLLATE "C",
  firmware_version TEXT COLLATE "C",
  booted_at TIMESTAMPTZ
);
CREATE INDEX waiting_stations_last_seen ON waiting_stations (last_seen_at);
`,
};
