import type { CsmsAction, RequestOf, ResponseOf } from './schemas/generated/index.js';
import { OcppCallError } from './rpc/call-error.js';
import { generatePassword, hashPassword } from './auth/password.js';
import type { PasswordAnswer, StationPasswords } from '../domain/station-admin.js';

type Call = <A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>) => Promise<ResponseOf<A>>;

const FAILURE: Record<string, NonNullable<PasswordAnswer['failure']>['code']> = {
  Offline: 'STATION_OFFLINE',
  Timeout: 'OCPP_TIMEOUT',
  CallError: 'OCPP_CALL_ERROR',
  NotAllowed: 'OCPP_NOT_ALLOWED',
  InvalidRequest: 'OCPP_INVALID',
  InvalidResponse: 'OCPP_INVALID',
};

/**
 * A01: a station's Basic-auth password is changed by SetVariables SecurityCtrlr.BasicAuthPassword (A01.FR.02). The
 * answer is passed on as it came; the caller changes the stored hash only on Accepted (A01.FR.03), keeps the old one
 * otherwise (A01.FR.04). The password is in the request only: never logged here, never written to the device model
 * (the remote-operations SetVariables stores accepted values, so it is not used for this; A01.FR.09).
 */
export class OcppStationPasswords implements StationPasswords {
  constructor(private readonly o: {
    /** In a cluster, to whichever node holds the station. */
    call: Call;
    isConnected(stationId: string): boolean;
    /** Closes the station's socket on this node, if it is here. */
    disconnect(stationId: string, code: number, reason: string): void;
  }) {}

  async send(stationId: string, password: string): Promise<PasswordAnswer> {
    try {
      const res = await this.o.call(stationId, 'SetVariables', {
        setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: password }],
      });
      const result = res.setVariableResult[0];
      return { status: result.attributeStatus, reasonCode: result.attributeStatusInfo?.reasonCode ?? null };
    } catch (err) {
      if (!(err instanceof OcppCallError)) throw err;
      // The message names the action and the station, never the payload.
      return { failure: { code: FAILURE[err.kind] ?? 'OCPP_CALL_ERROR', message: err.message } };
    }
  }

  disconnect(stationId: string, reason: string): void {
    // 1000: a normal close; the station reconnects with the credentials it holds now.
    this.o.disconnect(stationId, 1000, reason);
  }

  generate(): string {
    return generatePassword();
  }

  hash(password: string): string {
    return hashPassword(password);
  }

  isConnected(stationId: string): boolean {
    return this.o.isConnected(stationId);
  }
}
