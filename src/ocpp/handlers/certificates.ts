import type { Handler, HandlerContext } from './types.js';
import type { StationCertificates } from '../auth/client-cert.js';
import type { Pkcs10CertificateRequest } from '@peculiar/x509';
import type { RequestOf, ResponseOf } from '../schemas/generated/index.js';
import { isoUtc } from '../../platform/clock.js';
import { emitEvent } from '../emit.js';

type SignResponse = ResponseOf<'SignCertificate'>;

/** statusInfo.reasonCode is at most 20 characters, additionalInfo at most 512 (StatusInfoType). */
function rejected(reasonCode: string, additionalInfo: string): SignResponse {
  return { status: 'Rejected', statusInfo: { reasonCode, additionalInfo: additionalInfo.slice(0, 512) } };
}

/**
 * A02/A03 SignCertificate. With a CA key configured (ocpp.tls.caKeyFile) the CSR is checked here (signature, subject
 * CN = station id and O, key strength), answered Accepted (A02.FR.11/A03.FR.11), and after the reply signed and sent
 * back with CertificateSigned; what fails is Rejected with the field and the rule (A02.FR.12/A03.FR.12). The request
 * is kept in the station log either way so an operator sees that a station asked.
 */
export const signCertificate: Handler<'SignCertificate'> = async (req, ctx) => {
  await ctx.services.stationLog.recordMessage(ctx.stationId, 'SignCertificate', req, ctx.now);
  const certs = ctx.services.certificates;
  if (!certs || !certs.authority.canSign) return rejected('NoCA', 'this CSMS has no CA key to sign with (ocpp.tls.caKeyFile)');
  if (req.certificateType === 'V2GCertificate') {
    return rejected('NotSupported', 'V2G certificates come from the V2G root; this CA signs ChargingStationCertificate only');
  }
  const station = await ctx.services.stations.get(ctx.stationId);
  // A lab station (profile 0) connected without credentials: anyone could have claimed its id.
  if (!station || station.securityProfile === 0) return rejected('NotAuthenticated', 'a station admitted without credentials (profile 0) gets no certificate');
  const verdict = await certs.authority.checkCsr(req.csr, ctx.stationId);
  if (!verdict.ok) {
    ctx.services.logger.warn({ station: ctx.stationId, reason: verdict.reason }, 'SignCertificate rejected');
    return rejected(verdict.reasonCode, verdict.reason);
  }
  ctx.afterReply(() => deliver(ctx, certs, verdict.value, req));
  return { status: 'Accepted' };
};

/** Signs the CSR, stores the certificate, sends CertificateSigned and records the station's answer. */
async function deliver(ctx: HandlerContext, certs: StationCertificates, csr: Pkcs10CertificateRequest, req: RequestOf<'SignCertificate'>): Promise<void> {
  const { logger, clock } = ctx.services;
  const at = () => isoUtc(clock.now());
  let serial: string | null = null;
  let notAfter = '';
  try {
    const cert = await certs.authority.issue(csr, clock.now());
    serial = cert.serial;
    notAfter = cert.notAfter;
    await certs.issued.recordIssued({
      serial: cert.serial, stationId: ctx.stationId, certificateType: 'ChargingStationCertificate', subject: cert.subject,
      notBefore: cert.notBefore, notAfter: cert.notAfter, fingerprintSha256: cert.fingerprintSha256, pem: cert.pem,
      source: 'SignCertificate', issuedAt: at(), delivery: 'pending', deliveryDetail: null,
    });
    // A02.FR.14/A03.FR.14: the type the station asked for; none asked, none given (then it serves both uses).
    const res = await ctx.call('CertificateSigned', {
      certificateChain: cert.chainPem,
      ...(req.certificateType ? { certificateType: req.certificateType } : {}),
    });
    const detail = res.statusInfo ? `${res.statusInfo.reasonCode}${res.statusInfo.additionalInfo ? `: ${res.statusInfo.additionalInfo}` : ''}` : null;
    await certs.issued.setDelivery(cert.serial, res.status, detail, at());
    logger.info({ station: ctx.stationId, serial, status: res.status }, 'CertificateSigned answered');
    emitEvent(ctx.services, 'station.certificate', { stationId: ctx.stationId, serial: cert.serial, notAfter, delivery: res.status, detail });
  } catch (err) {
    // A02 error handling: the station never learns; the operator must, and can re-run A02 (stations renew).
    const detail = (err as Error).message.slice(0, 500);
    logger.error({ err, station: ctx.stationId, serial }, 'certificate signing or delivery failed');
    if (serial) {
      await certs.issued.setDelivery(serial, 'failed', detail, at())
        .catch((storeErr: unknown) => logger.error({ err: storeErr, station: ctx.stationId, serial }, 'recording the failed certificate delivery failed'));
      emitEvent(ctx.services, 'station.certificate', { stationId: ctx.stationId, serial, notAfter, delivery: 'failed', detail });
    }
  }
}

export const get15118EVCertificate: Handler<'Get15118EVCertificate'> = async (req, ctx) => {
  await ctx.services.stationLog.recordMessage(ctx.stationId, 'Get15118EVCertificate', { ...req, exiRequest: `(${req.exiRequest.length} chars)` }, ctx.now);
  return { status: 'Failed', exiResponse: '', statusInfo: { reasonCode: 'NoCertService' } };
};

export const getCertificateStatus: Handler<'GetCertificateStatus'> = async (req, ctx) => {
  await ctx.services.stationLog.recordMessage(ctx.stationId, 'GetCertificateStatus', req, ctx.now);
  return { status: 'Failed', statusInfo: { reasonCode: 'NoOCSP' } };
};
