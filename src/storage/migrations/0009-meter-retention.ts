import type { Migration } from './migration.js';

/**
 * Retention of meter values (issue 20: nothing a station sends grows storage without bound).
 *
 * - meter_values_untied: meter values outside any transaction (MeterValues of EVSE 0, or of an idle EVSE) by the time
 *   they arrived, so retention finds the old ones without reading the table (MeterValueRepository.pruneStep). A
 *   transaction's samples are found through meter_values_tx (0001) and go with their finished transaction, which is
 *   found through transactions_started (0005).
 */
export const m0009MeterRetention: Migration = {
  version: 9,
  name: 'meter-retention',
  sqlite: `
CREATE INDEX meter_values_untied ON meter_values (received_at) WHERE transaction_id IS NULL;
`,
  postgres: `
CREATE INDEX meter_values_untied ON meter_values (received_at) WHERE transaction_id IS NULL;
`,
};
