import type { TransactionEventResponse } from '../schemas/generated/TransactionEventResponse.js';
import type { Handler } from './types.js';
import { idTokenInfo } from './id-token-info.js';
import { toSamples } from './meter-samples.js';

/**
 * E01-E15: one transaction record per transactionId, written atomically with its meter values. A
 * retransmission (same seqNo) changes nothing and gets the same answer; offline-queued events (offline=true)
 * are applied in seqNo order of arrival without letting an older event overwrite newer state.
 */
export const transactionEvent: Handler<'TransactionEvent'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  const info = req.idToken ? await idTokenInfo(req.idToken, ctx) : undefined;
  const { duplicate, transaction } = await services.transactions.applyEvent(
    {
      stationId,
      transactionId: req.transactionInfo.transactionId,
      seqNo: req.seqNo,
      eventType: req.eventType,
      triggerReason: req.triggerReason,
      timestamp: req.timestamp,
      offline: req.offline ?? false,
      evseId: req.evse?.id,
      connectorId: req.evse?.connectorId,
      idToken: req.idToken ? { idToken: req.idToken.idToken, type: req.idToken.type, status: info?.status } : undefined,
      chargingState: req.transactionInfo.chargingState,
      stoppedReason: req.transactionInfo.stoppedReason,
      remoteStartId: req.transactionInfo.remoteStartId,
      meterValues: toSamples(req.meterValue),
      payload: req,
    },
    now,
  );
  if (duplicate) services.logger.info({ station: stationId, tx: transaction.transactionId, seqNo: req.seqNo }, 'retransmitted TransactionEvent');
  ctx.afterReply(() =>
    services.events.emit('transaction.event', { stationId, transaction, eventType: req.eventType, seqNo: req.seqNo, duplicate, timestamp: req.timestamp }));
  const response: TransactionEventResponse = {};
  // E01.FR.12: idTokenInfo (status and groupIdToken) is returned whenever an idToken was sent.
  if (info) response.idTokenInfo = info;
  return response;
};
