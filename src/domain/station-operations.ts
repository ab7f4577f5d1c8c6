/**
 * Remote operations on a charging station (issue 17), as the HTTP API and the pages see them: the port
 * src/ocpp/operations.ts implements and main.ts hands to the API. Inputs and answers are in our own words; the OCPP
 * wire types stay in src/ocpp.
 */
import type { Phrase } from './phrases.js';

/** Where an operation applies: the whole station, one EVSE, or one connector of an EVSE. */
export interface OperationTarget {
  evseId?: number | undefined;
  connectorId?: number | undefined;
}

/** What the station answered, in words for people, with the OCPP status and StatusInfo it sent. */
export interface OperationAnswer {
  stationId: string;
  /** The OCPP action sent (Reset, ChangeAvailability, ...). */
  action: string;
  /** The station's status, verbatim (Accepted, Scheduled, Unlocked, ...). */
  status: string;
  reasonCode: string | null;
  additionalInfo: string | null;
  /** One sentence: what the station will do now. */
  detail: string;
  /** The same sentence as a message id and values (issue 18, languages; ids `op.*`), for the pages. */
  detailPhrase?: Phrase | undefined;
  /** RequestStartTransaction: the remoteStartId sent (the TransactionEvent Started carries it back, F01). */
  remoteStartId?: number | undefined;
  /** RequestStartTransaction: the transaction id when the station already knew it (F01.FR.18), else null. */
  transactionId?: string | null | undefined;
  /** RequestStartTransaction: the TxProfile limit sent with the request (kW), null when none was sent. */
  startLimitKw?: number | null | undefined;
}

export type OperationFailureCode =
  /** The station answered, but not with a status that does what was asked (Rejected, UnlockFailed, ...). */
  | 'STATION_REFUSED'
  /** Not connected (or it went away before answering). */
  | 'STATION_OFFLINE'
  /** No answer within ocpp.callTimeoutSeconds. */
  | 'OCPP_TIMEOUT'
  /** The station answered with a CALLERROR (NotImplemented, ...). */
  | 'OCPP_CALL_ERROR'
  /** The station's answer failed the official schema. */
  | 'OCPP_INVALID_RESPONSE'
  /** Our request fails the official schema (an input the API's own checks let through); never sent. */
  | 'OCPP_INVALID_REQUEST'
  /** The station's boot was Rejected: the CSMS initiates nothing with it (B03.FR.03). */
  | 'OCPP_NOT_ALLOWED';

/** An operation that did not do what was asked: a stable code, whether retrying helps, the station's own words. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  constructor(
    readonly code: OperationFailureCode,
    message: string,
    readonly retryable: boolean,
    readonly answer: { action: string; status: string | null; reasonCode: string | null; additionalInfo: string | null },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ResetKind = 'Immediate' | 'OnIdle';
export type Availability = 'Operative' | 'Inoperative';
/** TriggerMessage's requests an operator may make (F06). */
export const TRIGGERABLE = ['StatusNotification', 'MeterValues', 'BootNotification', 'Heartbeat', 'TransactionEvent'] as const;
export type Triggerable = (typeof TRIGGERABLE)[number];
export type ReportBase = 'FullInventory' | 'ConfigurationInventory' | 'SummaryInventory';

/** One variable to set (B05): the component and variable addressed as the device model lists them. */
export interface VariableWrite {
  component: string;
  componentInstance?: string | undefined;
  evseId?: number | undefined;
  connectorId?: number | undefined;
  variable: string;
  variableInstance?: string | undefined;
  attributeType?: 'Actual' | 'Target' | 'MinSet' | 'MaxSet' | undefined;
  value: string;
}

/** The station's answer for one variable (Accepted, Rejected, RebootRequired, UnknownVariable, ...). */
export interface VariableWriteResult extends Omit<VariableWrite, 'value'> {
  value: string;
  status: string;
  reasonCode: string | null;
  detail: string;
  /** The detail as a phrase: `op.variable` with the status. */
  detailPhrase?: Phrase | undefined;
}

export interface StationOperations {
  reset(stationId: string, kind: ResetKind, evseId?: number): Promise<OperationAnswer>;
  changeAvailability(stationId: string, availability: Availability, target: OperationTarget): Promise<OperationAnswer>;
  unlockConnector(stationId: string, evseId: number, connectorId: number): Promise<OperationAnswer>;
  requestStart(stationId: string, start: { idToken: string; idTokenType: string; evseId?: number | undefined }): Promise<OperationAnswer>;
  requestStop(stationId: string, transactionId: string): Promise<OperationAnswer>;
  trigger(stationId: string, message: Triggerable, evseId?: number): Promise<OperationAnswer>;
  clearCache(stationId: string): Promise<OperationAnswer>;
  /** B07: the station answers, then sends its report in NotifyReport messages (stored by the server as they come). */
  getBaseReport(stationId: string, reportBase: ReportBase): Promise<OperationAnswer & { requestId: number }>;
  /** B05: one result per variable; the variables the station Accepted are stored with their new value. */
  setVariables(stationId: string, writes: readonly VariableWrite[]): Promise<VariableWriteResult[]>;
}

/**
 * The TxProfile a remote start carries (F01.FR.08): the scheduler's answer for a session it has not planned yet,
 * a flat limit the plan replaces as soon as the session starts. Null: send no profile.
 */
export interface StartLimit {
  limitKw: number;
  phases: 1 | 3;
  lineVoltageV: number;
  profileId: number;
}

/** The narrow port the operations ask the scheduler through (main.ts wires it). */
export interface StartLimitSource {
  startLimit(stationId: string, evseId: number): Promise<StartLimit | null>;
}
