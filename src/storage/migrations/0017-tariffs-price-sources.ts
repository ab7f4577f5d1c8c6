import type { Migration } from './migration.js';

/**
 * Tariffs and price sources in the database (issue 16): what config `prices.tariffs` and `prices.sources` held, now
 * imported at start-up and edited through the admin API (src/storage/price-config-repository.ts). Each row keeps the
 * entry whole as JSON (the schemas live in src/prices/tariff-config.ts and are checked in code before a write).
 *
 * - origin config or api; `config_sha256` the config entry last imported under this key (an unchanged entry changes
 *   nothing at the next start, so edits made in the browser stay); `edited_at` the last change through the API.
 * - price_sources.body_json holds the source's credentials: the API never returns them (it says only that one is set).
 */
const table = (name: string, key: string, text: string, instant: string) => `
CREATE TABLE ${name} (
  ${key} ${text} PRIMARY KEY,
  body_json ${text} NOT NULL,
  origin ${text} NOT NULL CHECK (origin IN ('config', 'api')),
  config_sha256 ${text},
  edited_at ${instant},
  created_at ${instant} NOT NULL,
  updated_at ${instant} NOT NULL
);`;

export const m0017TariffsPriceSources: Migration = {
  version: 17,
  name: 'tariffs-price-sources',
  sqlite: table('tariffs', 'name', 'TEXT', 'TEXT') + table('price_sources', 'id', 'TEXT', 'TEXT'),
  postgres: table('tariffs', 'name', 'TEXT COLLATE "C"', 'TIMESTAMPTZ') + table('price_sources', 'id', 'TEXT COLLATE "C"', 'TIMESTAMPTZ'),
};
