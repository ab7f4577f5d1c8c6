import type { Db } from './sql/dialect.js';
import type { ConnectorStatusRecord, EvseRecord, EvseStore } from '../domain/stations.js';

/** A station has a handful of EVSEs and connectors; the bound only guards against a runaway. */
const MAX_ROWS = 1_000;

export class EvseRepository implements EvseStore {
  constructor(private readonly db: Db) {}

  async setConnectorStatus(s: ConnectorStatusRecord, receivedAt: string): Promise<void> {
    // StatusNotifications queued offline can arrive after a newer one: keep the latest by station time. One upsert
    // each, so concurrent notifications of one connector leave the latest whatever order they commit in.
    await this.db
      .insertInto('connectors')
      .values({
        station_id: s.stationId,
        evse_id: s.evseId,
        connector_id: s.connectorId,
        status: s.status,
        status_at: s.statusAt,
        updated_at: receivedAt,
      })
      .onConflict((oc) =>
        oc.columns(['station_id', 'evse_id', 'connector_id'])
          .doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            status_at: eb.ref('excluded.status_at'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          // Compared as stored (text in SQLite as before, timestamptz in PostgreSQL).
          .whereRef('excluded.status_at', '>=', 'connectors.status_at'))
      .execute();
    await this.db
      .insertInto('evses')
      .values({ station_id: s.stationId, evse_id: s.evseId, updated_at: receivedAt })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async evses(stationId: string): Promise<EvseRecord[]> {
    const [connectors, evses] = await Promise.all([
      this.db.selectFrom('connectors').select(['evse_id', 'connector_id', 'status', 'status_at'])
        .where('station_id', '=', stationId).orderBy('evse_id').orderBy('connector_id').limit(MAX_ROWS).execute(),
      this.db.selectFrom('evses').select(['evse_id', 'current_transaction_id'])
        .where('station_id', '=', stationId).orderBy('evse_id').limit(MAX_ROWS).execute(),
    ]);
    return evses.map((e) => ({
      stationId,
      evseId: e.evse_id,
      currentTransactionId: e.current_transaction_id,
      connectors: connectors
        .filter((c) => c.evse_id === e.evse_id)
        .map((c) => ({ stationId, evseId: c.evse_id, connectorId: c.connector_id, status: c.status, statusAt: c.status_at })),
    }));
  }

  async currentTransaction(stationId: string, evseId: number): Promise<string | null> {
    const row = await this.db.selectFrom('evses').select('current_transaction_id')
      .where('station_id', '=', stationId).where('evse_id', '=', evseId).executeTakeFirst();
    return row?.current_transaction_id ?? null;
  }
}
