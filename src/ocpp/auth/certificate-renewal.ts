import type { StationRecord, StationStore } from '../../domain/stations.js';
import type { CertificateMaintenance, ExpiredCertificatePolicy, RenewalOutcome } from '../../domain/station-certificates.js';
import type { OcppEvents } from '../../domain/ocpp-events.js';
import type { Clock } from '../../platform/clock.js';
import { isoUtc } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { CsmsAction, RequestOf, ResponseOf } from '../schemas/generated/index.js';

export interface RenewalDeps {
  stations: StationStore;
  call<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>>;
  isConnected(stationId: string): boolean;
  /** Whether a CA key is configured to sign the station's CSR (ocpp.tls.caKeyFile); without one A02 cannot end well. */
  canSign: boolean;
  clock: Clock;
  logger: Logger;
}

/**
 * How long a station's "no renewal waits" is believed without reading the store again (issue 15: the read at every
 * Heartbeat was ~8 µs of storage CPU per message at 1,000 stations). Requests made in this process are known at once,
 * and another node's through `requested` (NATS, wiring/cluster.ts shareRenewalRequests); this bounds what nobody
 * announces: the CLI's `stations renew` (another process) and a NATS message lost on the way. At the default
 * heartbeat interval (300 s) every Heartbeat still reads; a station that beats faster gets such a request within it.
 */
export const RENEWAL_RECHECK_MS = 60_000;
const DONE: Promise<void> = Promise.resolve();

/**
 * A02 Update Charging Station Certificate by request of CSMS: TriggerMessage SignChargingStationCertificate; the
 * station then generates a key pair and sends SignCertificate (handlers/certificates.ts does the rest).
 *
 * An operator's request from the CLI (another process) is stored on the station (`stations renew <id>`) and sent
 * when the station can be asked: at its next boot, reconnection or heartbeat. `renew` asks a connected station now.
 * Whether one waits is kept in memory per connected station between reads (RENEWAL_RECHECK_MS).
 */
export class CertificateRenewals implements CertificateMaintenance {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly clearing = new Set<Promise<void>>();
  /** Connected stations read with no renewal waiting, and when (clock ms); forgotten at connect and disconnect. */
  private readonly noneSince = new Map<string, number>();
  /** Counts `requested` and `forget` calls: a read that started before one may not record "none". */
  private changes = 0;
  private announce: (stationId: string) => void = () => {};

  constructor(private readonly deps: RenewalDeps) {}

  /**
   * A renewal was stored for the station (here, or on another node that announced it): its next Heartbeat reads the
   * store again instead of believing an earlier "none".
   */
  requested(stationId: string): void {
    this.changes++;
    this.noneSince.delete(stationId);
  }

  /** The station connected or disconnected: what was read for its last connection is not believed for the next. */
  forget(stationId: string): void {
    this.changes++;
    this.noneSince.delete(stationId);
  }

  /** In a cluster: how a request stored here is told to the other nodes (the station's socket may be on one of them). */
  announceWith(publish: (stationId: string) => void): void {
    this.announce = publish;
  }

  /**
   * An operator's A02 request (the HTTP API): asked now when the station is connected, else (or when asking fails:
   * offline, a timeout, a rejected boot) stored for its next boot or heartbeat, like the CLI's `renew`. Never rejects
   * for the station's sake; a failing store does.
   */
  async requestRenewal(stationId: string): Promise<RenewalOutcome> {
    const { stations, clock, logger } = this.deps;
    const station = await stations.get(stationId);
    if (!station) return { outcome: 'unknown' };
    const problem = renewalProblem(station, this.deps.canSign);
    if (problem) return { outcome: 'refused', reason: problem };
    let detail = 'the station is not connected';
    if (this.deps.isConnected(stationId)) {
      try {
        return { outcome: 'sent', triggerStatus: await this.renew(stationId) };
      } catch (err) {
        detail = `the station could not be asked now: ${(err as Error).message}`;
        logger.warn({ err, station: stationId }, 'certificate renewal not delivered now: stored for the next boot or heartbeat');
      }
    }
    const requestedAt = isoUtc(clock.now());
    await stations.setCertificateRenewalRequested(stationId, requestedAt);
    this.requested(stationId);
    this.announce(stationId);
    return { outcome: 'stored', requestedAt, detail };
  }

  /** A00.FR.429 for one profile 3 station: allow one admission with an expired certificate, or withdraw it. */
  async allowExpiredCertificate(stationId: string, allowed: boolean): Promise<ExpiredCertificatePolicy> {
    const { stations, clock, logger } = this.deps;
    const station = await stations.get(stationId);
    if (!station) return { outcome: 'unknown' };
    const problem = allowed ? expiredAllowanceProblem(station) : null;
    if (problem) return { outcome: 'refused', reason: problem };
    const at = allowed ? (await stations.expiredCertificateAllowedAt(stationId)) ?? isoUtc(clock.now()) : null;
    await stations.setExpiredCertificateAllowed(stationId, at);
    logger.warn({ station: stationId, allowed }, allowed
      ? 'an expired client certificate will be accepted once for this station, to renew it (A00.FR.429)'
      : 'expired client certificates are refused again for this station (A00.FR.407)');
    return { outcome: 'set', allowedSince: at };
  }

  /** Asks the station now; resolves with its TriggerMessage status (Accepted, Rejected, NotImplemented). */
  async renew(stationId: string): Promise<ResponseOf<'TriggerMessage'>['status']> {
    const res = await this.deps.call(stationId, 'TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' });
    this.deps.logger.info({ station: stationId, status: res.status }, 'certificate renewal requested (A02)');
    return res.status;
  }

  /**
   * Sends a stored renewal request if there is one; clears it once the station answered (whatever it answered).
   * One at a time per station: a call while one is under way (a boot and a heartbeat together) joins it, and resolves
   * when it is done. Never rejects: what fails is logged, and a request not delivered stays for the next chance.
   * At a Heartbeat (`fresh` false) a "none" read less than RENEWAL_RECHECK_MS ago is believed; a boot reads.
   */
  deliverPending(stationId: string, fresh = true): Promise<void> {
    const running = this.inFlight.get(stationId);
    if (running) return running;
    if (!fresh) {
      const since = this.noneSince.get(stationId);
      if (since !== undefined && this.deps.clock.now() - since < RENEWAL_RECHECK_MS) return DONE;
    }
    if (!this.deps.isConnected(stationId)) return DONE;
    const run = this.deliver(stationId).finally(() => this.inFlight.delete(stationId));
    this.inFlight.set(stationId, run);
    return run;
  }

  /**
   * The station took a renewed certificate: an A00.FR.429 allowance ends (A00.FR.407 applies to its next expired
   * certificate again). Never rejects: a failing store is logged.
   */
  renewed(stationId: string): Promise<void> {
    const run = this.clearAllowance(stationId).finally(() => this.clearing.delete(run));
    this.clearing.add(run);
    return run;
  }

  /** Resolves once every delivery and allowance clearing under way has finished (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight.values(), ...this.clearing]);
  }

  private async clearAllowance(stationId: string): Promise<void> {
    const { stations, logger } = this.deps;
    try {
      if ((await stations.expiredCertificateAllowedAt(stationId)) === null) return;
      await stations.setExpiredCertificateAllowed(stationId, null);
      logger.info({ station: stationId }, 'certificate renewed: the allowance for an expired certificate is cleared (A00.FR.429)');
    } catch (err) {
      logger.error({ err, station: stationId }, 'clearing the expired-certificate allowance failed');
    }
  }

  private async deliver(stationId: string): Promise<void> {
    const { stations, logger, clock } = this.deps;
    try {
      const changes = this.changes;
      const readAt = clock.now();
      if (!(await stations.certificateRenewalRequestedAt(stationId))) {
        // Not when a request or a new connection (its handshake may have stored one) came while the read was under way.
        if (changes === this.changes && this.deps.isConnected(stationId)) this.noneSince.set(stationId, readAt);
        return;
      }
      this.noneSince.delete(stationId);
      let status: ResponseOf<'TriggerMessage'>['status'];
      try {
        status = await this.renew(stationId);
      } catch (err) {
        // Offline or a timeout: the request stays and is sent at the next chance.
        logger.warn({ err, station: stationId, at: isoUtc(clock.now()) }, 'certificate renewal not delivered yet');
        return;
      }
      await stations.setCertificateRenewalRequested(stationId, null);
      if (status !== 'Accepted') logger.warn({ station: stationId, status }, 'station declined the certificate renewal (A02)');
    } catch (err) {
      logger.error({ err, station: stationId }, 'certificate renewal: the station store failed');
    }
  }
}

/**
 * Why a station cannot renew its certificate (A02), as a sentence without its id; null when it can. A lab station
 * (profile 0) has no credentials to be given a certificate for (handlers/certificates.ts rejects its CSR), and
 * without a CA key every CSR is rejected (A02.FR.12). Profiles 1 and 2 may get one on their way to profile 3 (A05).
 */
export function renewalProblem(station: Pick<StationRecord, 'securityProfile'>, canSign: boolean): string | null {
  if (station.securityProfile === 0) return 'the station has no credentials (security profile 0): it cannot be given a certificate';
  if (!canSign) return 'this server has no CA key to sign a renewed certificate with (ocpp.tls.caFile and ocpp.tls.caKeyFile)';
  return null;
}

/** Why A00.FR.429 cannot be allowed for a station, without its id; null when it can: only profile 3 shows a certificate. */
export function expiredAllowanceProblem(station: Pick<StationRecord, 'securityProfile'>): string | null {
  return station.securityProfile === 3 ? null
    : `the station uses security profile ${station.securityProfile}: only a profile 3 station authenticates by a certificate (A00.FR.429 does not apply)`;
}

/**
 * When a stored request can be sent: after a boot that was not Rejected (B03.FR.03), and at every heartbeat. And
 * A00.FR.429's allowance ends once the station has taken its renewed certificate (CertificateSigned Accepted).
 */
export function wireCertificateRenewals(
  events: { on<K extends keyof OcppEvents>(event: K, fn: (payload: OcppEvents[K]) => void): unknown },
  renewals: CertificateRenewals,
): void {
  // The boot's own read says whether a request waits (bootFacts): no second read per boot. One stored in the moment
  // between that read and now is sent at the first Heartbeat (the connection's forget() left no "none" belief).
  events.on('station.booted', (e) => {
    if (e.status !== 'Rejected' && e.renewalRequested) void renewals.deliverPending(e.stationId);
  });
  events.on('message.handled', (e) => {
    if (e.action === 'Heartbeat') void renewals.deliverPending(e.stationId, false);
  });
  // A request stored during the handshake (client-cert.ts: a certificate near its end) is read at the next Heartbeat.
  events.on('station.connected', (e) => renewals.forget(e.stationId));
  events.on('station.disconnected', (e) => renewals.forget(e.stationId));
  events.on('station.certificate', (e) => {
    if (e.delivery === 'Accepted') void renewals.renewed(e.stationId);
  });
}
