/**
 * Firmware updates (issue 17; OCPP 2.0.1 L01): one station or a group, now or at a time, in batches.
 *
 * - Each station's job gets its own download link (a 256-bit token in the path, only its SHA-256 stored) that works
 *   while the job runs and until it expires (files.linkMinutes after the retrieve time): firmware-links.ts checks it.
 * - Every FirmwareStatusNotification (L01.FR.01, matched by requestId, L01.FR.10) is kept as the station's
 *   timeline; Installed ends the job well, DownloadFailed (L01.FR.30), InvalidSignature (L01.FR.03),
 *   InstallVerificationFailed (L01.FR.29) and InstallationFailed end it badly. The next BootNotification's
 *   firmwareVersion is recorded on the job.
 * - A rollout sends its next batch when no job of the last one is still running; before that it stops if the failed
 *   share of the finished jobs exceeds maxFailureRate, cancelling what was not sent.
 * - A charging station is never reset unless the rollout says so: its UpdateFirmware waits (WaitingForIdle) until
 *   its transactions end. Those waiting do not hold the next batch back.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../platform/clock.js';
import { isoUtc } from '../platform/clock.js';
import {
  FINISHED_JOB_STATES, FIRMWARE_FAILURES, type FirmwareFile, type FirmwareJob, type FirmwareRollout, type FirmwareStore,
  type MaintenanceEvents, type MaintenanceGateway,
} from '../domain/firmware.js';
import { OperationError } from '../domain/station-operations.js';
import { TurnBatchedLookup } from '../platform/turn-lookup.js';
import { newLinkToken } from './file-store.js';
import { RequestIds } from './request-ids.js';

export interface FirmwareRolloutDeps {
  store: FirmwareStore;
  gateway: MaintenanceGateway;
  /** Does the station run a transaction now? */
  charging(stationId: string): Promise<boolean>;
  /** The firmwareVersion the station reported in its last BootNotification. */
  firmwareVersion(stationId: string): Promise<string | null>;
  emit<K extends keyof MaintenanceEvents>(event: K, payload: MaintenanceEvents[K]): void;
  /** The product's own base URL as stations reach it (http://host:port). */
  baseUrl(): string;
  linkTtlMs: number;
  clock: Clock;
}

export interface RolloutRequest {
  firmwareId: string;
  stationIds: readonly string[];
  retrieveAt?: string | undefined;
  installAt?: string | undefined;
  batchSize?: number | undefined;
  maxFailureRate?: number | undefined;
  resetWhileCharging?: boolean | undefined;
  by: string;
}

/** A problem with the request itself, naming the field. */
export class RolloutInputError extends Error {
  override readonly name = 'RolloutInputError';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

export const MAX_ROLLOUT_STATIONS = 500;

/** A station's queue in `serial` (rollout ids are UUIDs, so the two kinds of key never meet). */
const stationKey = (stationId: string) => `station:${stationId}`;

export class FirmwareRollouts {
  private readonly ids: RequestIds;
  /** One step at a time per rollout: statuses of two stations arriving together never send a batch twice. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Whether a booted station has a sent job waiting for its boot version: one read per turn for all its boots. */
  private readonly awaitingBoot: TurnBatchedLookup<string>;

  constructor(private readonly d: FirmwareRolloutDeps) {
    this.ids = new RequestIds(d.clock);
    this.awaitingBoot = new TurnBatchedLookup((ids) => d.store.stationsAwaitingBoot(ids));
  }

  private now(): string {
    return isoUtc(this.d.clock.now());
  }

  /** Creates the rollout and its jobs and sends the first batch; answers once that batch was sent (or waits). */
  async start(r: RolloutRequest): Promise<FirmwareRollout> {
    const file = await this.d.store.file(r.firmwareId);
    if (!file) throw new RolloutInputError('firmwareId', `no firmware file ${r.firmwareId}`);
    const stations = [...new Set(r.stationIds)];
    if (stations.length === 0 || stations.length > MAX_ROLLOUT_STATIONS) throw new RolloutInputError('stationIds', `one to ${MAX_ROLLOUT_STATIONS} stations`);
    const at = this.now();
    for (const [field, v] of [['retrieveAt', r.retrieveAt], ['installAt', r.installAt]] as const) {
      if (v !== undefined && Number.isNaN(Date.parse(v))) throw new RolloutInputError(field, `${field}: not an instant`);
    }
    if (r.retrieveAt && r.installAt && Date.parse(r.installAt) < Date.parse(r.retrieveAt)) throw new RolloutInputError('installAt', 'installAt is before retrieveAt');
    const rollout: FirmwareRollout = {
      id: randomUUID(), firmwareId: file.id, createdBy: r.by, createdAt: at,
      retrieveAt: r.retrieveAt ? isoUtc(Date.parse(r.retrieveAt)) : null, installAt: r.installAt ? isoUtc(Date.parse(r.installAt)) : null,
      batchSize: r.batchSize ?? stations.length, maxFailureRate: r.maxFailureRate ?? 0.2, resetWhileCharging: r.resetWhileCharging ?? false,
      state: 'Running', detail: null, updatedAt: at,
    };
    const jobs: FirmwareJob[] = stations.map((stationId, position) => ({
      id: randomUUID(), rolloutId: rollout.id, stationId, position, requestId: this.ids.next(), state: 'Pending', lastStatus: null,
      tokenSha256: null, linkExpiresAt: null, sentAt: null, finishedAt: null, detail: null, bootVersion: null, updatedAt: at,
    }));
    await this.d.store.addRollout(rollout, jobs);
    await this.step(rollout.id);
    return (await this.d.store.rollout(rollout.id))!;
  }

  /**
   * L01.FR.01/.10: a FirmwareStatusNotification, matched to its job by requestId. A station's statuses, boots and
   * ended transactions are handled one at a time in the order they came (they arrive as events, each read-then-write
   * on the station's job): two statuses close together (Installing, InstallRebooting) otherwise raced, and on
   * PostgreSQL the timeline could list them, and the job keep their status, in the wrong order.
   */
  onStatus(stationId: string, status: string, requestId: number | null, at: string): Promise<void> {
    return this.serial(stationKey(stationId), () => this.status(stationId, status, requestId, at));
  }

  /** The firmware version of the boot that follows an update, on the station's latest sent job. */
  onBooted(stationId: string): Promise<void> {
    return this.serial(stationKey(stationId), () => this.booted(stationId));
  }

  /** A transaction ended: a job waiting for the station to be idle goes now. */
  onTransactionEnded(stationId: string): Promise<void> {
    return this.serial(stationKey(stationId), () => this.transactionEnded(stationId));
  }

  private async status(stationId: string, status: string, requestId: number | null, at: string): Promise<void> {
    // L01.FR.20: Idle carries no requestId; it belongs to the station's latest job.
    const job = requestId !== null ? await this.d.store.jobByRequest(stationId, requestId) : (await this.d.store.stationJobs(stationId, 1))[0];
    if (!job) return;
    await this.d.store.addHistory({ jobId: job.id, stationId, status, at, detail: null });
    if (FINISHED_JOB_STATES.has(job.state)) {
      await this.d.store.updateJob(job.id, { lastStatus: status }, at);
      return;
    }
    if (status === 'Installed') return this.finish(job, 'Installed', status, `installed (${status})`);
    if (FIRMWARE_FAILURES.has(status)) return this.finish(job, 'Failed', status, failureWords[status] ?? status);
    await this.d.store.updateJob(job.id, { lastStatus: status }, at);
    this.d.emit('firmware.job', { stationId, jobId: job.id, rolloutId: job.rolloutId, state: job.state, status, detail: null });
  }

  private async booted(stationId: string): Promise<void> {
    // Almost no booting station has an update sent to it: asked for all the boots of a turn at once (issue 15: a
    // read of its latest job at every boot was a tenth of a connect's storage CPU). Only those that have one read it.
    if (!(await this.awaitingBoot.has(stationId))) return;
    const [job] = await this.d.store.stationJobs(stationId, 1);
    if (!job || job.sentAt === null || job.bootVersion !== null || job.state === 'Failed') return;
    const version = await this.d.firmwareVersion(stationId);
    if (version === null) return;
    const at = this.now();
    await this.d.store.updateJob(job.id, { bootVersion: version }, at);
    await this.d.store.addHistory({ jobId: job.id, stationId, status: 'Booted', at, detail: `BootNotification with firmware ${version}` });
  }

  private async transactionEnded(stationId: string): Promise<void> {
    const waiting = await this.d.store.jobsIn(['WaitingForIdle'], stationId);
    if (waiting.length === 0 || await this.d.charging(stationId)) return;
    for (const job of waiting) await this.serial(job.rolloutId, async () => {
      const current = await this.d.store.job(job.id);
      const rollout = await this.d.store.rollout(job.rolloutId);
      if (current?.state !== 'WaitingForIdle' || !rollout) return;
      const file = await this.d.store.file(rollout.firmwareId);
      if (file) await this.send(current, rollout, file);
      await this.advance(rollout.id);
    });
  }

  /** Resolves when every step started so far has finished (tests; shutdown). */
  async done(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  // ---- the rollout's steps ----

  private step(rolloutId: string): Promise<void> {
    return this.serial(rolloutId, () => this.advance(rolloutId));
  }

  /** One piece of work at a time per key (a rollout's id, or stationKey(a station)), in call order. */
  private serial(rolloutId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(rolloutId) ?? Promise.resolve()).then(work);
    const kept = next.catch(() => {});
    this.chains.set(rolloutId, kept);
    this.pending.add(kept);
    void kept.finally(() => {
      this.pending.delete(kept);
      if (this.chains.get(rolloutId) === kept) this.chains.delete(rolloutId);
    });
    return next;
  }

  private async advance(rolloutId: string): Promise<void> {
    const rollout = await this.d.store.rollout(rolloutId);
    if (!rollout || rollout.state !== 'Running') return;
    const jobs = await this.d.store.jobs(rolloutId);
    if (jobs.some((j) => j.state === 'Sent')) return;
    const finished = jobs.filter((j) => j.state === 'Installed' || j.state === 'Failed');
    const failed = finished.filter((j) => j.state === 'Failed').length;
    const at = this.now();
    if (finished.length > 0 && failed / finished.length > rollout.maxFailureRate) {
      const rest = jobs.filter((j) => j.state === 'Pending' || j.state === 'WaitingForIdle');
      for (const j of rest) await this.d.store.updateJob(j.id, { state: 'Cancelled', finishedAt: at, detail: 'the rollout stopped before this station' }, at);
      const detail = `stopped: ${failed} of ${finished.length} finished updates failed (${pct(failed / finished.length)} > ${pct(rollout.maxFailureRate)}); ${rest.length} not sent`;
      await this.d.store.setRollout(rolloutId, 'Stopped', detail, at);
      this.d.emit('firmware.rollout', { rolloutId, state: 'Stopped', detail });
      return;
    }
    const next = jobs.filter((j) => j.state === 'Pending').slice(0, rollout.batchSize);
    if (next.length === 0) {
      if (jobs.some((j) => j.state === 'WaitingForIdle')) return;
      const detail = `${finished.length - failed} installed, ${failed} failed`;
      await this.d.store.setRollout(rolloutId, 'Completed', detail, at);
      this.d.emit('firmware.rollout', { rolloutId, state: 'Completed', detail });
      return;
    }
    const file = await this.d.store.file(rollout.firmwareId);
    if (!file) return;
    for (const job of next) await this.dispatch(job, rollout, file);
    // Jobs that failed at once or wait for idle stations leave room for the next batch.
    const after = await this.d.store.jobs(rolloutId);
    if (!after.some((j) => j.state === 'Sent')) await this.advance(rolloutId);
  }

  private async dispatch(job: FirmwareJob, rollout: FirmwareRollout, file: FirmwareFile): Promise<void> {
    if (!rollout.resetWhileCharging && await this.d.charging(job.stationId)) {
      const at = this.now();
      const detail = 'charging: UpdateFirmware is sent when its transactions have ended (InstallScheduled until idle)';
      await this.d.store.updateJob(job.id, { state: 'WaitingForIdle', detail }, at);
      await this.d.store.addHistory({ jobId: job.id, stationId: job.stationId, status: 'WaitingForIdle', at, detail });
      this.d.emit('firmware.job', { stationId: job.stationId, jobId: job.id, rolloutId: rollout.id, state: 'WaitingForIdle', status: null, detail });
      return;
    }
    await this.send(job, rollout, file);
  }

  private async send(job: FirmwareJob, rollout: FirmwareRollout, file: FirmwareFile): Promise<void> {
    const nowMs = this.d.clock.now();
    const retrieveMs = Math.max(nowMs, rollout.retrieveAt ? Date.parse(rollout.retrieveAt) : nowMs);
    const link = newLinkToken();
    const at = isoUtc(nowMs);
    await this.d.store.updateJob(job.id, { state: 'Sent', sentAt: at, tokenSha256: link.sha256, linkExpiresAt: isoUtc(retrieveMs + this.d.linkTtlMs), detail: null }, at);
    await this.d.store.addHistory({ jobId: job.id, stationId: job.stationId, status: 'UpdateFirmware', at, detail: `firmware ${file.version}, retrieve at ${isoUtc(retrieveMs)}${rollout.installAt ? `, install at ${rollout.installAt}` : ''}` });
    let answer: { status: string; reasonCode: string | null };
    try {
      answer = await this.d.gateway.updateFirmware(job.stationId, {
        requestId: job.requestId,
        location: `${this.d.baseUrl()}/files/firmware/${link.token}`,
        retrieveDateTime: isoUtc(retrieveMs),
        installDateTime: rollout.installAt ?? undefined,
        signingCertificate: file.signingCertificate ?? undefined,
        signature: file.signature ?? undefined,
      });
    } catch (err) {
      if (!(err instanceof OperationError)) throw err;
      return this.finish({ ...job, state: 'Sent' }, 'Failed', err.code, err.message);
    }
    const reason = answer.reasonCode ? ` (reasonCode ${answer.reasonCode})` : '';
    if (answer.status === 'Accepted' || answer.status === 'AcceptedCanceled') {
      this.d.emit('firmware.job', { stationId: job.stationId, jobId: job.id, rolloutId: rollout.id, state: 'Sent', status: null, detail: null });
      return;
    }
    // L01.FR.22: InvalidCertificate; also Rejected and RevokedCertificate.
    await this.finish({ ...job, state: 'Sent' }, 'Failed', answer.status, `the station answered UpdateFirmware with ${answer.status}${reason}`);
  }

  private async finish(job: FirmwareJob, state: 'Installed' | 'Failed', status: string, detail: string): Promise<void> {
    const at = this.now();
    // The link dies with the job.
    await this.d.store.updateJob(job.id, { state, lastStatus: status, finishedAt: at, detail, tokenSha256: null }, at);
    if (!FIRMWARE_FAILURES.has(status) && state === 'Failed') await this.d.store.addHistory({ jobId: job.id, stationId: job.stationId, status, at, detail });
    this.d.emit('firmware.job', { stationId: job.stationId, jobId: job.id, rolloutId: job.rolloutId, state, status, detail });
    if (state === 'Failed') this.d.emit('firmware.failed', { stationId: job.stationId, jobId: job.id, rolloutId: job.rolloutId, status, detail });
    if (job.state !== 'Sent') return;
    // From a status notification: the rollout may go on (serialised; from send() the caller's advance follows).
    void this.step(job.rolloutId);
  }
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

const failureWords: Record<string, string> = {
  DownloadFailed: 'the station could not download the firmware (L01.FR.30)',
  InvalidSignature: 'the firmware’s signature did not verify (L01.FR.03)',
  InstallVerificationFailed: 'the firmware failed the station’s verification (L01.FR.29)',
  InstallationFailed: 'the installation failed',
};
