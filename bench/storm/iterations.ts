/**
 * The longest event-loop iterations of this process, in wall time and in CPU time (bench/storm/server.ts).
 *
 * A station's frame that arrives while the loop works waits for the rest of that iteration and is read in the next
 * poll phase, so the longest iteration bounds what a well-behaved station waits for. A 1 ms interval timer fires once
 * per iteration (timers phase) when iterations are longer than that; the time and the event loop's own CPU time
 * between two firings are one iteration's. The CPU time is the main thread's (Linux: /proc/thread-self/schedstat,
 * nanoseconds on the CPU, read on the loop's thread), not the process's: V8's GC helper threads and libuv's pool
 * work beside the loop and do not hold it. It hardly depends on what else the machine runs, unlike the wall time,
 * which includes the time the loop waited for a core (schedstat's run-queue time, reported too). Elsewhere the
 * process's CPU time (process.cpuUsage) stands in. The longest are kept with their start on the CPU profile's clock
 * (us), so the bench can say what they were made of.
 */
import { readFileSync } from 'node:fs';

/** The loop thread's CPU time and run-queue wait (us), or the process's CPU time where schedstat is missing. */
function threadTimes(): { cpuUs: number; waitUs: number } {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { cpuUs: Number(cpu) / 1000, waitUs: Number(wait) / 1000 };
  } catch {
    const c = process.cpuUsage();
    return { cpuUs: c.user + c.system, waitUs: 0 };
  }
}

export interface Iteration {
  /** Start, microseconds on the monotonic clock (process.hrtime, also the CPU profile's clock). */
  startUs: number;
  wallMs: number;
  cpuMs: number;
  /** Time the loop's thread was ready to run but waited for a core (other processes' time). */
  waitMs: number;
}

export class IterationMeter {
  private lastUs = 0;
  private lastCpuUs = 0;
  private lastWaitUs = 0;
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
    const { cpuUs, waitUs } = threadTimes();
    const it: Iteration = { startUs: this.lastUs, wallMs: (now - this.lastUs) / 1000, cpuMs: (cpuUs - this.lastCpuUs) / 1000, waitMs: (waitUs - this.lastWaitUs) / 1000 };
    this.lastUs = now;
    this.lastCpuUs = cpuUs;
    this.lastWaitUs = waitUs;
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
    const t = threadTimes();
    this.lastCpuUs = t.cpuUs;
    this.lastWaitUs = t.waitUs;
    this.top = [];
    this.maxWallMs = 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
