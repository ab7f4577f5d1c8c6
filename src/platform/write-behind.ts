/**
 * Write-behind: records the product keeps for people to read later (the station page's message log, utilisation's
 * EVSE state log) are queued as they happen and written in batches off the hot path. One mechanism for both
 * (issue 15: the two batchers had grown apart as copies of each other):
 *
 * - a batch is written at the end of a window on the injected clock (or, without one, in the next event-loop turn):
 *   on SQLite each write is a commit, and a commit costs as much as ~6 rows (bench/storage/write-behind-cpu.ts:
 *   one EVSE state row alone 61 µs of CPU, in a batch of 100 about 9.5 µs each);
 * - one write at a time: what arrives meanwhile waits for the next;
 * - a write takes at most `maxBatch` items (on SQLite a batch holds the event loop until its commit); what is left,
 *   like a queue half full, is written from the next turn without waiting for the window;
 * - the queue is bounded: beyond `maxPending` the oldest half is dropped and counted (`onDrop`), never the
 *   product's own work;
 * - a write that fails is reported to `onError` (logged by the owner), never thrown: the batch is lost, the next is
 *   written as usual;
 * - `settled()` writes what waits at once and resolves when everything added so far is written (a page that reads
 *   the log asks for it first; shutdown and tests wait for it).
 *
 * The store decides the atomicity of a batch (one transaction per write). No domain knowledge here.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock, TimerHandle } from './clock.js';

export interface WriteBehindOptions<T> {
  /** Writes one batch, all or nothing. */
  write: (batch: T[]) => Promise<void>;
  /** A batch that was not written (the error and how many items it had). */
  onError: (err: unknown, items: number) => void;
  /** Items waiting at most; beyond it the oldest half is dropped. */
  maxPending: number;
  /** Items dropped now and since start, because the store fell behind. */
  onDrop: (dropped: number, total: number) => void;
  /** Items per write at most (default: all that wait). */
  maxBatch?: number;
  /** Writes wait for a window of `ms` on `clock`; null: the next turn of the event loop. */
  window?: { clock: Clock; ms: number } | null;
  /** Shrinks what waits before a batch is cut from it (keeps order; e.g. each station's newest frames only). */
  compact?: (batch: T[]) => T[];
}

export class WriteBehind<T> {
  private pending: T[] = [];
  private scheduled = false;
  private timer: TimerHandle | undefined;
  private writing: Promise<void> | null = null;
  private readonly maxBatch: number;
  /** Items dropped since start because the store fell behind. */
  dropped = 0;

  constructor(private readonly o: WriteBehindOptions<T>) {
    this.maxBatch = o.maxBatch ?? Number.POSITIVE_INFINITY;
  }

  add(item: T): void {
    if (this.pending.length >= this.o.maxPending) {
      const cut = Math.ceil(this.o.maxPending / 2);
      this.pending.splice(0, cut);
      this.dropped += cut;
      this.o.onDrop(cut, this.dropped);
    }
    this.pending.push(item);
    this.schedule();
  }

  /** Items waiting for a write. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Resolves once every item added so far is written (or its write failed and was reported). */
  async settled(): Promise<void> {
    while (this.writing || this.pending.length > 0) {
      if (this.writing) await this.writing;
      else if (this.timer) {
        this.timer.cancel();
        this.timer = undefined;
        this.flush();
      } else await nextTurn();
    }
  }

  private schedule(): void {
    const full = this.pending.length >= this.maxBatch || this.pending.length >= this.o.maxPending / 2;
    if (full && this.timer) {
      // A full batch waits for no window: written in the next turn.
      this.timer.cancel();
      this.timer = undefined;
    }
    if (this.scheduled || this.timer || this.writing) return;
    const window = this.o.window;
    if (window && !full) {
      this.timer = window.clock.setTimer(window.ms, () => {
        this.timer = undefined;
        this.flush();
      });
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing || this.pending.length === 0) return;
    // Compacted before it is cut into batches: what the store would not keep is never written, in any batch.
    if (this.o.compact) this.pending = this.o.compact(this.pending);
    let batch: T[];
    if (this.pending.length <= this.maxBatch) {
      batch = this.pending;
      this.pending = [];
    } else {
      batch = this.pending.splice(0, this.maxBatch);
    }
    const items = batch.length;
    let write: Promise<void>;
    try {
      write = this.o.write(batch);
    } catch (err) {
      write = Promise.reject(err as Error);
    }
    this.writing = write
      .catch((err: unknown) => this.o.onError(err, items))
      .finally(() => {
        this.writing = null;
        if (this.pending.length > 0) this.schedule();
      });
  }
}
