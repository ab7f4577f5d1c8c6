import type { StationAction } from '../schemas/generated/index.js';
import type { Handler } from './types.js';
import { truncateForLog } from '../../platform/truncate.js';

/**
 * Notifications whose answer is an empty acknowledgement and whose content no part of the product reads yet:
 * each is kept in the station's message log, verbatim within the size cap and the station's storage budget
 * (beyond them its size and SHA-256: storage/stored-payload.ts), so what a station reported is not lost and a
 * flood of them cannot fill the disk.
 */
type EmptyAck =
  | 'FirmwareStatusNotification' | 'LogStatusNotification' | 'NotifyCustomerInformation' | 'NotifyDisplayMessages'
  | 'NotifyMonitoringReport' | 'PublishFirmwareStatusNotification' | 'ReportChargingProfiles'
  | 'ReservationStatusUpdate' | 'SecurityEventNotification';

function keep<A extends EmptyAck & StationAction>(action: A): Handler<A> {
  return async (req, ctx) => {
    await ctx.services.stationLog.recordMessage(ctx.stationId, action, req, ctx.now);
    return {};
  };
}

/** L01.FR.01/.10: kept, and announced after the reply with its requestId, for the firmware jobs (src/operations). */
export const firmwareStatusNotification: Handler<'FirmwareStatusNotification'> = async (req, ctx) => {
  const reply = await keep('FirmwareStatusNotification')(req, ctx);
  ctx.afterReply(() => ctx.services.events.emit('firmware.status', { stationId: ctx.stationId, status: req.status, requestId: req.requestId ?? null, at: ctx.now }));
  return reply;
};
/** N01: kept, and announced after the reply for the log requests (src/operations). */
export const logStatusNotification: Handler<'LogStatusNotification'> = async (req, ctx) => {
  const reply = await keep('LogStatusNotification')(req, ctx);
  ctx.afterReply(() => ctx.services.events.emit('log.status', { stationId: ctx.stationId, status: req.status, requestId: req.requestId ?? null, at: ctx.now }));
  return reply;
};
export const notifyCustomerInformation = keep('NotifyCustomerInformation');
export const notifyDisplayMessages = keep('NotifyDisplayMessages');
export const notifyMonitoringReport = keep('NotifyMonitoringReport');
export const publishFirmwareStatusNotification = keep('PublishFirmwareStatusNotification');
/**
 * K09: the station's installed profiles, answering our GetChargingProfiles. Kept verbatim like the others, and
 * announced after the reply so the charger gateway can collect every part of one requestId (K09.FR.01/.02).
 */
export const reportChargingProfiles: Handler<'ReportChargingProfiles'> = async (req, ctx) => {
  const reply = await keep('ReportChargingProfiles')(req, ctx);
  ctx.afterReply(() =>
    ctx.services.events.emit('charging.profiles.reported', {
      stationId: ctx.stationId,
      requestId: req.requestId,
      tbc: req.tbc ?? false,
      evseId: req.evseId,
      chargingLimitSource: req.chargingLimitSource,
      profiles: req.chargingProfile.map((p) => ({
        id: p.id,
        stackLevel: p.stackLevel,
        purpose: p.chargingProfilePurpose,
        transactionId: p.transactionId ?? null,
      })),
    }));
  return reply;
};
export const reservationStatusUpdate = keep('ReservationStatusUpdate');

/** A04: security events are also logged at warn level for the operator. */
export const securityEventNotification: Handler<'SecurityEventNotification'> = async (req, ctx) => {
  ctx.services.logger.warn({ station: ctx.stationId, type: truncateForLog(req.type), techInfo: req.techInfo === undefined ? undefined : truncateForLog(req.techInfo) },
    'security event from station');
  return await keep('SecurityEventNotification')(req, ctx);
};
