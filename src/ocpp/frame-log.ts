/**
 * Writes the station page's message log (issue 16; src/domain/station-frames.ts) off the hot path: frames are queued
 * as they are read or sent and written in one batch per event-loop turn, or with a window (the server's: one second
 * on the injected clock) in one batch per window, one write at a time (a batch waits for the one before). Without the
 * window one chatty station paid a small commit per round trip (bench:ocpp's ping-pong row: 1.75x the CPU per
 * message); with it, a second of any rate is one write of at most each station's newest 100. settled() writes what
 * waits at once, and the page's read asks for it first (main.ts), so the page never misses the last second. A station's message rate adds no commit per frame, and a batch keeps only each station's newest
 * FRAMES_KEPT_PER_STATION, all the store would keep anyway. While the store is slow the queue is bounded: beyond
 * MAX_PENDING the oldest half is dropped (counted and logged), never the product's own work.
 */
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { FRAMES_KEPT_PER_STATION, type StationFrame, type StationFrameStore } from '../domain/station-frames.js';

/** Frames waiting for the store at most (a hundred stations' full logs). */
export const MAX_PENDING = 10_000;

export class FrameLog {
  private pending: StationFrame[] = [];
  private scheduled = false;
  private timer: TimerHandle | undefined;
  private writing: Promise<void> | null = null;
  /** Frames dropped since start because the store fell behind. */
  dropped = 0;

  constructor(
    private readonly store: StationFrameStore,
    private readonly logger: Logger,
    private readonly maxPending = MAX_PENDING,
    private readonly window: { clock: Clock; ms: number } | null = null,
  ) {}

  add(frame: StationFrame): void {
    if (this.pending.length >= this.maxPending) {
      const cut = Math.ceil(this.maxPending / 2);
      this.pending.splice(0, cut);
      this.dropped += cut;
      this.logger.warn({ dropped: cut, total: this.dropped }, 'station message log: the store is behind; oldest frames not kept');
    }
    this.pending.push(frame);
    this.schedule();
  }

  /** Resolves once every frame added so far is written (or its write failed and was logged). */
  async settled(): Promise<void> {
    while (this.writing || this.pending.length > 0) {
      if (this.writing) await this.writing;
      else if (this.timer) {
        this.timer.cancel();
        this.timer = undefined;
        this.flush();
      } else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    const full = this.pending.length >= this.maxPending / 2;
    if (full && this.timer) {
      // Half the queue waiting: written in the next turn, window or not.
      this.timer.cancel();
      this.timer = undefined;
    }
    if (this.scheduled || this.timer || this.writing) return;
    if (this.window && !full) {
      this.timer = this.window.clock.setTimer(this.window.ms, () => {
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
    const batch = newestPerStation(this.pending);
    this.pending = [];
    this.writing = this.store.append(batch)
      .catch((err: unknown) => this.logger.warn({ err, frames: batch.length }, 'station message log: a batch was not written'))
      .finally(() => {
        this.writing = null;
        if (this.pending.length > 0) this.schedule();
      });
  }
}

/** The frames in order, without those older than a station's newest FRAMES_KEPT_PER_STATION in the same batch. */
function newestPerStation(frames: StationFrame[]): StationFrame[] {
  if (frames.length <= FRAMES_KEPT_PER_STATION) return frames;
  const seen = new Map<string, number>();
  const keep: boolean[] = new Array<boolean>(frames.length);
  let dropped = 0;
  for (let i = frames.length - 1; i >= 0; i--) {
    const n = (seen.get(frames[i]!.stationId) ?? 0) + 1;
    seen.set(frames[i]!.stationId, n);
    keep[i] = n <= FRAMES_KEPT_PER_STATION;
    if (!keep[i]) dropped++;
  }
  return dropped === 0 ? frames : frames.filter((_, i) => keep[i]);
}
