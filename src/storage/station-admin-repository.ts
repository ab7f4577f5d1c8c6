import { inTransaction, type Db } from './sql/dialect.js';
import { StationRepository } from './station-repository.js';
import { AuditRepository } from './audit-repository.js';
import type { AuditEntry } from '../domain/audit.js';
import type { SecurityProfile, StationRecord } from '../domain/stations.js';
import type { StationAdminStore } from '../domain/station-admin.js';

/**
 * The admin's station changes (issue 16), each written with its audit entry in one transaction: the change and the
 * record of who made it exist together or not at all.
 */
export class StationAdminRepository implements StationAdminStore {
  constructor(private readonly db: Db) {}

  add(input: { id: string; passwordHash: string | null; securityProfile: SecurityProfile }, at: string, audit: AuditEntry): Promise<StationRecord> {
    return inTransaction(this.db, async (trx) => {
      const station = await new StationRepository(trx).register(input, at);
      await new AuditRepository(trx).record(audit);
      return station;
    });
  }

  setPassword(id: string, passwordHash: string, securityProfile: SecurityProfile, at: string, audit: AuditEntry): Promise<void> {
    return inTransaction(this.db, async (trx) => {
      await new StationRepository(trx).setPassword(id, passwordHash, securityProfile, at);
      await new AuditRepository(trx).record(audit);
    });
  }

  /**
   * Deletes the station unless it has a running transaction (then nothing is written and their ids come back). Its
   * stored history (sessions, meter values, log) goes with it (the ON DELETE CASCADE of migration 0001), and so does
   * its page's message log (station_frames has no foreign key: a station waiting to be adopted has frames too).
   */
  remove(id: string, audit: AuditEntry): Promise<{ removed: boolean; running: string[] }> {
    return inTransaction(this.db, async (trx) => {
      const running = await trx.selectFrom('transactions').select('transaction_id')
        .where('station_id', '=', id).where('state', '=', 'Started').orderBy('transaction_id').limit(20).execute();
      if (running.length > 0) return { removed: false, running: running.map((r) => r.transaction_id) };
      const r = await trx.deleteFrom('stations').where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return { removed: false, running: [] };
      await trx.deleteFrom('station_frames').where('station_id', '=', id).execute();
      await new AuditRepository(trx).record(audit);
      return { removed: true, running: [] };
    });
  }

  /** Registers a waiting station (StationExistsError when the id was registered meanwhile) and takes it off the list. */
  adopt(input: { id: string; passwordHash: string; securityProfile: SecurityProfile }, at: string, audit: AuditEntry): Promise<StationRecord> {
    return inTransaction(this.db, async (trx) => {
      const station = await new StationRepository(trx).register(input, at);
      await trx.deleteFrom('waiting_stations').where('station_id', '=', input.id).execute();
      await new AuditRepository(trx).record(audit);
      return station;
    });
  }

  /** Takes a station off the waiting list; false when it was not on it. */
  dismiss(id: string, audit: AuditEntry): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const r = await trx.deleteFrom('waiting_stations').where('station_id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return false;
      await new AuditRepository(trx).record(audit);
      return true;
    });
  }
}
