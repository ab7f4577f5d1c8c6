/**
 * A station's firmware statuses are handled in the order they came (L01.FR.01/.10), on both databases. They reach the
 * rollouts as events, each a read-then-write on the station's job; two close together (Installing, then
 * InstallRebooting) raced, and on PostgreSQL the station page's timeline once listed them the wrong way round. Here
 * the first status's job read is held until the second has been handed over: the timeline and the job still follow
 * the station's order.
 */
import { describe, expect, it } from 'vitest';
import type { FirmwareJob, FirmwareStore } from '../../src/domain/firmware.js';
import { ManualClock } from '../../src/platform/clock.js';
import { FirmwareRollouts } from '../../src/operations/firmware-rollouts.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import { FirmwareRepository } from '../../src/storage/firmware-repository.js';
import { testDatabase } from '../helpers/test-database.js';

const AT = '2026-11-23T10:00:00.000Z';

describe('firmware statuses of one station', () => {
  it('are stored in the order the station sent them, however long the first one\'s reads take', async () => {
    const storage = await (await testDatabase()).open();
    await createOcppRepositories(storage.db).stations.register({ id: 'S1', passwordHash: null, securityProfile: 0 }, AT);
    const repo = new FirmwareRepository(storage.db);
    await repo.addFile({ id: 'f1', version: '7.1.0', fileName: 'fw.bin', storedName: 'f1.bin', sizeBytes: 1, sha256: 'x', signingCertificate: null, signature: null, uploadedBy: 'ada', uploadedAt: AT });
    const job: FirmwareJob = {
      id: 'j1', rolloutId: 'r1', stationId: 'S1', position: 0, requestId: 42, state: 'Sent', lastStatus: 'Downloaded', tokenSha256: null,
      linkExpiresAt: null, sentAt: AT, finishedAt: null, detail: null, bootVersion: null, updatedAt: AT,
    };
    await repo.addRollout({
      id: 'r1', firmwareId: 'f1', createdBy: 'ada', createdAt: AT, retrieveAt: null, installAt: null, batchSize: 1, maxFailureRate: 0.2,
      resetWhileCharging: false, state: 'Running', detail: null, updatedAt: AT,
    }, [job]);

    // The first read of the job waits until the test lets it go.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const store: FirmwareStore = Object.create(repo) as FirmwareStore;
    store.jobByRequest = async (stationId, requestId) => {
      if (reads++ === 0) await held;
      return repo.jobByRequest(stationId, requestId);
    };
    const rollouts = new FirmwareRollouts({
      store, gateway: { call: () => Promise.reject(new Error('not called')) } as never, emit: () => {}, baseUrl: () => 'http://127.0.0.1',
      linkTtlMs: 60_000, clock: new ManualClock(Date.parse(AT)), charging: async () => false, firmwareVersion: async () => null,
    });
    const first = rollouts.onStatus('S1', 'Installing', 42, '2026-11-23T10:00:01.000Z');
    const second = rollouts.onStatus('S1', 'InstallRebooting', 42, '2026-11-23T10:00:01.000Z');
    // Let the second get as far as it can before the first's read returns.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    release();
    await Promise.all([first, second]);

    expect((await repo.timeline('S1', 10)).map((e) => e.status).reverse()).toEqual(['Installing', 'InstallRebooting']);
    expect((await repo.job('j1'))?.lastStatus).toBe('InstallRebooting');
    await storage.close();
  });
});
