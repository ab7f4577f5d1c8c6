import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './sql/dialect.js';

/** The append-only tables retention shrinks, each with the time column it prunes by: the only names this file puts in SQL. */
export const PRUNABLE = {
  station_messages: 'received_at',
  station_events: 'received_at',
  plans: 'created_at',
  decisions: 'at',
  // By arrival, like the station log (its own index, migration 0021); the state time `at` is what utilisation reads.
  evse_state_log: 'received_at',
} as const;
export type PrunableTable = keyof typeof PRUNABLE;

export interface PruneSpec<T extends PrunableTable> {
  table: T;
  timeColumn: (typeof PRUNABLE)[T];
  /**
   * Only rows this condition holds for are pruned: it says which rows may go, and so what is kept (a site's latest
   * plan is kept by `id NOT IN (latest ids)`). Built with the query builder or `sql`; evaluated on `table`'s rows.
   */
  keep?: Expression<SqlBool>;
}

/**
 * Deletes up to `limit` rows of an append-only table: first those beyond the newest `maxRows`, then those whose
 * time column is before `before`; only rows `keep` admits. Row ids grow with every insert and rows leave only
 * from the old end, so the newest `maxRows` are the ids above MAX(id) - maxRows (fewer if a station's rows went
 * with it, or, on PostgreSQL, if a rolled-back insert used up a sequence value): an O(log n) bound where counting
 * or an OFFSET would read the whole table on every step. Each delete walks an index (the id, or the time column's
 * from migration 0007), not the table. The same statements on SQLite and PostgreSQL; nothing SQLite-only here.
 */
export async function pruneOldest<T extends PrunableTable>(db: Db, t: PruneSpec<T>, before: string, maxRows: number, limit: number): Promise<number> {
  if (limit <= 0) return 0;
  if (PRUNABLE[t.table] !== t.timeColumn) throw new Error(`pruneOldest: ${t.table} is pruned by ${PRUNABLE[t.table]}, not ${String(t.timeColumn)}`);
  const table = sql.table(t.table);
  const time = sql.ref(t.timeColumn);
  const keep = t.keep ? sql`AND ${t.keep}` : sql``;
  const max = (await sql<{ m: number | null }>`SELECT MAX(id) AS m FROM ${table}`.execute(db)).rows[0]?.m ?? 0;
  const byCount = await sql`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE id <= ${max - maxRows} ${keep} ORDER BY id LIMIT ${limit})`
    .execute(db);
  let deleted = Number(byCount.numAffectedRows ?? 0);
  if (deleted < limit) {
    const byAge = await sql`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${time} < ${before} ${keep} ORDER BY ${time} LIMIT ${limit - deleted})`
      .execute(db);
    deleted += Number(byAge.numAffectedRows ?? 0);
  }
  return deleted;
}
