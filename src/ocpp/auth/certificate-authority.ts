import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, X509Certificate as NodeCertificate, type KeyObject } from 'node:crypto';

// @peculiar/x509 signs and verifies through WebCrypto; Node's is the implementation.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * The certificate authority of security profile 3 (Part 2, A00.FR.4xx; A02/A03): the CA certificates station
 * certificates must chain to, and (optionally) the CA's key, with which this CSMS signs the stations' CSRs.
 * A02.FR.04 recommends a dedicated CA server; A00.FR.601 lets the CSO act as its own CA, which is what this is.
 */
export interface CertificateAuthorityOptions {
  /** PEM: one or more CA certificates (a root, sub-CAs). */
  caPem: string;
  /** PEM private key of one of them (PKCS#8, SEC1 or PKCS#1); null = verify only, sign nothing. */
  caKeyPem: string | null;
  /** A00.FR.404: the organisation station certificates must name in O; null = any non-empty O (A00.FR.509). */
  organizationName: string | null;
  /** Validity of issued certificates. */
  certificateDays: number;
}

/** A CA certificate parsed twice: node's for signature checks, peculiar's for names and dates. */
export interface Anchor {
  node: NodeCertificate;
  cert: x509.X509Certificate;
}

export type Verdict<T> = { ok: true; value: T } | { ok: false; reasonCode: string; reason: string };

export interface IssuedCertificate {
  serial: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  /** The leaf. */
  pem: string;
  /** Leaf first, then the sub-CAs up to (not including) a self-signed root: CertificateSigned's certificateChain. */
  chainPem: string;
}

/**
 * The errata's note to A02.FR.06: a certificate that starts "now" may be in the future for a station whose clock is
 * a little behind, and it would reject it; start issued certificates this much earlier.
 */
const BACKDATE_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;

/** A00.FR.501-503: at least 112-bit security: RSA >= 2048 bits, EC >= 224 bits (the curves WebCrypto knows). */
const EC_CURVES: Record<string, { name: string; hash: string }> = {
  prime256v1: { name: 'P-256', hash: 'SHA-256' },
  secp384r1: { name: 'P-384', hash: 'SHA-384' },
  secp521r1: { name: 'P-521', hash: 'SHA-512' },
};

export class CertificateAuthority {
  private constructor(
    readonly anchors: readonly Anchor[],
    private readonly signer: { anchor: Anchor; key: CryptoKey; algorithm: Algorithm } | null,
    readonly organizationName: string | null,
    readonly certificateDays: number,
  ) {}

  /** Parses the CA bundle and imports the key; every problem names the file's part and the rule. */
  static async load(o: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    const pems = o.caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (pems.length === 0) throw new Error('ocpp.tls.caFile: no PEM certificate found');
    const anchors = pems.map((pem, i) => {
      try {
        return { node: new NodeCertificate(pem), cert: new x509.X509Certificate(pem) };
      } catch (cause) {
        throw new Error(`ocpp.tls.caFile: certificate ${i + 1} does not parse`, { cause });
      }
    });
    for (const a of anchors) {
      if (!a.node.ca) throw new Error(`ocpp.tls.caFile: "${a.cert.subject}" is not a CA certificate (basicConstraints cA)`);
    }
    let signer: { anchor: Anchor; key: CryptoKey; algorithm: Algorithm } | null = null;
    if (o.caKeyPem !== null) {
      let key: KeyObject;
      try {
        key = createPrivateKey(o.caKeyPem);
      } catch (cause) {
        throw new Error('ocpp.tls.caKeyFile: not a readable PEM private key', { cause });
      }
      const pub = createPublicKey(key).export({ type: 'spki', format: 'der' });
      const anchor = anchors.find((a) => Buffer.from(a.cert.publicKey.rawData).equals(pub));
      if (!anchor) throw new Error('ocpp.tls.caKeyFile: the key belongs to none of the certificates in ocpp.tls.caFile');
      const { importAlg, algorithm } = signingAlgorithm(key);
      const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
      signer = { anchor, key: await webcrypto.subtle.importKey('pkcs8', pkcs8, importAlg, false, ['sign']) as CryptoKey, algorithm };
    }
    return new CertificateAuthority(anchors, signer, o.organizationName, o.certificateDays);
  }

  get canSign(): boolean {
    return this.signer !== null;
  }

  /**
   * The subject rules for a station's certificate: exactly one CN, equal to the station id (A00.FR.405/.511: the
   * CN is the station's unique serial number, which is its OCPP identity here; equality, because "contains" would let
   * the certificate of "CS10" pass as "CS1"), and an O (A00.FR.509), the configured one when set (A00.FR.404).
   */
  checkSubject(name: { cn: readonly string[]; o: readonly string[] }, stationId: string): string | null {
    const { cn } = name;
    if (cn.length !== 1) return `subject: must hold exactly one CN (commonName), found ${cn.length} (A00.FR.511)`;
    if (cn[0] !== stationId) return `subject CN "${clip(cn[0] ?? '')}" is not the station id "${stationId}" (A00.FR.405)`;
    const org = name.o;
    if (org.length === 0 || org.every((v) => v.trim() === '')) return 'subject: must name the organisation in O (A00.FR.509)';
    if (this.organizationName !== null && !org.includes(this.organizationName)) {
      return `subject O "${clip(org.join(', '))}" is not the operator "${this.organizationName}" (A00.FR.404)`;
    }
    return null;
  }

  /** A02/A03: parses and checks a station's CSR (RFC 2986, PEM): its signature, subject and key. */
  async checkCsr(pem: string, stationId: string): Promise<Verdict<x509.Pkcs10CertificateRequest>> {
    const invalid = (reason: string): Verdict<never> => ({ ok: false, reasonCode: 'InvalidCSR', reason });
    let csr: x509.Pkcs10CertificateRequest;
    try {
      // Older OpenSSL versions label the block "NEW CERTIFICATE REQUEST"; the content is the same PKCS#10.
      const block = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(pem);
      if (!block) return invalid('csr: must be a PEM "CERTIFICATE REQUEST" (RFC 2986, A02.FR.03)');
      csr = new x509.Pkcs10CertificateRequest(Buffer.from(block[1]!.replace(/\s/g, ''), 'base64'));
    } catch {
      return invalid('csr: does not parse as a PKCS#10 certificate request (RFC 2986)');
    }
    let signed = false;
    try {
      signed = await csr.verify();
    } catch {
      signed = false;
    }
    if (!signed) return invalid('csr: its signature does not verify with its own public key (RFC 2986, proof of possession)');
    const subject = this.checkSubject({ cn: csr.subjectName.getField('CN'), o: csr.subjectName.getField('O') }, stationId);
    if (subject) return invalid(`csr ${subject}`);
    const key = keyStrength(Buffer.from(csr.publicKey.rawData));
    if (key) return invalid(`csr public key: ${key}`);
    return { ok: true, value: csr };
  }

  /** Signs a checked CSR: a leaf certificate for the station, valid from a little before now. */
  async issue(csr: x509.Pkcs10CertificateRequest, nowMs: number): Promise<IssuedCertificate> {
    if (!this.signer) throw new Error('no CA key configured (ocpp.tls.caKeyFile)');
    const { anchor, key, algorithm } = this.signer;
    const serial = randomBytes(16);
    serial[0] = (serial[0] ?? 0) & 0x7f; // a positive INTEGER (RFC 5280, 4.1.2.2)
    if (serial[0] === 0) serial[0] = 0x40;
    const caEnd = anchor.cert.notAfter.getTime();
    const notAfter = new Date(Math.min(nowMs + this.certificateDays * DAY_MS, caEnd));
    const notBefore = new Date(Math.max(nowMs - BACKDATE_MS, anchor.cert.notBefore.getTime()));
    const ec = csr.publicKey.algorithm.name === 'ECDSA';
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial.toString('hex'),
      subject: csr.subjectName,
      issuer: anchor.cert.subjectName,
      notBefore,
      notAfter,
      publicKey: csr.publicKey,
      signingKey: key,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        // A00.FR.512: restrict the key to what a TLS client does; A00.FR.514: no extended key usage.
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | (ec ? x509.KeyUsageFlags.keyAgreement : x509.KeyUsageFlags.keyEncipherment),
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(anchor.cert),
      ],
    });
    const pem = cert.toString('pem');
    const chain = [pem, ...this.pathToRoot(anchor).map((a) => a.cert.toString('pem'))];
    return {
      serial: serial.toString('hex').toUpperCase(),
      subject: cert.subject,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      fingerprintSha256: new NodeCertificate(pem).fingerprint256,
      pem,
      chainPem: chain.join('\n'),
    };
  }

  /** The issuing CA and its sub-CA parents, without the self-signed root (CertificateSignedRequest.certificateChain). */
  private pathToRoot(from: Anchor): Anchor[] {
    const out: Anchor[] = [];
    let at: Anchor | undefined = from;
    while (at && out.length < this.anchors.length && !selfSigned(at)) {
      out.push(at);
      const child: Anchor = at;
      at = this.anchors.find((a) => a !== child && child.node.checkIssued(a.node) && child.node.verify(a.node.publicKey));
    }
    return out;
  }
}

export function selfSigned(a: Anchor): boolean {
  return a.node.checkIssued(a.node) && a.node.verify(a.node.publicKey);
}

/** A00.FR.502/.503: null when the key is strong enough, else the rule it breaks. */
export function keyStrength(spkiDer: Buffer): string | null {
  const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    return (d.modulusLength ?? 0) >= 2048 ? null : `RSA key of ${d.modulusLength ?? '?'} bits; at least 2048 (A00.FR.502)`;
  }
  if (key.asymmetricKeyType === 'ec') {
    return d.namedCurve && EC_CURVES[d.namedCurve] ? null : `curve ${d.namedCurve ?? '?'}; one of P-256, P-384, P-521 (A00.FR.503)`;
  }
  return `${key.asymmetricKeyType ?? 'unknown'} key; RSA (2048+ bits) or EC (P-256/P-384/P-521) (A00.FR.501)`;
}

/** A00.FR.505/.506: ECDSA or RSA-PSS with SHA-2 for signing by the CA. */
function signingAlgorithm(key: KeyObject): { importAlg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; algorithm: Algorithm } {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = d.namedCurve ? EC_CURVES[d.namedCurve] : undefined;
    if (!curve) throw new Error(`ocpp.tls.caKeyFile: curve ${d.namedCurve ?? '?'} is not one of P-256, P-384, P-521`);
    return { importAlg: { name: 'ECDSA', namedCurve: curve.name }, algorithm: { name: 'ECDSA', hash: curve.hash } as Algorithm };
  }
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    if ((d.modulusLength ?? 0) < 2048) throw new Error('ocpp.tls.caKeyFile: an RSA key needs at least 2048 bits (A00.FR.502)');
    return {
      importAlg: { name: 'RSA-PSS', hash: 'SHA-256' },
      algorithm: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 } as Algorithm,
    };
  }
  throw new Error(`ocpp.tls.caKeyFile: ${key.asymmetricKeyType ?? 'unknown'} keys cannot sign here; use EC or RSA`);
}

/** Station-chosen text in a reason stays short (statusInfo.additionalInfo is at most 512 characters). */
function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}
