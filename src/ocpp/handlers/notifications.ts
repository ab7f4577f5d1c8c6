import type { StationAction } from '../schemas/generated/index.js';
import type { Handler } from './types.js';

/**
 * Notifications whose answer is an empty acknowledgement and whose content no part of the product reads yet:
 * each is kept verbatim in the station's message log, so nothing a station reported is lost.
 */
type EmptyAck =
  | 'FirmwareStatusNotification' | 'LogStatusNotification' | 'NotifyCustomerInformation' | 'NotifyDisplayMessages'
  | 'NotifyMonitoringReport' | 'PublishFirmwareStatusNotification' | 'ReportChargingProfiles'
  | 'ReservationStatusUpdate' | 'SecurityEventNotification';

function keep<A extends EmptyAck & StationAction>(action: A): Handler<A> {
  return (req, ctx) => {
    ctx.services.stationLog.recordMessage(ctx.stationId, action, req, ctx.now);
    return {};
  };
}

export const firmwareStatusNotification = keep('FirmwareStatusNotification');
export const logStatusNotification = keep('LogStatusNotification');
export const notifyCustomerInformation = keep('NotifyCustomerInformation');
export const notifyDisplayMessages = keep('NotifyDisplayMessages');
export const notifyMonitoringReport = keep('NotifyMonitoringReport');
export const publishFirmwareStatusNotification = keep('PublishFirmwareStatusNotification');
/** K09: the station's installed profiles, answering our GetChargingProfiles. */
export const reportChargingProfiles = keep('ReportChargingProfiles');
export const reservationStatusUpdate = keep('ReservationStatusUpdate');

/** A04: security events are also logged at warn level for the operator. */
export const securityEventNotification: Handler<'SecurityEventNotification'> = (req, ctx) => {
  ctx.services.logger.warn({ station: ctx.stationId, type: req.type, techInfo: req.techInfo }, 'security event from station');
  return keep('SecurityEventNotification')(req, ctx);
};
