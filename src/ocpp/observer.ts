/**
 * The OCPP server's metrics hooks (issue 17): what it reports through the OcppObserver port (src/platform/metrics.ts
 * implements it; main.ts wires it). Action labels are only ever the official action names, so a station cannot
 * grow the metrics by sending made-up actions.
 */
import { monotonicMs } from '../platform/clock.js';
import type { OcppObserver } from '../platform/metrics.js';
import { OcppValidator } from './rpc/validator.js';
import type { ValidationFailure } from './rpc/errors.js';
import { OcppCallError } from './rpc/call-error.js';
import { CSMS_ACTIONS, STATION_ACTIONS } from './schemas/generated/index.js';

const KNOWN: ReadonlySet<string> = new Set<string>([...STATION_ACTIONS, ...CSMS_ACTIONS]);
export const actionLabel = (action: string) => (KNOWN.has(action) ? action : 'other');

/** The strict validator, counting every failure by action and kind. */
export class ObservedValidator extends OcppValidator {
  constructor(private readonly observer: OcppObserver) {
    super();
  }

  override validate(action: string, kind: 'Request' | 'Response', payload: unknown): ValidationFailure | null {
    const failure = super.validate(action, kind, payload);
    if (failure) this.observer.invalid?.(actionLabel(action), kind);
    return failure;
  }
}

/** Times a CALL to a station and reports its outcome: 'ok' or the failure's kind (Timeout, CallError, Offline...). */
export function observeCall<T>(observer: OcppObserver, action: string, call: Promise<T>): Promise<T> {
  if (!observer.callDone) return call;
  const started = monotonicMs();
  const done = (outcome: string) => observer.callDone!(actionLabel(action), outcome, (monotonicMs() - started) / 1000);
  return call.then(
    (result) => { done('ok'); return result; },
    (err: unknown) => { done(err instanceof OcppCallError ? err.kind : 'error'); throw err; },
  );
}
