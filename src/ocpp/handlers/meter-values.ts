import type { Handler } from './types.js';
import { toSamples } from './meter-samples.js';

/** J01: meter values outside TransactionEvent, attached to the EVSE's running transaction if there is one. */
export const meterValues: Handler<'MeterValues'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  const samples = toSamples(req.meterValue);
  const transactionId = req.evseId > 0 ? await services.evses.currentTransaction(stationId, req.evseId) : null;
  await services.meterValues.append(stationId, req.evseId, transactionId, samples, 'MeterValues', now);
  ctx.afterReply(() =>
    services.events.emit('meter.values', { stationId, evseId: req.evseId, transactionId, count: samples.length }));
  return {};
};
