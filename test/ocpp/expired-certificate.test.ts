/**
 * A00.FR.429 (and A00.FR.407/.408, errata A00.FR.430) over real TLS with client certificates made in-process: a
 * profile 3 station whose certificate has run out is refused unless an operator allowed this station one such
 * connection; then it is admitted, its BootNotification answered Pending (B02), renewed at once (A02:
 * TriggerMessage SignChargingStationCertificate, SignCertificate, CertificateSigned), and the allowance ends once it
 * took the new certificate. Every refusal and every such admission is logged as InvalidChargingStationCertificate.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { CallErrorReply, ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { makeCa, makeCsr, stationCert, writeCa, type StationCredentials, type TestCa } from '../helpers/test-pki.js';

const ORG = 'Chargeplan Test CSO';
const SERVER_CA = readFileSync('test/fixtures/tls/server.crt');
// The manual clock of startTestServer starts at 2026-03-29T00:00:00Z; this one ran out on 2026-01-31.
const EXPIRED_FROM = '2026-01-01T00:00:00Z';

let ca: TestCa;
let otherCa: TestCa;
let pkiDir: string;
let files: { caFile: string; caKeyFile: string };
let server: TestServer;
let logs: Record<string, unknown>[];

beforeAll(async () => {
  ca = await makeCa(`CN=Chargeplan Test Root, O=${ORG}`, '2025-06-01T00:00:00Z');
  otherCa = await makeCa(`CN=Someone Else Root, O=${ORG}`, '2025-06-01T00:00:00Z');
  pkiDir = mkdtempSync(join(tmpdir(), 'chargeplan-pki-'));
  files = writeCa(ca, pkiDir);
});
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));
afterEach(async () => server?.stop());

async function start(): Promise<TestServer> {
  logs = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const s = await startTestServer({
    ocpp: {
      tlsPort: 0,
      tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', ...files, organizationName: ORG },
    },
  }, { logger });
  await s.addStation('CS3', '', 3);
  return s;
}

function connect(s: TestServer, id: string, creds: { certPem: string; keyPem: string }) {
  return ScriptedStation.connect(`wss://127.0.0.1:${s.running.ports.ocppTls}`, { id, ca: SERVER_CA, cert: creds.certPem, key: creds.keyPem });
}

async function status(p: Promise<ScriptedStation>): Promise<number> {
  return p.then(async (cs) => {
    await cs.close();
    return 101;
  }, (e: { status?: number }) => e.status ?? -1);
}

const securityEvents = () => logs.filter((l) => JSON.stringify(l).includes('InvalidChargingStationCertificate'));
const allowedAt = (s: TestServer) => s.running.repositories.stations.expiredCertificateAllowedAt('CS3');

describe('an expired station certificate (A00.FR.407, A00.FR.429)', { timeout: 60_000 }, () => {
  let expired: StationCredentials;
  beforeAll(async () => {
    expired = await stationCert(ca, `CN=CS3, O=${ORG}`, EXPIRED_FROM, 30);
  });

  it('A00.FR.407/.408: without an explicit allowance for this station it is refused, and the refusal is logged as InvalidChargingStationCertificate', async () => {
    server = await start();
    expect(await status(connect(server, 'CS3', expired))).toBe(401);
    const [event] = securityEvents();
    expect(event?.reason).toMatch(/^InvalidChargingStationCertificate: "CN=CS3, O=Chargeplan Test CSO" expired at 2026-01-31T00:00:00.000Z \(A00.FR.407; A00.FR.429 not configured/);
    expect((await server.running.repositories.stations.get('CS3'))!.clientCertificate).toBeNull();
  });

  it('A00.FR.429 (errata A00.FR.430): allowed once, it is admitted, booted Pending (B02), renewed at once (A02), and the allowance ends with the new certificate', async () => {
    server = await start();
    // It had been accepted before its certificate ran out: that boot status does not carry over.
    await server.running.repositories.stations.recordBoot('CS3', { reason: 'PowerUp', vendorName: 'V', model: 'M' }, 'Accepted', '2026-01-15T00:00:00.000Z');
    expect(await server.running.certificateRenewals.allowExpiredCertificate('CS3', true)).toEqual({ outcome: 'set', allowedSince: '2026-03-29T00:00:00.000Z' });

    const cs = await connect(server, 'CS3', expired);
    // A00.FR.408: the admission is logged as the security event.
    expect(securityEvents().map((l) => [l.level, l.station, l.msg])).toEqual([[40, 'CS3', expect.stringContaining('A00.FR.429')]]);
    // B01.FR.08: nothing but a BootNotification first, whatever it was before.
    await expect(cs.call('Heartbeat', {})).rejects.toMatchObject({ code: 'SecurityError' } satisfies Partial<CallErrorReply>);

    cs.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    const trigger = cs.nextCall('TriggerMessage');
    const boot = await cs.boot();
    expect(boot.status).toBe('Pending'); // A00.FR.429: BootNotification - Pending (B02)
    expect(await trigger).toEqual({ requestedMessage: 'SignChargingStationCertificate' }); // A02 at once
    // Still Pending: only what was asked for (B02.FR.09).
    await expect(cs.call('StatusNotification', { timestamp: '2026-03-29T00:00:00Z', connectorStatus: 'Available', evseId: 1, connectorId: 1 }))
      .rejects.toMatchObject({ code: 'SecurityError' });

    // A02.FR.02/.03: the station's new key and CSR; the CA signs it and sends CertificateSigned.
    const signed = cs.nextCall('CertificateSigned');
    cs.respond('CertificateSigned', () => ({ status: 'Accepted' }));
    const delivered = server.running.events.once('station.certificate');
    const { csrPem, keyPem } = await makeCsr(`CN=CS3, O=${ORG}`);
    expect(await cs.call('SignCertificate', { csr: csrPem, certificateType: 'ChargingStationCertificate' })).toEqual({ status: 'Accepted' });
    const chain = (await signed).certificateChain;
    expect(await delivered).toMatchObject({ stationId: 'CS3', delivery: 'Accepted' });
    await server.running.certificateRenewals.idle();
    expect(await allowedAt(server)).toBeNull();
    expect((await server.running.repositories.stations.get('CS3'))!.certificateRenewalRequestedAt).toBeNull();
    await cs.close();

    // A02.FR.08: back with the new certificate, accepted as usual; the expired one is refused again (A00.FR.407).
    const renewed = await connect(server, 'CS3', { certPem: chain, keyPem });
    renewed.respond('GetVariables', smartChargingVariables());
    expect((await renewed.boot()).status).toBe('Accepted');
    expect((await server.running.repositories.stations.get('CS3'))!.clientCertificate?.serial).toBe(new X509Certificate(chain).serialNumber.toUpperCase());
    await renewed.close();
    expect(await status(connect(server, 'CS3', expired))).toBe(401);
  });

  it('A00.FR.429 admits only an expired certificate that is otherwise valid: CN, O, the CA and the start are checked as always', async () => {
    server = await start();
    await server.addStation('CS30', '', 3);
    await server.running.certificateRenewals.allowExpiredCertificate('CS3', true);
    // A00.FR.405: another station's expired certificate, even one whose station is allowed too.
    await server.running.certificateRenewals.allowExpiredCertificate('CS30', true);
    expect(await status(connect(server, 'CS3', await stationCert(ca, `CN=CS30, O=${ORG}`, EXPIRED_FROM, 30)))).toBe(401);
    expect(await status(connect(server, 'CS3', await stationCert(ca, 'CN=CS3, O=Other CSO', EXPIRED_FROM, 30)))).toBe(401); // A00.FR.404
    expect(await status(connect(server, 'CS3', await stationCert(otherCa, `CN=CS3, O=${ORG}`, EXPIRED_FROM, 30)))).toBe(401); // A00.FR.403
    expect(await status(connect(server, 'CS3', await stationCert(ca, `CN=CS3, O=${ORG}`, '2026-06-01T00:00:00Z', 30)))).toBe(401); // not yet valid
    // Each refusal is the security event (A00.FR.408); nothing was admitted or recorded.
    expect(securityEvents().filter((l) => l.msg === 'OCPP handshake refused')).toHaveLength(4);
    expect((await server.running.repositories.stations.get('CS3'))!.clientCertificate).toBeNull();
    expect(await status(connect(server, 'CS3', expired))).toBe(101);
  });

  it('an operator\'s Rejected still wins over the renewal boot (B03), and only profile 3 stations can be allowed', async () => {
    server = await start();
    await server.addStation('CS1', 'correct-horse-battery', 1);
    expect(await server.running.certificateRenewals.allowExpiredCertificate('CS1', true)).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('profile 1') });
    expect(await server.running.certificateRenewals.allowExpiredCertificate('NOPE', true)).toEqual({ outcome: 'unknown' });
    await server.running.certificateRenewals.allowExpiredCertificate('CS3', true);
    await server.running.repositories.stations.setRegistrationStatus('CS3', 'Rejected', '2026-03-29T00:00:00.000Z');
    const cs = await connect(server, 'CS3', expired);
    cs.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    expect((await cs.boot()).status).toBe('Rejected');
    await server.running.certificateRenewals.idle();
    // B03.FR.03: nothing is sent to a rejected station; the renewal waits for a boot that is not Rejected.
    expect(cs.calls).toEqual([]);
    expect((await server.running.repositories.stations.get('CS3'))!.certificateRenewalRequestedAt).toBe('2026-03-29T00:00:00.000Z');
    await cs.close();
    // Withdrawn: refused again.
    expect(await server.running.certificateRenewals.allowExpiredCertificate('CS3', false)).toEqual({ outcome: 'set', allowedSince: null });
    expect(await status(connect(server, 'CS3', expired))).toBe(401);
  });
});
