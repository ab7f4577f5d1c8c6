import type { Migration } from './migration.js';

/**
 * Price series with history, API tokens with role grants, and utility capacity limits (issue 4).
 *
 * - price_publications: one row per fetch or push (who, when, final or estimate).
 * - price_intervals: the values. A newer publication supersedes the current rows it overlaps (superseded_by is
 *   set, nothing is deleted) so the history of what we knew when stays queryable; the part of an old interval
 *   that the new one does not cover is kept as a clipped current row of the old publication.
 * - api_tokens / api_token_grants: a token is stored as the SHA-256 of its secret, never in clear. Grants are
 *   (role, scope kind, scope id) rows, e.g. ('tariff-publisher', 'price-zone', 'DK1'), so issue 6's roles
 *   (admin, fleet-manager, homeowner) and scopes (site, fleet) need no schema change.
 * Instants are UTC ISO-8601 text with milliseconds, which sorts and compares correctly as text.
 */
export const m0002Prices: Migration = {
  version: 2,
  name: 'prices',
  sqlite: `
CREATE TABLE price_publications (
  id INTEGER PRIMARY KEY,
  zone TEXT NOT NULL,
  source TEXT NOT NULL,
  currency TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('final', 'estimate')),
  fetched_at TEXT NOT NULL,
  start_utc TEXT NOT NULL,
  end_utc TEXT NOT NULL,
  interval_count INTEGER NOT NULL,
  publisher TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX price_publications_zone ON price_publications (zone, fetched_at);

CREATE TABLE price_intervals (
  id INTEGER PRIMARY KEY,
  publication_id INTEGER NOT NULL REFERENCES price_publications(id),
  zone TEXT NOT NULL,
  start_utc TEXT NOT NULL,
  end_utc TEXT NOT NULL CHECK (end_utc > start_utc),
  price_per_kwh REAL NOT NULL,
  superseded_by INTEGER REFERENCES price_publications(id)
);
CREATE INDEX price_intervals_current ON price_intervals (zone, start_utc) WHERE superseded_by IS NULL;
CREATE INDEX price_intervals_history ON price_intervals (zone, start_utc, publication_id);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT,
  last_used_at TEXT
);

CREATE TABLE api_token_grants (
  token_id TEXT NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  scope_kind TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  PRIMARY KEY (token_id, role, scope_kind, scope_id)
);

CREATE TABLE grid_capacity_limits (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  source TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('import', 'export')),
  start_utc TEXT NOT NULL,
  end_utc TEXT NOT NULL CHECK (end_utc > start_utc),
  limit_kw REAL NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX grid_capacity_limits_target ON grid_capacity_limits (target, direction, start_utc);
`,
};
