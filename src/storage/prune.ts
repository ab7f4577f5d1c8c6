import type { Db } from './database.js';

/**
 * Deletes up to `limit` rows of an append-only table: first those beyond the newest `maxRows`, then those whose
 * time column is before `before`; never a row `keep` (an SQL condition) protects. Row ids grow by one per insert
 * and rows leave only from the old end, so the newest `maxRows` are the ids above MAX(id) - maxRows (fewer if a
 * station's rows went with it): an O(log n) bound where counting or an OFFSET would read the whole table on
 * every step. Each delete walks an index (the rowid, or the time column's from migration 0007), not the table.
 */
export function pruneOldest(
  db: Db, t: { table: string; timeColumn: string; keep?: string }, before: string, maxRows: number, limit: number,
): number {
  if (limit <= 0) return 0;
  const keep = t.keep ? `AND ${t.keep}` : '';
  const max = db.prepare<[], { m: number | null }>(`SELECT MAX(id) AS m FROM ${t.table}`).get()?.m ?? 0;
  let deleted = db.prepare(
    `DELETE FROM ${t.table} WHERE id IN (SELECT id FROM ${t.table} WHERE id <= ? ${keep} ORDER BY id LIMIT ?)`,
  ).run(max - maxRows, limit).changes;
  if (deleted < limit) {
    deleted += db.prepare(
      `DELETE FROM ${t.table} WHERE id IN (SELECT id FROM ${t.table} WHERE ${t.timeColumn} < ? ${keep} ORDER BY ${t.timeColumn} LIMIT ?)`,
    ).run(before, limit - deleted).changes;
  }
  return deleted;
}
