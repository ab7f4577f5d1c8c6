/**
 * The boot that follows an update records the station's new firmware version on its job (L01: the job's boot
 * version), on both databases. Every accepted BootNotification asks; almost no station has an update under way, so
 * the boots of one turn are asked about with one read (stationsAwaitingBoot) and only a station with a sent job that
 * has neither failed nor a boot version yet reads its latest job.
 */
import { describe, expect, it } from 'vitest';
import type { FirmwareJob, FirmwareStore } from '../../src/domain/firmware.js';
import { ManualClock } from '../../src/platform/clock.js';
import { FirmwareRollouts } from '../../src/operations/firmware-rollouts.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import { FirmwareRepository } from '../../src/storage/firmware-repository.js';
import { testDatabase } from '../helpers/test-database.js';

const AT = '2026-11-23T10:00:00.000Z';

function job(id: string, stationId: string, change: Partial<FirmwareJob>): FirmwareJob {
  return {
    id, rolloutId: 'r1', stationId, position: 0, requestId: 42, state: 'Sent', lastStatus: null, tokenSha256: null, linkExpiresAt: null,
    sentAt: AT, finishedAt: null, detail: null, bootVersion: null, updatedAt: AT, ...change,
  };
}

async function fixture() {
  const storage = await (await testDatabase()).open();
  const stations = createOcppRepositories(storage.db).stations;
  for (const id of ['SENT', 'PENDING', 'FAILED', 'BOOTED', 'NONE', 'OLD']) await stations.register({ id, passwordHash: null, securityProfile: 0 }, AT);
  const repo = new FirmwareRepository(storage.db);
  await repo.addFile({ id: 'f1', version: '7.1.0', fileName: 'fw.bin', storedName: 'f1.bin', sizeBytes: 1, sha256: 'x', signingCertificate: null, signature: null, uploadedBy: 'ada', uploadedAt: AT });
  await repo.addRollout({
    id: 'r1', firmwareId: 'f1', createdBy: 'ada', createdAt: AT, retrieveAt: null, installAt: null, batchSize: 10, maxFailureRate: 1,
    resetWhileCharging: false, state: 'Running', detail: null, updatedAt: AT,
  }, [
    job('j-sent', 'SENT', { state: 'Sent' }),
    job('j-pending', 'PENDING', { state: 'Pending', sentAt: null }),
    job('j-failed', 'FAILED', { state: 'Failed', finishedAt: AT }),
    job('j-booted', 'BOOTED', { state: 'Installed', bootVersion: '7.1.0' }),
    // An earlier job still without a boot version, then a newer one not sent yet: the newer one decides (latest job).
    job('j-old', 'OLD', { state: 'Sent', updatedAt: '2026-11-23T09:00:00.000Z' }),
    job('j-new', 'OLD', { state: 'Pending', sentAt: null, position: 1, requestId: 43 }),
  ]);
  return { storage, repo };
}

describe('a booting station\'s firmware job', () => {
  it('stationsAwaitingBoot names the stations with a sent job that has not failed and has no boot version', async () => {
    const { storage, repo } = await fixture();
    const found = await repo.stationsAwaitingBoot(['SENT', 'PENDING', 'FAILED', 'BOOTED', 'NONE', 'OLD', 'UNKNOWN']);
    expect([...found].sort()).toEqual(['OLD', 'SENT']);
    expect(await repo.stationsAwaitingBoot([])).toEqual(new Set());
    // One station alone is asked by its own statement: the same answers.
    for (const id of ['SENT', 'PENDING', 'FAILED', 'BOOTED', 'NONE', 'OLD', 'UNKNOWN']) {
      expect(await repo.stationsAwaitingBoot([id])).toEqual(new Set(found.has(id) ? [id] : []));
    }
    await storage.close();
  });

  it('gets the boot\'s version; the boots of one turn are asked about in one read, and only the stations that may have one read their job', async () => {
    const { storage, repo } = await fixture();
    const asked: string[][] = [];
    const read: string[] = [];
    const store: FirmwareStore = Object.create(repo) as FirmwareStore;
    store.stationsAwaitingBoot = (ids) => {
      asked.push([...ids]);
      return repo.stationsAwaitingBoot(ids);
    };
    store.stationJobs = (stationId, limit) => {
      read.push(stationId);
      return repo.stationJobs(stationId, limit);
    };
    const rollouts = new FirmwareRollouts({
      store, gateway: { call: () => Promise.reject(new Error('not called')) } as never, emit: () => {}, baseUrl: () => 'http://127.0.0.1',
      linkTtlMs: 60_000, clock: new ManualClock(Date.parse(AT)), charging: async () => false, firmwareVersion: async (id) => `8.0.0-${id}`,
    });
    const ids = ['SENT', 'PENDING', 'FAILED', 'BOOTED', 'NONE', 'OLD'];
    await Promise.all(ids.map((id) => rollouts.onBooted(id)));

    expect(asked).toEqual([ids]);
    expect(read.sort()).toEqual(['OLD', 'SENT']);
    expect((await repo.job('j-sent'))?.bootVersion).toBe('8.0.0-SENT');
    expect((await repo.timeline('SENT', 10)).map((e) => [e.jobId, e.status])).toEqual([['j-sent', 'Booted']]);
    // The latest job of OLD was not sent: nothing recorded, as before.
    expect((await repo.job('j-old'))?.bootVersion).toBeNull();
    expect((await repo.job('j-booted'))?.bootVersion).toBe('7.1.0');
    for (const id of ['PENDING', 'FAILED', 'BOOTED', 'NONE', 'OLD']) expect(await repo.timeline(id, 10)).toEqual([]);

    // A later boot is asked about again (no answer is kept): SENT has its boot version now.
    await rollouts.onBooted('SENT');
    expect(asked).toEqual([ids, ['SENT']]);
    expect(read.filter((id) => id === 'SENT')).toHaveLength(1);
    await storage.close();
  });
});
