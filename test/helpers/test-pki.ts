/**
 * A certificate authority and station certificates made in-process with @peculiar/x509 (no openssl), for the
 * security profile 3 tests. Dates are given explicitly (the tests' manual clock), never "now".
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type Keys = webcrypto.CryptoKeyPair;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

export interface TestCa {
  cert: x509.X509Certificate;
  keys: Keys;
  pem: string;
  keyPem: string;
}

export interface StationCredentials {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
}

export async function ecKeys(): Promise<Keys> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as Keys;
}

export async function keyPem(keys: Keys): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

/** A self-signed root CA valid from `from` for `days`. */
export async function makeCa(name: string, from: string, days = 3650): Promise<TestCa> {
  const keys = await ecKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(Date.parse(from)),
    notAfter: new Date(Date.parse(from) + days * DAY),
    keys: keys as unknown as CryptoKeyPairLike,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys, pem: cert.toString('pem'), keyPem: await keyPem(keys) };
}

type CryptoKeyPairLike = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
type CryptoKeyLike = Parameters<typeof x509.X509CertificateGenerator.create>[0] extends infer P ? P extends { signingKey: infer K } ? K : never : never;

/** A station certificate with `subject` signed by `ca`, valid over [from, from + days]. */
export async function stationCert(ca: TestCa, subject: string, from: string, days = 365): Promise<StationCredentials> {
  const keys = await ecKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(subject).toString('hex').slice(0, 30) + '01',
    subject,
    issuer: ca.cert.subjectName,
    notBefore: new Date(Date.parse(from)),
    notAfter: new Date(Date.parse(from) + days * DAY),
    publicKey: keys.publicKey as unknown as CryptoKeyLike,
    signingKey: ca.keys.privateKey as unknown as CryptoKeyLike,
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys), cert };
}

/** A PKCS#10 request for `subject` with a fresh key pair (what a station sends in SignCertificate). */
export async function makeCsr(subject: string, keys?: Keys): Promise<{ csrPem: string; keys: Keys; keyPem: string }> {
  const k = keys ?? (await ecKeys());
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys: k as unknown as CryptoKeyPairLike, signingAlgorithm: EC });
  return { csrPem: csr.toString('pem'), keys: k, keyPem: await keyPem(k) };
}

/** Writes the CA's certificate and key into `dir`; returns the paths for ocpp.tls.caFile/caKeyFile. */
export function writeCa(ca: TestCa, dir: string): { caFile: string; caKeyFile: string } {
  const caFile = join(dir, 'ca.pem');
  const caKeyFile = join(dir, 'ca.key');
  writeFileSync(caFile, ca.pem);
  writeFileSync(caKeyFile, ca.keyPem, { mode: 0o600 });
  return { caFile, caKeyFile };
}

/** A sub-CA of `parent` (for paths of more than one link). */
export async function makeSubCa(parent: TestCa, name: string, from: string, days = 1825): Promise<TestCa> {
  const keys = await ecKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: name,
    issuer: parent.cert.subjectName,
    notBefore: new Date(Date.parse(from)),
    notAfter: new Date(Date.parse(from) + days * DAY),
    publicKey: keys.publicKey as unknown as CryptoKeyLike,
    signingKey: parent.keys.privateKey as unknown as CryptoKeyLike,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys, pem: cert.toString('pem'), keyPem: await keyPem(keys) };
}
