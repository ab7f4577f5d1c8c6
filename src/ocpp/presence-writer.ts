import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PresenceChange, StationStore } from '../domain/stations.js';
import type { Logger } from '../platform/logger.js';

/** Changes written per transaction at most; a storm's surplus goes in the next one, the loop turning between them. */
const MAX_BATCH = 500;

/**
 * Writes stations' presence changes (connected, disconnected) in batches: every change made in one turn of the event
 * loop goes into one transaction, so a reconnect storm of thousands of stations costs one commit per batch instead
 * of one per station (issue 20: a commit per station was most of a storm's SQLite time). Each write resolves when
 * its batch is stored and rejects with the batch's error; the order of a station's changes is the caller's to keep
 * (the server writes a station's next change after its previous one is done).
 */
export class PresenceWriter {
  private pending: { change: PresenceChange; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly store: Pick<StationStore, 'recordPresences'>) {}

  write(change: PresenceChange): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ change, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current turn, not a timer: changes of one turn join, none waits for a clock.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.store.recordPresences(batch.map((b) => b.change));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
      if (this.pending.length > 0) await nextTurn();
    }
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

  constructor(store: Pick<StationStore, 'recordPresences'>, private readonly logger: Logger) {
    this.writer = new PresenceWriter(store);
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
