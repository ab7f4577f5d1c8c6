/**
 * Adding, re-keying, removing and adopting stations (issue 16): the ports the admin API uses. Each store change is
 * written with its audit entry in one transaction (src/storage/station-admin-repository.ts); the station itself is
 * reached through StationPasswords (src/ocpp/station-passwords.ts: SetVariables BasicAuthPassword, A01).
 */
import type { AuditEntry } from './audit.js';
import type { SecurityProfile, StationRecord } from './stations.js';

export interface StationAdminStore {
  /** Throws StationExistsError (nothing written) when the id is taken. */
  add(input: { id: string; passwordHash: string | null; securityProfile: SecurityProfile }, at: string, audit: AuditEntry): Promise<StationRecord>;
  setPassword(id: string, passwordHash: string, securityProfile: SecurityProfile, at: string, audit: AuditEntry): Promise<void>;
  /** Refused (nothing written) while a transaction runs: `running` names them. */
  remove(id: string, audit: AuditEntry): Promise<{ removed: boolean; running: string[] }>;
  adopt(input: { id: string; passwordHash: string; securityProfile: SecurityProfile }, at: string, audit: AuditEntry): Promise<StationRecord>;
  dismiss(id: string, audit: AuditEntry): Promise<boolean>;
}

/**
 * What the station answered to SetVariables SecurityCtrlr.BasicAuthPassword: its attributeStatus (Accepted,
 * Rejected, RebootRequired, UnknownComponent, ...) with its reasonCode; or it could not be asked (offline, timeout,
 * CALLERROR) and `failure` says why. A01.FR.03: only Accepted means the station uses the new password.
 */
export type PasswordAnswer =
  | { status: string; reasonCode: string | null; failure?: undefined }
  | { status?: undefined; failure: { code: 'STATION_OFFLINE' | 'OCPP_TIMEOUT' | 'OCPP_CALL_ERROR' | 'OCPP_NOT_ALLOWED' | 'OCPP_INVALID'; message: string } };

export interface StationPasswords {
  /** A01.FR.02: sends the new password; never logs or stores it (A01.FR.09). */
  send(stationId: string, password: string): Promise<PasswordAnswer>;
  /** Ends the station's connection (after a removal or an adoption), so that it reconnects with what it has now. */
  disconnect(stationId: string, reason: string): void;
  isConnected(stationId: string): boolean;
  /** A01.FR.07: a new random password (A00.FR.205's 16-40 characters). */
  generate(): string;
  /** What is stored of it: its hash only (A01.FR.08). */
  hash(password: string): string;
}
