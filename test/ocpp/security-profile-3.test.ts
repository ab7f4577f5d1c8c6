/**
 * Security profile 3 at the handshake (Part 2, A00.FR.4xx; Part 6 TC_A_07_CSMS, TC_A_08_CSMS): real TLS with client
 * certificates over loopback, a CA and station certificates made in-process, the product's manual clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { makeCa, makeSubCa, stationCert, writeCa, type StationCredentials, type TestCa } from '../helpers/test-pki.js';

const PASSWORD = 'correct-horse-battery';
const ORG = 'Chargeplan Test CSO';
const SERVER_CA = readFileSync('test/fixtures/tls/server.crt');
// The manual clock of startTestServer starts at 2026-03-29T00:00:00Z.
const ISSUED = '2026-03-01T00:00:00Z';

let ca: TestCa;
let otherCa: TestCa;
let pkiDir: string;
let files: { caFile: string; caKeyFile: string };
let server: TestServer;

beforeAll(async () => {
  ca = await makeCa(`CN=Chargeplan Test Root, O=${ORG}`, '2026-01-01T00:00:00Z');
  otherCa = await makeCa(`CN=Someone Else Root, O=${ORG}`, '2026-01-01T00:00:00Z');
  pkiDir = mkdtempSync(join(tmpdir(), 'chargeplan-pki-'));
  files = writeCa(ca, pkiDir);
});
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));
afterEach(async () => server?.stop());

async function startProfile3(tls: Record<string, unknown> = {}): Promise<TestServer> {
  return startTestServer({
    ocpp: {
      tlsPort: 0,
      tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', caFile: files.caFile, ...tls },
    },
  });
}

const wss = (s: TestServer) => `wss://127.0.0.1:${s.running.ports.ocppTls}`;

function connect(s: TestServer, id: string, creds?: StationCredentials, password?: string) {
  return ScriptedStation.connect(wss(s), {
    id,
    ca: SERVER_CA,
    ...(creds ? { cert: creds.certPem, key: creds.keyPem } : {}),
    ...(password ? { password } : {}),
  });
}

async function refusal(p: Promise<ScriptedStation>): Promise<number> {
  return p.then(
    async (cs) => {
      await cs.close();
      return 101;
    },
    (e: { status?: number }) => e.status ?? -1,
  );
}

// Real TLS handshakes and key generation: slower than the default allows on a loaded 2-core machine.
describe('security profile 3: TLS with a client certificate (A00.FR.4xx)', { timeout: 60_000 }, () => {
  it('TC_A_07_CSMS: admits a station whose certificate chains to the CA and names it, without Basic auth, and records the certificate', async () => {
    server = await startProfile3();
    await server.addStation('CS3', '', 3);
    const creds = await stationCert(ca, `CN=CS3, O=${ORG}`, ISSUED);
    const cs = await connect(server, 'CS3', creds);
    cs.respond('GetVariables', smartChargingVariables());
    expect((await cs.boot()).status).toBe('Accepted');
    const stored = (await server.running.repositories.stations.get('CS3'))!;
    expect(stored.securityProfile).toBe(3);
    expect(stored.clientCertificate).toEqual({
      serial: creds.cert.serialNumber.toUpperCase(),
      subject: `CN=CS3, O=${ORG}`,
      notAfter: creds.cert.notAfter.toISOString(),
      seenAt: '2026-03-29T00:00:00.000Z',
    });
    await cs.close();
  });

  it('TC_A_08_CSMS / A00.FR.405: refuses a valid certificate of another station (CN is not the id), also for an id that is a prefix', async () => {
    server = await startProfile3();
    await server.addStation('CS3', '', 3);
    await server.addStation('CS30', '', 3);
    const forCs30 = await stationCert(ca, `CN=CS30, O=${ORG}`, ISSUED);
    expect(await refusal(connect(server, 'CS3', forCs30))).toBe(401);
    const forCs = await stationCert(ca, `CN=CS, O=${ORG}`, ISSUED);
    expect(await refusal(connect(server, 'CS3', forCs))).toBe(401);
    expect(await refusal(connect(server, 'CS30', forCs30))).toBe(101);
    expect((await server.running.repositories.stations.get('CS3'))!.clientCertificate).toBeNull();
  });

  it('TC_A_08_CSMS / A00.FR.407: refuses an expired certificate and one not valid yet, at the CSMS clock', async () => {
    server = await startProfile3();
    await server.addStation('CS3', '', 3);
    const expired = await stationCert(ca, `CN=CS3, O=${ORG}`, '2026-01-01T00:00:00Z', 30);
    expect(await refusal(connect(server, 'CS3', expired))).toBe(401);
    const future = await stationCert(ca, `CN=CS3, O=${ORG}`, '2026-04-01T00:00:00Z', 365);
    expect(await refusal(connect(server, 'CS3', future))).toBe(401);
    // The same certificate once the clock reaches its start.
    server.clock.advance(4 * 86_400_000);
    expect(await refusal(connect(server, 'CS3', future))).toBe(101);
  });

  it('TC_A_08_CSMS / A00.FR.403: refuses a certificate from another CA, even with the right subject', async () => {
    server = await startProfile3();
    await server.addStation('CS3', '', 3);
    const foreign = await stationCert(otherCa, `CN=CS3, O=${ORG}`, ISSUED);
    expect(await refusal(connect(server, 'CS3', foreign))).toBe(401);
    expect(await refusal(connect(server, 'CS3', await stationCert(ca, `CN=CS3, O=${ORG}`, ISSUED)))).toBe(101);
  });

  it('A00.FR.403 over TLS: a certificate of a sub-CA that the station sends along (leaf first) chains to the configured root; without it, refused', async () => {
    server = await startProfile3();
    await server.addStation('CS3', '', 3);
    const sub = await makeSubCa(ca, `CN=Chargeplan Sub CA, O=${ORG}`, '2026-01-01T00:00:00Z');
    const creds = await stationCert(sub, `CN=CS3, O=${ORG}`, ISSUED);
    expect(await refusal(connect(server, 'CS3', { ...creds, certPem: [creds.certPem, sub.pem].join('\n') }))).toBe(101);
    expect(await refusal(connect(server, 'CS3', creds))).toBe(401);
  });

  it('A00.FR.404/.509: refuses a certificate without the configured organisation (or without any O)', async () => {
    server = await startProfile3({ organizationName: ORG });
    await server.addStation('CS3', '', 3);
    expect(await refusal(connect(server, 'CS3', await stationCert(ca, 'CN=CS3, O=Other CSO', ISSUED)))).toBe(401);
    expect(await refusal(connect(server, 'CS3', await stationCert(ca, 'CN=CS3', ISSUED)))).toBe(401);
    expect(await refusal(connect(server, 'CS3', await stationCert(ca, `CN=CS3, O=${ORG}`, ISSUED)))).toBe(101);
  });

  it('A00.FR.002: a profile 3 station without a certificate is refused, whatever Basic credentials it sends, and on the plain port', async () => {
    server = await startProfile3();
    await server.addStation('CS3', '', 3);
    expect(await refusal(connect(server, 'CS3', undefined, PASSWORD))).toBe(401);
    expect(await refusal(connect(server, 'CS3'))).toBe(401);
    const creds = await stationCert(ca, `CN=CS3, O=${ORG}`, ISSUED);
    expect(await refusal(ScriptedStation.connect(server.wsUrl, { id: 'CS3', password: PASSWORD }))).toBe(401);
    expect(await refusal(connect(server, 'CS3', creds))).toBe(101);
  });

  it('profile 2 stations on the same TLS port are unaffected: Basic auth without a certificate, and a certificate does not replace the password', async () => {
    server = await startProfile3();
    await server.addStation('TLS2', PASSWORD, 2);
    const cs = await connect(server, 'TLS2', undefined, PASSWORD);
    cs.respond('GetVariables', smartChargingVariables());
    expect((await cs.boot()).status).toBe('Accepted');
    await cs.close();
    const creds = await stationCert(ca, `CN=TLS2, O=${ORG}`, ISSUED);
    expect(await refusal(connect(server, 'TLS2', creds))).toBe(401);
    expect(await refusal(connect(server, 'TLS2', creds, PASSWORD))).toBe(101);
    expect((await server.running.repositories.stations.get('TLS2'))!.clientCertificate).toBeNull();
  });

  it('without ocpp.tls.caFile a profile 3 station cannot connect (nothing to check its certificate against)', async () => {
    server = await startTestServer({
      ocpp: { tlsPort: 0, tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key' } },
    });
    await server.addStation('CS3', '', 3);
    const creds = await stationCert(ca, `CN=CS3, O=${ORG}`, ISSUED);
    expect(await refusal(connect(server, 'CS3', creds))).toBe(401);
  });

  it('a certificate that expires within 30 days marks the station for renewal (A03.FR.02 is the station\'s; A02 is our fallback)', async () => {
    server = await startProfile3({ caKeyFile: files.caKeyFile });
    await server.addStation('CS3', '', 3);
    await server.addStation('CS4', '', 3);
    const soon = await stationCert(ca, `CN=CS3, O=${ORG}`, '2026-03-01T00:00:00Z', 40);
    const later = await stationCert(ca, `CN=CS4, O=${ORG}`, '2026-03-01T00:00:00Z', 365);
    expect(await refusal(connect(server, 'CS3', soon))).toBe(101);
    expect(await refusal(connect(server, 'CS4', later))).toBe(101);
    expect((await server.running.repositories.stations.get('CS3'))!.certificateRenewalRequestedAt).toBe('2026-03-29T00:00:00.000Z');
    expect((await server.running.repositories.stations.get('CS4'))!.certificateRenewalRequestedAt).toBeNull();
  });
});
