import type { Handler } from './types.js';

/** P01: vendor-specific data. Kept in the station log (verbatim up to retention.stationLogPayloadBytes and the
 * station's per-minute budget, beyond them size and SHA-256: a 3.9 MB payload is a few KB on a deflated wire);
 * vendors we do not know get UnknownVendorId (P01.FR.05); a known vendor's message id we have no reader for gets
 * UnknownMessageId (P01.FR.06). */
export const dataTransfer: Handler<'DataTransfer'> = async (req, ctx) => {
  await ctx.services.stationLog.recordMessage(ctx.stationId, 'DataTransfer', req, ctx.now);
  if (!ctx.services.behaviour.dataTransferVendors.includes(req.vendorId)) return { status: 'UnknownVendorId' };
  // A known vendor, but no message handler of ours reads its data yet.
  return { status: req.messageId === undefined ? 'Accepted' : 'UnknownMessageId' };
};
