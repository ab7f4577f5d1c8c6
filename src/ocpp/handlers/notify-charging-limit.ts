import type { Handler } from './types.js';

/** K12: an external limit (EMS, SO, other) set on the station; kept as active until cleared (K13). */
export const notifyChargingLimit: Handler<'NotifyChargingLimit'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  await services.stationLog.recordChargingLimit(
    stationId,
    {
      evseId: req.evseId ?? 0,
      source: req.chargingLimit.chargingLimitSource,
      isGridCritical: req.chargingLimit.isGridCritical ?? null,
      schedule: req.chargingSchedule,
    },
    now,
  );
  ctx.afterReply(() =>
    services.events.emit('charging.limit', { stationId, evseId: req.evseId ?? null, source: req.chargingLimit.chargingLimitSource, cleared: false }));
  return {};
};
