/**
 * Rate-limit windows in the database (issue 19): every node of a cluster counts against the same rows, so a limit
 * of 5 failed logins a minute is 5 for the cluster, not 5 per node. One statement per hit: the row is created, counted,
 * or started again when its window is over, and the new count comes back (INSERT ... ON CONFLICT ... RETURNING, on
 * SQLite and PostgreSQL alike). Rows of windows long over are deleted every PRUNE_EVERY hits, so the table stays
 * as small as the keys counted in the last MAX_WINDOW_MS.
 */
import { sql } from 'kysely';
import type { Clock } from '../platform/clock.js';
import type { RateWindows, WindowCount } from '../domain/rate-windows.js';
import type { Db } from './sql/dialect.js';

/** The longest window the product counts (the per-username hour of failed logins). */
const MAX_WINDOW_MS = 3_600_000;
const PRUNE_EVERY = 256;
/** Keys are bounded like the in-memory windows' (usernames and addresses come from requests). */
const MAX_KEY_LENGTH = 400;

export class RateWindowRepository implements RateWindows {
  private hits = 0;

  constructor(private readonly db: Db, private readonly clock: Clock) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.clock.now();
    const k = rowKey(key, windowMs);
    const over = sql<boolean>`rate_windows.window_start + ${windowMs} <= ${now}`;
    const row = await this.db.insertInto('rate_windows')
      .values({ key: k, window_start: now, count: 1 })
      .onConflict((oc) => oc.column('key').doUpdateSet({
        count: sql<number>`CASE WHEN ${over} THEN 1 ELSE rate_windows.count + 1 END`,
        window_start: sql<number>`CASE WHEN ${over} THEN ${now} ELSE rate_windows.window_start END`,
      }))
      .returning(['window_start', 'count'])
      .executeTakeFirstOrThrow();
    if (++this.hits % PRUNE_EVERY === 0) await this.prune(now);
    return { count: Number(row.count), ttl: Math.max(0, Number(row.window_start) + windowMs - now) };
  }

  async peek(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.clock.now();
    const row = await this.db.selectFrom('rate_windows').select(['window_start', 'count']).where('key', '=', rowKey(key, windowMs)).executeTakeFirst();
    if (!row || Number(row.window_start) + windowMs <= now) return { count: 0, ttl: 0 };
    return { count: Number(row.count), ttl: Number(row.window_start) + windowMs - now };
  }

  /** Deletes the rows whose windows ended before the longest window back. */
  async prune(now = this.clock.now()): Promise<number> {
    const r = await this.db.deleteFrom('rate_windows').where('window_start', '<', now - MAX_WINDOW_MS).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function rowKey(key: string, windowMs: number): string {
  return `${windowMs}:${key}`.slice(0, MAX_KEY_LENGTH);
}
