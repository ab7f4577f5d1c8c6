/**
 * The simulated station's SecurityCtrlr.BasicAuthPassword (A01): write-only (its value never reads back, per the
 * appendix), a passwordString of 16 to 40 characters (A00.FR.205, else Rejected); once Accepted, every later connection
 * presents it (TC_A_09_CS: the station reconnects with the new password). A station with the quirk
 * `rejectBasicAuthPassword` answers Rejected and keeps its password (TC_A_10).
 */
import { variableKey, type Variables } from './device-model.js';

/** The credentials the station connects with; the station reads `password` at each connection. */
export interface BasicAuthCredentials {
  password: string | undefined;
}

export function securityVariables(creds: BasicAuthCredentials, rejectNew: boolean): Variables {
  return {
    [variableKey('SecurityCtrlr', 'BasicAuthPassword')]: {
      get: () => '',
      set(value) {
        if (rejectNew || !acceptablePassword(value)) return false;
        creds.password = value;
        return true;
      },
    },
  };
}

/**
 * The station's own check of a new BasicAuthPassword (A00.FR.205: passwordString, 16 to 40 printable ASCII
 * characters). A station implements it in its firmware; the simulator does not borrow the product's.
 */
function acceptablePassword(value: string): boolean {
  return value.length >= 16 && value.length <= 40 && /^[\x21-\x7e]+$/.test(value);
}
