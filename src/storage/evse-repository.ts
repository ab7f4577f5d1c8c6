import type { Db } from './database.js';
import type { ConnectorStatusRecord, EvseRecord, EvseStore } from '../domain/stations.js';

export class EvseRepository implements EvseStore {
  private readonly upsertConnector;
  private readonly ensureEvse;
  private readonly connectorsOf;
  private readonly evsesOf;
  private readonly currentTx;

  constructor(db: Db) {
    // StatusNotifications queued offline can arrive after a newer one: keep the latest by station time.
    this.upsertConnector = db.prepare(
      `INSERT INTO connectors (station_id, evse_id, connector_id, status, status_at, updated_at)
       VALUES (@stationId, @evseId, @connectorId, @status, @statusAt, @at)
       ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE SET
         status = excluded.status, status_at = excluded.status_at, updated_at = excluded.updated_at
       WHERE excluded.status_at >= connectors.status_at`,
    );
    this.ensureEvse = db.prepare(
      `INSERT INTO evses (station_id, evse_id, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.connectorsOf = db.prepare<[string], { evse_id: number; connector_id: number; status: string; status_at: string }>(
      'SELECT evse_id, connector_id, status, status_at FROM connectors WHERE station_id = ? ORDER BY evse_id, connector_id',
    );
    this.evsesOf = db.prepare<[string], { evse_id: number; current_transaction_id: string | null }>(
      'SELECT evse_id, current_transaction_id FROM evses WHERE station_id = ? ORDER BY evse_id',
    );
    this.currentTx = db.prepare<[string, number], { current_transaction_id: string | null }>(
      'SELECT current_transaction_id FROM evses WHERE station_id = ? AND evse_id = ?',
    );
  }

  setConnectorStatus(s: ConnectorStatusRecord, receivedAt: string): void {
    this.upsertConnector.run({ ...s, at: receivedAt });
    this.ensureEvse.run(s.stationId, s.evseId, receivedAt);
  }

  evses(stationId: string): EvseRecord[] {
    const connectors = this.connectorsOf.all(stationId);
    return this.evsesOf.all(stationId).map((e) => ({
      stationId,
      evseId: e.evse_id,
      currentTransactionId: e.current_transaction_id,
      connectors: connectors
        .filter((c) => c.evse_id === e.evse_id)
        .map((c) => ({ stationId, evseId: c.evse_id, connectorId: c.connector_id, status: c.status, statusAt: c.status_at })),
    }));
  }

  currentTransaction(stationId: string, evseId: number): string | null {
    return this.currentTx.get(stationId, evseId)?.current_transaction_id ?? null;
  }
}
