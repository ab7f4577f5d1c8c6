import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { callFailure as failure } from '../helpers/call-failure.js';
import type { RequestOf } from '../../src/ocpp/schemas/generated/index.js';

const PASSWORD = 'correct-horse-battery';
let server: TestServer;
afterEach(async () => server?.stop());

async function booted(s: TestServer): Promise<ScriptedStation> {
  await s.addStation('CS1', PASSWORD);
  const cs = await ScriptedStation.connect(s.wsUrl, { id: 'CS1', password: PASSWORD });
  cs.respond('GetVariables', smartChargingVariables());
  const caps = s.running.events.once('station.capabilities');
  await cs.boot();
  await caps;
  return cs;
}


const profile: RequestOf<'SetChargingProfile'> = {
  evseId: 1,
  chargingProfile: {
    id: 1001,
    stackLevel: 1,
    chargingProfilePurpose: 'TxProfile',
    chargingProfileKind: 'Absolute',
    transactionId: 'TX-1',
    chargingSchedule: [{
      id: 1,
      startSchedule: '2026-03-29T01:00:00Z',
      chargingRateUnit: 'W',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }, { startPeriod: 3600, limit: 0 }],
    }],
  },
};

describe('CSMS-to-station calls', () => {
  it('keeps one CALL in flight and queues the rest in order (Part 4, 4.1.1)', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    const ocpp = server.running.ocpp;
    const first = cs.nextCall('SetChargingProfile');
    const p1 = ocpp.call('CS1', 'SetChargingProfile', profile);
    const p2 = ocpp.call('CS1', 'GetCompositeSchedule', { evseId: 1, duration: 3600, chargingRateUnit: 'W' });
    const p3 = ocpp.call('CS1', 'ClearChargingProfile', { chargingProfileId: 1001 });
    await first;
    const inFlight = () => cs.received.filter((f) => f[0] === 2 && f[2] !== 'GetVariables').length;
    expect(inFlight()).toBe(1);
    cs.respond('GetCompositeSchedule', () => ({ status: 'Rejected' }));
    cs.respond('ClearChargingProfile', () => ({ status: 'Accepted' }));
    const setId = (cs.received.find((f) => f[2] === 'SetChargingProfile') as string[])[1]!;
    cs.sendRaw(JSON.stringify([3, setId, { status: 'Accepted' }]));
    expect(await p1).toEqual({ status: 'Accepted' });
    expect(await p2).toEqual({ status: 'Rejected' });
    expect(await p3).toEqual({ status: 'Accepted' });
    expect(cs.calls.map((c) => c.action).filter((a) => a !== 'GetVariables')).toEqual([
      'SetChargingProfile', 'GetCompositeSchedule', 'ClearChargingProfile',
    ]);
  });

  it('times out on the clock, then sends the next queued call; a late reply is ignored', async () => {
    server = await startTestServer({ ocpp: { callTimeoutSeconds: 30 } });
    const cs = await booted(server);
    const sent = cs.nextCall('SetChargingProfile');
    const p1 = server.running.ocpp.call('CS1', 'SetChargingProfile', profile);
    const p2 = server.running.ocpp.call('CS1', 'RequestStopTransaction', { transactionId: 'TX-1' });
    await sent;
    server.clock.advance(29_999);
    expect(cs.calls.some((c) => c.action === 'RequestStopTransaction')).toBe(false);
    cs.respond('RequestStopTransaction', () => ({ status: 'Accepted' }));
    server.clock.advance(1);
    const err = await failure(p1);
    expect(err).toMatchObject({ kind: 'Timeout', code: 'OCPP_TIMEOUT', retryable: true, action: 'SetChargingProfile' });
    expect(await p2).toEqual({ status: 'Accepted' });
    const lateId = (cs.received.find((f) => f[2] === 'SetChargingProfile') as string[])[1]!;
    const before = cs.received.length;
    cs.sendRaw(JSON.stringify([3, lateId, { status: 'Accepted' }]));
    // The connection is still healthy, and the late reply got no answer of its own.
    await cs.call('Heartbeat', {}, 'after-late-reply');
    expect(cs.received.slice(before).map((f) => f[1])).toEqual(['after-late-reply']);
  });

  it('a CALLERROR from the station becomes a typed error with its code', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    cs.respond('SetChargingProfile', () => ({ raw: [4, (cs.received.at(-1) as string[])[1]!, 'NotSupported', 'no smart charging', {}] }));
    const err = await failure(server.running.ocpp.call('CS1', 'SetChargingProfile', profile));
    expect(err).toMatchObject({ kind: 'CallError', code: 'OCPP_CALL_ERROR', retryable: false });
    expect(err.ocppError).toMatchObject({ code: 'NotSupported', description: 'no smart charging' });
  });

  it('an invalid response from the station is refused with the schema failure', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    cs.respond('SetChargingProfile', () => ({ status: 'Maybe' }) as never);
    const err = await failure(server.running.ocpp.call('CS1', 'SetChargingProfile', profile));
    expect(err.kind).toBe('InvalidResponse');
    expect(err.message).toContain('/status');
  });

  it('our own invalid payload never reaches the station', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    const bad = { ...profile, chargingProfile: { ...profile.chargingProfile, chargingProfileKind: 'Sometimes' } } as never;
    const err = await failure(server.running.ocpp.call('CS1', 'SetChargingProfile', bad));
    expect(err).toMatchObject({ kind: 'InvalidRequest', code: 'OCPP_INVALID_REQUEST' });
    expect(err.message).toContain('/chargingProfile/chargingProfileKind');
    expect(cs.calls.some((c) => c.action === 'SetChargingProfile')).toBe(false);
  });

  it('offline: an unknown or disconnected station, and calls pending when the connection drops', async () => {
    server = await startTestServer();
    expect((await failure(server.running.ocpp.call('NOPE', 'Reset', { type: 'Immediate' }))).kind).toBe('Offline');
    const cs = await booted(server);
    const sent = cs.nextCall('GetChargingProfiles');
    const pending = server.running.ocpp.call('CS1', 'GetChargingProfiles', { requestId: 1, chargingProfile: { chargingProfilePurpose: 'TxProfile' } });
    const queued = server.running.ocpp.call('CS1', 'Reset', { type: 'OnIdle' });
    const [pendingFailure, queuedFailure] = [failure(pending), failure(queued)];
    await sent;
    await cs.close();
    expect((await pendingFailure).kind).toBe('Offline');
    expect((await queuedFailure).code).toBe('STATION_OFFLINE');
  });

  it('never calls a station whose boot was rejected (B03.FR.03)', async () => {
    server = await startTestServer();
    await server.addStation('CS1', PASSWORD);
    await server.running.repositories.stations.setRegistrationStatus('CS1', 'Rejected', '2026-03-29T00:00:00Z');
    const cs = await ScriptedStation.connect(server.wsUrl, { id: 'CS1', password: PASSWORD });
    expect((await cs.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } })).status).toBe('Rejected');
    expect((await failure(server.running.ocpp.call('CS1', 'Reset', { type: 'Immediate' }))).kind).toBe('NotAllowed');
    expect(cs.calls).toEqual([]);
  });

  it('keepalive: a station that stops answering pings is dropped', async () => {
    server = await startTestServer({ ocpp: { pingIntervalSeconds: 60 } });
    const cs = await booted(server);
    const pinged = new Promise<void>((resolve) => cs.ws.once('ping', () => resolve()));
    server.clock.advance(60_000);
    await pinged; // ws answers pings automatically: the station stays
    await new Promise<void>((resolve) => cs.ws.once('pong', () => resolve()).ping());
    await cs.call('Heartbeat', {});
    server.clock.advance(60_000);
    expect(server.running.ocpp.isConnected('CS1')).toBe(true);
    // Now silence the station: ws auto-pong cannot be disabled per message, so stop its socket from reading.
    (cs.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    server.clock.advance(60_000);
    server.clock.advance(60_000);
    const closed = await server.running.events.once('station.disconnected');
    expect(closed.stationId).toBe('CS1');
  });
});

describe('security profile 2 (TLS)', () => {
  it('accepts a profile-2 station over wss with Basic auth and refuses it without credentials', async () => {
    server = await startTestServer({
      ocpp: { tlsPort: 0, tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key' } },
    });
    await server.addStation('TLS1', PASSWORD, 2);
    const wss = `wss://127.0.0.1:${server.running.ports.ocppTls}`;
    const ca = readFileSync('test/fixtures/tls/server.crt');
    const cs = await ScriptedStation.connect(wss, { id: 'TLS1', password: PASSWORD, ca });
    cs.respond('GetVariables', smartChargingVariables());
    expect((await cs.boot()).status).toBe('Accepted');
    const refused = await ScriptedStation.connect(wss, { id: 'TLS1', ca }).catch((e: { status: number }) => e.status);
    expect(refused).toBe(401);
    await cs.close();
  });
});
