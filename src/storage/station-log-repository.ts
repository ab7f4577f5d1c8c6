import type { Insertable } from 'kysely';
import { inTransaction, type Db } from './sql/dialect.js';
import type { StationEventsTable } from './sql/schema.js';
import type { ChargingLimitRecord, StationEventRecord, StationLogStore, StoredMessage } from '../domain/stations.js';
import { StationPayloadBudget, DEFAULT_STATION_LOG_LIMITS, type StationLogLimits } from './stored-payload.js';
import { pruneOldest } from './prune.js';

/** Rows per INSERT: 13 parameters each stays far below both databases' limits on bound parameters. */
const INSERT_CHUNK = 500;
/** Retention bounds these logs (maxStationLogRows); this guards a read against a runaway. */
const MAX_ROWS = 100_000;

/**
 * Events, external charging limits and the log of every other notification a station sends: verbatim up to the
 * size cap and the station's budget, beyond them the head that fits plus size and SHA-256 (stored-payload.ts).
 */
export class StationLogRepository implements StationLogStore {
  private readonly budget: StationPayloadBudget;

  constructor(private readonly db: Db, limits: StationLogLimits = DEFAULT_STATION_LOG_LIMITS) {
    this.budget = new StationPayloadBudget(limits);
  }

  /** All of them or none (one INSERT, or one transaction when a NotifyEvent needs more). */
  async recordEvents(stationId: string, events: StationEventRecord[], at: string): Promise<void> {
    if (events.length === 0) return;
    const rows: Insertable<StationEventsTable>[] = events.map(({ raw, ...e }) => {
      // Each row keeps its own event (N07), not a copy of the whole request: N copies grew as N x size.
      const stored = this.budget.fit(stationId, raw, at);
      return {
        station_id: stationId,
        event_id: e.eventId,
        timestamp: e.timestamp,
        trigger: e.trigger,
        event_notification_type: e.eventNotificationType,
        component_name: e.component,
        variable_name: e.variable,
        actual_value: e.actualValue,
        cleared: e.cleared ? 1 : 0,
        payload: stored.text,
        payload_bytes: stored.bytes,
        payload_sha256: stored.sha256,
        received_at: at,
      };
    });
    if (rows.length <= INSERT_CHUNK) {
      await this.db.insertInto('station_events').values(rows).execute();
      return;
    }
    await inTransaction(this.db, async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto('station_events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
    });
  }

  async recordChargingLimit(stationId: string, limit: ChargingLimitRecord, at: string): Promise<void> {
    await this.db.insertInto('charging_limits')
      .values({
        station_id: stationId,
        evse_id: limit.evseId,
        source: limit.source,
        is_grid_critical: limit.isGridCritical === null ? null : limit.isGridCritical ? 1 : 0,
        schedule: limit.schedule === undefined ? null : JSON.stringify(limit.schedule),
        received_at: at,
      })
      .execute();
  }

  async clearChargingLimit(stationId: string, source: string, evseId: number | null, at: string): Promise<void> {
    // K13: without an evseId the limit is cleared for the whole station.
    await this.db.updateTable('charging_limits').set({ cleared_at: at })
      .where('station_id', '=', stationId).where('source', '=', source).where('cleared_at', 'is', null)
      .$if(evseId !== null, (q) => q.where('evse_id', '=', evseId!))
      .execute();
  }

  async activeChargingLimits(stationId: string): Promise<(ChargingLimitRecord & { receivedAt: string })[]> {
    const rows = await this.db.selectFrom('charging_limits')
      .select(['evse_id', 'source', 'is_grid_critical', 'schedule', 'received_at'])
      .where('station_id', '=', stationId).where('cleared_at', 'is', null)
      .orderBy('id').limit(MAX_ROWS)
      .execute();
    return rows.map((r) => ({
      evseId: r.evse_id,
      source: r.source,
      isGridCritical: r.is_grid_critical === null ? null : r.is_grid_critical === 1,
      schedule: r.schedule === null ? undefined : JSON.parse(r.schedule) as unknown,
      receivedAt: r.received_at,
    }));
  }

  async recordMessage(stationId: string, action: string, payload: unknown, at: string): Promise<void> {
    const stored = this.budget.fit(stationId, payload, at);
    await this.db.insertInto('station_messages')
      .values({ station_id: stationId, action, payload: stored.text, payload_bytes: stored.bytes, payload_sha256: stored.sha256, received_at: at })
      .execute();
  }

  async messages(stationId: string, action?: string): Promise<StoredMessage[]> {
    const rows = await this.db.selectFrom('station_messages')
      .select(['action', 'payload', 'payload_bytes', 'payload_sha256', 'received_at'])
      .where('station_id', '=', stationId)
      .$if(action !== undefined && action !== '', (q) => q.where('action', '=', action!))
      .orderBy('id').limit(MAX_ROWS)
      .execute();
    return rows.map((r) =>
      r.payload_sha256 === null
        ? { action: r.action, payload: JSON.parse(r.payload) as unknown, receivedAt: r.received_at }
        : { action: r.action, payload: null, receivedAt: r.received_at, cut: { bytes: r.payload_bytes ?? 0, sha256: r.payload_sha256, head: r.payload } });
  }

  /**
   * Retention (retention.ts): deletes at most `batch` rows that are older than `before` or beyond the newest
   * `maxRows` (per table), from the message log first, then the events, then charging limits cleared before
   * `before` (an active limit is never pruned). Returns how many rows went; 0 means nothing is left to prune.
   */
  pruneStep(before: string, maxRows: number, batch: number): Promise<number> {
    return inTransaction(this.db, async (trx) => {
      let left = batch;
      for (const table of ['station_messages', 'station_events'] as const) {
        left -= await pruneOldest(trx, { table, timeColumn: 'received_at' }, before, maxRows, left);
      }
      if (left > 0) {
        const limit = left;
        const r = await trx.deleteFrom('charging_limits')
          .where('id', 'in', (eb) => eb.selectFrom('charging_limits').select('id')
            .where('cleared_at', 'is not', null).where('cleared_at', '<', before)
            .orderBy('cleared_at').limit(limit))
          .executeTakeFirst();
        left -= Number(r.numDeletedRows);
      }
      return batch - left;
    });
  }
}
