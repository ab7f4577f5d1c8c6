/**
 * Utilisation's history (issue 17): the OCPP server's events written to the EVSE state log (migration 0021) as they
 * happen on this node. In a cluster each station's events are emitted on the node that holds its socket, and the
 * bus's own listeners hear only those (the relay to other nodes is separate), so each change is written once; a
 * repeat would be kept once anyway by the log's unique key.
 */
import type { OcppEvents } from '../domain/ocpp-events.js';
import type { EvseStateLog, EvseStateRow } from '../domain/utilisation.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

interface EventSource {
  on<K extends keyof OcppEvents>(event: K, fn: (payload: OcppEvents[K]) => void): () => void;
}

export class UtilisationRecorder {
  /** The chargingState last written per EVSE (`${station}#${evse}`): an E02 Updated repeats it on every meter event. */
  private readonly charging = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly offs: (() => void)[] = [];

  constructor(private readonly log: EvseStateLog, private readonly clock: Clock, private readonly logger: Logger) {}

  /** Subscribes to the bus; stop() unsubscribes. */
  start(events: EventSource): void {
    this.offs.push(
      // G01.FR.01: the connector's status at the station's timestamp.
      events.on('connector.status', (e) =>
        this.write([{ stationId: e.stationId, evseId: e.evseId, connectorId: e.connectorId, kind: 'connector', value: e.status, at: e.at }])),
      events.on('station.connected', (e) => this.write([{ stationId: e.stationId, evseId: 0, connectorId: 0, kind: 'link', value: 'connected', at: e.at }])),
      events.on('station.disconnected', (e) => this.write([{ stationId: e.stationId, evseId: 0, connectorId: 0, kind: 'link', value: 'disconnected', at: e.at }])),
      // C01: a driver presented a token. E07.FR.01: ending one's own session needs no Authorize, so while every EVSE
      // of the site is taken an Authorize is, as far as the data tells, a driver who found none.
      events.on('message.handled', (e) => {
        if (e.action === 'Authorize') this.write([{ stationId: e.stationId, evseId: 0, connectorId: 0, kind: 'authorize', value: 'Authorize', at: this.now() }]);
      }),
      events.on('transaction.event', (e) => this.track(this.onTransaction(e))),
    );
  }

  stop(): void {
    this.offs.splice(0).forEach((off) => off());
  }

  /** Resolves when every write started so far has finished (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async onTransaction(e: OcppEvents['transaction.event']): Promise<void> {
    const tx = e.transaction;
    if (e.duplicate || tx.evseId === null) return;
    const key = `${e.stationId}#${tx.evseId}`;
    if (e.eventType === 'Ended') {
      this.charging.delete(key);
      return;
    }
    // E02: chargingState is sent when it changes; a session starts in the state its Started event names.
    const state = tx.chargingState ?? (e.eventType === 'Started' ? 'EVConnected' : null);
    if (state === null || (e.eventType === 'Updated' && this.charging.get(key) === state)) return;
    this.charging.set(key, state);
    const at = e.eventType === 'Started' ? tx.startedAt : (await this.log.eventTime(e.stationId, tx.transactionId, e.seqNo)) ?? this.now();
    await this.log.record([{ stationId: e.stationId, evseId: tx.evseId, connectorId: 0, kind: 'charging', value: state, at }], this.now());
  }

  private write(rows: EvseStateRow[]): void {
    this.track(this.log.record(rows, this.now()));
  }

  private track(work: Promise<void>): void {
    const p = work.catch((err: unknown) => this.logger.error({ err }, 'utilisation: writing the EVSE state log failed'));
    this.pending.add(p);
    void p.then(() => this.pending.delete(p));
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
