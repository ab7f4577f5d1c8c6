import type { Db } from './database.js';
import type { ChargingLimitRecord, StationEventRecord, StationLogStore } from '../domain/stations.js';

/** Events, external charging limits and the verbatim log of every other notification a station sends. */
export class StationLogRepository implements StationLogStore {
  private readonly insertEvent;
  private readonly insertEvents;
  private readonly insertLimit;
  private readonly insertMessage;

  constructor(private readonly db: Db) {
    this.insertEvent = db.prepare(
      `INSERT INTO station_events (station_id, event_id, timestamp, trigger, event_notification_type, component_name,
         variable_name, actual_value, cleared, payload, received_at)
       VALUES (@stationId, @eventId, @timestamp, @trigger, @eventNotificationType, @component, @variable,
         @actualValue, @cleared, @payload, @at)`,
    );
    this.insertEvents = db.transaction((stationId: string, events: StationEventRecord[], payload: string, at: string) => {
      for (const e of events) this.insertEvent.run({ ...e, stationId, cleared: e.cleared ? 1 : 0, payload, at });
    });
    this.insertLimit = db.prepare(
      `INSERT INTO charging_limits (station_id, evse_id, source, is_grid_critical, schedule, received_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertMessage = db.prepare(
      'INSERT INTO station_messages (station_id, action, payload, received_at) VALUES (?, ?, ?, ?)',
    );
  }

  recordEvents(stationId: string, events: StationEventRecord[], payload: unknown, at: string): void {
    this.insertEvents(stationId, events, JSON.stringify(payload), at);
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
    this.insertMessage.run(stationId, action, JSON.stringify(payload), at);
  }

  messages(stationId: string, action?: string): { action: string; payload: unknown; receivedAt: string }[] {
    const rows = action
      ? this.db.prepare<[string, string], { action: string; payload: string; received_at: string }>('SELECT action, payload, received_at FROM station_messages WHERE station_id = ? AND action = ? ORDER BY id').all(stationId, action)
      : this.db.prepare<[string], { action: string; payload: string; received_at: string }>('SELECT action, payload, received_at FROM station_messages WHERE station_id = ? ORDER BY id').all(stationId);
    return rows.map((r) => ({ action: r.action, payload: JSON.parse(r.payload), receivedAt: r.received_at }));
  }
}
