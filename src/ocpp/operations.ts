/**
 * Remote operations (issue 17): each one a typed call through the server's `call` (which validates our payload and
 * the station's answer against the official schemas), its answer put in words, and anything but the status that does
 * what was asked turned into an OperationError carrying the station's reasonCode (convention 6: a non-Accepted status
 * becomes an error at the gateway).
 */
import type { DeviceModelStore, SmartChargingCapabilities } from '../domain/stations.js';
import {
  OperationError, type Availability, type OperationAnswer, type OperationTarget, type ReportBase, type ResetKind,
  type StartLimitSource, type StationOperations, type Triggerable, type VariableWrite, type VariableWriteResult,
} from '../domain/station-operations.js';
import type { Clock } from '../platform/clock.js';
import type { CsmsAction, RequestOf, ResponseOf } from './schemas/generated/index.js';
import type { ChargingProfileType, IdTokenEnumType } from './schemas/generated/RequestStartTransactionRequest.js';
import type { SetVariableDataType } from './schemas/generated/SetVariablesRequest.js';
import { OcppCallError } from './rpc/call-error.js';
import { nonEmpty } from './non-empty.js';
import { chooseUnit, kwToLimit } from './profiles/units.js';
import { variableWords } from './operations-words.js';
import { phrase, type Phrase } from '../domain/phrases.js';

export interface StationOperationsDeps {
  call<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>>;
  deviceModel: Pick<DeviceModelStore, 'upsert' | 'list'>;
  /** The scheduler's limit for a session it has not planned yet (F01.FR.08); absent: no profile is sent. */
  startLimits?: StartLimitSource | undefined;
  capabilities(stationId: string): Promise<SmartChargingCapabilities>;
  clock: Clock;
}

type StatusInfo = { reasonCode: string; additionalInfo?: string } | undefined;
type Answered = { status: string; statusInfo?: StatusInfo };

/** A station's reasonCode and additionalInfo are its own words: kept, but cut to what the schema allows anyway. */
const info = (s: StatusInfo) => ({ reasonCode: s?.reasonCode ?? null, additionalInfo: s?.additionalInfo ?? null });

const where = (t: OperationTarget) =>
  t.evseId === undefined || t.evseId === 0 ? 'the station' : t.connectorId === undefined ? `EVSE ${t.evseId}` : `connector ${t.connectorId} of EVSE ${t.evseId}`;
/** The same target as a phrase's values (issue 18): which (station, evse, connector) and its numbers (0: none). */
const whereValues = (t: OperationTarget) => ({
  target: t.evseId === undefined || t.evseId === 0 ? 'station' : t.connectorId === undefined ? 'evse' : 'connector', evse: t.evseId ?? 0, connector: t.connectorId ?? 0,
});
/** A detail's English and its phrase (the pages say the phrase in their language, src/domain/phrases.ts). */
type Said = { text: string; phrase: Phrase };
const said = (text: string, id: string, params: Record<string, string | number> = {}): Said => ({ text, phrase: phrase(id, params) });

export class OcppStationOperations implements StationOperations {
  /** requestId / remoteStartId: unique per server run and rising across restarts (seconds since 2020, then +1). */
  private nextId: number;

  constructor(private readonly deps: StationOperationsDeps) {
    this.nextId = Math.max(1, Math.floor((deps.clock.now() - Date.UTC(2020, 0, 1)) / 1000) % 2_000_000_000);
  }

  async reset(stationId: string, kind: ResetKind, evseId?: number): Promise<OperationAnswer> {
    const target = where({ evseId });
    const v = whereValues({ evseId });
    // B11/B12: Scheduled means it waits for the running transactions (OnIdle) before it resets.
    return this.run(stationId, 'Reset', { type: kind, ...(evseId ? { evseId } : {}) }, {
      Accepted: kind === 'Immediate' ? said(`${target} resets now; running transactions end (ImmediateReset)`, 'op.reset.immediate', v)
        : said(`${target} resets now: nothing is charging`, 'op.reset.idle', v),
      Scheduled: said(`${target} resets once its transactions have ended (OnIdle)`, 'op.reset.scheduled', v),
    });
  }

  async changeAvailability(stationId: string, availability: Availability, target: OperationTarget): Promise<OperationAnswer> {
    if (target.connectorId !== undefined && !target.evseId) throw new RangeError('a connector is addressed within an EVSE: evseId is needed');
    const evse = target.evseId ? { evse: { id: target.evseId, ...(target.connectorId !== undefined ? { connectorId: target.connectorId } : {}) } } : {};
    const t = where(target);
    const v = { ...whereValues(target), availability };
    // G03/G04: Scheduled when a transaction runs there (G03.FR.05, G04.FR.06): it changes once the transaction ends.
    return this.run(stationId, 'ChangeAvailability', { operationalStatus: availability, ...evse }, {
      Accepted: said(`${t} is ${availability} now`, 'op.availability.now', v),
      Scheduled: said(`${t} becomes ${availability} when its running transaction ends`, 'op.availability.scheduled', v),
    });
  }

  async unlockConnector(stationId: string, evseId: number, connectorId: number): Promise<OperationAnswer> {
    const answer = await this.send(stationId, 'UnlockConnector', { evseId, connectorId });
    const t = where({ evseId, connectorId });
    if (answer.status === 'Unlocked') return this.answer(stationId, 'UnlockConnector', answer, said(`${t} is unlocked`, 'op.unlocked', whereValues({ evseId, connectorId })));
    const why: Record<string, string> = {
      UnlockFailed: `${t} could not be unlocked (F05.FR.05)`,
      OngoingAuthorizedTransaction: `${t} has an authorized transaction: stop it first (F05.FR.02)`,
      UnknownConnector: `the station has no ${t} (F05.FR.03)`,
    };
    throw this.refused(stationId, 'UnlockConnector', answer, why[answer.status]);
  }

  async requestStart(stationId: string, start: { idToken: string; idTokenType: string; evseId?: number | undefined }): Promise<OperationAnswer> {
    const remoteStartId = this.id();
    const profile = start.evseId ? await this.startProfile(stationId, start.evseId) : null;
    const request: RequestOf<'RequestStartTransaction'> = {
      remoteStartId,
      idToken: { idToken: start.idToken, type: start.idTokenType as IdTokenEnumType },
      ...(start.evseId ? { evseId: start.evseId } : {}),
      ...(profile ? { chargingProfile: profile.profile } : {}),
    };
    const answer = await this.send(stationId, 'RequestStartTransaction', request);
    if (answer.status !== 'Accepted') throw this.refused(stationId, 'RequestStartTransaction', answer);
    const on = start.evseId ? `on EVSE ${start.evseId}` : 'on an EVSE of its choice';
    const limit = profile ? `, at most ${profile.limitKw} kW until the plan takes over` : '';
    return {
      ...this.answer(stationId, 'RequestStartTransaction', answer, said(`the station starts a transaction for ${start.idToken} ${on}${limit}`,
        profile ? 'op.start.limited' : 'op.start', { idToken: start.idToken, evse: start.evseId ?? 0, ...(profile ? { limitKw: profile.limitKw } : {}) })),
      remoteStartId,
      transactionId: answer.transactionId ?? null,
      startLimitKw: profile?.limitKw ?? null,
    };
  }

  async requestStop(stationId: string, transactionId: string): Promise<OperationAnswer> {
    return this.run(stationId, 'RequestStopTransaction', { transactionId }, { Accepted: said(`the station stops transaction ${transactionId} (F03)`, 'op.stop', { transactionId }) });
  }

  async trigger(stationId: string, message: Triggerable, evseId?: number): Promise<OperationAnswer> {
    return this.run(stationId, 'TriggerMessage', { requestedMessage: message, ...(evseId ? { evse: { id: evseId } } : {}) }, {
      // F06.FR.10: the requested message follows the answer.
      Accepted: said(`the station sends ${message}${evseId ? ` for EVSE ${evseId}` : ''} now`, 'op.trigger', { message, evse: evseId ?? 0 }),
    });
  }

  async clearCache(stationId: string): Promise<OperationAnswer> {
    return this.run(stationId, 'ClearCache', {}, { Accepted: said('the station cleared its authorization cache (C11)', 'op.clearCache') });
  }

  async getBaseReport(stationId: string, reportBase: ReportBase): Promise<OperationAnswer & { requestId: number }> {
    const requestId = this.id();
    const answer = await this.run(stationId, 'GetBaseReport', { requestId, reportBase }, {
      // B07.FR.?: the report follows in NotifyReport messages with this requestId, stored as they arrive.
      Accepted: said(`the station sends its ${reportBase} in NotifyReport (requestId ${requestId})`, 'op.report', { reportBase, requestId }),
    });
    return { ...answer, requestId };
  }

  async setVariables(stationId: string, writes: readonly VariableWrite[]): Promise<VariableWriteResult[]> {
    if (writes.length === 0) return [];
    const data = writes.map((w): SetVariableDataType => ({
      attributeType: w.attributeType ?? 'Actual',
      attributeValue: w.value,
      component: {
        name: w.component,
        ...(w.componentInstance ? { instance: w.componentInstance } : {}),
        ...(w.evseId !== undefined ? { evse: { id: w.evseId, ...(w.connectorId !== undefined ? { connectorId: w.connectorId } : {}) } } : {}),
      },
      variable: { name: w.variable, ...(w.variableInstance ? { instance: w.variableInstance } : {}) },
    }));
    const response = await this.send(stationId, 'SetVariables', { setVariableData: nonEmpty(data) });
    const results = writes.map((w, k): VariableWriteResult => {
      // B05.FR.?: results may come in any order; match by component and variable, else by position.
      const r = response.setVariableResult.find((x) => x.component.name === w.component && (x.component.instance ?? '') === (w.componentInstance ?? '')
        && x.variable.name === w.variable && (x.variable.instance ?? '') === (w.variableInstance ?? '') && (x.component.evse?.id ?? undefined) === w.evseId
        && (x.attributeType ?? 'Actual') === (w.attributeType ?? 'Actual')) ?? response.setVariableResult[k];
      const status = r?.attributeStatus ?? 'Rejected';
      return { ...w, attributeType: w.attributeType ?? 'Actual', status, reasonCode: r?.attributeStatusInfo?.reasonCode ?? null, detail: variableWords(status), detailPhrase: phrase('op.variable', { status }) };
    });
    // What the station took is its value now (RebootRequired: set, effective after a reboot).
    const taken = results.filter((r) => r.status === 'Accepted' || r.status === 'RebootRequired');
    if (taken.length) {
      await this.deps.deviceModel.upsert(stationId, taken.map((r) => ({
        component: r.component, componentInstance: r.componentInstance, evseId: r.evseId, connectorId: r.connectorId,
        variable: r.variable, variableInstance: r.variableInstance, attributeType: r.attributeType ?? 'Actual', value: r.value,
      })), 'SetVariables', new Date(this.deps.clock.now()).toISOString());
    }
    return results;
  }

  // ---- shared steps ----

  private id(): number {
    this.nextId = this.nextId >= 2_000_000_000 ? 1 : this.nextId + 1;
    return this.nextId;
  }

  /** The F01.FR.08 TxProfile: Relative, so it starts with the transaction; no transactionId (F01.FR.11). */
  private async startProfile(stationId: string, evseId: number): Promise<{ profile: ChargingProfileType; limitKw: number } | null> {
    const limit = await this.deps.startLimits?.startLimit(stationId, evseId);
    if (!limit) return null;
    const unit = chooseUnit(await this.deps.capabilities(stationId));
    const profile: ChargingProfileType = {
      id: limit.profileId,
      // Below the scheduler's TxProfiles (stack level 1): its first plan for the session overrides this one.
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile', // F01.FR.09
      chargingProfileKind: 'Relative',
      chargingSchedule: [{
        id: limit.profileId,
        chargingRateUnit: unit,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: kwToLimit(limit.limitKw, unit, limit.phases, limit.lineVoltageV), numberPhases: limit.phases }],
      }],
    };
    return { profile, limitKw: limit.limitKw };
  }

  /** Sends and accepts only the statuses in `words`; anything else is refused with the station's reason. */
  private async run<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>, words: Record<string, Said>): Promise<OperationAnswer> {
    const answer = await this.send(stationId, action, payload);
    const detail = words[answer.status];
    if (detail === undefined) throw this.refused(stationId, action, answer);
    return this.answer(stationId, action, answer, detail);
  }

  private async send<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A> & Answered> {
    try {
      return (await this.deps.call(stationId, action, payload)) as ResponseOf<A> & Answered;
    } catch (err) {
      throw failure(stationId, action, err);
    }
  }

  private answer(stationId: string, action: string, a: Answered, detail: Said): OperationAnswer {
    return { stationId, action, status: a.status, ...info(a.statusInfo), detail: detail.text, detailPhrase: detail.phrase };
  }

  private refused(stationId: string, action: string, a: Answered, why?: string): OperationError {
    const { reasonCode, additionalInfo } = info(a.statusInfo);
    const reason = reasonCode ? ` (reasonCode ${reasonCode}${additionalInfo ? `: ${additionalInfo}` : ''})` : '';
    const message = `${stationId} answered ${action} with ${a.status}${reason}${why ? `: ${why}` : ''}`;
    return new OperationError('STATION_REFUSED', message, false, { action, status: a.status, reasonCode, additionalInfo });
  }
}

/** A failed call in the operations' words: the same stable codes as everywhere (rpc/call-error.ts). */
function failure(stationId: string, action: string, err: unknown): OperationError {
  if (!(err instanceof OcppCallError)) throw err;
  const answer = { action, status: null, reasonCode: err.ocppError ? String(err.ocppError.code) : null, additionalInfo: err.ocppError?.description ?? null };
  switch (err.kind) {
    case 'Offline': return new OperationError('STATION_OFFLINE', `${stationId} is not connected: ${action} was not sent`, true, answer, { cause: err });
    case 'Timeout': return new OperationError('OCPP_TIMEOUT', `${stationId} did not answer ${action} in time`, true, answer, { cause: err });
    case 'CallError': return new OperationError('OCPP_CALL_ERROR', `${stationId} answered ${action} with the error ${answer.reasonCode}${answer.additionalInfo ? `: ${answer.additionalInfo}` : ''}`, false, answer, { cause: err });
    case 'InvalidResponse': return new OperationError('OCPP_INVALID_RESPONSE', `${stationId} answered ${action} with a payload that fails the OCPP schema`, false, answer, { cause: err });
    case 'NotAllowed': return new OperationError('OCPP_NOT_ALLOWED', `${stationId} may not be called now: ${err.message}`, false, answer, { cause: err });
    case 'InvalidRequest': return new OperationError('OCPP_INVALID_REQUEST', `the ${action} request fails the OCPP schema: ${err.message}`, false, answer, { cause: err });
  }
}
