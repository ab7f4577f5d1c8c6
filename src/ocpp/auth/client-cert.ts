import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import {
  CERTIFICATE_RENEW_BEFORE_MS, type IssuedCertificateStore, type PresentedCertificate, type StationRecord, type StationStore,
} from '../../domain/stations.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { isoUtc } from '../../platform/clock.js';
import { CertificateAuthority } from './certificate-authority.js';

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
 * a CA; then the subject rules (A00.FR.404/.405). `chain` is leaf first, as the station sent it. Node's own
 * certificate objects only: this runs at every profile 3 handshake, and parsing with @peculiar/x509 cost ~20 times
 * as much (about 2 ms of CPU per certificate).
 */
export function verifyStationCertificate(
  authority: CertificateAuthority,
  chain: readonly (Buffer | NodeCertificate)[],
  stationId: string,
  nowMs: number,
  opts: { acceptExpiredLeaf?: boolean } = {},
): { ok: true; cert: Omit<PresentedCertificate, 'seenAt'>; expired: boolean } | { ok: false; reason: string } {
  if (chain.length === 0) return { ok: false, reason: 'no client certificate (A00.FR.401/.402)' };
  let parsed: NodeCertificate[];
  try {
    parsed = chain.map((c) => (c instanceof NodeCertificate ? c : new NodeCertificate(c)));
  } catch {
    return { ok: false, reason: 'the client certificate does not parse' };
  }
  const leaf = parsed[0]!;
  if (leaf.ca) return { ok: false, reason: 'the client certificate is a CA certificate' };
  const when = (c: NodeCertificate): string | null => {
    if (nowMs < Date.parse(c.validFrom)) return `"${oneLine(c.subject)}" is not valid before ${isoUtc(Date.parse(c.validFrom))}`;
    if (nowMs > Date.parse(c.validTo)) return `"${oneLine(c.subject)}" expired at ${isoUtc(Date.parse(c.validTo))}`;
    return null;
  };
  const issues = (child: NodeCertificate, parent: NodeCertificate) => child.checkIssued(parent) && child.verify(parent.publicKey);
  // A00.FR.429: only the station's own certificate may have run out, and only when the caller says so; everything
  // else (its start, the path, the CAs' validity, the subject) is checked as always.
  const leafExpired = nowMs > Date.parse(leaf.validTo);
  let at = leaf;
  for (let depth = 0; ; depth++) {
    const expired = at === leaf && leafExpired && opts.acceptExpiredLeaf ? null : when(at);
    if (expired) return { ok: false, reason: `${expired} (A00.FR.407)` };
    if (at !== leaf && authority.anchors.some((a) => a.node.fingerprint256 === at.fingerprint256)) break;
    const anchor = authority.anchors.find((a) => issues(at, a.node));
    if (anchor) {
      const anchorExpired = when(anchor.node);
      if (anchorExpired) return { ok: false, reason: `CA ${anchorExpired} (A00.FR.407)` };
      break;
    }
    const child = at;
    const next = parsed.find((p) => p !== child && p.ca && issues(child, p));
    if (!next || depth >= MAX_PATH) return { ok: false, reason: `"${oneLine(at.issuer)}" is not the configured CA: the path does not verify (A00.FR.403)` };
    at = next;
  }
  // The legacy object's names are unescaped, one value or a list per attribute.
  const names = leaf.toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>;
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const subject = authority.checkSubject({ cn: list(names.CN), o: list(names.O) }, stationId);
  if (subject) return { ok: false, reason: `certificate ${subject}` };
  return {
    ok: true,
    cert: { serial: leaf.serialNumber.toUpperCase(), subject: oneLine(leaf.subject), notAfter: isoUtc(Date.parse(leaf.validTo)) },
    expired: leafExpired,
  };
}

/** Node writes a name one attribute per line; we show and store it as "CN=..., O=...". */
function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

/**
 * The certificates the client sent, leaf first, as node links them (issuerCertificate): node's certificate objects,
 * not getPeerCertificate(true)'s, which copies every field of every certificate into plain objects first.
 */
export function peerChain(socket: TLSSocket): NodeCertificate[] {
  const out: NodeCertificate[] = [];
  let cert = socket.getPeerX509Certificate();
  while (cert && out.length <= MAX_PATH && !out.some((c) => c.fingerprint256 === cert!.fingerprint256)) {
    out.push(cert);
    cert = cert.issuerCertificate;
  }
  return out;
}

/** A profile 3 handshake's outcome: refused, or admitted (`expired`: under A00.FR.429, only to renew). */
export type Profile3Verdict = { refusal: { status: number; reason: string } } | { refusal: null; expired: boolean };

/**
 * The handshake hook for a station registered with profile 3: refuses (401) unless the connection is TLS and carries
 * a valid certificate for this station; records the certificate it was admitted with. Basic credentials are neither
 * needed nor checked (Table 11: profile 3 authenticates the station by its certificate only). `station` is the record
 * the handshake read (its renewal request, if any).
 *
 * A00.FR.429: a certificate that has only run out (path, CA validity, CN and O all good) is admitted when an operator
 * allowed this station one such connection (stations.cert_accept_expired_at, read only then); the station is marked
 * for A02 at once, and its BootNotification is answered Pending (handlers/boot-notification.ts). A00.FR.408: every
 * refusal carries the InvalidChargingStationCertificate event in its (sampled) log line, and an admission of an
 * expired certificate is logged as that event too.
 */
export async function profile3Refusal(
  stationId: string,
  req: IncomingMessage,
  tls: boolean,
  services: { certificates?: StationCertificates | null | undefined; stations: StationStore; clock: Clock; logger: Logger },
  station: Pick<StationRecord, 'certificateRenewalRequestedAt'>,
): Promise<Profile3Verdict> {
  const refuse = (reason: string) => ({ refusal: { status: 401, reason: `InvalidChargingStationCertificate: ${reason}` } }); // A00.FR.408
  // A00.FR.002: a profile 3 station on the plain port uses a different profile than ours for it.
  if (!tls) return refuse('security profile 3 requires TLS with a client certificate');
  if (!services.certificates) return refuse('security profile 3 but no CA configured (ocpp.tls.caFile)');
  const now = services.clock.now();
  const { authority } = services.certificates;
  // Everything but the leaf's end is checked first, so that only an otherwise valid certificate costs the read.
  const verdict = verifyStationCertificate(authority, peerChain(req.socket as TLSSocket), stationId, now, { acceptExpiredLeaf: true });
  if (!verdict.ok) return refuse(verdict.reason); // A00.FR.407: terminate the connection
  if (verdict.expired && (await services.stations.expiredCertificateAllowedAt(stationId)) === null) {
    return refuse(`"${verdict.cert.subject}" expired at ${verdict.cert.notAfter} (A00.FR.407; A00.FR.429 not configured for this station)`);
  }
  await services.stations.recordClientCertificate(stationId, { ...verdict.cert, seenAt: isoUtc(now) });
  if (verdict.expired) {
    services.logger.warn(
      { station: stationId, securityEvent: 'InvalidChargingStationCertificate', serial: verdict.cert.serial, notAfter: verdict.cert.notAfter },
      'expired client certificate accepted once to renew it (A00.FR.429, A00.FR.408): boot Pending, then A02');
  }
  // A03.FR.02 has the station renew a month ahead; if it has not, ask it ourselves (A02) once it is connected.
  // A00.FR.429: an expired one is renewed at once, whether or not our CA can sign (the station learns so, A02.FR.12).
  const expiresIn = Date.parse(verdict.cert.notAfter) - now;
  const renew = verdict.expired || (authority.canSign && expiresIn < CERTIFICATE_RENEW_BEFORE_MS);
  if (renew && !station.certificateRenewalRequestedAt) {
    await services.stations.setCertificateRenewalRequested(stationId, isoUtc(now));
  }
  return { refusal: null, expired: verdict.expired };
}
