import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PresenceChange, StationStore } from '../domain/stations.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { DEFAULT_TURN_LIMITS, turnLimits, type TurnLimits } from './handshake-limits.js';

/** The first batch's rows, before any batch was timed; each full batch within its time may double the next. */
const FIRST_BATCH_ROWS = 32;

type BatchLimits = Pick<TurnLimits, 'presenceBatchRows' | 'presenceBatchMs'>;

/**
 * Writes stations' presence changes (connected, disconnected) in batches: the changes made in one turn of the event
 * loop go into one transaction, so a reconnect storm of thousands of stations costs one commit per batch instead
 * of one per station (issue 20: a commit per station was most of a storm's SQLite time). A batch is bounded by rows
 * (`presenceBatchRows`) and by time: the next batch is sized from the last one's time per row to take at most
 * `presenceBatchMs`, because on SQLite a batch holds the event loop from its first row to its commit, and every
 * connected station's frames wait for it (the storm's probe heartbeat). The loop turns between two batches. Each write
 * resolves when its batch is stored and rejects with the batch's error; the order of a station's changes is the
 * caller's to keep (the server writes a station's next change after its previous one is done).
 *
 * A batch's time includes what its writes' resolution sets off in the same turn: the server announces each change
 * (station.connected: the utilisation log's insert, the scheduler's station read, alerts), and on SQLite all of that
 * runs in the microtasks right after the commit. Timing the commit alone let batches grow to 500 rows whose
 * announcements then held the loop for tens of milliseconds (issue 20's storm profile: announcements cost more than
 * the commit). The batch's turn is measured up to a second immediate queued right behind the one that starts it: it
 * runs once the first one's microtasks are done (on PostgreSQL, where the commit waits for I/O, the commit's end counts).
 */
export class PresenceWriter {
  private pending: { change: PresenceChange; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;
  private readonly limits: BatchLimits;
  /** The next batch's rows at most. */
  private rows: number;

  /**
   * `yieldTurn` resolves in the event loop's next turn (tests count turns with it); `behind` is called right after it
   * and resolves in the same turn, after it and the microtasks it set off (real immediates, unless a test says otherwise).
   */
  constructor(
    private readonly store: Pick<StationStore, 'recordPresences'>,
    private readonly clock: Pick<Clock, 'now'>,
    limits: Partial<BatchLimits> = DEFAULT_TURN_LIMITS,
    private readonly yieldTurn: () => Promise<unknown> = () => nextTurn(),
    private readonly behind: () => Promise<unknown> = () => nextTurn(),
  ) {
    const all = turnLimits(limits);
    this.limits = { presenceBatchRows: all.presenceBatchRows, presenceBatchMs: all.presenceBatchMs };
    this.rows = Math.min(FIRST_BATCH_ROWS, this.limits.presenceBatchRows);
  }

  write(change: PresenceChange): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ change, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // From the next turn, not a timer: changes of one turn join, none waits for a clock.
        void this.flush();
      }
    });
  }

  /** The next turn, and the moment that turn's first immediate and everything it set off in microtasks are done. */
  private nextTurn(): { turn: Promise<unknown>; drained: Promise<number> } {
    const turn = this.yieldTurn();
    const drained = this.behind().then(() => this.clock.now());
    return { turn, drained };
  }

  private async flush(): Promise<void> {
    // `scheduled` stays set while this loop runs: a change written meanwhile joins a later batch of the same loop.
    let next = this.nextTurn();
    await next.turn;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.rows);
      const start = this.clock.now();
      try {
        await this.store.recordPresences(batch.map((b) => b.change));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
      const stored = this.clock.now();
      // This batch's turn: its commit and what the resolved writes set off (announcements), whichever ends later.
      this.resize(batch.length, Math.max(stored, await next.drained) - start);
      if (this.pending.length === 0) break;
      next = this.nextTurn();
      await next.turn;
    }
    this.scheduled = false;
  }

  /**
   * The next batch's size from this one's: as many rows as fit the time at this one's time per row, at most twice
   * as many as a full batch had (growth is gradual: one slow batch costs at most twice the budget), and at least one.
   */
  private resize(rows: number, ms: number): void {
    const fit = ms > 0 ? Math.floor((rows * this.limits.presenceBatchMs) / ms) : Number.POSITIVE_INFINITY;
    const grow = rows >= this.rows ? 2 * this.rows : this.rows;
    this.rows = Math.max(1, Math.min(this.limits.presenceBatchRows, fit, grow));
  }

  /** The next batch's rows at most (for tests and metrics). */
  get batchRows(): number {
    return this.rows;
  }
}

/**
 * The server's presence record: each station's changes written in the order they happened (also when a pool runs
 * two writes at once, PostgreSQL), batched across stations by a PresenceWriter, each announced after its write.
 */
export class PresenceRecorder {
  /** Per station, its last change's write and announcement; an entry goes when it is done. */
  private readonly last = new Map<string, Promise<void>>();
  private readonly writer: PresenceWriter;

  constructor(store: Pick<StationStore, 'recordPresences'>, private readonly logger: Logger, clock: Pick<Clock, 'now'>, limits: Partial<BatchLimits> = DEFAULT_TURN_LIMITS) {
    this.writer = new PresenceWriter(store, clock, limits);
  }

  /**
   * Writes a change after the station's previous one, then announces it. A failed write is logged (the station is
   * connected or gone all the same) and the announcement still follows. The promise never rejects.
   */
  record(stationId: string, kind: PresenceChange['kind'], at: string, announce: () => void): Promise<void> {
    const previous = this.last.get(stationId) ?? Promise.resolve();
    const done = previous
      .then(() => this.writer.write({ id: stationId, kind, at }))
      .catch((err: unknown) => this.logger.error({ err, station: stationId, kind }, 'recording station presence failed'))
      .then(announce);
    this.last.set(stationId, done);
    void done.then(() => {
      if (this.last.get(stationId) === done) this.last.delete(stationId);
    });
    return done;
  }

  /** Every change recorded so far is written and announced. */
  async settled(): Promise<void> {
    await Promise.all([...this.last.values()]);
  }
}
