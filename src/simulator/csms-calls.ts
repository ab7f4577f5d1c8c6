/**
 * How the simulated station answers the CSMS's CALLs, from its real state. Anything not listed here is answered
 * with CALLERROR NotImplemented by the client.
 */
import type { CsmsAction, RequestOf, ResponseOf, StationAction } from '../ocpp/schemas/generated/index.js';
import type { BootReasonEnumType } from '../ocpp/schemas/generated/BootNotificationRequest.js';
import type { ReportChargingProfilesRequest } from '../ocpp/schemas/generated/ReportChargingProfilesRequest.js';
import type { ChargingProfiles, StoredProfile } from './profiles.js';
import type { Evse, TriggerReason, StoppedReason } from './evse.js';
import type { Answer } from './ocpp-client.js';
import { getVariables, type Variables } from './device-model.js';
import type { StationOps } from './csms-ops.js';

/** What the handlers need from the station. */
export interface StationCore {
  readonly profiles: ChargingProfiles;
  readonly quirks: { rejectProfiles: boolean; ignoreProfiles: boolean };
  readonly variables: Variables;
  readonly registrationStatus: string;
  /** Availability, EVSE resets, unlocking, the cache and the device-model report (csms-ops.ts). */
  readonly ops: StationOps;
  now(): number;
  settle(): void;
  evse(evseId: number): Evse | undefined;
  evseList(): Evse[];
  send<A extends StationAction>(action: A, payload: RequestOf<A>): void;
  startSession(evse: Evse, trigger: TriggerReason, remoteStartId?: number): void;
  stopTransaction(evse: Evse, trigger: TriggerReason, stoppedReason: StoppedReason): void;
  sendTxUpdate(evse: Evse, trigger: TriggerReason): void;
  sendStatus(evse: Evse): void;
  sendMeterValues(evse: Evse): void;
  sendHeartbeat(): void;
  sendBoot(): void;
  resetNow(reason: BootReasonEnumType): void;
}

type Handlers = { [A in CsmsAction]?: (req: RequestOf<A>) => Answer & { response: ResponseOf<A> } };

const ok = <T>(response: T, after?: () => void) => (after ? { response, after } : { response });

export function csmsHandlers(s: StationCore): Handlers {
  return {
    SetChargingProfile: (req) => ok(setChargingProfile(s, req)),
    GetCompositeSchedule: (req) => ok(compositeSchedule(s, req)),
    GetChargingProfiles: (req) => getChargingProfiles(s, req),
    ClearChargingProfile: (req) => {
      s.settle();
      // K10.FR.05: the new composite applies from now on (the next settle integrates under it).
      return ok({ status: s.profiles.clear(req) });
    },
    GetVariables: (req) => ok(getVariables(s.variables, req)),
    SetVariables: (req) => s.ops.setVariables(req),
    ChangeAvailability: (req) => s.ops.changeAvailability(req),
    UnlockConnector: (req) => s.ops.unlockConnector(req),
    ClearCache: () => s.ops.clearCache(),
    GetBaseReport: (req) => s.ops.getBaseReport(req),
    RequestStartTransaction: (req) => requestStart(s, req),
    RequestStopTransaction: (req) => requestStop(s, req),
    TriggerMessage: (req) => triggerMessage(s, req),
    // B12: an EVSE's reset; B11: the whole station's (csms-ops.ts).
    Reset: (req) => (req.evseId !== undefined && req.evseId !== 0 ? s.ops.resetEvse(req, req.evseId) : s.ops.resetStation(req)),
  };
}

function setChargingProfile(s: StationCore, req: RequestOf<'SetChargingProfile'>): ResponseOf<'SetChargingProfile'> {
  if (s.quirks.rejectProfiles) return { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: 'this station refuses charging profiles' } };
  // Energy up to now flowed under the old limits; K01.FR.07: from now on the collection is re-evaluated.
  s.settle();
  const result = s.profiles.set(req.evseId, req.chargingProfile);
  if (result.status === 'Accepted') return { status: 'Accepted' };
  return { status: 'Rejected', statusInfo: { reasonCode: result.reasonCode, additionalInfo: result.additionalInfo.slice(0, 512) } };
}

/** K08.FR.02: from the moment of receipt for `duration` seconds. */
function compositeSchedule(s: StationCore, req: RequestOf<'GetCompositeSchedule'>): ResponseOf<'GetCompositeSchedule'> {
  const schedule = s.profiles.compositeSchedule(req.evseId, s.now(), req.duration, req.chargingRateUnit);
  if ('reasonCode' in schedule) return { status: 'Rejected', statusInfo: { reasonCode: schedule.reasonCode, additionalInfo: schedule.additionalInfo } };
  return { status: 'Accepted', schedule };
}

/** K09: Accepted (or NoProfiles), then one ReportChargingProfiles per EVSE with the requestId (K09.FR.01), tbc on all but the last (K09.FR.02). */
function getChargingProfiles(s: StationCore, req: RequestOf<'GetChargingProfiles'>) {
  const found = s.profiles.report(req.evseId, req.chargingProfile);
  if (found.length === 0) return ok({ status: 'NoProfiles' as const });
  const byEvse = new Map<number, StoredProfile[]>();
  for (const p of found) byEvse.set(p.evseId, [...(byEvse.get(p.evseId) ?? []), p]);
  const reports = [...byEvse.entries()].sort((a, b) => a[0] - b[0]);
  return ok({ status: 'Accepted' as const }, () => {
    reports.forEach(([evseId, profiles], i) => {
      const report: ReportChargingProfilesRequest = {
        requestId: req.requestId,
        chargingLimitSource: 'CSO',
        evseId,
        chargingProfile: profiles.map((p) => p.profile) as ReportChargingProfilesRequest['chargingProfile'],
      };
      if (i < reports.length - 1) report.tbc = true;
      s.send('ReportChargingProfiles', report);
    });
  });
}

/**
 * F01/F02: start on the given EVSE (or the first operative one with a car and no transaction). The simulator needs
 * the car already plugged in: without one the request is Rejected, as on an Inoperative EVSE (G03). F01.FR.08: a
 * TxProfile in the request is installed for the new transaction.
 */
function requestStart(s: StationCore, req: RequestOf<'RequestStartTransaction'>) {
  const evse = req.evseId !== undefined ? s.evse(req.evseId) : s.evseList().find((e) => e.car && !e.tx && s.ops.operative(e.hw.id));
  if (evse && !s.ops.operative(evse.hw.id)) return ok({ status: 'Rejected' as const, statusInfo: { reasonCode: 'Inoperative', additionalInfo: `EVSE ${evse.hw.id} is Inoperative` } });
  if (!evse || !evse.car || evse.tx) return ok({ status: 'Rejected' as const, statusInfo: { reasonCode: evse?.tx ? 'TxInProgress' : 'NoCable' } });
  return ok({ status: 'Accepted' as const }, () => {
    const car = evse.car!;
    car.spec = { ...car.spec, idToken: req.idToken.idToken, idTokenType: req.idToken.type };
    s.startSession(evse, 'RemoteStart', req.remoteStartId);
    if (req.chargingProfile && evse.tx) {
      s.settle();
      s.profiles.set(evse.hw.id, { ...req.chargingProfile, transactionId: evse.tx.id });
    }
  });
}

/** F03: stop the named transaction (RemoteStop, Remote); the car stays plugged in. */
function requestStop(s: StationCore, req: RequestOf<'RequestStopTransaction'>) {
  const evse = s.evseList().find((e) => e.tx?.id === req.transactionId);
  if (!evse) return ok({ status: 'Rejected' as const });
  return ok({ status: 'Accepted' as const }, () => {
    s.settle();
    s.stopTransaction(evse, 'RemoteStop', 'Remote');
  });
}

/** F06: the requested message follows the Accepted reply (F06.FR.10); for the named EVSE, else for all (F06.FR.11). */
function triggerMessage(s: StationCore, req: RequestOf<'TriggerMessage'>) {
  const evses = req.evse ? [s.evse(req.evse.id)].filter((e): e is Evse => e !== undefined) : s.evseList();
  if (req.evse && evses.length === 0) return ok({ status: 'Rejected' as const });
  const then: Partial<Record<string, () => void>> = {
    BootNotification: () => s.sendBoot(),
    Heartbeat: () => s.sendHeartbeat(),
    StatusNotification: () => evses.forEach((e) => s.sendStatus(e)),
    MeterValues: () => evses.forEach((e) => s.sendMeterValues(e)),
    TransactionEvent: () => evses.forEach((e) => s.sendTxUpdate(e, 'Trigger')),
  };
  const after = then[req.requestedMessage];
  if (!after) return ok({ status: 'NotImplemented' as const });
  // F06.FR.17: no BootNotification on demand once accepted. Nothing to report for a TransactionEvent without a transaction.
  if (req.requestedMessage === 'BootNotification' && s.registrationStatus === 'Accepted') return ok({ status: 'Rejected' as const });
  if (req.requestedMessage === 'TransactionEvent' && !evses.some((e) => e.tx)) return ok({ status: 'Rejected' as const });
  return ok({ status: 'Accepted' as const }, after);
}
