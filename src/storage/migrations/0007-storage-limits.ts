import type { Migration } from './migration.js';

/**
 * What a station may store, and for how long (issue 20, findings 10 and 12).
 *
 * - station_messages.payload_bytes: the size of the payload's JSON text in UTF-8 bytes, as the station sent it.
 * - station_messages.payload_sha256: set only when the stored payload was cut (over the size cap, or beyond the
 *   station's storage budget); `payload` then holds at most the cap's head of the JSON text (possibly nothing),
 *   and size plus hash still tell what arrived and whether two arrivals were the same.
 * - the same two columns on station_events: each row now keeps its own event, capped, instead of a copy of the
 *   whole NotifyEvent (N events were N copies of the request: quadratic in the request's size).
 * - indexes by time, so retention (src/storage/retention.ts) finds what is old without reading every row.
 */
export const m0007StorageLimits: Migration = {
  version: 7,
  name: 'storage-limits',
  sqlite: `
ALTER TABLE station_messages ADD COLUMN payload_bytes INTEGER;
ALTER TABLE station_messages ADD COLUMN payload_sha256 TEXT;
ALTER TABLE station_events ADD COLUMN payload_bytes INTEGER;
ALTER TABLE station_events ADD COLUMN payload_sha256 TEXT;
CREATE INDEX station_messages_received ON station_messages (received_at);
CREATE INDEX station_events_received ON station_events (received_at);
CREATE INDEX charging_limits_cleared ON charging_limits (cleared_at) WHERE cleared_at IS NOT NULL;
CREATE INDEX plans_created ON plans (created_at);
CREATE INDEX decisions_at ON decisions (at);
`,
  postgres: `
ALTER TABLE station_messages ADD COLUMN payload_bytes BIGINT;
ALTER TABLE station_messages ADD COLUMN payload_sha256 TEXT COLLATE "C";
ALTER TABLE station_events ADD COLUMN payload_bytes BIGINT;
ALTER TABLE station_events ADD COLUMN payload_sha256 TEXT COLLATE "C";
CREATE INDEX station_messages_received ON station_messages (received_at);
CREATE INDEX station_events_received ON station_events (received_at);
CREATE INDEX charging_limits_cleared ON charging_limits (cleared_at) WHERE cleared_at IS NOT NULL;
CREATE INDEX plans_created ON plans (created_at);
CREATE INDEX decisions_at ON decisions (at);
`,
};
