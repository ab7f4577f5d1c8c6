import type { IncomingMessage } from 'node:http';
import { StationExistsError, type SecurityProfile, type StationRecord } from '../domain/stations.js';
import { isoUtc } from '../platform/clock.js';
import { checkPasswordRules, DUMMY_HASH, hashPassword, needsRehash, parseBasicAuth, verifyPassword } from './auth/password.js';
import { profile3Refusal } from './auth/client-cert.js';
import { remoteOf, type HandshakeRefusal } from './handshake-guard.js';
import type { OcppServices } from './handlers/types.js';

/** A handshake's verdict: refused, or admitted with the station's record as the store had it (undefined: profile 0 lab). */
export type AuthVerdict = { refusal: HandshakeRefusal; station?: undefined } | { refusal: null; station: StationRecord };

/** A waiting-list candidate's verdict, told apart from a registered station's inside this file only. */
const CANDIDATE = Symbol('candidate');
type CandidateVerdict = { refusal: null; station: typeof CANDIDATE; candidate: StationRecord };

/**
 * Who a connecting station is (A00): Basic auth against the stored hash (profiles 1 and 2), the TLS client certificate
 * (profile 3, auth/client-cert.ts), none for a profile 0 lab station, and lab-mode auto-registration. Every store call
 * is awaited; the server looks at the socket again after the verdict (it may have closed meanwhile).
 */
export class StationAuthenticator {
  constructor(
    private readonly services: Pick<OcppServices, 'stations' | 'clock' | 'logger' | 'certificates' | 'waiting'>,
    private readonly autoRegisterEnabled: boolean,
  ) {}

  /** A00.FR.207/.324: the Basic-auth user must be the station id and the password must match its hash. */
  async authenticate(stationId: string, req: IncomingMessage, tls: boolean): Promise<AuthVerdict> {
    const verdict = await this.verdict(stationId, req, tls);
    // Issue 16: an id admitted with its credentials is no candidate of the waiting list any more (waiting-list.ts).
    if (!verdict.refusal && verdict.station !== CANDIDATE) this.services.waiting?.authenticated(stationId);
    return verdict.station === CANDIDATE ? { refusal: null, station: verdict.candidate } : verdict as AuthVerdict;
  }

  private async verdict(stationId: string, req: IncomingMessage, tls: boolean): Promise<AuthVerdict | CandidateVerdict> {
    const unauthorized = (reason: string): AuthVerdict => ({ refusal: { status: 401, reason } });
    const creds = parseBasicAuth(req.headers.authorization);
    const station = await this.services.stations.get(stationId);
    if (!station && this.autoRegisterEnabled) return this.autoRegister(stationId, creds, tls, req);
    if (!station && this.services.waiting) return this.waitingCandidate(stationId, req, tls);
    if (station?.securityProfile === 0) return { refusal: null, station };
    // A00.FR.4xx: profile 3 authenticates by the TLS client certificate alone (auth/client-cert.ts).
    if (station?.securityProfile === 3) {
      const verdict = await profile3Refusal(stationId, req, tls, this.services, station);
      if (verdict.refusal) return { refusal: verdict.refusal };
      // A00.FR.429: admitted with an expired certificate only to renew it: the connection starts as a first one
      // (B01.FR.08: nothing but BootNotification, answered Pending), whatever its last boot status was.
      return { refusal: null, station: verdict.expired ? { ...station, lastBootStatus: null } : station };
    }
    if (!creds) return unauthorized('no Basic credentials');
    // Known or unknown, with or without a stored password: one verification of the same kind (issue 20, finding 11:
    // the time of a 401 must not tell which station ids exist).
    const stored = station?.passwordHash ?? DUMMY_HASH;
    const matches = await verifyPassword(creds.password, stored);
    if (!station) return unauthorized('unknown station');
    if (station.securityProfile === 2 && !tls) return unauthorized('security profile 2 requires TLS');
    if (creds.user !== stationId) return unauthorized('Basic user is not the station id');
    if (!station.passwordHash || !matches) return unauthorized('wrong password');
    // A hash of the former (scrypt) format is replaced with the current one now that the password is known.
    if (needsRehash(station.passwordHash)) {
      await this.services.stations.setPassword(stationId, hashPassword(creds.password), station.securityProfile, isoUtc(this.services.clock.now()));
    }
    return { refusal: null, station };
  }

  /**
   * Issue 16: with autoRegister off, an unknown id is let in only to wait for an admin (waiting-list.ts): recorded,
   * its boots answered Pending, never accepted, never planned. Within the list's bounds, or refused without a write.
   */
  private async waitingCandidate(stationId: string, req: IncomingMessage, tls: boolean): Promise<AuthVerdict | CandidateVerdict> {
    const admitted = await this.services.waiting!.admit(stationId, remoteOf(req), tls);
    if ('refusal' in admitted) return { refusal: admitted.refusal };
    return { refusal: null, station: CANDIDATE, candidate: admitted.station };
  }

  /**
   * Lab mode (ocpp.autoRegister): an unknown station is registered with the password it offers, and only with one
   * that passes A00.FR.205; one without credentials is refused, never registered open for anyone (issue 20,
   * finding 13). The insert is the store's one statement that either creates the row or reports StationExistsError
   * (the id's primary key decides): of concurrent first connections of one id, here or in another process, exactly one
   * registers, and the others are checked against the row it wrote, like any later connection.
   */
  private async autoRegister(stationId: string, creds: { user: string; password: string } | null, tls: boolean, req: IncomingMessage): Promise<AuthVerdict> {
    if (!creds || creds.user !== stationId) return { refusal: { status: 401, reason: 'auto-registration needs Basic credentials with the station id as user' } };
    const bad = checkPasswordRules(creds.password);
    if (bad) return { refusal: { status: 401, reason: `auto-registration refused: ${bad}` } };
    const profile: SecurityProfile = tls ? 2 : 1;
    let station: StationRecord;
    try {
      station = await this.services.stations.register(
        { id: stationId, passwordHash: hashPassword(creds.password), securityProfile: profile, autoRegistered: true },
        isoUtc(this.services.clock.now()));
    } catch (err) {
      if (!(err instanceof StationExistsError)) throw err;
      return this.authenticate(stationId, req, tls);
    }
    this.services.logger.warn({ station: stationId, profile }, 'station auto-registered (lab mode)');
    return { refusal: null, station };
  }
}
