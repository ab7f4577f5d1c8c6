/**
 * Firmware files, rollouts, jobs and the stations' firmware timelines (migration 0018; src/operations). Instants are
 * UTC ISO-8601 text; flags 0/1.
 */
import { sql, type Selectable } from 'kysely';
import { inTransaction, type Db } from './sql/dialect.js';
import { stringsOfJson } from './sql/json-params.js';
import { prepare } from './sql/prepared.js';
import type { FirmwareFilesTable, FirmwareJobsTable, FirmwareRolloutsTable } from './sql/schema-firmware.js';
import type {
  FirmwareFile, FirmwareJob, FirmwareJobState, FirmwareRollout, FirmwareStore, FirmwareTimelineEntry, JobChange, RolloutState,
} from '../domain/firmware.js';

const file = (r: Selectable<FirmwareFilesTable>): FirmwareFile => ({
  id: r.id, version: r.version, fileName: r.file_name, storedName: r.stored_name, sizeBytes: Number(r.size_bytes), sha256: r.sha256,
  signingCertificate: r.signing_certificate, signature: r.signature, uploadedBy: r.uploaded_by, uploadedAt: r.uploaded_at,
});

const rollout = (r: Selectable<FirmwareRolloutsTable>): FirmwareRollout => ({
  id: r.id, firmwareId: r.firmware_id, createdBy: r.created_by, createdAt: r.created_at, retrieveAt: r.retrieve_at, installAt: r.install_at,
  batchSize: r.batch_size, maxFailureRate: r.max_failure_rate, resetWhileCharging: r.reset_while_charging === 1,
  state: r.state as RolloutState, detail: r.detail, updatedAt: r.updated_at,
});

const job = (r: Selectable<FirmwareJobsTable>): FirmwareJob => ({
  id: r.id, rolloutId: r.rollout_id, stationId: r.station_id, position: r.position, requestId: r.request_id, state: r.state as FirmwareJobState,
  lastStatus: r.last_status, tokenSha256: r.token_sha256, linkExpiresAt: r.link_expires_at, sentAt: r.sent_at, finishedAt: r.finished_at,
  detail: r.detail, bootVersion: r.boot_version, updatedAt: r.updated_at,
});

/** A station's latest jobs, read at every accepted boot (the boot version of a job sent to it): compiled once. */
const jobsOfStation = prepare('firmware_jobs.ofStation', (db: Db, p: { stationId: string; limit: number }) =>
  db.selectFrom('firmware_jobs').selectAll().where('station_id', '=', p.stationId)
    .orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(p.limit));

/**
 * Which of a turn's booted stations have a job that may want their boot's firmware version (firmware-rollouts.ts
 * booted): the station ids bound as one JSON text. Almost every boot is of a station with none: this answers it
 * from the station index (firmware_jobs_station) without reading, sorting and making jobs (25 against ~7 µs of
 * SQLite per boot, and one query for all the boots of a turn). A turn with one boot, the usual case outside a
 * reconnect storm, asks for its station alone (json_each costs as much again as the lookup).
 */
const awaitingBoot = prepare('firmware_jobs.awaitingBoot', (db: Db, p: { stations: string }) =>
  db.selectFrom('firmware_jobs').select('station_id').distinct()
    .where(sql<boolean>`${sql.ref('station_id')} IN ${stringsOfJson(db, p.stations)}`)
    .where('sent_at', 'is not', null).where('boot_version', 'is', null).where('state', '!=', 'Failed'));
const oneAwaitingBoot = prepare('firmware_jobs.oneAwaitingBoot', (db: Db, p: { stationId: string }) =>
  db.selectFrom('firmware_jobs').select('station_id').where('station_id', '=', p.stationId)
    .where('sent_at', 'is not', null).where('boot_version', 'is', null).where('state', '!=', 'Failed').limit(1));

export class FirmwareRepository implements FirmwareStore {
  constructor(private readonly db: Db) {}

  async addFile(f: FirmwareFile): Promise<void> {
    await this.db.insertInto('firmware_files').values({
      id: f.id, version: f.version, file_name: f.fileName, stored_name: f.storedName, size_bytes: f.sizeBytes, sha256: f.sha256,
      signing_certificate: f.signingCertificate, signature: f.signature, uploaded_by: f.uploadedBy, uploaded_at: f.uploadedAt,
    }).execute();
  }

  async file(id: string): Promise<FirmwareFile | undefined> {
    const r = await this.db.selectFrom('firmware_files').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? file(r) : undefined;
  }

  async files(limit: number): Promise<FirmwareFile[]> {
    const rows = await this.db.selectFrom('firmware_files').selectAll().orderBy('uploaded_at', 'desc').orderBy('id').limit(limit).execute();
    return rows.map(file);
  }

  async setSignature(id: string, signingCertificate: string, signature: string): Promise<void> {
    await this.db.updateTable('firmware_files').set({ signing_certificate: signingCertificate, signature }).where('id', '=', id).execute();
  }

  async addRollout(r: FirmwareRollout, jobs: FirmwareJob[]): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('firmware_rollouts').values({
        id: r.id, firmware_id: r.firmwareId, created_by: r.createdBy, created_at: r.createdAt, retrieve_at: r.retrieveAt, install_at: r.installAt,
        batch_size: r.batchSize, max_failure_rate: r.maxFailureRate, reset_while_charging: r.resetWhileCharging ? 1 : 0, state: r.state,
        detail: r.detail, updated_at: r.updatedAt,
      }).execute();
      if (jobs.length) {
        await trx.insertInto('firmware_jobs').values(jobs.map((j) => ({
          id: j.id, rollout_id: j.rolloutId, station_id: j.stationId, position: j.position, request_id: j.requestId, state: j.state,
          last_status: j.lastStatus, token_sha256: j.tokenSha256, link_expires_at: j.linkExpiresAt, sent_at: j.sentAt, finished_at: j.finishedAt,
          detail: j.detail, boot_version: j.bootVersion, updated_at: j.updatedAt,
        }))).execute();
      }
    });
  }

  async rollout(id: string): Promise<FirmwareRollout | undefined> {
    const r = await this.db.selectFrom('firmware_rollouts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? rollout(r) : undefined;
  }

  async rollouts(state: RolloutState | null, limit: number): Promise<FirmwareRollout[]> {
    let q = this.db.selectFrom('firmware_rollouts').selectAll();
    if (state) q = q.where('state', '=', state);
    return (await q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute()).map(rollout);
  }

  async setRollout(id: string, state: RolloutState, detail: string | null, at: string): Promise<void> {
    await this.db.updateTable('firmware_rollouts').set({ state, detail, updated_at: at }).where('id', '=', id).execute();
  }

  async jobs(rolloutId: string): Promise<FirmwareJob[]> {
    return (await this.db.selectFrom('firmware_jobs').selectAll().where('rollout_id', '=', rolloutId).orderBy('position').execute()).map(job);
  }

  async job(id: string): Promise<FirmwareJob | undefined> {
    const r = await this.db.selectFrom('firmware_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? job(r) : undefined;
  }

  async jobByRequest(stationId: string, requestId: number): Promise<FirmwareJob | undefined> {
    const r = await this.db.selectFrom('firmware_jobs').selectAll().where('station_id', '=', stationId).where('request_id', '=', requestId)
      .orderBy('updated_at', 'desc').executeTakeFirst();
    return r ? job(r) : undefined;
  }

  async jobByToken(tokenSha256: string): Promise<FirmwareJob | undefined> {
    const r = await this.db.selectFrom('firmware_jobs').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
    return r ? job(r) : undefined;
  }

  async stationJobs(stationId: string, limit: number): Promise<FirmwareJob[]> {
    return (await jobsOfStation.all(this.db, { stationId, limit })).map(job);
  }

  async stationsAwaitingBoot(stationIds: readonly string[]): Promise<Set<string>> {
    if (stationIds.length === 0) return new Set();
    const rows = stationIds.length === 1
      ? await oneAwaitingBoot.all(this.db, { stationId: stationIds[0]! })
      : await awaitingBoot.all(this.db, { stations: JSON.stringify(stationIds) });
    return new Set(rows.map((r) => r.station_id));
  }

  async jobsIn(states: readonly FirmwareJobState[], stationId?: string): Promise<FirmwareJob[]> {
    if (states.length === 0) return [];
    let q = this.db.selectFrom('firmware_jobs').selectAll().where('state', 'in', [...states]);
    if (stationId !== undefined) q = q.where('station_id', '=', stationId);
    return (await q.orderBy('rollout_id').orderBy('position').limit(10_000).execute()).map(job);
  }

  async updateJob(id: string, c: JobChange, at: string): Promise<void> {
    const set: Partial<FirmwareJobsTable> = { updated_at: at };
    if (c.state !== undefined) set.state = c.state;
    if (c.lastStatus !== undefined) set.last_status = c.lastStatus;
    if (c.tokenSha256 !== undefined) set.token_sha256 = c.tokenSha256;
    if (c.linkExpiresAt !== undefined) set.link_expires_at = c.linkExpiresAt;
    if (c.sentAt !== undefined) set.sent_at = c.sentAt;
    if (c.finishedAt !== undefined) set.finished_at = c.finishedAt;
    if (c.detail !== undefined) set.detail = c.detail;
    if (c.bootVersion !== undefined) set.boot_version = c.bootVersion;
    await this.db.updateTable('firmware_jobs').set(set).where('id', '=', id).execute();
  }

  async addHistory(e: FirmwareTimelineEntry): Promise<void> {
    await this.db.insertInto('firmware_status_history').values({ job_id: e.jobId, station_id: e.stationId, status: e.status, at: e.at, detail: e.detail }).execute();
  }

  async timeline(stationId: string, limit: number): Promise<FirmwareTimelineEntry[]> {
    const rows = await this.db.selectFrom('firmware_status_history').select(['job_id', 'station_id', 'status', 'at', 'detail'])
      .where('station_id', '=', stationId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ jobId: r.job_id, stationId: r.station_id, status: r.status, at: r.at, detail: r.detail }));
  }
}
