/** GetLog requests and their LogStatusNotification history (migration 0018; N01; src/operations/log-requests.ts). */
import type { Selectable } from 'kysely';
import type { Db } from './sql/dialect.js';
import type { LogRequestsTable } from './sql/schema-firmware.js';
import type { LogChange, LogRequest, LogState, LogStore, LogType } from '../domain/firmware.js';

const row = (r: Selectable<LogRequestsTable>): LogRequest => ({
  id: r.id, stationId: r.station_id, requestId: r.request_id, logType: r.log_type as LogType, requestedBy: r.requested_by, requestedAt: r.requested_at,
  state: r.state as LogState, lastStatus: r.last_status, tokenSha256: r.token_sha256, linkExpiresAt: r.link_expires_at, fileName: r.file_name,
  storedName: r.stored_name, sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes), sha256: r.sha256, uploadedAt: r.uploaded_at,
  detail: r.detail, updatedAt: r.updated_at,
});

export class LogRequestRepository implements LogStore {
  constructor(private readonly db: Db) {}

  async add(l: LogRequest): Promise<void> {
    await this.db.insertInto('log_requests').values({
      id: l.id, station_id: l.stationId, request_id: l.requestId, log_type: l.logType, requested_by: l.requestedBy, requested_at: l.requestedAt,
      state: l.state, last_status: l.lastStatus, token_sha256: l.tokenSha256, link_expires_at: l.linkExpiresAt, file_name: l.fileName,
      stored_name: l.storedName, size_bytes: l.sizeBytes, sha256: l.sha256, uploaded_at: l.uploadedAt, detail: l.detail, updated_at: l.updatedAt,
    }).execute();
  }

  async get(id: string): Promise<LogRequest | undefined> {
    const r = await this.db.selectFrom('log_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? row(r) : undefined;
  }

  async byRequest(stationId: string, requestId: number): Promise<LogRequest | undefined> {
    const r = await this.db.selectFrom('log_requests').selectAll().where('station_id', '=', stationId).where('request_id', '=', requestId)
      .orderBy('requested_at', 'desc').executeTakeFirst();
    return r ? row(r) : undefined;
  }

  async byToken(tokenSha256: string): Promise<LogRequest | undefined> {
    const r = await this.db.selectFrom('log_requests').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
    return r ? row(r) : undefined;
  }

  async ofStation(stationId: string, limit: number): Promise<LogRequest[]> {
    const rows = await this.db.selectFrom('log_requests').selectAll().where('station_id', '=', stationId)
      .orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(row);
  }

  async update(id: string, c: LogChange, at: string): Promise<void> {
    const set: Partial<LogRequestsTable> = { updated_at: at };
    for (const [k, col] of [['state', 'state'], ['lastStatus', 'last_status'], ['tokenSha256', 'token_sha256'], ['linkExpiresAt', 'link_expires_at'],
      ['fileName', 'file_name'], ['storedName', 'stored_name'], ['sizeBytes', 'size_bytes'], ['sha256', 'sha256'], ['uploadedAt', 'uploaded_at'],
      ['detail', 'detail']] as const) {
      if (c[k] !== undefined) (set as Record<string, unknown>)[col] = c[k];
    }
    await this.db.updateTable('log_requests').set(set).where('id', '=', id).execute();
  }

  /** One guarded UPDATE: the link is spent by the first upload that gets here (token cleared). */
  async claimUpload(id: string, tokenSha256: string, at: string): Promise<boolean> {
    const r = await this.db.updateTable('log_requests').set({ token_sha256: null, updated_at: at })
      .where('id', '=', id).where('token_sha256', '=', tokenSha256).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async addStatus(logId: string, status: string, at: string): Promise<void> {
    await this.db.insertInto('log_status_history').values({ log_id: logId, status, at }).execute();
  }

  async statuses(logId: string): Promise<{ status: string; at: string }[]> {
    return this.db.selectFrom('log_status_history').select(['status', 'at']).where('log_id', '=', logId).orderBy('id').limit(200).execute();
  }
}
