/**
 * UpdateFirmware (L01) and GetLog (N01) over the server's typed call (validated both ways against the official
 * schemas), for src/operations. A call that fails becomes an OperationError with the same stable codes as the
 * remote operations (operations.ts); the station's answer, whatever its status, is returned for the caller to judge.
 */
import { OperationError, type OperationFailureCode } from '../domain/station-operations.js';
import type { GetLogCall, MaintenanceGateway, UpdateFirmwareCall } from '../domain/firmware.js';
import type { CsmsAction, RequestOf, ResponseOf } from './schemas/generated/index.js';
import { OcppCallError } from './rpc/call-error.js';

type Call = <A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>) => Promise<ResponseOf<A>>;

const CODES: Record<OcppCallError['kind'], [OperationFailureCode, boolean, string]> = {
  Offline: ['STATION_OFFLINE', true, 'is not connected'],
  Timeout: ['OCPP_TIMEOUT', true, 'did not answer in time'],
  CallError: ['OCPP_CALL_ERROR', false, 'answered with an error'],
  InvalidResponse: ['OCPP_INVALID_RESPONSE', false, 'answered with a payload that fails the OCPP schema'],
  NotAllowed: ['OCPP_NOT_ALLOWED', false, 'may not be called now'],
  InvalidRequest: ['OCPP_INVALID_REQUEST', false, 'was not sent a request that fails the OCPP schema'],
};

export class OcppMaintenanceCalls implements MaintenanceGateway {
  constructor(private readonly call: Call) {}

  async updateFirmware(stationId: string, c: UpdateFirmwareCall): Promise<{ status: string; reasonCode: string | null }> {
    const res = await this.send(stationId, 'UpdateFirmware', {
      requestId: c.requestId,
      firmware: {
        location: c.location,
        retrieveDateTime: c.retrieveDateTime,
        ...(c.installDateTime ? { installDateTime: c.installDateTime } : {}),
        // L01.FR.11: the signing certificate goes with a signed image.
        ...(c.signingCertificate ? { signingCertificate: c.signingCertificate } : {}),
        ...(c.signature ? { signature: c.signature } : {}),
      },
    });
    return { status: res.status, reasonCode: res.statusInfo?.reasonCode ?? null };
  }

  async getLog(stationId: string, c: GetLogCall): Promise<{ status: string; reasonCode: string | null; filename: string | null }> {
    const res = await this.send(stationId, 'GetLog', {
      requestId: c.requestId,
      logType: c.logType,
      log: {
        remoteLocation: c.remoteLocation,
        ...(c.oldestTimestamp ? { oldestTimestamp: c.oldestTimestamp } : {}),
        ...(c.latestTimestamp ? { latestTimestamp: c.latestTimestamp } : {}),
      },
    });
    return { status: res.status, reasonCode: res.statusInfo?.reasonCode ?? null, filename: res.filename ?? null };
  }

  private async send<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    try {
      return await this.call(stationId, action, payload);
    } catch (err) {
      if (!(err instanceof OcppCallError)) throw err;
      const [code, retryable, words] = CODES[err.kind];
      const reasonCode = err.ocppError ? String(err.ocppError.code) : null;
      throw new OperationError(code, `${stationId} ${words}: ${action}${reasonCode ? ` (${reasonCode})` : ''}`, retryable,
        { action, status: null, reasonCode, additionalInfo: err.ocppError?.description ?? null }, { cause: err });
    }
  }
}
