import type { Migration } from './migration.js';

/**
 * The scheduler's state (issue 5).
 *
 * - vehicles / vehicle_id_tokens: a car and the tokens that identify it (one token names one car).
 * - departure_targets: at most one one-off and one weekly target per vehicle, as JSON checked by the domain
 *   schema before it is written; wall-clock times, resolved in the site's zone when planning.
 * - vehicle_assignments: a fleet manager's "this car is on that EVSE".
 * - plans: every plan with its inputs (problem, prices, limits), so any plan can be replayed and explained.
 * - profile_ids: one chargingProfile.id per (station, key) for ever, so a re-push replaces (K01.FR.05) and
 *   two of our profiles never collide (K01.FR.39). Ids start at 1000, clear of what a commissioning tool uses.
 * - pushed_profiles: what we last pushed per transaction (restore after restart, re-push on reconnect).
 * - charger_status: how well each EVSE follows our profiles.
 * - decisions: the per-site decision log people read.
 */
export const m0003Scheduler: Migration = {
  version: 3,
  name: 'scheduler',
  sqlite: `
CREATE TABLE vehicles (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  fleet TEXT,
  battery_kwh REAL CHECK (battery_kwh IS NULL OR battery_kwh > 0),
  max_ac_kw REAL NOT NULL CHECK (max_ac_kw > 0),
  phases INTEGER NOT NULL CHECK (phases IN (1, 3)),
  min_current_a REAL,
  updated_at TEXT NOT NULL
);
CREATE INDEX vehicles_fleet ON vehicles (fleet);

CREATE TABLE vehicle_id_tokens (
  id_token TEXT PRIMARY KEY,
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE
);
CREATE INDEX vehicle_id_tokens_vehicle ON vehicle_id_tokens (vehicle_id);

CREATE TABLE departure_targets (
  vehicle_id TEXT PRIMARY KEY REFERENCES vehicles(id) ON DELETE CASCADE,
  once_json TEXT,
  weekly_json TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE vehicle_assignments (
  station_id TEXT NOT NULL,
  evse_id INTEGER NOT NULL,
  vehicle_id TEXT NOT NULL REFERENCES vehicles(id) ON DELETE CASCADE,
  assigned_at TEXT NOT NULL,
  PRIMARY KEY (station_id, evse_id)
);

CREATE TABLE plans (
  id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  triggers_json TEXT NOT NULL,
  start_utc TEXT NOT NULL,
  end_utc TEXT NOT NULL,
  status TEXT NOT NULL,
  currency TEXT NOT NULL,
  total_cost REAL NOT NULL,
  solver TEXT NOT NULL,
  solve_ms REAL NOT NULL,
  body_json TEXT NOT NULL
);
CREATE INDEX plans_site ON plans (site_id, id);

CREATE TABLE profile_ids (
  station_id TEXT NOT NULL,
  key TEXT NOT NULL,
  profile_id INTEGER NOT NULL,
  PRIMARY KEY (station_id, key),
  UNIQUE (station_id, profile_id)
);

CREATE TABLE pushed_profiles (
  station_id TEXT NOT NULL,
  evse_id INTEGER NOT NULL,
  transaction_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  plan_id INTEGER NOT NULL,
  profile_id INTEGER NOT NULL,
  stack_level INTEGER NOT NULL,
  unit TEXT,
  periods_json TEXT NOT NULL,
  end_utc TEXT NOT NULL,
  covers_until_utc TEXT,
  state TEXT NOT NULL CHECK (state IN ('sending', 'accepted', 'rejected', 'failed')),
  detail TEXT,
  sent_at TEXT NOT NULL,
  PRIMARY KEY (station_id, evse_id, transaction_id)
);
CREATE INDEX pushed_profiles_site ON pushed_profiles (site_id);

CREATE TABLE charger_status (
  station_id TEXT NOT NULL,
  evse_id INTEGER NOT NULL,
  compliance TEXT NOT NULL,
  detail TEXT,
  since TEXT NOT NULL,
  PRIMARY KEY (station_id, evse_id)
);

CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  station_id TEXT,
  evse_id INTEGER,
  transaction_id TEXT,
  plan_id INTEGER,
  message TEXT NOT NULL,
  details_json TEXT
);
CREATE INDEX decisions_site ON decisions (site_id, id);
`,
};
