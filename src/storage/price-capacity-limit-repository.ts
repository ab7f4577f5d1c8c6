import { inTransaction, type Db } from './sql/dialect.js';
import type { CapacityLimitInterval, CapacityLimitStore, TimeWindow } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';

const iso = (ms: number) => new Date(ms).toISOString();
/** Rows per multi-row INSERT (7 values each): far below either database's parameter limit. */
const BATCH = 500;

/**
 * Utility capacity limits (OpenADR 3 IMPORT/EXPORT_CAPACITY_LIMIT). Rows are only appended; where several cover
 * the same time the most recently received one wins, so an update from the utility replaces the old signal.
 */
export class CapacityLimitRepository implements CapacityLimitStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** One transaction: a utility's event is stored whole or not at all. */
  async saveLimits(target: string, source: string, limits: readonly CapacityLimitInterval[]): Promise<void> {
    if (limits.length === 0) return;
    const at = iso(this.clock.now());
    const rows = limits.map((l) => ({
      target, source, direction: l.direction, start_utc: iso(l.start), end_utc: iso(l.end), limit_kw: l.limitKw, received_at: at,
    }));
    await inTransaction(this.db, async (trx) => {
      for (let i = 0; i < rows.length; i += BATCH) await trx.insertInto('grid_capacity_limits').values(rows.slice(i, i + BATCH)).execute();
    });
  }

  /** The limits in force over the window, a newer row hiding an older one it overlaps (same target and direction). */
  async limits(target: string, window: TimeWindow): Promise<CapacityLimitInterval[]> {
    const rows = await this.db
      .selectFrom('grid_capacity_limits as l')
      .select(['l.start_utc', 'l.end_utc', 'l.direction', 'l.limit_kw'])
      .where('l.target', '=', target)
      .where('l.start_utc', '<', iso(window.end))
      .where('l.end_utc', '>', iso(window.start))
      .where(({ not, exists, selectFrom }) => not(exists(
        selectFrom('grid_capacity_limits as n')
          .select('n.id')
          .whereRef('n.target', '=', 'l.target')
          .whereRef('n.direction', '=', 'l.direction')
          .whereRef('n.id', '>', 'l.id')
          .whereRef('n.start_utc', '<', 'l.end_utc')
          .whereRef('n.end_utc', '>', 'l.start_utc'),
      )))
      .orderBy('l.start_utc')
      .orderBy('l.direction')
      .execute();
    return rows.map((r) => ({
      start: Date.parse(r.start_utc),
      end: Date.parse(r.end_utc),
      direction: r.direction as CapacityLimitInterval['direction'],
      limitKw: r.limit_kw,
    }));
  }
}
