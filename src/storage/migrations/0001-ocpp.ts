import type { Migration } from './migration.js';

/**
 * Everything a charging station tells us. Instants are UTC ISO-8601 text. Optional key parts use '' / -1
 * rather than NULL so that UNIQUE constraints treat "no instance" as one value (SQLite's NULLs are distinct).
 * Station-sent instants (timestamp, started_at, status_at, ...) keep the station's text in SQLite, offset and all
 * ("2025-03-30T00:40:00+01:00"); PostgreSQL keeps the same instant and reads it back as UTC ("...23:40:00.000Z").
 */
export const m0001Ocpp: Migration = {
  version: 1,
  name: 'ocpp',
  sqlite: `
CREATE TABLE stations (
  id TEXT PRIMARY KEY,
  password_hash TEXT,
  security_profile INTEGER NOT NULL DEFAULT 1 CHECK (security_profile IN (0, 1, 2, 3)),
  registration_status TEXT CHECK (registration_status IN ('Accepted', 'Pending', 'Rejected')),
  auto_registered INTEGER NOT NULL DEFAULT 0,
  vendor_name TEXT,
  model TEXT,
  serial_number TEXT,
  firmware_version TEXT,
  boot_reason TEXT,
  last_boot_at TEXT,
  last_boot_status TEXT,
  last_seen_at TEXT,
  last_connected_at TEXT,
  last_disconnected_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE connectors (
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL,
  connector_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  status_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (station_id, evse_id, connector_id)
);

CREATE TABLE evses (
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL,
  current_transaction_id TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (station_id, evse_id)
);

CREATE TABLE transactions (
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  transaction_id TEXT NOT NULL,
  evse_id INTEGER,
  connector_id INTEGER,
  id_token TEXT,
  id_token_type TEXT,
  id_token_status TEXT,
  state TEXT NOT NULL CHECK (state IN ('Started', 'Ended')),
  charging_state TEXT,
  remote_start_id INTEGER,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  stopped_reason TEXT,
  last_seq_no INTEGER NOT NULL,
  last_event_at TEXT NOT NULL,
  meter_start_wh REAL,
  energy_wh REAL,
  offline INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (station_id, transaction_id)
);
CREATE INDEX transactions_active ON transactions (station_id, evse_id) WHERE state = 'Started';

CREATE TABLE transaction_events (
  station_id TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  seq_no INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  trigger_reason TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  offline INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (station_id, transaction_id, seq_no),
  FOREIGN KEY (station_id, transaction_id) REFERENCES transactions(station_id, transaction_id) ON DELETE CASCADE
);

CREATE TABLE meter_values (
  id INTEGER PRIMARY KEY,
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  transaction_id TEXT,
  evse_id INTEGER NOT NULL,
  timestamp TEXT NOT NULL,
  measurand TEXT NOT NULL,
  phase TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  context TEXT,
  value REAL NOT NULL,
  unit TEXT,
  multiplier INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX meter_values_tx ON meter_values (station_id, transaction_id, timestamp);
CREATE INDEX meter_values_evse ON meter_values (station_id, evse_id, timestamp);

CREATE TABLE id_tokens (
  id_token TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('Accepted', 'Blocked', 'Expired', 'Invalid', 'Unknown', 'NoCredit', 'NotAllowedTypeEVSE', 'NotAtThisLocation', 'NotAtThisTime', 'ConcurrentTx')),
  group_id_token TEXT,
  expires_at TEXT,
  vehicle_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (id_token, type)
);

CREATE TABLE charging_needs (
  id INTEGER PRIMARY KEY,
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL,
  transaction_id TEXT,
  requested_energy_transfer TEXT NOT NULL,
  departure_time TEXT,
  energy_amount_wh REAL,
  ev_min_current_a REAL,
  ev_max_current_a REAL,
  ev_max_voltage_v REAL,
  ev_max_power_w REAL,
  max_schedule_tuples INTEGER,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX charging_needs_evse ON charging_needs (station_id, evse_id, id);

CREATE TABLE device_model_variables (
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  component_name TEXT NOT NULL,
  component_instance TEXT NOT NULL DEFAULT '',
  evse_id INTEGER NOT NULL DEFAULT -1,
  connector_id INTEGER NOT NULL DEFAULT -1,
  variable_name TEXT NOT NULL,
  variable_instance TEXT NOT NULL DEFAULT '',
  attribute_type TEXT NOT NULL DEFAULT 'Actual',
  value TEXT,
  mutability TEXT,
  data_type TEXT,
  unit TEXT,
  source TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (station_id, component_name, component_instance, evse_id, connector_id, variable_name, variable_instance, attribute_type)
);

CREATE TABLE station_events (
  id INTEGER PRIMARY KEY,
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL,
  timestamp TEXT NOT NULL,
  trigger TEXT NOT NULL,
  event_notification_type TEXT NOT NULL,
  component_name TEXT NOT NULL,
  variable_name TEXT NOT NULL,
  actual_value TEXT NOT NULL,
  cleared INTEGER NOT NULL DEFAULT 0,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX station_events_station ON station_events (station_id, timestamp);

CREATE TABLE charging_limits (
  id INTEGER PRIMARY KEY,
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  is_grid_critical INTEGER,
  schedule TEXT,
  received_at TEXT NOT NULL,
  cleared_at TEXT
);
CREATE INDEX charging_limits_active ON charging_limits (station_id, evse_id) WHERE cleared_at IS NULL;

-- Messages kept verbatim because nothing structured reads them yet, but a station told us and we keep it:
-- security events, firmware/log status, reported profiles, EV schedules, data transfers, reports.
CREATE TABLE station_messages (
  id INTEGER PRIMARY KEY,
  station_id TEXT NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX station_messages_station ON station_messages (station_id, action, id);
`,
  postgres: `
CREATE TABLE stations (
  id TEXT COLLATE "C" PRIMARY KEY,
  password_hash TEXT COLLATE "C",
  security_profile INTEGER NOT NULL DEFAULT 1 CHECK (security_profile IN (0, 1, 2, 3)),
  registration_status TEXT COLLATE "C" CHECK (registration_status IN ('Accepted', 'Pending', 'Rejected')),
  auto_registered SMALLINT NOT NULL DEFAULT 0,
  vendor_name TEXT COLLATE "C",
  model TEXT COLLATE "C",
  serial_number TEXT COLLATE "C",
  firmware_version TEXT COLLATE "C",
  boot_reason TEXT COLLATE "C",
  last_boot_at TIMESTAMPTZ,
  last_boot_status TEXT COLLATE "C",
  last_seen_at TIMESTAMPTZ,
  last_connected_at TIMESTAMPTZ,
  last_disconnected_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE connectors (
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL,
  connector_id INTEGER NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  status_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (station_id, evse_id, connector_id)
);

CREATE TABLE evses (
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL,
  current_transaction_id TEXT COLLATE "C",
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (station_id, evse_id)
);

CREATE TABLE transactions (
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  transaction_id TEXT COLLATE "C" NOT NULL,
  evse_id INTEGER,
  connector_id INTEGER,
  id_token TEXT COLLATE "C",
  id_token_type TEXT COLLATE "C",
  id_token_status TEXT COLLATE "C",
  state TEXT COLLATE "C" NOT NULL CHECK (state IN ('Started', 'Ended')),
  charging_state TEXT COLLATE "C",
  remote_start_id INTEGER,
  started_at TIMESTAMPTZ NOT NULL,
  ended_at TIMESTAMPTZ,
  stopped_reason TEXT COLLATE "C",
  last_seq_no INTEGER NOT NULL,
  last_event_at TIMESTAMPTZ NOT NULL,
  meter_start_wh DOUBLE PRECISION,
  energy_wh DOUBLE PRECISION,
  offline SMALLINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (station_id, transaction_id)
);
CREATE INDEX transactions_active ON transactions (station_id, evse_id) WHERE state = 'Started';

CREATE TABLE transaction_events (
  station_id TEXT COLLATE "C" NOT NULL,
  transaction_id TEXT COLLATE "C" NOT NULL,
  seq_no INTEGER NOT NULL,
  event_type TEXT COLLATE "C" NOT NULL,
  trigger_reason TEXT COLLATE "C" NOT NULL,
  timestamp TIMESTAMPTZ NOT NULL,
  offline SMALLINT NOT NULL DEFAULT 0,
  payload TEXT COLLATE "C" NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (station_id, transaction_id, seq_no),
  FOREIGN KEY (station_id, transaction_id) REFERENCES transactions(station_id, transaction_id) ON DELETE CASCADE
);

CREATE TABLE meter_values (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  transaction_id TEXT COLLATE "C",
  evse_id INTEGER NOT NULL,
  timestamp TIMESTAMPTZ NOT NULL,
  measurand TEXT COLLATE "C" NOT NULL,
  phase TEXT COLLATE "C" NOT NULL DEFAULT '',
  location TEXT COLLATE "C" NOT NULL DEFAULT '',
  context TEXT COLLATE "C",
  value DOUBLE PRECISION NOT NULL,
  unit TEXT COLLATE "C",
  multiplier INTEGER NOT NULL DEFAULT 0,
  source TEXT COLLATE "C" NOT NULL,
  received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX meter_values_tx ON meter_values (station_id, transaction_id, timestamp);
CREATE INDEX meter_values_evse ON meter_values (station_id, evse_id, timestamp);

CREATE TABLE id_tokens (
  id_token TEXT COLLATE "C" NOT NULL,
  type TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('Accepted', 'Blocked', 'Expired', 'Invalid', 'Unknown', 'NoCredit', 'NotAllowedTypeEVSE', 'NotAtThisLocation', 'NotAtThisTime', 'ConcurrentTx')),
  group_id_token TEXT COLLATE "C",
  expires_at TIMESTAMPTZ,
  vehicle_id TEXT COLLATE "C",
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (id_token, type)
);

CREATE TABLE charging_needs (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL,
  transaction_id TEXT COLLATE "C",
  requested_energy_transfer TEXT COLLATE "C" NOT NULL,
  departure_time TIMESTAMPTZ,
  energy_amount_wh DOUBLE PRECISION,
  ev_min_current_a DOUBLE PRECISION,
  ev_max_current_a DOUBLE PRECISION,
  ev_max_voltage_v DOUBLE PRECISION,
  ev_max_power_w DOUBLE PRECISION,
  max_schedule_tuples INTEGER,
  payload TEXT COLLATE "C" NOT NULL,
  received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX charging_needs_evse ON charging_needs (station_id, evse_id, id);

CREATE TABLE device_model_variables (
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  component_name TEXT COLLATE "C" NOT NULL,
  component_instance TEXT COLLATE "C" NOT NULL DEFAULT '',
  evse_id INTEGER NOT NULL DEFAULT -1,
  connector_id INTEGER NOT NULL DEFAULT -1,
  variable_name TEXT COLLATE "C" NOT NULL,
  variable_instance TEXT COLLATE "C" NOT NULL DEFAULT '',
  attribute_type TEXT COLLATE "C" NOT NULL DEFAULT 'Actual',
  value TEXT COLLATE "C",
  mutability TEXT COLLATE "C",
  data_type TEXT COLLATE "C",
  unit TEXT COLLATE "C",
  source TEXT COLLATE "C" NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (station_id, component_name, component_instance, evse_id, connector_id, variable_name, variable_instance, attribute_type)
);

CREATE TABLE station_events (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL,
  timestamp TIMESTAMPTZ NOT NULL,
  trigger TEXT COLLATE "C" NOT NULL,
  event_notification_type TEXT COLLATE "C" NOT NULL,
  component_name TEXT COLLATE "C" NOT NULL,
  variable_name TEXT COLLATE "C" NOT NULL,
  actual_value TEXT COLLATE "C" NOT NULL,
  cleared SMALLINT NOT NULL DEFAULT 0,
  payload TEXT COLLATE "C" NOT NULL,
  received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX station_events_station ON station_events (station_id, timestamp);

CREATE TABLE charging_limits (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  evse_id INTEGER NOT NULL DEFAULT 0,
  source TEXT COLLATE "C" NOT NULL,
  is_grid_critical SMALLINT,
  schedule TEXT COLLATE "C",
  received_at TIMESTAMPTZ NOT NULL,
  cleared_at TIMESTAMPTZ
);
CREATE INDEX charging_limits_active ON charging_limits (station_id, evse_id) WHERE cleared_at IS NULL;

CREATE TABLE station_messages (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
  action TEXT COLLATE "C" NOT NULL,
  payload TEXT COLLATE "C" NOT NULL,
  received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX station_messages_station ON station_messages (station_id, action, id);
`,
};
