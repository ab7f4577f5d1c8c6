import type { Migration } from './migration.js';

/**
 * Sites in the database (issue 16): what config `sites[]` held, now imported at start-up and edited through the admin
 * API. src/storage/site-repository.ts writes a site whole (its circuits and EVSEs replaced with it, one transaction).
 * Optional fields stay NULL when not given, so that a site exports back exactly as it was written.
 *
 * - sites: one row per grid connection; `position` keeps the order sites were first stored (config order on the first
 *   import); `policy_json` the policy as given (the defaults are filled in by the scheduler); `origin` config or api;
 *   `config_sha256` the config entry last imported for this id (the import's idempotence: an unchanged entry changes
 *   nothing); `edited_at` the last change through the API since that import.
 * - site_circuits: the circuit tree; a parent is a circuit of the same site (the tree itself is checked in code).
 * - site_evses: where each EVSE is; the primary key (station_id, evse_id) places an EVSE on one site at most.
 */
export const m0013Sites: Migration = {
  version: 13,
  name: 'sites',
  sqlite: `
CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  name TEXT,
  fleet TEXT,
  time_zone TEXT NOT NULL,
  tariff TEXT NOT NULL,
  grid_limit_kw REAL NOT NULL CHECK (grid_limit_kw > 0),
  capacity_limit_target TEXT,
  slot_minutes INTEGER CHECK (slot_minutes IS NULL OR slot_minutes IN (15, 30, 60)),
  line_voltage_v REAL,
  policy_json TEXT,
  origin TEXT NOT NULL CHECK (origin IN ('config', 'api')),
  config_sha256 TEXT,
  edited_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE site_circuits (
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  position INTEGER NOT NULL,
  parent TEXT,
  limit_kw REAL CHECK (limit_kw IS NULL OR limit_kw > 0),
  phase_limit_a REAL CHECK (phase_limit_a IS NULL OR phase_limit_a > 0),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, parent) REFERENCES site_circuits(site_id, id)
);
CREATE TABLE site_evses (
  station_id TEXT NOT NULL,
  evse_id INTEGER NOT NULL CHECK (evse_id >= 1),
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  circuit TEXT,
  phases INTEGER CHECK (phases IS NULL OR phases IN (1, 3)),
  phase INTEGER CHECK (phase IS NULL OR phase IN (1, 2, 3)),
  max_kw REAL CHECK (max_kw IS NULL OR max_kw > 0),
  PRIMARY KEY (station_id, evse_id),
  FOREIGN KEY (site_id, circuit) REFERENCES site_circuits(site_id, id)
);
CREATE INDEX site_evses_site ON site_evses (site_id, position);
`,
  postgres: `
CREATE TABLE sites (
  id TEXT COLLATE "C" PRIMARY KEY,
  position INTEGER NOT NULL,
  name TEXT COLLATE "C",
  fleet TEXT COLLATE "C",
  time_zone TEXT COLLATE "C" NOT NULL,
  tariff TEXT COLLATE "C" NOT NULL,
  grid_limit_kw DOUBLE PRECISION NOT NULL CHECK (grid_limit_kw > 0),
  capacity_limit_target TEXT COLLATE "C",
  slot_minutes INTEGER CHECK (slot_minutes IS NULL OR slot_minutes IN (15, 30, 60)),
  line_voltage_v DOUBLE PRECISION,
  policy_json TEXT COLLATE "C",
  origin TEXT COLLATE "C" NOT NULL CHECK (origin IN ('config', 'api')),
  config_sha256 TEXT COLLATE "C",
  edited_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE site_circuits (
  site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  position INTEGER NOT NULL,
  parent TEXT COLLATE "C",
  limit_kw DOUBLE PRECISION CHECK (limit_kw IS NULL OR limit_kw > 0),
  phase_limit_a DOUBLE PRECISION CHECK (phase_limit_a IS NULL OR phase_limit_a > 0),
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, parent) REFERENCES site_circuits(site_id, id)
);
CREATE TABLE site_evses (
  station_id TEXT COLLATE "C" NOT NULL,
  evse_id INTEGER NOT NULL CHECK (evse_id >= 1),
  site_id TEXT COLLATE "C" NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  circuit TEXT COLLATE "C",
  phases INTEGER CHECK (phases IS NULL OR phases IN (1, 3)),
  phase INTEGER CHECK (phase IS NULL OR phase IN (1, 2, 3)),
  max_kw DOUBLE PRECISION CHECK (max_kw IS NULL OR max_kw > 0),
  PRIMARY KEY (station_id, evse_id),
  FOREIGN KEY (site_id, circuit) REFERENCES site_circuits(site_id, id)
);
CREATE INDEX site_evses_site ON site_evses (site_id, position);
`,
};
