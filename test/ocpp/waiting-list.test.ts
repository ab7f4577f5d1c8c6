/**
 * The waiting list's bounds (issue 16, src/ocpp/waiting-list.ts) on the real repository (migration 0016), on SQLite
 * and under CHARGEPLAN_TEST_DATABASE_URL PostgreSQL: a flood of made-up station ids cannot fill the database. Past
 * the per-address rate an attempt is refused 429 without a write; past the row bound an unknown id is refused 401
 * without a write, while ids already listed are still counted; the window starts over on the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Storage } from '../../src/storage/database.js';
import { WaitingStationRepository } from '../../src/storage/waiting-station-repository.js';
import { WaitingList } from '../../src/ocpp/waiting-list.js';
import { testDatabase } from '../helpers/test-database.js';

let storage: Storage;
beforeAll(async () => {
  storage = await (await testDatabase()).open();
});
afterAll(async () => storage?.close());

const T0 = '2026-12-06T12:00:00Z';

describe('the waiting list', () => {
  it('refuses past the per-address rate (429, nothing written) and starts over with the next window', async () => {
    const clock = new ManualClock(T0);
    const repo = new WaitingStationRepository(storage.db);
    const list = new WaitingList(repo, clock, silentLogger(), { maxRows: 100, attemptsPerAddress: 3, windowMs: 60_000, maxAddresses: 10 });
    for (const id of ['R1', 'R2', 'R3']) expect('station' in (await list.admit(id, '10.0.0.1', false))).toBe(true);
    const refused = await list.admit('R4', '10.0.0.1', false);
    expect(refused).toMatchObject({ refusal: { status: 429, retryAfterS: 60 } });
    expect(await repo.get('R4')).toBeUndefined();
    // Another address is not held back by this one.
    expect('station' in (await list.admit('R5', '10.0.0.2', true))).toBe(true);
    clock.advance(60_000);
    expect('station' in (await list.admit('R4', '10.0.0.1', false))).toBe(true);
    expect(await repo.get('R5')).toMatchObject({ stationId: 'R5', remoteAddress: '10.0.0.2', tls: true, attempts: 1, vendorName: null });
    expect(list.isCandidate('R4')).toBe(true);
    list.authenticated('R4');
    expect(list.isCandidate('R4')).toBe(false);
  });

  it('refuses new ids past the row bound (401, nothing written) but still counts the listed ones', async () => {
    const clock = new ManualClock(T0);
    const repo = new WaitingStationRepository(storage.db);
    const already = (await repo.list(500)).length;
    const list = new WaitingList(repo, clock, silentLogger(), { maxRows: already + 2, attemptsPerAddress: 1000, windowMs: 60_000, maxAddresses: 10 });
    expect('station' in (await list.admit('B1', '10.0.1.1', false))).toBe(true);
    expect('station' in (await list.admit('B2', '10.0.1.1', false))).toBe(true);
    expect(await list.admit('B3', '10.0.1.1', false)).toMatchObject({ refusal: { status: 401, reason: expect.stringContaining('full') } });
    expect(await repo.get('B3')).toBeUndefined();
    expect(list.isCandidate('B3')).toBe(false);
    clock.advance(5_000);
    expect('station' in (await list.admit('B1', '10.0.1.9', false))).toBe(true);
    expect(await repo.get('B1')).toMatchObject({ attempts: 2, remoteAddress: '10.0.1.9', firstSeenAt: expect.stringMatching(/^2026-12-06T12:00:00/), lastSeenAt: expect.stringMatching(/^2026-12-06T12:00:05/) });
    expect((await repo.list(500)).length).toBe(already + 2);
  });

  it('keeps what a candidate says at boot, cut to the OCPP field lengths, and nothing for an id not listed', async () => {
    const clock = new ManualClock(T0);
    const repo = new WaitingStationRepository(storage.db);
    const list = new WaitingList(repo, clock, silentLogger());
    await list.admit('V1', '10.0.2.1', false);
    await list.recordBoot('V1', { vendorName: 'Acme'.repeat(20), model: 'Wallbox 22', serialNumber: 'S-1', firmwareVersion: '2.1' }, '2026-12-06T12:00:01.000Z');
    await list.recordBoot('NOT-LISTED', { vendorName: 'X', model: 'Y' }, '2026-12-06T12:00:01.000Z');
    expect(await repo.get('V1')).toMatchObject({ vendorName: 'Acme'.repeat(20).slice(0, 50), model: 'Wallbox 22', serialNumber: 'S-1', firmwareVersion: '2.1', bootedAt: expect.stringMatching(/^2026-12-06T12:00:01/) });
    expect(await repo.get('NOT-LISTED')).toBeUndefined();
  });
});
