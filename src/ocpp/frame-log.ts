/**
 * Writes the station page's message log (issue 16; src/domain/station-frames.ts) off the hot path: frames are queued
 * as they are read or sent and written behind (src/platform/write-behind.ts): in one batch per event-loop turn, or
 * with a window (the server's: one second on the injected clock) in one batch per window, one write at a time.
 * Without the window one chatty station paid a small commit per round trip (bench:ocpp's ping-pong row: 1.75x the
 * CPU per message); with it, a second of any rate is one write of at most each station's newest 100. settled() writes
 * what waits at once, and the page's read asks for it first (main.ts), so the page never misses the last second. A
 * batch keeps only each station's newest FRAMES_KEPT_PER_STATION, all the store would keep anyway. While the store is
 * slow the queue is bounded: beyond MAX_PENDING the oldest half is dropped (counted and logged), never the product's
 * own work.
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { WriteBehind } from '../platform/write-behind.js';
import { FRAMES_KEPT_PER_STATION, type StationFrame, type StationFrameStore } from '../domain/station-frames.js';

/** Frames waiting for the store at most (a hundred stations' full logs). */
export const MAX_PENDING = 10_000;

/**
 * Frames per write at most: on SQLite a write holds the event loop until its commit (~19 µs a frame), and a second of
 * 1,000 stations' traffic is ~2,000 frames (one write of them held the loop for 38 ms in bench:ocpp's load phase).
 * The rest is written from the next turn.
 */
export const MAX_BATCH = 250;

export class FrameLog {
  private readonly queue: WriteBehind<StationFrame>;

  constructor(
    store: StationFrameStore,
    logger: Logger,
    maxPending = MAX_PENDING,
    window: { clock: Clock; ms: number } | null = null,
  ) {
    this.queue = new WriteBehind({
      write: (batch) => store.append(batch),
      onError: (err, frames) => logger.warn({ err, frames }, 'station message log: a batch was not written'),
      maxPending,
      onDrop: (dropped, total) => logger.warn({ dropped, total }, 'station message log: the store is behind; oldest frames not kept'),
      window,
      maxBatch: MAX_BATCH,
      compact: newestPerStation,
    });
  }

  /** Frames dropped since start because the store fell behind. */
  get dropped(): number {
    return this.queue.dropped;
  }

  add(frame: StationFrame): void {
    this.queue.add(frame);
  }

  /** Resolves once every frame added so far is written (or its write failed and was logged). */
  settled(): Promise<void> {
    return this.queue.settled();
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
