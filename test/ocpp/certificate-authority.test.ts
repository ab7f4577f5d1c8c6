/**
 * The CA of security profile 3 without a network: path validation (A00.FR.403) through a sub-CA, signing with an RSA
 * CA key (RSA-PSS, A00.FR.505) and an EC one, and configuration mistakes named at start-up.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CertificateAuthority } from '../../src/ocpp/auth/certificate-authority.js';
import { loadStationCertificates, verifyStationCertificate } from '../../src/ocpp/auth/client-cert.js';
import { makeCa, makeCsr, makeSubCa, stationCert, type TestCa } from '../helpers/test-pki.js';
import { openTestStorage } from '../helpers/test-database.js';
import { StationCertificateRepository } from '../../src/storage/station-certificate-repository.js';

const ORG = 'Chargeplan Test CSO';
const NOW = Date.parse('2026-03-29T00:00:00Z');
const der = (pem: string) => Buffer.from(new X509Certificate(pem).raw);
let root: TestCa;
let sub: TestCa;

beforeAll(async () => {
  root = await makeCa(`CN=Root, O=${ORG}`, '2026-01-01T00:00:00Z');
  sub = await makeSubCa(root, `CN=Sub CA 2, O=${ORG}`, '2026-01-01T00:00:00Z');
});

const load = (caPem: string, caKeyPem: string | null = null) =>
  CertificateAuthority.load({ caPem, caKeyPem, organizationName: null, certificateDays: 365 });

describe('A00.FR.403: the certification path', () => {
  it('follows a station certificate through the sub-CA it sent to the configured root, and refuses it without the sub-CA', async () => {
    const authority = await load(root.pem);
    const leaf = await stationCert(sub, `CN=CS1, O=${ORG}`, '2026-03-01T00:00:00Z');
    const ok = verifyStationCertificate(authority, [der(leaf.certPem), der(sub.pem)], 'CS1', NOW);
    expect(ok).toMatchObject({ ok: true, cert: { subject: `CN=CS1, O=${ORG}` } });
    const alone = verifyStationCertificate(authority, [der(leaf.certPem)], 'CS1', NOW);
    expect(alone).toMatchObject({ ok: false, reason: expect.stringContaining('A00.FR.403') });
    // With the sub-CA configured as well, the leaf alone is enough.
    expect(verifyStationCertificate(await load(`${root.pem}\n${sub.pem}`), [der(leaf.certPem)], 'CS1', NOW).ok).toBe(true);
  });

  it('refuses a CA certificate presented as a station\'s, and a path through an expired sub-CA', async () => {
    const authority = await load(root.pem);
    expect(verifyStationCertificate(authority, [der(sub.pem)], 'CS1', NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('CA certificate') });
    const oldSub = await makeSubCa(root, `CN=Old Sub, O=${ORG}`, '2026-01-01T00:00:00Z', 30);
    const leaf = await stationCert(oldSub, `CN=CS1, O=${ORG}`, '2026-01-02T00:00:00Z');
    expect(verifyStationCertificate(authority, [der(leaf.certPem), der(oldSub.pem)], 'CS1', NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
  });

  it('refuses a certificate with two CNs, even if one is the station id (A00.FR.511)', async () => {
    const authority = await load(root.pem);
    const two = await stationCert(root, `CN=CS1+CN=CS2, O=${ORG}`, '2026-03-01T00:00:00Z');
    expect(verifyStationCertificate(authority, [der(two.certPem)], 'CS1', NOW)).toMatchObject({ ok: false, reason: expect.stringContaining('exactly one CN') });
  });
});

describe('issuing', () => {
  it('signs with a sub-CA key and sends the sub-CA along (CertificateSigned\'s chain, leaf first, no root)', async () => {
    const authority = await load(`${root.pem}\n${sub.pem}`, sub.keyPem);
    const csr = await authority.checkCsr((await makeCsr(`CN=CS1, O=${ORG}`)).csrPem, 'CS1');
    if (!csr.ok) throw new Error(csr.reason);
    const issued = await authority.issue(csr.value, NOW);
    const parts = issued.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(parts).toHaveLength(2);
    const leaf = new X509Certificate(parts[0]!);
    expect(leaf.verify(new X509Certificate(sub.pem).publicKey)).toBe(true);
    expect(new X509Certificate(parts[1]!).fingerprint256).toBe(new X509Certificate(sub.pem).fingerprint256);
    expect(verifyStationCertificate(authority, parts.map(der), 'CS1', NOW).ok).toBe(true);
    // A00.FR.514: no extended key usage; A00.FR.512: key usage set.
    const parsed = new x509.X509Certificate(parts[0]!);
    expect(parsed.getExtension(x509.ExtendedKeyUsageExtension)).toBeNull();
    expect(parsed.getExtension(x509.KeyUsagesExtension)).not.toBeNull();
    // Never past the CA's own end.
    const long = await CertificateAuthority.load({ caPem: sub.pem, caKeyPem: sub.keyPem, organizationName: null, certificateDays: 3650 });
    expect(Date.parse((await long.issue(csr.value, NOW)).notAfter)).toBe(sub.cert.notAfter.getTime());
  });

  it('signs with an RSA CA key using RSA-PSS (A00.FR.505), and node verifies the result', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const { webcrypto } = await import('node:crypto');
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const priv = await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), alg, true, ['sign']);
    const pubDer = (await import('node:crypto')).createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const pub = await webcrypto.subtle.importKey('spki', pubDer, alg, true, ['verify']);
    const rsaRoot = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '0a', name: `CN=RSA Root, O=${ORG}`, notBefore: new Date(Date.parse('2026-01-01T00:00:00Z')), notAfter: new Date(Date.parse('2030-01-01T00:00:00Z')),
      keys: { privateKey: priv, publicKey: pub } as never, signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const authority = await load(rsaRoot.toString('pem'), keyPem);
    const csr = await authority.checkCsr((await makeCsr(`CN=CS1, O=${ORG}`)).csrPem, 'CS1');
    if (!csr.ok) throw new Error(csr.reason);
    const issued = await authority.issue(csr.value, NOW);
    const leaf = new X509Certificate(issued.pem);
    expect(leaf.verify(new X509Certificate(rsaRoot.toString('pem')).publicKey)).toBe(true);
    expect((new x509.X509Certificate(issued.pem).signatureAlgorithm as unknown as { name: string }).name).toBe('RSA-PSS');
    expect(verifyStationCertificate(authority, [der(issued.pem)], 'CS1', NOW).ok).toBe(true);
  });

  it('reads a CSR labelled "NEW CERTIFICATE REQUEST" (older OpenSSL) like any other, and refuses a PEM of another kind', async () => {
    const authority = await load(root.pem, root.keyPem);
    const { csrPem } = await makeCsr(`CN=CS1, O=${ORG}`);
    expect((await authority.checkCsr(csrPem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST'), 'CS1')).ok).toBe(true);
    expect(await authority.checkCsr(root.pem, 'CS1')).toMatchObject({ ok: false, reason: expect.stringContaining('must be a PEM "CERTIFICATE REQUEST"') });
  });

  it('names the configuration mistake: no certificate, a non-CA certificate, a key of no certificate in the file', async () => {
    await expect(load('nothing here')).rejects.toThrow('ocpp.tls.caFile: no PEM certificate found');
    const leaf = await stationCert(root, `CN=CS1, O=${ORG}`, '2026-03-01T00:00:00Z');
    await expect(load(leaf.certPem)).rejects.toThrow('is not a CA certificate');
    await expect(load(root.pem, sub.keyPem)).rejects.toThrow('ocpp.tls.caKeyFile: the key belongs to none of the certificates');
    await expect(load(root.pem, 'garbage')).rejects.toThrow('ocpp.tls.caKeyFile: not a readable PEM private key');
    const store = new StationCertificateRepository((await openTestStorage()).db);
    const missing = (file: string): string => {
      if (file === 'ca.pem') return root.pem;
      throw new Error(`ENOENT: no such file or directory, open '${file}'`);
    };
    await expect(loadStationCertificates({ caFile: 'nope.pem' }, missing, store)).rejects.toThrow('ocpp.tls.caFile: cannot read nope.pem: ENOENT');
    await expect(loadStationCertificates({ caFile: 'ca.pem', caKeyFile: 'nope.key' }, missing, store)).rejects.toThrow('ocpp.tls.caKeyFile: cannot read nope.key');
    expect(await loadStationCertificates({ certFile: 'x', keyFile: 'y' } as never, missing, store)).toBeNull();
  });
});
