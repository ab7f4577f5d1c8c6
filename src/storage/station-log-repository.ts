import type { Db } from './database.js';
import type { ChargingLimitRecord, StationEventRecord, StationLogStore, StoredMessage } from '../domain/stations.js';
import { StationPayloadBudget, DEFAULT_STATION_LOG_LIMITS, type StationLogLimits } from './stored-payload.js';
import { pruneOldest } from './prune.js';

/**
 * Events, external charging limits and the log of every other notification a station sends: verbatim up to the
 * size cap and the station's budget, beyond them the head that fits plus size and SHA-256 (stored-payload.ts).
 */
export class StationLogRepository implements StationLogStore {
  private readonly insertEvent;
  private readonly insertEvents;
  private readonly insertLimit;
  private readonly insertMessage;
  private readonly budget: StationPayloadBudget;

  constructor(private readonly db: Db, limits: StationLogLimits = DEFAULT_STATION_LOG_LIMITS) {
    this.budget = new StationPayloadBudget(limits);
    this.insertEvent = db.prepare(
      `INSERT INTO station_events (station_id, event_id, timestamp, trigger, event_notification_type, component_name,
         variable_name, actual_value, cleared, payload, payload_bytes, payload_sha256, received_at)
       VALUES (@stationId, @eventId, @timestamp, @trigger, @eventNotificationType, @component, @variable,
         @actualValue, @cleared, @payload, @bytes, @sha256, @at)`,
    );
    this.insertEvents = db.transaction((stationId: string, events: StationEventRecord[], at: string) => {
      for (const { raw, ...e } of events) {
        // Each row keeps its own event (N07), not a copy of the whole request: N copies grew as N x size.
        const stored = this.budget.fit(stationId, raw, at);
        this.insertEvent.run({ ...e, stationId, cleared: e.cleared ? 1 : 0, payload: stored.text, bytes: stored.bytes, sha256: stored.sha256, at });
      }
    });
    this.insertLimit = db.prepare(
      `INSERT INTO charging_limits (station_id, evse_id, source, is_grid_critical, schedule, received_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertMessage = db.prepare(
      'INSERT INTO station_messages (station_id, action, payload, payload_bytes, payload_sha256, received_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  recordEvents(stationId: string, events: StationEventRecord[], at: string): void {
    this.insertEvents(stationId, events, at);
  }

  recordChargingLimit(stationId: string, limit: ChargingLimitRecord, at: string): void {
    this.insertLimit.run(
      stationId,
      limit.evseId,
      limit.source,
      limit.isGridCritical === null ? null : limit.isGridCritical ? 1 : 0,
      limit.schedule === undefined ? null : JSON.stringify(limit.schedule),
      at,
    );
  }

  clearChargingLimit(stationId: string, source: string, evseId: number | null, at: string): void {
    // K13: without an evseId the limit is cleared for the whole station.
    if (evseId === null) {
      this.db.prepare('UPDATE charging_limits SET cleared_at = ? WHERE station_id = ? AND source = ? AND cleared_at IS NULL')
        .run(at, stationId, source);
    } else {
      this.db.prepare('UPDATE charging_limits SET cleared_at = ? WHERE station_id = ? AND source = ? AND evse_id = ? AND cleared_at IS NULL')
        .run(at, stationId, source, evseId);
    }
  }

  activeChargingLimits(stationId: string): (ChargingLimitRecord & { receivedAt: string })[] {
    const rows = this.db
      .prepare<[string], { evse_id: number; source: string; is_grid_critical: number | null; schedule: string | null; received_at: string }>(
        'SELECT * FROM charging_limits WHERE station_id = ? AND cleared_at IS NULL ORDER BY id',
      )
      .all(stationId);
    return rows.map((r) => ({
      evseId: r.evse_id,
      source: r.source,
      isGridCritical: r.is_grid_critical === null ? null : r.is_grid_critical === 1,
      schedule: r.schedule === null ? undefined : JSON.parse(r.schedule),
      receivedAt: r.received_at,
    }));
  }

  recordMessage(stationId: string, action: string, payload: unknown, at: string): void {
    const stored = this.budget.fit(stationId, payload, at);
    this.insertMessage.run(stationId, action, stored.text, stored.bytes, stored.sha256, at);
  }

  messages(stationId: string, action?: string): StoredMessage[] {
    type Row = { action: string; payload: string; payload_bytes: number | null; payload_sha256: string | null; received_at: string };
    const columns = 'action, payload, payload_bytes, payload_sha256, received_at';
    const rows = action
      ? this.db.prepare<[string, string], Row>(`SELECT ${columns} FROM station_messages WHERE station_id = ? AND action = ? ORDER BY id`).all(stationId, action)
      : this.db.prepare<[string], Row>(`SELECT ${columns} FROM station_messages WHERE station_id = ? ORDER BY id`).all(stationId);
    return rows.map((r) =>
      r.payload_sha256 === null
        ? { action: r.action, payload: JSON.parse(r.payload), receivedAt: r.received_at }
        : { action: r.action, payload: null, receivedAt: r.received_at, cut: { bytes: r.payload_bytes ?? 0, sha256: r.payload_sha256, head: r.payload } });
  }

  /**
   * Retention (retention.ts): deletes at most `batch` rows that are older than `before` or beyond the newest
   * `maxRows` (per table), from the message log first, then the events, then charging limits cleared before
   * `before` (an active limit is never pruned). Returns how many rows went; 0 means nothing is left to prune.
   */
  pruneStep(before: string, maxRows: number, batch: number): number {
    return this.db.transaction(() => {
      let left = batch;
      for (const table of ['station_messages', 'station_events'] as const) {
        left -= pruneOldest(this.db, { table, timeColumn: 'received_at' }, before, maxRows, left);
      }
      if (left > 0) {
        left -= this.db.prepare(
          `DELETE FROM charging_limits WHERE id IN (SELECT id FROM charging_limits WHERE cleared_at IS NOT NULL AND cleared_at < ?
             ORDER BY cleared_at LIMIT ?)`,
        ).run(before, left).changes;
      }
      return batch - left;
    })();
  }

}
