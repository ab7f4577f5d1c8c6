/**
 * requestIds for UpdateFirmware and GetLog (L01.FR.10, N01): unique per run and rising across restarts (seconds since
 * 2020 at start, then +1), like the remote operations' ids, so a station's later notifications match one request.
 */
import type { Clock } from '../platform/clock.js';

export class RequestIds {
  private last: number;

  constructor(clock: Clock) {
    this.last = Math.max(1, Math.floor((clock.now() - Date.UTC(2020, 0, 1)) / 1000) % 2_000_000_000);
  }

  next(): number {
    this.last = this.last >= 2_000_000_000 ? 1 : this.last + 1;
    return this.last;
  }
}
