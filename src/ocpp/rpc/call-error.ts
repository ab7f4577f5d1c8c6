import type { OcppErrorCode } from './errors.js';

export type CallFailureKind =
  /** No reply within the call timeout. */
  | 'Timeout'
  /** The station answered with a CALLERROR. */
  | 'CallError'
  /** The station is not connected, or the connection closed before the reply. */
  | 'Offline'
  /** Our own payload failed the schema: a bug on our side, never sent. */
  | 'InvalidRequest'
  /** The station's CALLRESULT failed the schema. */
  | 'InvalidResponse'
  /** The CSMS may not call this station now (B03.FR.03: after a Rejected boot). */
  | 'NotAllowed';

const STABLE_CODES: Record<CallFailureKind, string> = {
  Timeout: 'OCPP_TIMEOUT',
  CallError: 'OCPP_CALL_ERROR',
  Offline: 'STATION_OFFLINE',
  InvalidRequest: 'OCPP_INVALID_REQUEST',
  InvalidResponse: 'OCPP_INVALID_RESPONSE',
  NotAllowed: 'OCPP_NOT_ALLOWED',
};

const RETRYABLE: Record<CallFailureKind, boolean> = {
  Timeout: true,
  CallError: false,
  Offline: true,
  InvalidRequest: false,
  InvalidResponse: false,
  NotAllowed: false,
};

/** The typed failure of `call(stationId, action, payload)` (convention 7: a stable code and whether to retry). */
export class OcppCallError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(
    readonly kind: CallFailureKind,
    readonly stationId: string,
    readonly action: string,
    message: string,
    readonly ocppError?: { code: OcppErrorCode | string; description: string; details: unknown },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OcppCallError';
    this.code = STABLE_CODES[kind];
    this.retryable = RETRYABLE[kind];
  }
}
