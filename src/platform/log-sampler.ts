import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';

/**
 * Log lines that a client can cause at will (a refused handshake, a reset socket) are sampled: per kind, the first
 * `perWindow` lines of each window are written, the rest only counted, and one summary line with that count is
 * written when the window ends. A flood then costs a few lines per window instead of one per attempt.
 */
export class LogSampler {
  private readonly windows = new Map<string, { logged: number; suppressed: number; timer: TimerHandle }>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly o: { windowMs: number; perWindow: number },
  ) {}

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    let w = this.windows.get(kind);
    if (!w) {
      w = { logged: 0, suppressed: 0, timer: this.clock.setTimer(this.o.windowMs, () => this.flush(kind)) };
      this.windows.set(kind, w);
    }
    if (w.logged < this.o.perWindow) {
      w.logged++;
      this.logger.warn(fields, message);
    } else {
      w.suppressed++;
    }
  }

  private flush(kind: string): void {
    const w = this.windows.get(kind);
    this.windows.delete(kind);
    if (w && w.suppressed > 0) {
      this.logger.warn({ kind, suppressed: w.suppressed, windowS: this.o.windowMs / 1000 },
        `${kind}: ${w.suppressed} more not logged in the last ${this.o.windowMs / 1000} s`);
    }
  }

  /** Writes the pending summaries now and stops the timers (on shutdown). */
  close(): void {
    for (const [kind, w] of [...this.windows]) {
      w.timer.cancel();
      this.flush(kind);
    }
  }
}
