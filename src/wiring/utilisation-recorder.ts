/**
 * Utilisation's history (issue 17): the OCPP server's events written to the EVSE state log (migration 0021) as they
 * happen on this node. In a cluster each station's events are emitted on the node that holds its socket, and the
 * bus's own listeners hear only those (the relay to other nodes is separate), so each change is written once; a
 * repeat would be kept once anyway by the log's unique key.
 *
 * Rows are written behind (src/platform/write-behind.ts), in batches of at most BATCH_ROWS, one per WINDOW_MS on the
 * injected clock: on SQLite a row written alone is a commit (61 µs of CPU against ~9.5 µs per row in a batch of 100,
 * bench/storage/write-behind-cpu.ts), and at 1,000 messages a second most event-loop turns have one row (issue 15:
 * ~8 µs of storage CPU per message at 1,000 stations when each turn wrote its own). A connect storm's rows are
 * written from the next turn once a batch is full. A row keeps the moment it was received; a crash loses at most the
 * window's rows. An Updated that changed the charging state takes its time from the event (the bus carries the
 * station's timestamp) instead of reading the stored event back.
 */
import type { OcppEvents } from '../domain/ocpp-events.js';
import type { EvseStateLog, EvseStateRow, ReceivedEvseStateRow } from '../domain/utilisation.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { WriteBehind } from '../platform/write-behind.js';

/** Rows per write at most: on SQLite a batch holds the event loop until its commit. */
export const BATCH_ROWS = 500;
/** How long a row waits for others to share its commit. */
export const WINDOW_MS = 250;
/** Rows waiting at most while the store is behind (a storm of 10,000 stations' connects is 20,000). */
export const MAX_PENDING_ROWS = 50_000;

interface EventSource {
  on<K extends keyof OcppEvents>(event: K, fn: (payload: OcppEvents[K]) => void): () => void;
}

export class UtilisationRecorder {
  /** The chargingState last written per EVSE (`${station}#${evse}`): an E02 Updated repeats it on every meter event. */
  private readonly charging = new Map<string, string>();
  /** Reads of a stored event's time under way (an Updated relayed without its timestamp). */
  private readonly pending = new Set<Promise<void>>();
  private readonly offs: (() => void)[] = [];
  private readonly queue: WriteBehind<ReceivedEvseStateRow>;

  constructor(
    private readonly log: EvseStateLog,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.queue = new WriteBehind({
      write: (rows) => log.recordReceived(rows),
      onError: (err, rows) => logger.error({ err, rows }, 'utilisation: writing the EVSE state log failed'),
      maxPending: MAX_PENDING_ROWS,
      onDrop: (dropped, total) => logger.error({ dropped, total }, 'utilisation: the EVSE state log is behind; oldest rows not kept'),
      maxBatch: BATCH_ROWS,
      window: { clock, ms: WINDOW_MS },
    });
  }

  /** Subscribes to the bus; stop() unsubscribes. */
  start(events: EventSource): void {
    this.offs.push(
      // G01.FR.01: the connector's status at the station's timestamp.
      events.on('connector.status', (e) => this.write(e.stationId, e.evseId, e.connectorId, 'connector', e.status, e.at)),
      events.on('station.connected', (e) => this.write(e.stationId, 0, 0, 'link', 'connected', e.at)),
      events.on('station.disconnected', (e) => this.write(e.stationId, 0, 0, 'link', 'disconnected', e.at)),
      // C01: a driver presented a token. E07.FR.01: ending one's own session needs no Authorize, so while every EVSE
      // of the site is taken an Authorize is, as far as the data tells, a driver who found none.
      events.on('message.handled', (e) => {
        if (e.action === 'Authorize') this.write(e.stationId, 0, 0, 'authorize', 'Authorize', this.now());
      }),
      events.on('transaction.event', (e) => this.onTransaction(e)),
    );
  }

  stop(): void {
    this.offs.splice(0).forEach((off) => off());
  }

  /** Writes what waits now; resolves when every row so far is written (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.queue.settled();
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
    const evseId = tx.evseId;
    // The station's time of the event: the Started's is the session's start; an Updated's comes with the bus's event
    // (a relayed event of an older node may lack it: then the stored event is read).
    const at = e.eventType === 'Started' ? tx.startedAt : e.timestamp;
    if (at !== undefined) this.write(e.stationId, evseId, 0, 'charging', state, at);
    else {
      this.track(this.log.eventTime(e.stationId, tx.transactionId, e.seqNo)
        .then((stored) => this.write(e.stationId, evseId, 0, 'charging', state, stored ?? this.now())));
    }
  }

  /** One row, received now: made whole at once (a connect writes two, every Authorize one). */
  private write(stationId: string, evseId: number, connectorId: number, kind: EvseStateRow['kind'], value: string, at: string): void {
    this.queue.add({ stationId, evseId, connectorId, kind, value, at, receivedAt: this.now() });
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
