/**
 * Runs the simulated clock against real time: each step of simulated time (World.step: the product and the
 * stations in lock-step) is followed by a wait until real time has caught up at `speed`. Real time comes from an
 * injected clock (systemClock in the demo, a fake in tests), the only reader of the system clock being
 * src/platform/clock.ts. When the product takes longer than real time allows, the pacer does not rush to catch up
 * afterwards: it starts counting again from where it is, and counts the stall.
 */
import type { Clock, TimerHandle } from '../../platform/clock.js';

export interface PacerOptions {
  /** Advances simulated time by one step, no further than `until`, and lets everything due run. */
  step: (stepMs: number, until: number) => Promise<void>;
  /** Simulated time. */
  simNow: () => number;
  real: Clock;
  speed: number;
  stepMs: number;
  until: number;
  /** After every step, with the simulated time. */
  onStep?: (simMs: number) => void | Promise<void>;
  /** Behind real time by more than this: give up catching up (default 2 s). */
  maxLagMs?: number;
}

export interface PaceResult {
  /** Reached `until` (false: stopped first). */
  finished: boolean;
  steps: number;
  /** Times the product fell behind real time by more than maxLagMs. */
  stalls: number;
  realMs: number;
}

export class Pacer {
  private stopped = false;
  private timer: TimerHandle | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly o: PacerOptions) {
    if (!(o.speed > 0)) throw new Error(`speed must be more than 0, got ${o.speed}`);
    if (!(o.stepMs > 0)) throw new Error(`step must be more than 0 ms, got ${o.stepMs}`);
  }

  async run(): Promise<PaceResult> {
    const { real, speed, until } = this.o;
    const maxLagMs = this.o.maxLagMs ?? 2_000;
    const startedAt = real.now();
    let anchorReal = startedAt;
    let anchorSim = this.o.simNow();
    let steps = 0;
    let stalls = 0;
    while (!this.stopped && this.o.simNow() < until) {
      await this.o.step(this.o.stepMs, until);
      steps++;
      await this.o.onStep?.(this.o.simNow());
      const wait = anchorReal + (this.o.simNow() - anchorSim) / speed - real.now();
      if (wait < -maxLagMs) {
        stalls++;
        anchorReal = real.now();
        anchorSim = this.o.simNow();
      }
      // Even without a wait, give the event loop a turn: people's requests are served between steps.
      await this.sleep(Math.max(0, wait));
    }
    return { finished: this.o.simNow() >= until, steps, stalls, realMs: real.now() - startedAt };
  }

  /** Ends the run after the step in progress. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.wake = resolve;
      this.timer = this.o.real.setTimer(ms, () => {
        this.timer = null;
        this.wake = null;
        resolve();
      });
    });
  }
}
