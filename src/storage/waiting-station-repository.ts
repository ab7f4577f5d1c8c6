import type { Selectable } from 'kysely';
import type { Db } from './sql/dialect.js';
import { countAll } from './sql/dialect.js';
import type { WaitingStationsTable } from './sql/schema.js';
import type { WaitingAttempt, WaitingBoot, WaitingStation, WaitingStationStore } from '../domain/waiting-stations.js';

type Row = Selectable<WaitingStationsTable>;

/** What a station says at boot is cut to the OCPP field lengths (CiString20/50), whatever reaches us. */
const cut = (s: string | undefined, n: number) => (s === undefined ? null : s.slice(0, n));

function toWaiting(r: Row): WaitingStation {
  return {
    stationId: r.station_id,
    remoteAddress: r.remote_address,
    tls: Number(r.tls) === 1,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    attempts: Number(r.attempts),
    vendorName: r.vendor_name,
    model: r.model,
    serialNumber: r.serial_number,
    firmwareVersion: r.firmware_version,
    bootedAt: r.booted_at,
  };
}

/** The waiting list (migration 0016): written by the OCPP server's handshakes and boots, read and emptied by admins. */
export class WaitingStationRepository implements WaitingStationStore {
  constructor(private readonly db: Db) {}

  async recordAttempt(input: { stationId: string; remoteAddress: string; tls: boolean; at: string }, maxRows: number): Promise<WaitingAttempt> {
    const again = await this.db.updateTable('waiting_stations')
      .set((eb) => ({ remote_address: input.remoteAddress.slice(0, 100), tls: input.tls ? 1 : 0, last_seen_at: input.at, attempts: eb('attempts', '+', 1) }))
      .where('station_id', '=', input.stationId)
      .executeTakeFirst();
    if (Number(again.numUpdatedRows) > 0) return 'recorded';
    // The bound: concurrent first attempts may pass it together, by at most the handshakes in flight (ocpp.limits).
    const { n } = await this.db.selectFrom('waiting_stations').select(countAll().as('n')).executeTakeFirstOrThrow();
    if (Number(n) >= maxRows) return 'full';
    await this.db.insertInto('waiting_stations')
      .values({
        station_id: input.stationId, remote_address: input.remoteAddress.slice(0, 100), tls: input.tls ? 1 : 0,
        first_seen_at: input.at, last_seen_at: input.at, attempts: 1,
      })
      .onConflict((oc) => oc.column('station_id').doUpdateSet((eb) => ({ last_seen_at: input.at, attempts: eb('waiting_stations.attempts', '+', 1) })))
      .execute();
    return 'recorded';
  }

  /** Retention (Prunable): deletes up to `batch` rows whose station last tried before `before`; the oldest first. */
  async pruneStep(before: string, _maxRows: number, batch: number): Promise<number> {
    if (batch <= 0) return 0;
    const old = this.db.selectFrom('waiting_stations').select('station_id').where('last_seen_at', '<', before).orderBy('last_seen_at').limit(batch);
    const res = await this.db.deleteFrom('waiting_stations').where('station_id', 'in', old).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async recordBoot(stationId: string, boot: WaitingBoot, at: string): Promise<void> {
    await this.db.updateTable('waiting_stations')
      .set({
        vendor_name: cut(boot.vendorName, 50), model: cut(boot.model, 20), serial_number: cut(boot.serialNumber, 25),
        firmware_version: cut(boot.firmwareVersion, 50), booted_at: at, last_seen_at: at,
      })
      .where('station_id', '=', stationId)
      .execute();
  }

  async get(stationId: string): Promise<WaitingStation | undefined> {
    const row = await this.db.selectFrom('waiting_stations').selectAll().where('station_id', '=', stationId).executeTakeFirst();
    return row ? toWaiting(row) : undefined;
  }

  async list(limit: number): Promise<WaitingStation[]> {
    const rows = await this.db.selectFrom('waiting_stations').selectAll().orderBy('last_seen_at', 'desc').orderBy('station_id').limit(limit).execute();
    return rows.map(toWaiting);
  }
}
