import type { RegistrationStatus } from '../../domain/stations.js';
import type { Handler } from './types.js';
import { readSmartChargingCapabilities } from './capabilities.js';

/** B01-B03: record what the station is, answer Accepted/Pending/Rejected with the interval. */
export const bootNotification: Handler<'BootNotification'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  // Issue 16: a connection admitted only to wait for adoption (waiting-list.ts) is answered Pending (B02.FR.01) and
  // its vendor and model kept on the list; nothing else happens (no event, no capabilities read, no plan).
  if (services.waiting?.isCandidate(stationId)) {
    const { vendorName, model, serialNumber, firmwareVersion } = req.chargingStation;
    await services.waiting.recordBoot(stationId, { vendorName, model, serialNumber, firmwareVersion }, now);
    ctx.session.bootStatus = 'Pending';
    ctx.session.permitted.clear();
    return { currentTime: now, interval: services.behaviour.bootRetryIntervalS, status: 'Pending' };
  }
  // The columns the status depends on, read now (an operator may have changed them since the handshake).
  const station = await services.stations.bootFacts(stationId);
  // A00.FR.429: a profile 3 station admitted with an expired certificate (recorded at its handshake) is only let in
  // to renew it: Pending (B02) until it connects with the new one; the renewal (A02) follows the reply
  // (auth/certificate-renewal.ts). An operator's Rejected still wins.
  const notAfter = station?.securityProfile === 3 ? station.clientCertificateNotAfter : null;
  const expired = notAfter !== null && Date.parse(notAfter) < Date.parse(now);
  const configured: RegistrationStatus = station?.registrationStatus ?? services.behaviour.bootStatus;
  const status: RegistrationStatus = expired && configured !== 'Rejected' ? 'Pending' : configured;
  await services.stations.recordBoot(
    stationId,
    {
      reason: req.reason,
      vendorName: req.chargingStation.vendorName,
      model: req.chargingStation.model,
      serialNumber: req.chargingStation.serialNumber,
      firmwareVersion: req.chargingStation.firmwareVersion,
    },
    status,
    now,
  );
  ctx.session.bootStatus = status;
  ctx.session.permitted.clear();
  ctx.afterReply(() => {
    services.events.emit('station.booted', { stationId, at: now, status, renewalRequested: station?.renewalRequested ?? false });
    // B01: nothing may be sent to the station before its BootNotification is answered; the capabilities read
    // is queued after the reply. B03.FR.03: never to a rejected station.
    if (status === 'Accepted' && services.behaviour.readCapabilitiesOnBoot) {
      void readSmartChargingCapabilities(ctx).catch((err: unknown) =>
        services.logger.warn({ err, station: stationId }, 'reading smart-charging capabilities failed'));
    }
  });
  return {
    currentTime: now,
    // B01.FR.04 heartbeat interval when accepted; B02.FR.08/B03.FR.06 retry interval otherwise.
    interval: status === 'Accepted' ? services.behaviour.heartbeatIntervalS : services.behaviour.bootRetryIntervalS,
    status,
  };
};
