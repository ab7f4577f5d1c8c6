/** One table from a failed OCPP call to the gateway's stable codes (convention 7). */
import { ChargerError } from '../../domain/plans.js';
import { OcppCallError } from '../rpc/call-error.js';

/** K01.FR.29: a station without smart charging answers SetChargingProfile with one of these CALLERRORs. */
const UNSUPPORTED = new Set(['NotSupported', 'NotImplemented']);

/** Rethrows a call failure as a ChargerError with `{ cause }`; anything that is not an OcppCallError is rethrown as is. */
export function chargerErrorFrom(err: unknown, request?: unknown): ChargerError {
  if (!(err instanceof OcppCallError)) throw err;
  const at = `${err.action} to ${err.stationId}`;
  const fail = (code: ConstructorParameters<typeof ChargerError>[0], message: string, retryable: boolean) =>
    new ChargerError(code, `${at}: ${message}`, retryable, { cause: err, request });
  switch (err.kind) {
    case 'Timeout':
      return fail('OCPP_TIMEOUT', 'no answer within the call timeout', true);
    case 'Offline':
      return fail('STATION_OFFLINE', 'station not connected', true);
    case 'CallError': {
      const code = String(err.ocppError?.code ?? 'unknown');
      const detail = `CALLERROR ${code}${err.ocppError?.description ? ` (${err.ocppError.description})` : ''}`;
      return UNSUPPORTED.has(code)
        ? fail('SMART_CHARGING_UNSUPPORTED', `${detail}: the station does not support smart charging (K01.FR.29)`, false)
        : fail('OCPP_CALL_ERROR', detail, false);
    }
    case 'InvalidResponse':
      return fail('OCPP_INVALID_RESPONSE', err.message, false);
    case 'InvalidRequest':
      // Our own payload failed the schema: a bug here, and sending it again cannot help.
      return fail('OCPP_CALL_ERROR', `our request failed the schema: ${err.message}`, false);
    case 'NotAllowed':
      // B03.FR.03: the station's boot was rejected; only a new boot (not a retry) changes that.
      return fail('OCPP_CALL_ERROR', err.message, false);
  }
}
