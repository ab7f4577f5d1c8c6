import type { Db } from './database.js';
import type { CapacityLimitInterval, CapacityLimitStore, TimeWindow } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';

interface Row {
  start_utc: string;
  end_utc: string;
  direction: 'import' | 'export';
  limit_kw: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Utility capacity limits (OpenADR 3 IMPORT/EXPORT_CAPACITY_LIMIT). Rows are only appended; where several cover
 * the same time the most recently received one wins, so an update from the utility replaces the old signal.
 */
export class CapacityLimitRepository implements CapacityLimitStore {
  private readonly insert;
  private readonly select;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare(
      `INSERT INTO grid_capacity_limits (target, source, direction, start_utc, end_utc, limit_kw, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.select = db.prepare<[string, string, string], Row>(
      `SELECT l.start_utc, l.end_utc, l.direction, l.limit_kw FROM grid_capacity_limits l
       WHERE l.target = ? AND l.start_utc < ? AND l.end_utc > ?
         AND NOT EXISTS (SELECT 1 FROM grid_capacity_limits n
                         WHERE n.target = l.target AND n.direction = l.direction AND n.id > l.id
                           AND n.start_utc < l.end_utc AND n.end_utc > l.start_utc)
       ORDER BY l.start_utc, l.direction`,
    );
  }

  saveLimits(target: string, source: string, limits: readonly CapacityLimitInterval[]): void {
    const at = iso(this.clock.now());
    this.db.transaction(() => {
      for (const l of limits) this.insert.run(target, source, l.direction, iso(l.start), iso(l.end), l.limitKw, at);
    })();
  }

  limits(target: string, window: TimeWindow): CapacityLimitInterval[] {
    return this.select.all(target, iso(window.end), iso(window.start)).map((r) => ({
      start: Date.parse(r.start_utc),
      end: Date.parse(r.end_utc),
      direction: r.direction,
      limitKw: r.limit_kw,
    }));
  }
}
