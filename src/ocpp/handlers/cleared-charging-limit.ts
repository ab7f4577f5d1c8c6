import type { Handler } from './types.js';

/** K13: an external limit was released. */
export const clearedChargingLimit: Handler<'ClearedChargingLimit'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  await services.stationLog.clearChargingLimit(stationId, req.chargingLimitSource, req.evseId ?? null, now);
  ctx.afterReply(() =>
    services.events.emit('charging.limit', { stationId, evseId: req.evseId ?? null, source: req.chargingLimitSource, cleared: true }));
  return {};
};
