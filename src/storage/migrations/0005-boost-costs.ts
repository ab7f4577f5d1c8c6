import type { Migration } from './migration.js';

/**
 * What issue 6 needs from the session record (the transactions table of 0001).
 *
 * - transactions.vehicle_id: the car the scheduler identified when it planned the session. The id token or the
 *   fleet manager's assignment that identified it can move to another car later; a bill must not move with it.
 * - transactions.boost_*: a person's "charge now" for the session (full power until boost_kwh more is in, i.e.
 *   until the delivered energy reaches boost_from_kwh + boost_kwh). It belongs to the session, so it ends with
 *   it without any clean-up; NULL boost_kwh means none. transactions_boost finds a car's boost without reading
 *   every running session (the homeowner's and the fleet's target views ask on every request).
 * - transactions_started: sessions by period (lists, monthly bills). Stations send timestamps with any offset
 *   (OCPP allows "+02:00" as well as "Z"), so the index is on the instant (julianday), not on the text. On
 *   PostgreSQL started_at is a timestamptz, the instant itself, and the index is on the column (instant(db, x)'s
 *   x::timestamptz on it is a no-op cast that still uses the index).
 */
export const m0005BoostCosts: Migration = {
  version: 5,
  name: 'boost-costs',
  sqlite: `
ALTER TABLE transactions ADD COLUMN vehicle_id TEXT;
ALTER TABLE transactions ADD COLUMN boost_vehicle_id TEXT;
ALTER TABLE transactions ADD COLUMN boost_kwh REAL CHECK (boost_kwh IS NULL OR boost_kwh > 0);
ALTER TABLE transactions ADD COLUMN boost_from_kwh REAL;
ALTER TABLE transactions ADD COLUMN boost_set_at TEXT;
CREATE INDEX transactions_started ON transactions (julianday(started_at));
CREATE INDEX transactions_boost ON transactions (boost_vehicle_id) WHERE boost_kwh IS NOT NULL;
`,
  postgres: `
ALTER TABLE transactions ADD COLUMN vehicle_id TEXT COLLATE "C";
ALTER TABLE transactions ADD COLUMN boost_vehicle_id TEXT COLLATE "C";
ALTER TABLE transactions ADD COLUMN boost_kwh DOUBLE PRECISION CHECK (boost_kwh IS NULL OR boost_kwh > 0);
ALTER TABLE transactions ADD COLUMN boost_from_kwh DOUBLE PRECISION;
ALTER TABLE transactions ADD COLUMN boost_set_at TIMESTAMPTZ;
CREATE INDEX transactions_started ON transactions (started_at);
CREATE INDEX transactions_boost ON transactions (boost_vehicle_id) WHERE boost_kwh IS NOT NULL;
`,
};
