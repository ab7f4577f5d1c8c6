import type { PresenceChange, StationStore } from '../domain/stations.js';

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
      if (this.pending.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
