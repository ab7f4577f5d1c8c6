import type { Migration } from './migration.js';

/**
 * The station page's message log (issue 16; src/storage/station-frame-repository.ts): each station's newest 100
 * OCPP-J frames in both directions. A station's frames take turns in 100 slots (slot = seq mod 100), so the table
 * holds at most 100 rows per station without a delete: a write is one upsert per frame, batched per event-loop turn.
 * seq numbers a station's frames in the order they were read or sent and orders the page.
 */
export const m0024StationFrames: Migration = {
  version: 24,
  name: 'station-frames',
  sqlite: `
CREATE TABLE station_frames (
  station_id TEXT NOT NULL,
  slot INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  message_type TEXT NOT NULL CHECK (message_type IN ('CALL', 'CALLRESULT', 'CALLERROR')),
  message_id TEXT NOT NULL,
  action TEXT,
  payload TEXT NOT NULL,
  payload_chars INTEGER NOT NULL,
  PRIMARY KEY (station_id, slot)
);
`,
  postgres: `
CREATE TABLE station_frames (
  station_id TEXT COLLATE "C" NOT NULL,
  slot INTEGER NOT NULL,
  seq BIGINT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  direction TEXT COLLATE "C" NOT NULL CHECK (direction IN ('in', 'out')),
  message_type TEXT COLLATE "C" NOT NULL CHECK (message_type IN ('CALL', 'CALLRESULT', 'CALLERROR')),
  message_id TEXT COLLATE "C" NOT NULL,
  action TEXT COLLATE "C",
  payload TEXT COLLATE "C" NOT NULL,
  payload_chars INTEGER NOT NULL,
  PRIMARY KEY (station_id, slot)
);
`,
};
