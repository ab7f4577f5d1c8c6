import type { Migration } from './migration.js';

/**
 * Rate-limit windows every node shares (issue 19: a login limit is not multiplied by the number of nodes;
 * src/storage/rate-window-repository.ts). One row per counted key and window length: the window's start on the
 * product's clock (ms) and its count. Rows of windows long over are deleted as new hits arrive.
 */
export const m0023RateWindows: Migration = {
  version: 23,
  name: 'rate-windows',
  sqlite: `
CREATE TABLE rate_windows (
  key TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL
);
CREATE INDEX rate_windows_start ON rate_windows (window_start);
`,
  postgres: `
CREATE TABLE rate_windows (
  key TEXT COLLATE "C" PRIMARY KEY,
  window_start BIGINT NOT NULL,
  count INTEGER NOT NULL
);
CREATE INDEX rate_windows_start ON rate_windows (window_start);
`,
};
