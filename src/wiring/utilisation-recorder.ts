/**
 * Utilisation's history (issue 17): the OCPP server's events written to the EVSE state log (migration 0021) as they
 * happen on this node. In a cluster each station's events are emitted on the node that holds its socket, and the
 * bus's own listeners hear only those (the relay to other nodes is separate), so each change is written once; a
 * repeat would be kept once anyway by the log's unique key.
 *
 * Rows are written in batches, one per event-loop turn (at most BATCH_ROWS each): a connect costs a link row and a
 * charging-state row, and as one commit each they cost as much as the TransactionEvent itself (issue 15's bench:ocpp
 * connect profile); a turn of a connect storm is now one commit. A row keeps the moment it was received. An Updated
 * that changed the charging state takes its time from the event (the bus carries the station's timestamp) instead of
 * reading the stored event back.
 */
import { setImmediate as nextImmediate } from 'node:timers/promises';
import type { OcppEvents } from '../domain/ocpp-events.js';
import type { EvseStateLog, EvseStateRow, ReceivedEvseStateRow } from '../domain/utilisation.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

/** Rows per write at most: on SQLite a batch holds the event loop until its commit. */
export const BATCH_ROWS = 500;

interface EventSource {
  on<K extends keyof OcppEvents>(event: K, fn: (payload: OcppEvents[K]) => void): () => void;
}

export class UtilisationRecorder {
  /** The chargingState last written per EVSE (`${station}#${evse}`): an E02 Updated repeats it on every meter event. */
  private readonly charging = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly offs: (() => void)[] = [];
  /** Rows waiting for the next turn's write. */
  private queue: ReceivedEvseStateRow[] = [];
  private scheduled = false;

  /** `nextTurn` resolves in a later turn of the event loop (real immediates unless a test says otherwise). */
  constructor(
    private readonly log: EvseStateLog,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly nextTurn: () => Promise<unknown> = nextImmediate,
  ) {}

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
      events.on('transaction.event', (e) => this.onTransaction(e)),
    );
  }

  stop(): void {
    this.offs.splice(0).forEach((off) => off());
  }

  /** Resolves when every write started so far has finished (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Synchronous unless the event lacks its timestamp: most Updated events repeat the state and cost a map lookup. */
  private onTransaction(e: OcppEvents['transaction.event']): void {
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
    const row = (at: string): EvseStateRow => ({ stationId: e.stationId, evseId: tx.evseId!, connectorId: 0, kind: 'charging', value: state, at });
    // The station's time of the event: the Started's is the session's start; an Updated's comes with the bus's event
    // (a relayed event of an older node may lack it: then the stored event is read).
    const at = e.eventType === 'Started' ? tx.startedAt : e.timestamp;
    if (at !== undefined) this.write([row(at)]);
    else this.track(this.log.eventTime(e.stationId, tx.transactionId, e.seqNo).then((stored) => this.write([row(stored ?? this.now())])));
  }

  private write(rows: EvseStateRow[]): void {
    const receivedAt = this.now();
    for (const r of rows) this.queue.push({ ...r, receivedAt });
    if (this.scheduled) return;
    this.scheduled = true;
    this.track(this.flush());
  }

  /** From the next turn: what this turn's events queued, one write per BATCH_ROWS (each write's failure logged on its own). */
  private async flush(): Promise<void> {
    await this.nextTurn();
    this.scheduled = false;
    const rows = this.queue;
    this.queue = [];
    for (let i = 0; i < rows.length; i += BATCH_ROWS) {
      if (i > 0) await this.nextTurn();
      const batch = rows.slice(i, i + BATCH_ROWS);
      await this.log.recordReceived(batch).catch((err: unknown) =>
        this.logger.error({ err, rows: batch.length }, 'utilisation: writing the EVSE state log failed'));
    }
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
