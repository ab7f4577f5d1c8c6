/**
 * GetLog end to end (issue 17, N01): the simulated station uploads its log over real HTTP to a one-time link on the
 * product's port, LogStatusNotification is tracked, and the file is offered to admins; the link works once, and an
 * upload beyond files.maxLogMB is refused and the request failed (announced as log.failed for alerts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firmwareFixture, type FirmwareFixture } from './firmware-fixture.js';

let f: FirmwareFixture;
beforeAll(async () => {
  f = await firmwareFixture({ maxLogMB: 1 });
  await f.station('LOG1');
  await f.station('LOG-BIG', { logBytes: 1024 * 1024 + 10 });
}, 180_000);
afterAll(async () => f.close());

const json = (res: { body: string }) => JSON.parse(res.body) as Record<string, any>;

describe('GetLog', () => {
  it('the station uploads to its one-time link; the statuses are kept and admins download the file', async () => {
    const uploaded = f.next('log.request', (e) => e.stationId === 'LOG1' && e.status === 'Uploaded');
    const res = await f.as('admin', { method: 'POST', url: '/api/v1/stations/LOG1/logs', payload: { logType: 'DiagnosticsLog' } });
    expect(res.statusCode).toBe(201);
    expect(json(res)).toMatchObject({ logType: 'DiagnosticsLog', state: 'Requested', fileName: expect.stringMatching(/^LOG1-DiagnosticsLog-\d+\.log$/) });
    await uploaded;
    await f.done();
    const list = json(await f.as('admin', { method: 'GET', url: '/api/v1/stations/LOG1/logs' }));
    const [log] = list.logs;
    expect(log).toMatchObject({ state: 'Uploaded', lastStatus: 'Uploaded', download: `/api/v1/stations/LOG1/logs/${log.id}/file` });
    expect(log.statuses.map((s: { status: string }) => s.status)).toEqual(['GetLog', 'Uploading', 'FileReceived', 'Uploaded']);
    const file = await f.as('admin', { method: 'GET', url: log.download });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-disposition']).toBe(`attachment; filename="${log.fileName}"`);
    expect(file.body).toContain('DiagnosticsLog of LOG1, firmware 1.0.0');
    expect(Number(file.headers['content-length'])).toBe(log.sizeBytes);
    expect((await f.as('fmA', { method: 'GET', url: log.download })).statusCode).toBe(403);
    // One upload per link: the GetLog's remoteLocation does not take a second file.
    const [call] = f.calls('LOG1', 'GetLog') as { log: { remoteLocation: string } }[];
    const again = await fetch(call!.log.remoteLocation, { method: 'PUT', body: 'overwrite' });
    expect(again.status).toBe(404);
  });

  it('an upload larger than files.maxLogMB is refused (413): the request fails and log.failed is announced', async () => {
    const failed = f.next('log.failed', (e) => e.stationId === 'LOG-BIG');
    const station = f.next('log.request', (e) => e.stationId === 'LOG-BIG' && e.status === 'UploadFailure');
    expect((await f.as('admin', { method: 'POST', url: '/api/v1/stations/LOG-BIG/logs', payload: { logType: 'SecurityLog' } })).statusCode).toBe(201);
    expect(await failed).toMatchObject({ status: 'TooLarge' });
    await station;
    await f.done();
    const [log] = json(await f.as('admin', { method: 'GET', url: '/api/v1/stations/LOG-BIG/logs' })).logs;
    expect(log).toMatchObject({ state: 'Failed', download: null, sizeBytes: null });
  });

  it('bad input names the field; unknown stations are 404', async () => {
    const bad = await f.as('admin', { method: 'POST', url: '/api/v1/stations/LOG1/logs', payload: { logType: 'AllLogs' } });
    expect([bad.statusCode, json(bad).field]).toEqual([400, 'logType']);
    expect((await f.as('admin', { method: 'POST', url: '/api/v1/stations/NOPE/logs', payload: { logType: 'SecurityLog' } })).statusCode).toBe(404);
  });
});
