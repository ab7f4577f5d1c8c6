/**
 * What an operator may ask of a station's client certificate (security profile 3, docs/security.md), as the HTTP API
 * sees it: the port src/ocpp/auth/certificate-renewal.ts implements and main.ts hands to the API.
 */

/** TriggerMessage's answer (OCPP 2.0.1 TriggerMessageStatusEnumType). */
export type TriggerStatus = 'Accepted' | 'Rejected' | 'NotImplemented';

/**
 * How an A02 request ended:
 * - sent: the station is connected and answered TriggerMessage SignChargingStationCertificate now;
 * - stored: it could not be asked now (offline, not answering, or boot Rejected); it is asked at its next boot or
 *   heartbeat (the same stored request as `npm run stations -- renew`);
 * - refused: it cannot renew (no credentials, or no CA key to sign with); `reason` says which;
 * - unknown: no such station.
 */
export type RenewalOutcome =
  | { outcome: 'sent'; triggerStatus: TriggerStatus }
  | { outcome: 'stored'; requestedAt: string; detail: string }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'unknown' };

export interface CertificateMaintenance {
  /** A02 for one station: now if it can be asked, else stored for its next boot or heartbeat. */
  requestRenewal(stationId: string): Promise<RenewalOutcome>;
  /**
   * A00.FR.429: allow (or withdraw) one admission with an expired certificate; `allowedSince` is when it was allowed
   * (null: not allowed). Only a profile 3 station presents a certificate to allow.
   */
  allowExpiredCertificate(stationId: string, allowed: boolean): Promise<ExpiredCertificatePolicy>;
}

export type ExpiredCertificatePolicy =
  | { outcome: 'set'; allowedSince: string | null }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'unknown' };
