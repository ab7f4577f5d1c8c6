/**
 * The longest event-loop iterations of this process, in wall time and in CPU time (bench/storm/server.ts).
 *
 * A station's frame that arrives while the loop works waits for the rest of that iteration and is read in the next
 * poll phase, so the longest iteration bounds what a well-behaved station waits for. A 1 ms interval timer fires once
 * per iteration (timers phase) when iterations are longer than that; the time and the process's CPU time
 * (process.cpuUsage: user + system, all threads, microsecond resolution) between two firings are one iteration's.
 * CPU time hardly depends on what else the machine runs, unlike the wall time, which includes time the OS gave the
 * cores to other processes. The longest are kept with their start on the CPU profile's clock (us), so the bench
 * can say what they were made of.
 */

export interface Iteration {
  /** Start, microseconds on the monotonic clock (process.hrtime, also the CPU profile's clock). */
  startUs: number;
  wallMs: number;
  cpuMs: number;
}

export class IterationMeter {
  private lastUs = 0;
  private lastCpuUs = 0;
  private top: Iteration[] = [];
  private maxWallMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly keep = 5) {
    this.reset();
    this.timer = setInterval(() => this.tick(), 1);
    this.timer.unref();
  }

  private tick(): void {
    const now = Number(process.hrtime.bigint() / 1000n);
    const c = process.cpuUsage();
    const cpuUs = c.user + c.system;
    const it: Iteration = { startUs: this.lastUs, wallMs: (now - this.lastUs) / 1000, cpuMs: (cpuUs - this.lastCpuUs) / 1000 };
    this.lastUs = now;
    this.lastCpuUs = cpuUs;
    this.maxWallMs = Math.max(this.maxWallMs, it.wallMs);
    if (this.top.length < this.keep || it.cpuMs > this.top[this.top.length - 1]!.cpuMs) {
      this.top.push(it);
      this.top.sort((a, b) => b.cpuMs - a.cpuMs);
      this.top.length = Math.min(this.top.length, this.keep);
    }
  }

  /** The longest iterations by CPU time since the last reset (longest first), and the longest by wall time. */
  report(): { top: Iteration[]; maxWallMs: number } {
    return { top: [...this.top], maxWallMs: this.maxWallMs };
  }

  reset(): void {
    this.lastUs = Number(process.hrtime.bigint() / 1000n);
    const c = process.cpuUsage();
    this.lastCpuUs = c.user + c.system;
    this.top = [];
    this.maxWallMs = 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
