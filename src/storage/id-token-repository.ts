import type { Db } from './database.js';
import type { IdTokenRecord, IdTokenStatus, IdTokenStore } from '../domain/stations.js';

interface Row {
  id_token: string;
  type: string;
  status: IdTokenStatus;
  group_id_token: string | null;
  expires_at: string | null;
  vehicle_id: string | null;
}

const toRecord = (r: Row): IdTokenRecord => ({
  idToken: r.id_token,
  type: r.type,
  status: r.status,
  groupIdToken: r.group_id_token,
  expiresAt: r.expires_at,
  vehicleId: r.vehicle_id,
});

export class IdTokenRepository implements IdTokenStore {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly listStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string, string], Row>('SELECT * FROM id_tokens WHERE id_token = ? AND type = ?');
    this.listStmt = db.prepare<[], Row>('SELECT * FROM id_tokens ORDER BY id_token, type');
    this.upsertStmt = db.prepare(
      `INSERT INTO id_tokens (id_token, type, status, group_id_token, expires_at, vehicle_id, created_at, updated_at)
       VALUES (@idToken, @type, @status, @groupIdToken, @expiresAt, @vehicleId, @at, @at)
       ON CONFLICT (id_token, type) DO UPDATE SET status = excluded.status, group_id_token = excluded.group_id_token,
         expires_at = excluded.expires_at, vehicle_id = excluded.vehicle_id, updated_at = excluded.updated_at`,
    );
  }

  get(idToken: string, type: string): IdTokenRecord | undefined {
    const row = this.getStmt.get(idToken, type);
    return row ? toRecord(row) : undefined;
  }

  upsert(t: IdTokenRecord, at: string): void {
    this.upsertStmt.run({ ...t, at });
  }

  list(): IdTokenRecord[] {
    return this.listStmt.all().map(toRecord);
  }
}
