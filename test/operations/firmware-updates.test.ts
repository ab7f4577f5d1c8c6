/**
 * Firmware updates end to end (issue 17, L01): an admin uploads an image, the product sends UpdateFirmware, the
 * simulated station downloads it over real HTTP from its own expiring link, verifies, installs, reboots with the new
 * version and reports each step; every failure the spec names, a rollout that stops at its failure threshold, and a
 * charging station that is not reset.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrive } from '../http/api-operations-fixture.js';
import { firmwareFixture, image, signingKey, type FirmwareFixture } from './firmware-fixture.js';

let f: FirmwareFixture;
beforeAll(async () => {
  f = await firmwareFixture({ linkMinutes: 5 });
  for (const id of ['FW-OK', 'FW-SIG', 'FW-SUM', 'FW-GONE', 'FW-LATE', 'FW-CAR', 'R1', 'R3', 'R4']) await f.station(id);
  await f.station('R2', { firmwareFails: 'InstallationFailed' });
}, 180_000);
afterAll(async () => f.close());

const json = (res: { body: string }) => JSON.parse(res.body) as Record<string, any>;
const statuses = async (stationId: string) => {
  const res = await f.as('admin', { method: 'GET', url: `/api/v1/stations/${stationId}/firmware` });
  expect(res.statusCode).toBe(200);
  return json(res);
};
const firmwareOnly = (timeline: { status: string }[]) => timeline.map((t) => t.status).reverse();
const update = (stationId: string, body: Record<string, unknown>) => f.as('admin', { method: 'POST', url: `/api/v1/stations/${stationId}/firmware`, payload: body });
/**
 * Watch for the reboot onto the new image (subscribe before acting): once the station has gone down (after
 * InstallRebooting), its clock moves past rebootDelayMs (10 s) and it boots the new version and reports Installed.
 */
function rebootWatch(stationId: string): () => Promise<void> {
  const down = f.next('station.disconnected', (e) => e.stationId === stationId);
  const installed = f.next('firmware.job', (e) => e.stationId === stationId && e.state === 'Installed');
  return async () => {
    await down;
    f.server.clock.advance(10_000);
    await installed;
    await f.done();
  };
}

describe('the firmware store', () => {
  it('stores an upload streamed to disk with its SHA-256; bad input names the field', async () => {
    const up = await f.upload('2.0.0');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ version: '2.0.0', fileName: 'fw-2.0.0.bin', sizeBytes: image('2.0.0').length, signed: false, uploadedBy: 'admin' });
    expect(up.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const wrong = await f.upload('2.0.1', image('2.0.1'), `&sha256=${'0'.repeat(64)}`);
    expect([wrong.status, wrong.body.field]).toEqual([400, 'sha256']);
    const noVersion = await f.as('admin', { method: 'POST', url: '/api/v1/firmware?fileName=a.bin', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') });
    expect([noVersion.statusCode, json(noVersion).field]).toEqual([400, 'version']);
    const asFleet = await f.as('fmA', { method: 'POST', url: '/api/v1/firmware?version=1&fileName=a.bin', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') });
    expect(asFleet.statusCode).toBe(403);
    const list = json(await f.as('admin', { method: 'GET', url: '/api/v1/firmware' }));
    expect(list.files.map((x: { version: string }) => x.version)).toEqual(['2.0.0']);
  });

  it('refuses a signature that does not verify over the file (L01.FR.12), takes one that does', async () => {
    const key = await signingKey('2026-01-01T00:00:00Z');
    const { body } = await f.upload('2.1.0');
    const bad = await f.as('admin', { method: 'PUT', url: `/api/v1/firmware/${body.id}/signature`, payload: { signingCertificate: key.certificate, signature: key.sign(Buffer.from('other')) } });
    expect([bad.statusCode, json(bad).field]).toEqual([400, 'signature']);
    const good = await f.as('admin', { method: 'PUT', url: `/api/v1/firmware/${body.id}/signature`, payload: { signingCertificate: key.certificate, signature: key.sign(image('2.1.0')) } });
    expect([good.statusCode, json(good).signed]).toEqual([200, true]);
  });
});

describe('UpdateFirmware on one station', () => {
  it('downloads over HTTP, installs, reboots with the new version and reports Installed (L01.FR.01/.10/.28)', async () => {
    const { body: file } = await f.upload('3.0.0');
    const rebooted = rebootWatch('FW-OK');
    const res = await update('FW-OK', { firmwareId: file.id });
    expect(res.statusCode).toBe(201);
    const [call] = f.calls('FW-OK', 'UpdateFirmware');
    expect(call).toMatchObject({ requestId: json(res).jobs[0].requestId, firmware: { location: expect.stringMatching(/\/files\/firmware\/[A-Za-z0-9_-]{43}$/) } });
    await rebooted();
    const view = await statuses('FW-OK');
    expect(view.firmwareVersion).toBe('3.0.0');
    expect(view.jobs[0]).toMatchObject({ state: 'Installed', lastStatus: 'Installed', bootVersion: '3.0.0' });
    expect(firmwareOnly(view.timeline).filter((s) => s !== 'Booted')).toEqual(['UpdateFirmware', 'Downloading', 'Downloaded', 'Installing', 'InstallRebooting', 'Installed']);
    expect(firmwareOnly(view.timeline)).toContain('Booted');
    // The link ended with the update: a station (or anyone) fetching it now gets nothing.
    const after = await fetch((call as { firmware: { location: string } }).firmware.location);
    expect(after.status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${f.server.running.ports.http}/files/firmware/${'A'.repeat(43)}`)).status).toBe(404);
  });

  it('a signed image whose file changed on the server: InvalidSignature (L01.FR.03/.04)', async () => {
    const key = await signingKey('2026-01-01T00:00:00Z');
    const { body: file } = await f.upload('3.1.0');
    await f.as('admin', { method: 'PUT', url: `/api/v1/firmware/${file.id}/signature`, payload: { signingCertificate: key.certificate, signature: key.sign(image('3.1.0')) } });
    const stored = await f.server.running.maintenance.firmwareStore.file(String(file.id));
    writeFileSync(f.server.running.maintenance.files.pathOf('firmware', stored!.storedName), image('3.1.0', 'tampered'));
    const failed = f.next('firmware.failed', (e) => e.stationId === 'FW-SIG');
    expect((await update('FW-SIG', { firmwareId: file.id })).statusCode).toBe(201);
    expect(await failed).toMatchObject({ status: 'InvalidSignature' });
    await f.done();
    const view = await statuses('FW-SIG');
    expect(firmwareOnly(view.timeline)).toEqual(['UpdateFirmware', 'Downloading', 'Downloaded', 'InvalidSignature']);
    expect(view.jobs[0]).toMatchObject({ state: 'Failed', lastStatus: 'InvalidSignature' });
    expect(view.firmwareVersion).toBe('1.0.0');
  });

  it('an unsigned image whose bytes differ from its SHA-256: InstallVerificationFailed (L01.FR.29)', async () => {
    const { body: file } = await f.upload('3.2.0');
    const stored = await f.server.running.maintenance.firmwareStore.file(String(file.id));
    const path = f.server.running.maintenance.files.pathOf('firmware', stored!.storedName);
    writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.from('!')]));
    const failed = f.next('firmware.failed', (e) => e.stationId === 'FW-SUM');
    await update('FW-SUM', { firmwareId: file.id });
    expect(await failed).toMatchObject({ status: 'InstallVerificationFailed' });
  });

  it('the file is gone from the server: the download fails (DownloadFailed, L01.FR.30)', async () => {
    const { body: file } = await f.upload('3.3.0');
    const stored = await f.server.running.maintenance.firmwareStore.file(String(file.id));
    rmSync(f.server.running.maintenance.files.pathOf('firmware', stored!.storedName));
    const failed = f.next('firmware.failed', (e) => e.stationId === 'FW-GONE');
    await update('FW-GONE', { firmwareId: file.id });
    expect(await failed).toMatchObject({ status: 'DownloadFailed' });
    await f.done();
    expect(firmwareOnly((await statuses('FW-GONE')).timeline)).toEqual(['UpdateFirmware', 'Downloading', 'DownloadFailed']);
  });

  it('a link used after it expired answers 410 and the station reports DownloadFailed (DownloadScheduled first, L01.FR.13)', async () => {
    const { body: file } = await f.upload('3.4.0');
    const retrieveAt = new Date(f.server.clock.now() + 3_600_000).toISOString();
    const scheduled = f.next('firmware.job', (e) => e.stationId === 'FW-LATE' && e.status === 'DownloadScheduled');
    const res = await update('FW-LATE', { firmwareId: file.id, retrieveAt });
    expect(json(res).jobs[0].linkExpiresAt).toBe(new Date(Date.parse(retrieveAt) + 5 * 60_000).toISOString());
    await scheduled;
    const failed = f.next('firmware.failed', (e) => e.stationId === 'FW-LATE');
    // The station's clock reaches retrieveDateTime, but its download starts when the link (5 minutes) has expired.
    f.server.clock.advance(2 * 3_600_000);
    expect(await failed).toMatchObject({ status: 'DownloadFailed' });
    const location = (f.calls('FW-LATE', 'UpdateFirmware')[0] as { firmware: { location: string } }).firmware.location;
    expect((await fetch(location)).status).toBe(404); // the failed job's link is gone altogether
  });
});

describe('rollouts', () => {
  it('stops when the failed share exceeds the threshold: the next batch is never sent', async () => {
    const { body: file } = await f.upload('4.0.0');
    const stopped = f.next('firmware.rollout', (e) => e.state === 'Stopped');
    const rebooted = rebootWatch('R1');
    const res = await f.as('admin', { method: 'POST', url: '/api/v1/firmware/rollouts', payload: { firmwareId: file.id, stationIds: ['R1', 'R2', 'R3', 'R4'], batchSize: 2, maxFailureRate: 0.4 } });
    expect(res.statusCode).toBe(201);
    await rebooted();
    const rollout = await stopped;
    expect(rollout.detail).toBe('stopped: 1 of 2 finished updates failed (50 % > 40 %); 2 not sent');
    const view = json(await f.as('admin', { method: 'GET', url: `/api/v1/firmware/rollouts/${json(res).id}` }));
    expect(view.jobs.map((j: { stationId: string; state: string }) => `${j.stationId}:${j.state}`)).toEqual(['R1:Installed', 'R2:Failed', 'R3:Cancelled', 'R4:Cancelled']);
    expect(view.jobs[1].lastStatus).toBe('InstallationFailed');
    expect(f.calls('R3', 'UpdateFirmware')).toEqual([]);
    expect(f.calls('R4', 'UpdateFirmware')).toEqual([]);
  });

  it('refuses an unknown station by its index', async () => {
    const { body: file } = await f.upload('4.0.1');
    const res = await f.as('admin', { method: 'POST', url: '/api/v1/firmware/rollouts', payload: { firmwareId: file.id, stationIds: ['R1', 'NOPE'] } });
    expect([res.statusCode, json(res).field]).toEqual([400, 'stationIds[1]']);
  });

  it('a charging station is not sent UpdateFirmware until its transaction ends, and never reset (InstallScheduled until idle)', async () => {
    const { body: file } = await f.upload('5.0.0');
    const station = f.stations.get('FW-CAR')!;
    const txId = await arrive(f, station);
    const res = await update('FW-CAR', { firmwareId: file.id });
    expect(json(res).jobs[0]).toMatchObject({ state: 'WaitingForIdle' });
    expect(f.calls('FW-CAR', 'UpdateFirmware')).toEqual([]);
    expect((await f.server.running.repositories.transactions.active('FW-CAR')).map((t) => t.transactionId)).toEqual([txId]);
    const ended = f.next('transaction.event', (e) => e.stationId === 'FW-CAR' && e.eventType === 'Ended');
    const rebooted = rebootWatch('FW-CAR');
    station.unplug(1);
    expect((await ended).transaction.stoppedReason).toBe('EVDisconnected');
    await rebooted();
    expect((await statuses('FW-CAR')).firmwareVersion).toBe('5.0.0');
  });
});
