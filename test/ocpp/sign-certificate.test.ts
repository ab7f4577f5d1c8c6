/**
 * A02/A03 over real TLS: SignCertificate with a good CSR is Accepted, the CSMS signs it with the configured CA and
 * sends CertificateSigned, and the station reconnects with the new certificate (Part 6 TC_A_11_CSMS with the errata's
 * reconnect step, TC_A_14_CSMS); bad CSRs are Rejected with the rule; TriggerMessage SignChargingStationCertificate
 * on an operator's request (A02).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { RENEWAL_RECHECK_MS } from '../../src/ocpp/auth/certificate-renewal.js';
import { makeCa, makeCsr, stationCert, writeCa, type StationCredentials, type TestCa } from '../helpers/test-pki.js';

const ORG = 'Chargeplan Test CSO';
const SERVER_CA = readFileSync('test/fixtures/tls/server.crt');
const PASSWORD = 'correct-horse-battery';

let ca: TestCa;
let pkiDir: string;
let files: { caFile: string; caKeyFile: string };
let server: TestServer;

beforeAll(async () => {
  ca = await makeCa(`CN=Chargeplan Test Root, O=${ORG}`, '2026-01-01T00:00:00Z');
  pkiDir = mkdtempSync(join(tmpdir(), 'chargeplan-pki-'));
  files = writeCa(ca, pkiDir);
});
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));
afterEach(async () => server?.stop());

async function start(tls: Record<string, unknown> = { caKeyFile: files.caKeyFile }): Promise<TestServer> {
  return startTestServer({
    ocpp: {
      tlsPort: 0,
      tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', caFile: files.caFile, ...tls },
    },
  });
}

async function bootedProfile3(s: TestServer, id: string, creds: { certPem: string; keyPem: string }): Promise<ScriptedStation> {
  const cs = await ScriptedStation.connect(`wss://127.0.0.1:${s.running.ports.ocppTls}`, { id, ca: SERVER_CA, cert: creds.certPem, key: creds.keyPem });
  cs.respond('GetVariables', smartChargingVariables());
  expect((await cs.boot()).status).toBe('Accepted');
  return cs;
}

// Real TLS handshakes and key generation: slower than the default allows on a loaded 2-core machine.
describe('SignCertificate and CertificateSigned with the configured CA (A02/A03)', { timeout: 60_000 }, () => {
  let first: StationCredentials;
  beforeAll(async () => {
    first = await stationCert(ca, `CN=CS3, O=${ORG}`, '2026-03-01T00:00:00Z');
  });

  it('TC_A_11_CSMS: a good CSR is Accepted, CertificateSigned carries a certificate of the CA for this station, and it works for the next connection', async () => {
    server = await start();
    await server.addStation('CS3', '', 3);
    const cs = await bootedProfile3(server, 'CS3', first);
    const signedReq = cs.nextCall('CertificateSigned');
    cs.respond('CertificateSigned', () => ({ status: 'Accepted' }));
    const delivered = server.running.events.once('station.certificate');
    const { csrPem, keyPem } = await makeCsr(`CN=CS3, O=${ORG}`);
    expect(await cs.call('SignCertificate', { csr: csrPem, certificateType: 'ChargingStationCertificate' })).toEqual({ status: 'Accepted' });

    const req = await signedReq;
    expect(req.certificateType).toBe('ChargingStationCertificate'); // A02.FR.14
    const leaf = new X509Certificate(req.certificateChain);
    const root = new X509Certificate(ca.pem);
    expect(leaf.checkIssued(root) && leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.subject).toBe(`CN=CS3\nO=${ORG}`);
    expect(leaf.ca).toBe(false);
    // Valid now at the CSMS clock, started a little earlier for a station whose clock is behind (errata, A02.FR.06).
    expect(Date.parse(leaf.validFrom)).toBeLessThan(server.clock.now());
    expect(Date.parse(leaf.validTo) - server.clock.now()).toBeGreaterThan(364 * 86_400_000);

    const event = await delivered;
    expect(event).toMatchObject({ stationId: 'CS3', serial: leaf.serialNumber.toUpperCase(), delivery: 'Accepted' });
    const issued = await server.running.repositories.issuedCertificates.issuedTo('CS3');
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ serial: leaf.serialNumber.toUpperCase(), subject: `CN=CS3, O=${ORG}`, source: 'SignCertificate', delivery: 'Accepted' });
    expect(issued[0]!.fingerprintSha256).toBe(leaf.fingerprint256);

    // A02.FR.08 (errata): the station reconnects with the new certificate; the CSMS admits it (errata to TC_A_11_CSMS).
    await cs.close();
    const again = await bootedProfile3(server, 'CS3', { certPem: req.certificateChain, keyPem });
    expect((await server.running.repositories.stations.get('CS3'))!.clientCertificate?.serial).toBe(leaf.serialNumber.toUpperCase());
    await again.close();
  });

  it('TC_A_14_CSMS: a station that rejects CertificateSigned is recorded so, and stays connected', async () => {
    server = await start();
    await server.addStation('CS3', '', 3);
    const cs = await bootedProfile3(server, 'CS3', first);
    cs.respond('CertificateSigned', () => ({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidCertificate' } }));
    const delivered = server.running.events.once('station.certificate');
    const { csrPem } = await makeCsr(`CN=CS3, O=${ORG}`);
    expect((await cs.call('SignCertificate', { csr: csrPem })).status).toBe('Accepted');
    expect(await delivered).toMatchObject({ delivery: 'Rejected', detail: 'InvalidCertificate' });
    expect((await server.running.repositories.issuedCertificates.issuedTo('CS3'))[0]!.delivery).toBe('Rejected');
    expect(await cs.call('SecurityEventNotification', { type: 'InvalidChargingStationCertificate', timestamp: '2026-03-29T00:00:00Z' })).toEqual({});
    expect(server.running.ocpp.isConnected('CS3')).toBe(true);
    await cs.close();
  });

  it('A02.FR.12: CSRs that cannot be signed are Rejected with the field and the rule, and nothing is issued', async () => {
    server = await start({ caKeyFile: files.caKeyFile, organizationName: ORG });
    await server.addStation('CS3', '', 3);
    const cs = await bootedProfile3(server, 'CS3', first);
    const sign = (csr: string, certificateType?: 'V2GCertificate') => cs.call('SignCertificate', { csr, ...(certificateType ? { certificateType } : {}) });
    const other = await makeCsr(`CN=CS30, O=${ORG}`);
    expect(await sign(other.csrPem)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidCSR', additionalInfo: expect.stringContaining('A00.FR.405') } });
    const wrongOrg = await makeCsr('CN=CS3, O=Other CSO');
    expect((await sign(wrongOrg.csrPem)).statusInfo?.additionalInfo).toContain('A00.FR.404');
    // A CSR whose signature does not verify: one byte of the signature changed.
    const good = await makeCsr(`CN=CS3, O=${ORG}`);
    const der = Buffer.from(good.csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----`;
    expect((await sign(tampered)).statusInfo?.additionalInfo).toMatch(/signature does not verify/);
    expect((await sign('not a csr')).statusInfo?.additionalInfo).toContain('PEM');
    // A00.FR.502: an RSA key under 2048 bits.
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { webcrypto } = await import('node:crypto');
    const weakKeys = {
      privateKey: await webcrypto.subtle.importKey('pkcs8', weak.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']),
      publicKey: await webcrypto.subtle.importKey('spki', weak.publicKey.export({ type: 'spki', format: 'der' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']),
    };
    const x509 = await import('@peculiar/x509');
    const weakCsr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=CS3, O=${ORG}`, keys: weakKeys as never, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    });
    expect((await sign(weakCsr.toString('pem'))).statusInfo?.additionalInfo).toContain('A00.FR.502');
    expect(await sign(good.csrPem, 'V2GCertificate')).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
    expect(await server.running.repositories.issuedCertificates.issuedTo('CS3')).toEqual([]);
    expect(cs.calls.filter((c) => c.action === 'CertificateSigned')).toEqual([]);
    await cs.close();
  });

  it('without a CA key SignCertificate stays Rejected (A02.FR.12), while profile 3 connections still work', async () => {
    server = await start({});
    await server.addStation('CS3', '', 3);
    const cs = await bootedProfile3(server, 'CS3', first);
    const { csrPem } = await makeCsr(`CN=CS3, O=${ORG}`);
    expect(await cs.call('SignCertificate', { csr: csrPem })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NoCA' } });
    await cs.close();
  });

  it('a profile 2 station may get its first certificate (to move to profile 3, A05); a lab station without credentials may not', async () => {
    server = await start();
    await server.addStation('TLS2', PASSWORD, 2);
    await server.addStation('LAB', '', 0);
    const cs = await ScriptedStation.connect(`wss://127.0.0.1:${server.running.ports.ocppTls}`, { id: 'TLS2', password: PASSWORD, ca: SERVER_CA });
    cs.respond('GetVariables', smartChargingVariables()).respond('CertificateSigned', () => ({ status: 'Accepted' }));
    await cs.boot();
    const delivered = server.running.events.once('station.certificate');
    expect((await cs.call('SignCertificate', { csr: (await makeCsr(`CN=TLS2, O=${ORG}`)).csrPem })).status).toBe('Accepted');
    expect((await delivered).delivery).toBe('Accepted');
    await cs.close();
    const lab = await ScriptedStation.connect(server.wsUrl, { id: 'LAB' });
    lab.respond('GetVariables', smartChargingVariables());
    await lab.boot();
    expect(await lab.call('SignCertificate', { csr: (await makeCsr(`CN=LAB, O=${ORG}`)).csrPem })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotAuthenticated' } });
    await lab.close();
  });

  it('A02: an operator\'s renewal triggers SignChargingStationCertificate now, or, stored by the CLI, at the next heartbeat', async () => {
    server = await start();
    await server.addStation('CS3', '', 3);
    const cs = await bootedProfile3(server, 'CS3', first);
    cs.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    const trigger = cs.nextCall('TriggerMessage');
    expect(await server.running.certificateRenewals.renew('CS3')).toBe('Accepted');
    expect(await trigger).toEqual({ requestedMessage: 'SignChargingStationCertificate' });

    // What `npm run stations -- renew CS3` stores (another process, which cannot tell the server): the server read
    // "none" at the last Heartbeat and believes it for RENEWAL_RECHECK_MS, then reads again: delivered once, cleared.
    await cs.call('Heartbeat', {});
    await server.running.certificateRenewals.idle();
    await server.running.repositories.stations.setCertificateRenewalRequested('CS3', '2026-03-29T00:00:00.000Z');
    await cs.call('Heartbeat', {});
    await server.running.certificateRenewals.idle();
    expect(cs.calls.filter((c) => c.action === 'TriggerMessage')).toHaveLength(1);
    server.clock.advance(RENEWAL_RECHECK_MS);
    const stored = cs.nextCall('TriggerMessage');
    await cs.call('Heartbeat', {});
    expect(await stored).toEqual({ requestedMessage: 'SignChargingStationCertificate' });
    await cs.call('Heartbeat', {});
    // The delivery clears the request once the station has answered; a second request for the station joins it.
    await server.running.certificateRenewals.deliverPending('CS3');
    expect((await server.running.repositories.stations.get('CS3'))!.certificateRenewalRequestedAt).toBeNull();
    expect(cs.calls.filter((c) => c.action === 'TriggerMessage')).toHaveLength(2);
    await cs.close();
  });
});
