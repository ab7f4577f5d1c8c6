/**
 * The stations CLI's certificate commands (security profile 3, docs/security.md):
 *   npm run stations -- certificate <id> --csr <file.pem> [--out <prefix>]   sign a station's CSR with the CA
 *   npm run stations -- certificate <id> --generate [--out <prefix>]        make a key pair and a certificate
 *   npm run stations -- renew <id>                                          A02 at the station's next heartbeat
 *   npm run stations -- accept-expired <id> [--off]                          A00.FR.429 for this station (or not)
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { webcrypto } from 'node:crypto';
import type { Config } from '../config.js';
import { ROOT } from '../config.js';
import { isoUtc } from '../platform/clock.js';
import type { IssuedCertificateStore, StationStore } from '../domain/stations.js';
import { loadStationCertificates } from '../ocpp/auth/client-cert.js';
import { expiredAllowanceProblem } from '../ocpp/auth/certificate-renewal.js';

export class CliError extends Error {}

export interface CertificateCommand {
  config: Config;
  stations: StationStore;
  issued: IssuedCertificateStore;
  nowMs: number;
}

/**
 * Issues a station's first certificate out of band (A00.FR.801-803: credentials installed before the station can
 * connect). From the station's own CSR, its private key never leaves it; with --generate the key is made here and
 * written next to the certificate (mode 0600) for the installer, and the station should renew at once (A00.FR.805,
 * `renew`), so that it makes a key of its own (A02.FR.01).
 */
export async function issueFromCli(
  c: CertificateCommand,
  id: string,
  o: { csr?: string | undefined; generate?: boolean | undefined; out?: string | undefined },
): Promise<string> {
  const station = await c.stations.get(id);
  if (!station) throw new CliError(`station ${id} does not exist: add it first (npm run stations -- add ${id} --profile 3)`);
  if ((o.csr === undefined) === !o.generate) throw new CliError('certificate: give either --csr <file.pem> or --generate');
  const certs = await loadStationCertificates(c.config.ocpp.tls, (f) => readFileSync(resolve(ROOT, f), 'utf8'), c.issued);
  if (!certs || !certs.authority.canSign) throw new CliError('certificate: configure ocpp.tls.caFile and ocpp.tls.caKeyFile (the CA and its key) first');
  let csrPem: string;
  let keyPem: string | null = null;
  if (o.csr !== undefined) {
    csrPem = readFileSync(o.csr, 'utf8');
  } else {
    const org = certs.authority.organizationName;
    if (!org) throw new CliError('certificate --generate: set ocpp.tls.organizationName (the O of station certificates, A00.FR.509)');
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    // As JSON, so that an id with '+' or '=' (identifierString allows both) is one CN, not parsed as DN syntax.
    const name = new x509.Name([{ CN: [id] }, { O: [org] }]);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys: keys as never, signingAlgorithm: alg });
    csrPem = csr.toString('pem');
    const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  }
  const verdict = await certs.authority.checkCsr(csrPem, id);
  if (!verdict.ok) throw new CliError(`certificate: ${verdict.reason}`);
  const cert = await certs.authority.issue(verdict.value, c.nowMs);
  const prefix = o.out ?? id;
  const files = [`${prefix}.crt`];
  writeFileSync(`${prefix}.crt`, `${cert.chainPem}\n`);
  if (keyPem) {
    writeFileSync(`${prefix}.key`, keyPem, { mode: 0o600 });
    files.push(`${prefix}.key`);
  }
  await c.issued.recordIssued({
    serial: cert.serial, stationId: id, certificateType: 'ChargingStationCertificate', subject: cert.subject,
    notBefore: cert.notBefore, notAfter: cert.notAfter, fingerprintSha256: cert.fingerprintSha256, pem: cert.pem,
    source: 'cli', issuedAt: isoUtc(c.nowMs), delivery: 'cli', deliveryDetail: null,
  });
  return `certificate for ${id} issued: serial ${cert.serial}, subject ${cert.subject}, valid until ${cert.notAfter}\n` +
    `written: ${files.join(', ')}\n` +
    (station.securityProfile === 3 ? '' : `station ${id} uses security profile ${station.securityProfile}; it connects with the certificate once its profile is 3 (A05)\n`) +
    (keyPem ? `install both on the station, then run: npm run stations -- renew ${id} (it makes its own key, A02)\n` : '');
}

/** A02 from the CLI: stored on the station; the server asks it at its next boot or heartbeat. */
export async function requestRenewal(c: CertificateCommand, id: string): Promise<string> {
  const station = await c.stations.get(id);
  if (!station) throw new CliError(`station ${id} does not exist`);
  if (station.securityProfile === 0) throw new CliError(`station ${id} has no credentials (profile 0): it cannot be given a certificate`);
  await c.stations.setCertificateRenewalRequested(id, isoUtc(c.nowMs));
  return `renewal of ${id}'s certificate requested: the server sends TriggerMessage SignChargingStationCertificate at the ` +
    `station's next boot or heartbeat (every ${c.config.ocpp.heartbeatIntervalSeconds} s), then signs its CSR (A02)\n`;
}

/**
 * A00.FR.429 from the CLI: "explicitly configured to accept a connection by this specific Charging Station with an
 * expired certificate". Stored on the station; the server admits its next expired-certificate connection, answers its
 * boot Pending, renews it (A02) and clears the setting once the station accepted the new certificate. --off withdraws it.
 */
export async function allowExpiredFromCli(c: CertificateCommand, id: string, off: boolean): Promise<string> {
  const station = await c.stations.get(id);
  if (!station) throw new CliError(`station ${id} does not exist`);
  if (off) {
    await c.stations.setExpiredCertificateAllowed(id, null);
    return `station ${id}: an expired certificate is refused again (A00.FR.407)\n`;
  }
  const problem = expiredAllowanceProblem(station);
  if (problem) throw new CliError(`accept-expired: ${problem.replace('the station', `station ${id}`)}`);
  const since = (await c.stations.expiredCertificateAllowedAt(id)) ?? isoUtc(c.nowMs);
  await c.stations.setExpiredCertificateAllowed(id, since);
  return `station ${id} may connect once with an expired certificate (A00.FR.429, allowed since ${since}): its boot is answered ` +
    'Pending and its certificate renewed at once (A02); the setting clears itself when the station accepts the new one. ' +
    'Each such connection is logged as the security event InvalidChargingStationCertificate (A00.FR.408). Withdraw with --off\n' +
    (c.config.ocpp.tls?.caKeyFile ? '' : 'note: ocpp.tls.caKeyFile is not set, so its renewal will be rejected (A02.FR.12)\n');
}
