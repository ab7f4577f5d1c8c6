import type { Handler } from './types.js';

/**
 * Certificate messages of security profile 3 and ISO 15118 Plug & Charge. This CSMS runs profiles 1 and 2
 * and has no certificate authority or OCSP access, so it answers honestly: the request cannot be served
 * (A02/A03 SignCertificate Rejected; M02 Get15118EVCertificate and M06 GetCertificateStatus Failed).
 * The request is kept so an operator can see that a station asked.
 */
export const signCertificate: Handler<'SignCertificate'> = (req, ctx) => {
  ctx.services.stationLog.recordMessage(ctx.stationId, 'SignCertificate', req, ctx.now);
  return { status: 'Rejected', statusInfo: { reasonCode: 'NoCA', additionalInfo: 'this CSMS signs no certificates' } };
};

export const get15118EVCertificate: Handler<'Get15118EVCertificate'> = (req, ctx) => {
  ctx.services.stationLog.recordMessage(ctx.stationId, 'Get15118EVCertificate', { ...req, exiRequest: `(${req.exiRequest.length} chars)` }, ctx.now);
  return { status: 'Failed', exiResponse: '', statusInfo: { reasonCode: 'NoCertService' } };
};

export const getCertificateStatus: Handler<'GetCertificateStatus'> = (req, ctx) => {
  ctx.services.stationLog.recordMessage(ctx.stationId, 'GetCertificateStatus', req, ctx.now);
  return { status: 'Failed', statusInfo: { reasonCode: 'NoOCSP' } };
};
