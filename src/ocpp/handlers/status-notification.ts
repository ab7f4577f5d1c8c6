import type { Handler } from './types.js';

/** G01: per EVSE and connector status; an offline-queued older status never overwrites a newer one. */
export const statusNotification: Handler<'StatusNotification'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  await services.evses.setConnectorStatus(
    { stationId, evseId: req.evseId, connectorId: req.connectorId, status: req.connectorStatus, statusAt: req.timestamp },
    now,
  );
  ctx.afterReply(() =>
    services.events.emit('connector.status', {
      stationId, evseId: req.evseId, connectorId: req.connectorId, status: req.connectorStatus, at: req.timestamp,
    }));
  return {};
};
