import type { Migration } from './migration.js';

/**
 * A homeowner's charging mode (issue 18; src/domain/charging-modes.ts) lives beside the vehicle's departure targets,
 * as JSON checked by the domain schema before it is written: the planner reads targets and mode in the same query.
 */
export const m0022ChargingModes: Migration = {
  version: 22,
  name: 'charging-modes',
  sqlite: `ALTER TABLE departure_targets ADD COLUMN mode_json TEXT;`,
  postgres: `ALTER TABLE departure_targets ADD COLUMN mode_json TEXT COLLATE "C";`,
};
