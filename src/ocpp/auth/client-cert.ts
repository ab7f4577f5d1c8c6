import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { IncomingMessage } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import { CERTIFICATE_RENEW_BEFORE_MS, type IssuedCertificateStore, type PresentedCertificate, type StationStore } from '../../domain/stations.js';
import type { Clock } from '../../platform/clock.js';
import { isoUtc } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { CertificateAuthority, type Anchor } from './certificate-authority.js';

/**
 * Security profile 3 at the handshake (Part 2, A00.FR.4xx). The TLS port asks every client for a certificate but
 * lets the handshake finish without one (profile 2 stations on the same port have none); which stations must show
 * one is decided per station at the HTTP upgrade, by its registered profile (TC_A_19_CSMS's note in the errata: "the
 * CSMS only requires this Charging Station to use a client certificate ... it rejects the HTTP request"). The path
 * is validated here against the configured CA at the injected clock, not by OpenSSL at the wall clock.
 */

/** What the TLS server needs for profile 3 (spread into https.createServer's options). */
export interface ClientCertTlsOptions {
  ca?: string | Buffer;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
}

export function clientCertTlsOptions(certs: StationCertificates | null): ClientCertTlsOptions {
  // `ca` also tells clients which issuers we accept (CertificateRequest.certificate_authorities).
  return certs === null ? {} : { ca: certs.caPem, requestCert: true, rejectUnauthorized: false };
}

/** What the server's handshake and the SignCertificate handler share: the CA and where certificates are recorded. */
export interface StationCertificates {
  authority: CertificateAuthority;
  issued: IssuedCertificateStore;
  /** The CA file's text, for the TLS server's `ca`. */
  caPem: string;
}

/** The `ocpp.tls` part profile 3 reads (src/config.ts). */
export interface ClientCertConfig {
  caFile?: string | undefined;
  caKeyFile?: string | undefined;
  organizationName?: string | undefined;
  certificateDays?: number | undefined;
}

/** Loads the CA of `ocpp.tls.caFile`/`caKeyFile`; null without a caFile (then profile 3 stations are refused). */
export async function loadStationCertificates(
  tls: ClientCertConfig | null,
  readText: (file: string) => string,
  issued: IssuedCertificateStore,
): Promise<StationCertificates | null> {
  if (!tls?.caFile) return null;
  const read = (field: string, file: string) => {
    try {
      return readText(file);
    } catch (cause) {
      throw new Error(`ocpp.tls.${field}: cannot read ${file}: ${(cause as Error).message}`, { cause });
    }
  };
  const caPem = read('caFile', tls.caFile);
  const authority = await CertificateAuthority.load({
    caPem,
    caKeyPem: tls.caKeyFile ? read('caKeyFile', tls.caKeyFile) : null,
    organizationName: tls.organizationName ?? null,
    certificateDays: tls.certificateDays ?? 365,
  });
  return { authority, issued, caPem };
}

/** Longest path we follow from a station's certificate to an anchor (leaf + sub-CAs). */
const MAX_PATH = 5;

/**
 * A00.FR.403: the certification path (RFC 5280, 6) from the presented certificate to one of the CA certificates:
 * each link's issuer name and signature, each certificate within its validity at `nowMs`, every link above the leaf
 * a CA; then the subject rules (A00.FR.404/.405). `chain` is DER, leaf first, as the station sent it.
 */
export function verifyStationCertificate(
  authority: CertificateAuthority,
  chain: readonly Buffer[],
  stationId: string,
  nowMs: number,
): { ok: true; cert: Omit<PresentedCertificate, 'seenAt'> } | { ok: false; reason: string } {
  const [leafDer, ...sent] = chain;
  if (!leafDer) return { ok: false, reason: 'no client certificate (A00.FR.401/.402)' };
  let parsed: Anchor[];
  try {
    parsed = [leafDer, ...sent].map((der) => ({ node: new NodeCertificate(der), cert: new x509.X509Certificate(der) }));
  } catch {
    return { ok: false, reason: 'the client certificate does not parse' };
  }
  const leaf = parsed[0]!;
  if (leaf.node.ca) return { ok: false, reason: 'the client certificate is a CA certificate' };
  const when = (a: Anchor): string | null => {
    if (nowMs < a.cert.notBefore.getTime()) return `"${a.cert.subject}" is not valid before ${a.cert.notBefore.toISOString()}`;
    if (nowMs > a.cert.notAfter.getTime()) return `"${a.cert.subject}" expired at ${a.cert.notAfter.toISOString()}`;
    return null;
  };
  const issues = (child: Anchor, parent: Anchor) => child.node.checkIssued(parent.node) && child.node.verify(parent.node.publicKey);
  let at = leaf;
  for (let depth = 0; ; depth++) {
    const expired = when(at);
    if (expired) return { ok: false, reason: `${expired} (A00.FR.407)` };
    if (authority.anchors.some((a) => a.node.fingerprint256 === at.node.fingerprint256) && at !== leaf) break;
    const anchor = authority.anchors.find((a) => issues(at, a));
    if (anchor) {
      const anchorExpired = when(anchor);
      if (anchorExpired) return { ok: false, reason: `CA ${anchorExpired} (A00.FR.407)` };
      break;
    }
    const child = at;
    const next = parsed.find((p) => p !== child && p.node.ca && issues(child, p));
    if (!next || depth >= MAX_PATH) return { ok: false, reason: `"${at.cert.issuer}" is not the configured CA: the path does not verify (A00.FR.403)` };
    at = next;
  }
  const subject = authority.checkSubject(leaf.cert.subjectName, stationId);
  if (subject) return { ok: false, reason: `certificate ${subject}` };
  return {
    ok: true,
    cert: { serial: leaf.node.serialNumber.toUpperCase(), subject: leaf.cert.subject, notAfter: leaf.cert.notAfter.toISOString() },
  };
}

/** The certificates the client sent, leaf first (node links them through issuerCertificate). */
export function peerChain(socket: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true) as PeerCertificate | undefined;
  const seen = new Set<PeerCertificate>();
  while (cert?.raw && !seen.has(cert) && out.length <= MAX_PATH) {
    seen.add(cert);
    out.push(cert.raw);
    cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return out;
}

/**
 * The handshake hook for a station registered with profile 3: refuses (401) unless the connection is TLS and carries
 * a valid certificate for this station; records the certificate it was admitted with. Basic credentials are neither
 * needed nor checked (Table 11: profile 3 authenticates the station by its certificate only).
 */
export function profile3Refusal(
  stationId: string,
  req: IncomingMessage,
  tls: boolean,
  services: { certificates?: StationCertificates | null | undefined; stations: StationStore; clock: Clock; logger: Logger },
): { status: number; reason: string } | null {
  const refuse = (reason: string) => ({ status: 401, reason: `InvalidChargingStationCertificate: ${reason}` }); // A00.FR.408
  // A00.FR.002: a profile 3 station on the plain port uses a different profile than ours for it.
  if (!tls) return refuse('security profile 3 requires TLS with a client certificate');
  if (!services.certificates) return refuse('security profile 3 but no CA configured (ocpp.tls.caFile)');
  const now = services.clock.now();
  const verdict = verifyStationCertificate(services.certificates.authority, peerChain(req.socket as TLSSocket), stationId, now);
  if (!verdict.ok) return refuse(verdict.reason); // A00.FR.407: terminate the connection
  services.stations.recordClientCertificate(stationId, { ...verdict.cert, seenAt: isoUtc(now) });
  // A03.FR.02 has the station renew a month ahead; if it has not, ask it ourselves (A02) once it is connected.
  const expiresIn = Date.parse(verdict.cert.notAfter) - now;
  if (services.certificates.authority.canSign && expiresIn < CERTIFICATE_RENEW_BEFORE_MS && !services.stations.get(stationId)?.certificateRenewalRequestedAt) {
    services.stations.setCertificateRenewalRequested(stationId, isoUtc(now));
  }
  return null;
}
