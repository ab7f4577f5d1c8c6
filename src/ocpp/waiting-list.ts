import type { Clock } from '../platform/clock.js';
import { isoUtc } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { StationRecord } from '../domain/stations.js';
import { WAITING_LIMITS, type WaitingBoot, type WaitingStationStore } from '../domain/waiting-stations.js';
import type { HandshakeRefusal } from './handshake-guard.js';

/**
 * Stations waiting to be adopted (issue 16), the OCPP side. A station that connects with an id nobody registered,
 * while ocpp.autoRegister is off, is let in only to be recorded:
 *
 * - its WebSocket is accepted whatever credentials it brings (we have nothing to check them against), and the attempt
 *   is recorded (id, address, time, count) within the bounds of WAITING_LIMITS: at most `maxRows` rows (then 401,
 *   nothing written) and `attemptsPerAddress` recorded attempts per address per window (then 429, nothing written);
 * - its BootNotification is answered Pending (B02.FR.01) with the boot retry interval, and its vendor and model are
 *   kept on the list; while Pending it may send nothing else (B02.FR.09, the server's guard), and the CSMS sends it
 *   nothing on its own: no capabilities read, no profile, no plan (it is on no site and not a registered station);
 * - an admin adopts it (SetVariables BasicAuthPassword, then the hash is stored and the station registered; its
 *   connection is closed so it reconnects with the new password) or dismisses it. Nothing is accepted automatically.
 *
 * A connection admitted this way stays a candidate until it closes: even if the id is registered meanwhile (added or
 * adopted, perhaps through another node), its boots are answered Pending, because it never proved a password; the
 * station's next authenticated connection replaces it and ends its candidacy.
 */
export class WaitingList {
  /** Ids whose current connection here was admitted as a candidate (bounded: each was recorded, maxRows at most). */
  private readonly candidates = new Set<string>();
  private readonly perAddress = new Map<string, number>();
  private windowStart: number;

  constructor(
    private readonly store: WaitingStationStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly limits: { maxRows: number; attemptsPerAddress: number; windowMs: number; maxAddresses: number } = WAITING_LIMITS,
  ) {
    this.windowStart = clock.now();
  }

  /**
   * An unknown id knocks: recorded and admitted as a candidate (the verdict's record: no password, never accepted),
   * or refused without a write when over a bound.
   */
  async admit(stationId: string, remoteAddress: string, tls: boolean): Promise<{ refusal: HandshakeRefusal } | { station: StationRecord }> {
    if (!this.withinRate(remoteAddress)) {
      return { refusal: { status: 429, reason: 'too many unknown station ids from this address; try later', retryAfterS: Math.ceil(this.limits.windowMs / 1000) } };
    }
    const at = isoUtc(this.clock.now());
    const outcome = await this.store.recordAttempt({ stationId, remoteAddress, tls, at }, this.limits.maxRows);
    if (outcome === 'full') {
      this.logger.warn({ station: stationId, remote: remoteAddress, maxRows: this.limits.maxRows }, 'waiting list full: unknown station refused (dismiss some on /admin/stations)');
      return { refusal: { status: 401, reason: 'unknown station (the waiting list is full)' } };
    }
    this.candidates.add(stationId);
    this.logger.info({ station: stationId, remote: remoteAddress }, 'unknown station waiting to be adopted');
    return { station: candidateRecord(stationId, at) };
  }

  /** True while the station's connection here is a candidate's (its boots are answered Pending). */
  isCandidate(stationId: string): boolean {
    return this.candidates.has(stationId);
  }

  /** The id was admitted with its password (or certificate): whatever connection it had before is replaced. */
  authenticated(stationId: string): void {
    this.candidates.delete(stationId);
  }

  /** B02: a candidate's BootNotification; kept on the list (nothing when it was adopted or dismissed meanwhile). */
  recordBoot(stationId: string, boot: WaitingBoot, at: string): Promise<void> {
    return this.store.recordBoot(stationId, boot, at);
  }

  /** A fixed window per address; the map is cleared with each window and when it would grow past maxAddresses. */
  private withinRate(address: string): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.limits.windowMs || (!this.perAddress.has(address) && this.perAddress.size >= this.limits.maxAddresses)) {
      this.perAddress.clear();
      this.windowStart = now;
    }
    const n = (this.perAddress.get(address) ?? 0) + 1;
    this.perAddress.set(address, n);
    return n <= this.limits.attemptsPerAddress;
  }
}

/** What the server holds for a candidate's connection: not a registered station, no password, no boot yet. */
function candidateRecord(stationId: string, at: string): StationRecord {
  return {
    id: stationId, passwordHash: null, securityProfile: 1, registrationStatus: 'Pending', autoRegistered: false,
    vendorName: null, model: null, serialNumber: null, firmwareVersion: null, lastBootAt: null, lastBootStatus: null,
    lastSeenAt: at, lastConnectedAt: at, lastDisconnectedAt: null, createdAt: at, clientCertificate: null, certificateRenewalRequestedAt: null,
  };
}
