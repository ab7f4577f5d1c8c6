import type { Handler } from './types.js';

/**
 * K16/K17: the schedule the EV chose within the profile it was given. Kept verbatim for the scheduler to compare
 * with the plan; Accepted, because the station already holds the EV to the limits of that profile.
 */
export const notifyEVChargingSchedule: Handler<'NotifyEVChargingSchedule'> = async (req, ctx) => {
  await ctx.services.stationLog.recordMessage(ctx.stationId, 'NotifyEVChargingSchedule', req, ctx.now);
  return { status: 'Accepted' };
};
