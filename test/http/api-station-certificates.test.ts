/**
 * The station certificate routes (docs/security.md): POST /api/v1/stations/:id/certificate-renewal (A02 now, or stored
 * for the station's next boot or heartbeat) and PUT /api/v1/stations/:id/certificate-policy (A00.FR.429), on the
 * real product with a real profile 3 station connected over TLS with a client certificate from the configured CA.
 * Who may: admins, and fleet managers for stations on their fleets' sites; a station outside the scope answers
 * exactly like an unknown one (404, no oracle).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import type { ApiTokenGrant } from '../../src/domain/prices.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { makeCa, makeCsr, stationCert, writeCa, type TestCa } from '../helpers/test-pki.js';
import { ADMIN, fleet, home } from './helpers/auth-app.js';

const ORG = 'Chargeplan Test CSO';
const SERVER_CA = readFileSync('test/fixtures/tls/server.crt');
const NOW = '2026-03-29T00:00:00.000Z'; // startTestServer's manual clock

const tariff = { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'Z1' } };
const site = (id: string, group: string, stationId: string) => ({
  id, name: id, fleet: group, timeZone: 'Europe/Copenhagen', tariff: 'Z1', gridLimitKw: 22, slotMinutes: 15,
  evses: [{ stationId, evseId: 1, maxKw: 11 }], policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 },
});

let ca: TestCa;
let pkiDir: string;
let server: TestServer;
let station: ScriptedStation;
const tokens: Record<string, string> = {};

async function startWith(tls: Record<string, unknown>): Promise<TestServer> {
  const s = await startTestServer({
    prices: { zones: [{ id: 'Z1', currency: 'EUR', timeZone: 'Europe/Copenhagen' }], tariffs: { Z1: tariff } },
    sites: [site('site-a', 'fleet-a', 'CS3'), site('site-b', 'fleet-b', 'CS-B'), site('site-l', 'fleet-a', 'LAB')],
    ocpp: { tlsPort: 0, tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', ...tls, organizationName: ORG } },
  } as never);
  await s.addStation('CS3', '', 3);
  await s.addStation('CS-B', '', 3);
  await s.addStation('LAB', '', 0);
  return s;
}

async function token(s: TestServer, name: string, grants: ApiTokenGrant[]): Promise<string> {
  return (await issueApiToken(new ApiTokenRepository(s.running.db), s.clock, { name, grants })).token;
}

async function connectCs3(s: TestServer): Promise<ScriptedStation> {
  const creds = await stationCert(ca, `CN=CS3, O=${ORG}`, '2026-03-01T00:00:00Z');
  const cs = await ScriptedStation.connect(`wss://127.0.0.1:${s.running.ports.ocppTls}`, { id: 'CS3', ca: SERVER_CA, cert: creds.certPem, key: creds.keyPem });
  cs.respond('GetVariables', smartChargingVariables());
  expect((await cs.boot()).status).toBe('Accepted');
  return cs;
}

function as(who: string, method: 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return server.running.http.inject({
    method, url,
    headers: { ...headers, ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}) },
    ...(payload !== undefined ? { payload: payload as string } : {}),
  });
}
const renew = (who: string, id: string, payload?: unknown, headers?: Record<string, string>) =>
  as(who, 'POST', `/api/v1/stations/${encodeURIComponent(id)}/certificate-renewal`, payload, headers);
const policy = (who: string, id: string, payload: unknown) => as(who, 'PUT', `/api/v1/stations/${encodeURIComponent(id)}/certificate-policy`, payload);
const stored = async (id: string) => (await server.running.repositories.stations.get(id))!.certificateRenewalRequestedAt;

beforeAll(async () => {
  ca = await makeCa(`CN=Chargeplan Test Root, O=${ORG}`, '2026-01-01T00:00:00Z');
  pkiDir = mkdtempSync(join(tmpdir(), 'chargeplan-pki-'));
  server = await startWith(writeCa(ca, pkiDir));
  tokens.admin = await token(server, 'admin', [ADMIN]);
  tokens.fmA = await token(server, 'fm-a', [fleet('fleet-a')]);
  tokens.fmB = await token(server, 'fm-b', [fleet('fleet-b')]);
  tokens.home = await token(server, 'home', [home('fleet-a')]);
  station = await connectCs3(server);
}, 60_000);
afterAll(async () => {
  await station?.close();
  await server?.stop();
  rmSync(pkiDir, { recursive: true, force: true });
});

describe('POST /api/v1/stations/:stationId/certificate-renewal (A02)', { timeout: 60_000 }, () => {
  it('a connected station is asked now: TriggerMessage SignChargingStationCertificate, its answer in a 200', async () => {
    station.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    const trigger = station.nextCall('TriggerMessage');
    const res = await renew('fmA', 'CS3');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ stationId: 'CS3', outcome: 'sent', triggerStatus: 'Accepted', requestedAt: null, detail: 'the station answered Accepted' });
    expect(await trigger).toEqual({ requestedMessage: 'SignChargingStationCertificate' });
    expect(await stored('CS3')).toBeNull();

    // The rest of A02 as the station does it: its CSR is signed and CertificateSigned delivered.
    station.respond('CertificateSigned', () => ({ status: 'Accepted' }));
    const delivered = server.running.events.once('station.certificate');
    expect((await station.call('SignCertificate', { csr: (await makeCsr(`CN=CS3, O=${ORG}`)).csrPem })).status).toBe('Accepted');
    expect(await delivered).toMatchObject({ stationId: 'CS3', delivery: 'Accepted' });
  });

  it('a station that declines is reported as it answered (200), nothing is stored', async () => {
    station.respond('TriggerMessage', () => ({ status: 'NotImplemented' }));
    const res = await renew('admin', 'CS3');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'sent', triggerStatus: 'NotImplemented' });
    expect(await stored('CS3')).toBeNull();
  });

  it('an offline station: stored (202), and sent when it boots', async () => {
    const res = await renew('fmB', 'CS-B');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ stationId: 'CS-B', outcome: 'stored', triggerStatus: null, requestedAt: NOW, detail: 'the station is not connected' });
    expect(await stored('CS-B')).toBe(NOW);

    const creds = await stationCert(ca, `CN=CS-B, O=${ORG}`, '2026-03-01T00:00:00Z');
    const cs = await ScriptedStation.connect(`wss://127.0.0.1:${server.running.ports.ocppTls}`, { id: 'CS-B', ca: SERVER_CA, cert: creds.certPem, key: creds.keyPem });
    cs.respond('GetVariables', smartChargingVariables()).respond('TriggerMessage', () => ({ status: 'Accepted' }));
    const trigger = cs.nextCall('TriggerMessage');
    await cs.boot();
    expect(await trigger).toEqual({ requestedMessage: 'SignChargingStationCertificate' });
    await server.running.certificateRenewals.idle();
    expect(await stored('CS-B')).toBeNull();
    await cs.close();
  });

  it('no oracle: a fleet manager gets the same 404 for another fleet\'s station and for an unknown one, and nothing is stored', async () => {
    const foreign = await renew('fmA', 'CS-B');
    const unknown = await renew('fmA', 'CS-NOPE');
    const theOtherWay = await renew('fmB', 'CS3');
    for (const res of [foreign, unknown, theOtherWay]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(unknown.json());
    }
    expect(unknown.json()).toEqual({ code: 'STATION_UNKNOWN', message: 'no station with this id that you may maintain', field: 'stationId' });
    expect(foreign.body).not.toContain('CS-B');
    expect((await renew('admin', 'CS-NOPE')).json()).toEqual(unknown.json());
    expect(await stored('CS-B')).toBeNull();
  });

  it('roles: a homeowner does not maintain chargers (403), nobody gets 401', async () => {
    expect((await renew('home', 'CS3')).statusCode).toBe(403);
    expect((await renew('nobody', 'CS3')).statusCode).toBe(401);
  });

  it('409 STATION_CANNOT_RENEW for a station without credentials (profile 0), without naming it', async () => {
    const res = await renew('admin', 'LAB');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'STATION_CANNOT_RENEW', message: expect.stringContaining('security profile 0') });
    expect(res.body).not.toContain('LAB');
  });

  it('a bounded body: nothing or {} only, named; over 1 KiB is 413; an id past 48 characters is 400', async () => {
    station.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    expect((await renew('admin', 'CS3', {})).statusCode).toBe(200);
    const extra = await renew('admin', 'CS3', { force: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'body', message: expect.stringContaining('takes no body') });
    expect((await renew('admin', 'CS3', JSON.stringify({ pad: 'x'.repeat(2000) }), { 'content-type': 'application/json' })).statusCode).toBe(413);
    expect((await renew('admin', 'X'.repeat(49))).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'stationId' });
  });
});

describe('PUT /api/v1/stations/:stationId/certificate-policy (A00.FR.429)', () => {
  it('admins allow one admission with an expired certificate and withdraw it; the store says so', async () => {
    const on = await policy('admin', 'CS3', { acceptExpiredOnce: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toEqual({ stationId: 'CS3', acceptExpiredOnce: true, since: NOW });
    expect(await server.running.repositories.stations.expiredCertificateAllowedAt('CS3')).toBe(NOW);
    const off = await policy('admin', 'CS3', { acceptExpiredOnce: false });
    expect(off.json()).toEqual({ stationId: 'CS3', acceptExpiredOnce: false, since: null });
    expect(await server.running.repositories.stations.expiredCertificateAllowedAt('CS3')).toBeNull();
  });

  it('admins only: a fleet manager, even on its own station, gets 403; an unknown station 404; a station not on profile 3 409; bad bodies 400 naming the field', async () => {
    expect((await policy('fmA', 'CS3', { acceptExpiredOnce: true })).statusCode).toBe(403);
    expect((await policy('home', 'CS3', { acceptExpiredOnce: true })).statusCode).toBe(403);
    expect((await policy('admin', 'CS-NOPE', { acceptExpiredOnce: true })).json()).toMatchObject({ code: 'STATION_UNKNOWN' });
    expect((await policy('admin', 'LAB', { acceptExpiredOnce: true })).json()).toMatchObject({ code: 'STATION_CANNOT_RENEW', field: 'acceptExpiredOnce' });
    expect((await policy('admin', 'CS3', {})).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'acceptExpiredOnce' });
    expect((await policy('admin', 'CS3', { acceptExpiredOnce: 'yes' })).json()).toMatchObject({ field: 'acceptExpiredOnce' });
    expect((await policy('admin', 'CS3', { acceptExpiredOnce: true, forever: true })).json()).toMatchObject({ field: 'forever' });
    expect(await server.running.repositories.stations.expiredCertificateAllowedAt('CS3')).toBeNull();
  });
});

describe('without a CA key', { timeout: 60_000 }, () => {
  it('a renewal cannot end well: 409 STATION_CANNOT_RENEW, nothing stored', async () => {
    const keyless = await startWith({ caFile: join(pkiDir, 'ca.pem') });
    try {
      const admin = await token(keyless, 'admin', [ADMIN]);
      const res = await keyless.running.http.inject({ method: 'POST', url: '/api/v1/stations/CS3/certificate-renewal', headers: { authorization: `Bearer ${admin}` } });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'STATION_CANNOT_RENEW', message: expect.stringContaining('no CA key') });
      expect((await keyless.running.repositories.stations.get('CS3'))!.certificateRenewalRequestedAt).toBeNull();
    } finally {
      await keyless.stop();
    }
  });
});


describe('a renewal stored for a connected station (A02)', { timeout: 60_000 }, () => {
  it('that could not be asked now: its next Heartbeat delivers it, though the Heartbeat before read that none waited', async () => {
    await station.call('Heartbeat', {});
    await server.running.certificateRenewals.idle();
    // The station answers this TriggerMessage with a CALLERROR: the request is stored for its next Heartbeat.
    station.respond('TriggerMessage', () => ({ raw: [4, (station.received.at(-1) as string[])[1]!, 'InternalError', 'busy', {}] }));
    const res = await renew('admin', 'CS3');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ stationId: 'CS3', outcome: 'stored', requestedAt: NOW, detail: expect.stringContaining('could not be asked now') });
    expect(await stored('CS3')).toBe(NOW);

    station.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    const trigger = station.nextCall('TriggerMessage');
    await station.call('Heartbeat', {});
    expect(await trigger).toEqual({ requestedMessage: 'SignChargingStationCertificate' });
    await server.running.certificateRenewals.idle();
    expect(await stored('CS3')).toBeNull();
  });
});
