import type { Migration } from './migration.js';

/**
 * Which node holds which station's socket, since when (issue 19; src/storage/presence-repository.ts). One row per
 * station that some node holds now, as far as the database knows: the newest connection replaces an older one (by
 * connected_at, then node), and only the node that wrote a row removes it, so a late disconnect of an old node never
 * hides a new connection elsewhere. A row of a node that died stays until that node starts again; readers judge it
 * by the node's lease in cluster_leases ('node:<id>'), which expires within its ttl.
 */
export const m0015StationPresence: Migration = {
  version: 15,
  name: 'station-presence',
  sqlite: `
CREATE TABLE station_presence (
  station_id TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  connected_at TEXT NOT NULL
);
CREATE INDEX station_presence_node ON station_presence (node);
`,
  postgres: `
CREATE TABLE station_presence (
  station_id TEXT COLLATE "C" PRIMARY KEY,
  node TEXT COLLATE "C" NOT NULL,
  connected_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX station_presence_node ON station_presence (node);
`,
};
