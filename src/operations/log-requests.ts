/**
 * GetLog (issue 17; OCPP 2.0.1 N01): the station uploads its DiagnosticsLog or SecurityLog to a one-time link on the
 * product's own HTTP port (a 256-bit token in the path, only its SHA-256 stored, spent by the first upload, expiring),
 * with the size bounded; LogStatusNotification (matched by requestId) is kept as the request's history, and the file
 * is offered to admins for download.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../platform/clock.js';
import { isoUtc } from '../platform/clock.js';
import { LOG_FAILURES, type LogRequest, type LogStore, type LogType, type MaintenanceEvents, type MaintenanceGateway } from '../domain/firmware.js';
import { OperationError } from '../domain/station-operations.js';
import { FileTooLarge, LINK_TOKEN, linkTokenHash, newLinkToken, type FileStore } from './file-store.js';
import { LinkRefused } from './firmware-files.js';
import { RequestIds } from './request-ids.js';

export interface LogRequestsDeps {
  store: LogStore;
  files: FileStore;
  gateway: MaintenanceGateway;
  emit<K extends keyof MaintenanceEvents>(event: K, payload: MaintenanceEvents[K]): void;
  baseUrl(): string;
  linkTtlMs: number;
  maxBytes: number;
  clock: Clock;
}

export class LogRequests {
  private readonly ids: RequestIds;

  constructor(private readonly d: LogRequestsDeps) {
    this.ids = new RequestIds(d.clock);
  }

  private now(): string {
    return isoUtc(this.d.clock.now());
  }

  /** Sends GetLog; a refusal or a failed call is kept (Failed) and thrown as an OperationError. */
  async request(r: { stationId: string; logType: LogType; oldest?: string | undefined; latest?: string | undefined; by: string }): Promise<LogRequest> {
    const at = this.now();
    const link = newLinkToken();
    const log: LogRequest = {
      id: randomUUID(), stationId: r.stationId, requestId: this.ids.next(), logType: r.logType, requestedBy: r.by, requestedAt: at,
      state: 'Requested', lastStatus: null, tokenSha256: link.sha256, linkExpiresAt: isoUtc(this.d.clock.now() + this.d.linkTtlMs),
      fileName: null, storedName: null, sizeBytes: null, sha256: null, uploadedAt: null, detail: null, updatedAt: at,
    };
    await this.d.store.add(log);
    // Before the call: the station's LogStatusNotifications may arrive before its answer is handled here.
    await this.d.store.addStatus(log.id, 'GetLog', at);
    let answer: { status: string; reasonCode: string | null; filename: string | null };
    try {
      answer = await this.d.gateway.getLog(r.stationId, {
        requestId: log.requestId, logType: r.logType, remoteLocation: `${this.d.baseUrl()}/files/logs/${link.token}`,
        oldestTimestamp: r.oldest, latestTimestamp: r.latest,
      });
    } catch (err) {
      if (err instanceof OperationError) await this.fail(log, err.code, err.message);
      throw err;
    }
    if (answer.status !== 'Accepted' && answer.status !== 'AcceptedCanceled') {
      const reason = answer.reasonCode ? ` (reasonCode ${answer.reasonCode})` : '';
      const message = `${r.stationId} answered GetLog with ${answer.status}${reason}`;
      await this.fail(log, answer.status, message);
      throw new OperationError('STATION_REFUSED', message, false, { action: 'GetLog', status: answer.status, reasonCode: answer.reasonCode, additionalInfo: null });
    }
    const detail = answer.status === 'AcceptedCanceled' ? 'the station cancelled its previous upload for this one' : null;
    await this.d.store.update(log.id, { fileName: answer.filename, detail }, this.now());
    this.d.emit('log.request', { stationId: r.stationId, logId: log.id, state: 'Requested', status: answer.status });
    return (await this.d.store.get(log.id))!;
  }

  /** The station's upload to its one-time link (the body streamed to disk, at most maxBytes). */
  async upload(token: string, body: Readable, fileName: string | null): Promise<LogRequest> {
    if (!LINK_TOKEN.test(token)) throw new LinkRefused('LINK_UNKNOWN', 'no such link');
    const sha = linkTokenHash(token);
    const log = await this.d.store.byToken(sha);
    if (!log) throw new LinkRefused('LINK_UNKNOWN', 'no such link');
    if (log.state !== 'Requested') throw new LinkRefused('LINK_SPENT', 'this link was used');
    if (log.linkExpiresAt === null || Date.parse(log.linkExpiresAt) <= this.d.clock.now()) throw new LinkRefused('LINK_EXPIRED', 'this link has expired');
    // One upload per link: the first to get here spends it.
    if (!(await this.d.store.claimUpload(log.id, sha, this.now()))) throw new LinkRefused('LINK_SPENT', 'this link was used');
    let stored;
    try {
      stored = await this.d.files.write('logs', body, this.d.maxBytes);
    } catch (err) {
      if (err instanceof FileTooLarge) await this.fail(log, 'TooLarge', `the upload was larger than ${this.d.maxBytes} bytes`);
      else await this.fail(log, 'UploadBroken', `the upload broke off: ${(err as Error).message}`);
      throw err;
    }
    const at = this.now();
    await this.d.store.update(log.id, {
      state: 'Uploaded', storedName: stored.storedName, sizeBytes: stored.sizeBytes, sha256: stored.sha256, uploadedAt: at,
      fileName: fileName ?? log.fileName ?? `${log.stationId}-${log.logType}-${log.requestId}.log`,
    }, at);
    await this.d.store.addStatus(log.id, 'FileReceived', at);
    this.d.emit('log.request', { stationId: log.stationId, logId: log.id, state: 'Uploaded', status: null });
    return (await this.d.store.get(log.id))!;
  }

  /** N01: a LogStatusNotification, matched by requestId; a failure status ends a request still waiting. */
  async onStatus(stationId: string, status: string, requestId: number | null, at: string): Promise<void> {
    const log = requestId !== null ? await this.d.store.byRequest(stationId, requestId) : (await this.d.store.ofStation(stationId, 1))[0];
    if (!log) return;
    await this.d.store.addStatus(log.id, status, at);
    if (log.state === 'Requested' && LOG_FAILURES.has(status)) return this.fail(log, status, `the station reported ${status}`);
    if (log.state === 'Requested' && status === 'AcceptedCanceled') {
      await this.d.store.update(log.id, { state: 'Cancelled', lastStatus: status, tokenSha256: null }, at);
      return;
    }
    await this.d.store.update(log.id, { lastStatus: status }, at);
    this.d.emit('log.request', { stationId, logId: log.id, state: log.state, status });
  }

  /** An uploaded file to stream to an admin. */
  async file(stationId: string, logId: string): Promise<{ log: LogRequest; stream: Readable; sizeBytes: number } | null> {
    const log = await this.d.store.get(logId);
    if (!log || log.stationId !== stationId || log.state !== 'Uploaded' || !log.storedName) return null;
    const opened = await this.d.files.open('logs', log.storedName);
    return opened ? { log, ...opened } : null;
  }

  private async fail(log: LogRequest, status: string, detail: string): Promise<void> {
    const at = this.now();
    await this.d.store.update(log.id, { state: 'Failed', lastStatus: status, detail, tokenSha256: null }, at);
    this.d.emit('log.request', { stationId: log.stationId, logId: log.id, state: 'Failed', status });
    this.d.emit('log.failed', { stationId: log.stationId, logId: log.id, status, detail });
  }
}
