import type { Handler } from './types.js';
import { deviceVariable } from './device-variable.js';

/** N07: device-model events (alerts, monitoring), each stored; the variable's reported value is updated too. */
export const notifyEvent: Handler<'NotifyEvent'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  await services.stationLog.recordEvents(
    stationId,
    req.eventData.map((e) => ({
      eventId: e.eventId,
      timestamp: e.timestamp,
      trigger: e.trigger,
      eventNotificationType: e.eventNotificationType,
      component: e.component.name,
      variable: e.variable.name,
      actualValue: e.actualValue,
      cleared: e.cleared ?? false,
      raw: e,
    })),
    now,
  );
  await services.deviceModel.upsert(
    stationId,
    req.eventData.map((e) => deviceVariable(e, { value: e.actualValue })),
    'NotifyEvent',
    now,
  );
  return {};
};
