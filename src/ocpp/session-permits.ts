import type { CsmsAction, RequestOf } from './schemas/generated/index.js';
import type { StationSession } from './handlers/types.js';

/** B01.FR.10/B02.FR.09: what a station may send before it is accepted (besides what we asked for). */
export const ALWAYS_PERMITTED: ReadonlySet<string> = new Set(['BootNotification']);

/** TriggerMessage's requestedMessage values mapped to the action the station then sends. */
const TRIGGERED_ACTION: Record<string, string> = {
  BootNotification: 'BootNotification',
  LogStatusNotification: 'LogStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  SignChargingStationCertificate: 'SignCertificate',
  SignV2GCertificate: 'SignCertificate',
  StatusNotification: 'StatusNotification',
  TransactionEvent: 'TransactionEvent',
  SignCombinedCertificate: 'SignCertificate',
  PublishFirmwareStatusNotification: 'PublishFirmwareStatusNotification',
};

/** B02.FR.02: a station that is not accepted may still send what we asked it to send. */
export function permitAfter(session: StationSession, action: CsmsAction, payload: unknown): void {
  if (action === 'GetBaseReport' || action === 'GetReport') session.permitted.add('NotifyReport');
  if (action === 'TriggerMessage') {
    const requested = TRIGGERED_ACTION[(payload as RequestOf<'TriggerMessage'>).requestedMessage];
    if (requested) session.permitted.add(requested);
  }
}
