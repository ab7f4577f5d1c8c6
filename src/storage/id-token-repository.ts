import type { Selectable } from 'kysely';
import type { Db } from './sql/dialect.js';
import type { IdTokensTable } from './sql/schema.js';
import type { IdTokenRecord, IdTokenStatus, IdTokenStore } from '../domain/stations.js';

const toRecord = (r: Selectable<IdTokensTable>): IdTokenRecord => ({
  idToken: r.id_token,
  type: r.type,
  status: r.status as IdTokenStatus,
  groupIdToken: r.group_id_token,
  expiresAt: r.expires_at,
  vehicleId: r.vehicle_id,
});

/** A guard against a runaway list; an operator's token list stays far below it. */
const MAX_LIST = 100_000;

export class IdTokenRepository implements IdTokenStore {
  constructor(private readonly db: Db) {}

  /**
   * The token table's entry; failing that, a card a vehicle lists (vehicles API and fleet pages) is Accepted as that
   * vehicle's (C01/E01: the CSMS decides from its own records): a fleet manager who registers a van's card need not
   * also enter it in the token table. An entry in the token table wins (Blocked, Expired, a group) whatever a vehicle
   * lists.
   */
  async get(idToken: string, type: string): Promise<IdTokenRecord | undefined> {
    const row = await this.db.selectFrom('id_tokens').selectAll().where('id_token', '=', idToken).where('type', '=', type).executeTakeFirst();
    if (row) return toRecord(row);
    const claim = await this.db.selectFrom('vehicle_id_tokens').select('vehicle_id').where('id_token', '=', idToken).executeTakeFirst();
    return claim ? { idToken, type, status: 'Accepted', groupIdToken: null, expiresAt: null, vehicleId: claim.vehicle_id } : undefined;
  }

  /** One upsert on the key (id_token, type): concurrent writers of one token leave one row, the last writer's. */
  async upsert(t: IdTokenRecord, at: string): Promise<void> {
    await this.db.insertInto('id_tokens')
      .values({
        id_token: t.idToken,
        type: t.type,
        status: t.status,
        group_id_token: t.groupIdToken,
        expires_at: t.expiresAt,
        vehicle_id: t.vehicleId,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.columns(['id_token', 'type']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        group_id_token: eb.ref('excluded.group_id_token'),
        expires_at: eb.ref('excluded.expires_at'),
        vehicle_id: eb.ref('excluded.vehicle_id'),
        updated_at: eb.ref('excluded.updated_at'),
      })))
      .execute();
  }

  async list(): Promise<IdTokenRecord[]> {
    const rows = await this.db.selectFrom('id_tokens').selectAll().orderBy('id_token').orderBy('type').limit(MAX_LIST).execute();
    return rows.map(toRecord);
  }
}
