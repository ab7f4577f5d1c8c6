/**
 * The bulk-key helpers of dialect.ts (jsonStrings, jsonPairs) for prepared queries (prepared.ts): there the list is
 * bound as its JSON text, serialised by the caller, because a prepared builder may not compute a bound value from a
 * parameter. The SQL is the same as dialect.ts's: SQLite's json_each, PostgreSQL's jsonb_array_elements.
 */
import { sql, type RawBuilder } from 'kysely';
import { dialectOf, type Db } from './dialect.js';

/** A JSON array of strings (JSON.stringify(list), bound whole) as a one-column table `value`. */
export function stringsOfJson(db: Db, json: string): RawBuilder<{ value: string }> {
  return dialectOf(db) === 'postgres'
    ? sql<{ value: string }>`(SELECT value FROM jsonb_array_elements_text(${json}::jsonb) AS j(value))`
    : sql<{ value: string }>`(SELECT value FROM json_each(${json}))`;
}

/** A JSON array of [string, string] pairs (JSON.stringify(pairs), bound whole) as a two-column table (a, b). */
export function pairsOfJson(db: Db, json: string): RawBuilder<{ a: string; b: string }> {
  return dialectOf(db) === 'postgres'
    ? sql<{ a: string; b: string }>`(SELECT e.v->>0 AS a, e.v->>1 AS b FROM jsonb_array_elements(${json}::jsonb) AS e(v))`
    : sql<{ a: string; b: string }>`(SELECT json_extract(value, '$[0]') AS a, json_extract(value, '$[1]') AS b FROM json_each(${json}))`;
}

/** The distinct (station, transaction) pairs of `refs` as the JSON text pairsOfJson reads. */
export function transactionPairsJson(refs: readonly { stationId: string; transactionId: string }[]): string {
  const seen = new Set<string>();
  const pairs: [string, string][] = [];
  for (const r of refs) {
    const k = `${r.stationId}\n${r.transactionId}`;
    if (seen.has(k)) continue;
    seen.add(k);
    pairs.push([r.stationId, r.transactionId]);
  }
  return JSON.stringify(pairs);
}
