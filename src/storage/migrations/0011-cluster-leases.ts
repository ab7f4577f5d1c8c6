import type { Migration } from './migration.js';

/**
 * Named leases with a fencing epoch (issue 19: one owner per site; price pulls and clean-up jobs once per cluster).
 * src/storage/lease-repository.ts takes, renews and releases them, each in one statement.
 *
 * - name: what is leased ('site:oslo-depot', 'job:prices'); one row per name, kept for ever.
 * - holder: the node holding it; NULL once released (the row stays, so that its epoch is never given out again).
 * - epoch: rises by one with every takeover (a new holder, or the same one after expiry or release); a writer that
 *   still shows an older epoch has lost the lease and is refused.
 * - expires_at: the holder's clock time plus the lease's ttl; at and after it anyone may take the lease.
 * - acquired_at / renewed_at: when this epoch began and when it was last extended (for /health and operators).
 */
export const m0011ClusterLeases: Migration = {
  version: 11,
  name: 'cluster-leases',
  sqlite: `
CREATE TABLE cluster_leases (
  name TEXT PRIMARY KEY,
  holder TEXT,
  epoch INTEGER NOT NULL CHECK (epoch >= 1),
  expires_at TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  renewed_at TEXT NOT NULL
);
`,
  postgres: `
CREATE TABLE cluster_leases (
  name TEXT COLLATE "C" PRIMARY KEY,
  holder TEXT COLLATE "C",
  epoch BIGINT NOT NULL CHECK (epoch >= 1),
  expires_at TIMESTAMPTZ NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL,
  renewed_at TIMESTAMPTZ NOT NULL
);
`,
};
