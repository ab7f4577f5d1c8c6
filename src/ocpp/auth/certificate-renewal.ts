import type { StationStore } from '../../domain/stations.js';
import type { OcppEvents } from '../../domain/ocpp-events.js';
import type { Clock } from '../../platform/clock.js';
import { isoUtc } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { CsmsAction, RequestOf, ResponseOf } from '../schemas/generated/index.js';

export interface RenewalDeps {
  stations: StationStore;
  call<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>>;
  isConnected(stationId: string): boolean;
  clock: Clock;
  logger: Logger;
}

/**
 * A02 Update Charging Station Certificate by request of CSMS: TriggerMessage SignChargingStationCertificate; the
 * station then generates a key pair and sends SignCertificate (handlers/certificates.ts does the rest).
 *
 * An operator's request from the CLI (another process) is stored on the station (`stations renew <id>`) and sent
 * when the station can be asked: at its next boot, reconnection or heartbeat. `renew` asks a connected station now.
 */
export class CertificateRenewals {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: RenewalDeps) {}

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
   */
  deliverPending(stationId: string): Promise<void> {
    const running = this.inFlight.get(stationId);
    if (running) return running;
    if (!this.deps.isConnected(stationId)) return Promise.resolve();
    const run = this.deliver(stationId).finally(() => this.inFlight.delete(stationId));
    this.inFlight.set(stationId, run);
    return run;
  }

  private async deliver(stationId: string): Promise<void> {
    const { stations, logger, clock } = this.deps;
    try {
      if (!(await stations.get(stationId))?.certificateRenewalRequestedAt) return;
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

/** When a stored request can be sent: after a boot that was not Rejected (B03.FR.03), and at every heartbeat. */
export function wireCertificateRenewals(
  events: { on<K extends keyof OcppEvents>(event: K, fn: (payload: OcppEvents[K]) => void): unknown },
  renewals: CertificateRenewals,
): void {
  events.on('station.booted', (e) => {
    if (e.status !== 'Rejected') void renewals.deliverPending(e.stationId);
  });
  events.on('message.handled', (e) => {
    if (e.action === 'Heartbeat') void renewals.deliverPending(e.stationId);
  });
}
