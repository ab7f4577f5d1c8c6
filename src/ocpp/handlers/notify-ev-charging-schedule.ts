import type { Handler } from './types.js';

/**
 * K17: the EV's own schedule after renegotiation. Kept verbatim; the scheduler compares it with the plan.
 * Accepted, because the station already keeps the EV within the profile it holds (K17.FR.?).
 */
export const notifyEVChargingSchedule: Handler<'NotifyEVChargingSchedule'> = (req, ctx) => {
  ctx.services.stationLog.recordMessage(ctx.stationId, 'NotifyEVChargingSchedule', req, ctx.now);
  return { status: 'Accepted' };
};
