/**
 * What the cars of the online run really drew, read from the simulator's physics: each visit's energy is its own
 * car's state of charge times its battery, so energy can never be given to the wrong visit, whatever the EVSE and
 * whenever the clock stands. The meter reads at every slot boundary (a clock timer, so exactly on it) and after
 * every lock-step; between two reads no boundary lies, so each read's energy belongs to one slot exactly.
 *
 * The meter before this read EVSE registers after each 1-minute step and gave the minute's energy to the visit on
 * that EVSE at the minute's middle. The clock stands a few seconds past the minute when a planning cycle's debounce
 * ran, so a car that plugged in on a minute had drawn for those seconds before "its" minute, and the run stopped:
 * "metered 4.1 Wh ... with no car on it" (3-phase cars at 6 A pause under the 3.7 kW default profile, which hid it;
 * 1-phase cars draw).
 */
import type { Clock, TimerHandle } from '../../src/platform/clock.js';
import type { CarState } from '../../src/simulator/index.js';
import type { SimulatedStation } from '../../src/simulator/index.js';
import type { Visit, Workload } from './workload.js';

export interface MeterWorld {
  clock: Pick<Clock, 'now' | 'setTimer'>;
  stations: readonly SimulatedStation[];
}

const energyKwh = (car: CarState) => (car.soc / 100) * car.spec.batteryKWh;

export class SessionMeter {
  /** Session id -> kWh per slot of its window (as PolicyResult.kwh). */
  readonly kwh = new Map<string, number[]>();
  peakKw = 0;
  violations = 0;
  worstExcessKw = 0;
  /** Reads so far (each a check of the summed instantaneous power). */
  reads = 0;
  private readonly active = new Map<Visit, { car: CarState; lastKwh: number }>();
  private readonly initialKwh = new Map<string, number>();
  private next = 0;
  private timer: TimerHandle | undefined;

  /** `cars` holds each visit's car (by session id), not yet charged; the meter starts reading now. */
  constructor(private readonly w: Workload, private readonly world: MeterWorld, private readonly cars: ReadonlyMap<string, CarState>) {
    for (const v of w.visits) {
      this.kwh.set(v.session.id, new Array<number>(v.capKwh.length).fill(0));
      const car = cars.get(v.session.id);
      if (!car) throw new Error(`the meter has no car for session ${v.session.id}`);
      this.initialKwh.set(v.session.id, energyKwh(car));
    }
    this.scheduleBoundary();
  }

  stop(): void {
    this.timer?.cancel();
  }

  /** Reads every plugged-in car's energy and the site's power now. */
  read(): void {
    const now = this.world.clock.now();
    let kw = 0;
    for (const station of this.world.stations) {
      station.settle();
      for (const e of station.evseList()) kw += e.draw.powerW / 1000;
    }
    this.reads++;
    this.peakKw = Math.max(this.peakKw, kw);
    if (kw > this.w.site.gridLimitKw + 1e-6) {
      this.violations++;
      this.worstExcessKw = Math.max(this.worstExcessKw, kw - this.w.site.gridLimitKw);
    }
    // Visits are in arrival order: take in those that have arrived (their car starts at its initial SoC).
    const visits = this.w.visits;
    while (this.next < visits.length && visits[this.next]!.session.arrival <= now) {
      const v = visits[this.next++]!;
      // From the car's SoC before it plugged in: what it drew before this read is its own too.
      this.active.set(v, { car: this.cars.get(v.session.id)!, lastKwh: this.initialKwh.get(v.session.id)! });
    }
    // A read exactly on a boundary closes the slot before it.
    const slot = Math.floor((now - 1 - this.w.grid.startMs) / this.w.grid.stepMs);
    for (const [v, a] of this.active) {
      const e = energyKwh(a.car);
      const delta = e - a.lastKwh;
      a.lastKwh = e;
      if (delta > 0) {
        const i = slot - v.fromSlot;
        const row = this.kwh.get(v.session.id)!;
        if (i < 0 || i >= row.length) {
          throw new Error(`session ${v.session.id} drew ${(delta * 1000).toFixed(1)} Wh in slot ${slot}, outside its stay (slots ${v.fromSlot}..${v.toSlot - 1})`);
        }
        row[i]! += delta;
      }
      // Once it has left, its car takes nothing more: one read after the departure closes it.
      if (v.session.departure < now) this.active.delete(v);
    }
  }

  private scheduleBoundary(): void {
    const { startMs, stepMs } = this.w.grid;
    const now = this.world.clock.now();
    const next = now < startMs ? startMs : startMs + (Math.floor((now - startMs) / stepMs) + 1) * stepMs;
    this.timer = this.world.clock.setTimer(next - now, () => {
      this.read();
      this.scheduleBoundary();
    });
  }
}
