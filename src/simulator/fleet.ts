/**
 * Many simulated stations on one clock, and the cars that come and go at them: the world a demo or an outcome
 * benchmark runs the product against.
 */
import type { Clock, ManualClock } from '../platform/clock.js';
import type { CarState } from './car.js';
import { SimulatedStation, type StationOptions, type StationQuirks } from './station.js';

export interface FleetOptions {
  /** The CSMS endpoint without station ids, e.g. ws://127.0.0.1:9000/ocpp. */
  url: string;
  clock: Clock;
  stations: number;
  evsesPerStation: number;
  /** Station ids are `${idPrefix}${n}`, n from 1. */
  idPrefix?: string;
  /** Security profile 1 password of each station (the server must know it). */
  password?: (stationId: string) => string;
  /** Options every station shares (sample interval, EVSE hardware...). */
  common?: Partial<Omit<StationOptions, 'id' | 'url' | 'clock' | 'password'>>;
  /** Per-station quirks, by index from 0 (e.g. every third station A-only). */
  quirks?: (index: number) => StationQuirks;
}

/** A car's stay: plugged in (authorize + start) at arriveAt, stopped and unplugged at departAt. */
export interface Visit {
  stationId: string;
  evseId: number;
  car: CarState;
  arriveAt: number | string;
  departAt: number | string;
}

const instant = (t: number | string) => (typeof t === 'number' ? t : Date.parse(t));

export class Fleet {
  readonly stations: SimulatedStation[];

  constructor(private readonly o: FleetOptions) {
    this.stations = Array.from({ length: o.stations }, (_, i) => {
      const id = `${o.idPrefix ?? 'SIM-'}${i + 1}`;
      const password = o.password?.(id);
      return new SimulatedStation({
        evses: o.evsesPerStation, ...o.common, ...o.quirks?.(i),
        id, url: o.url, clock: o.clock, ...(password !== undefined ? { password } : {}),
      });
    });
  }

  get ids(): string[] {
    return this.stations.map((s) => s.id);
  }

  station(id: string): SimulatedStation {
    const s = this.stations.find((x) => x.id === id);
    if (!s) throw new Error(`no simulated station ${id}`);
    return s;
  }

  start(): void {
    for (const s of this.stations) s.start();
  }

  /** Every station has nothing in progress. */
  async idle(): Promise<void> {
    await Promise.all(this.stations.map((s) => s.idle()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.stations.map((s) => s.stop()));
  }

  /** Puts a visit on the clock; an arrival already due happens now. */
  schedule(v: Visit): void {
    const station = this.station(v.stationId);
    const at = (t: number | string, fn: () => void) => {
      const ms = instant(t) - this.o.clock.now();
      if (ms <= 0) fn();
      else this.o.clock.setTimer(ms, fn);
    };
    at(v.arriveAt, () => station.plugIn(v.evseId, v.car));
    at(v.departAt, () => {
      if (station.evse(v.evseId)?.car === v.car) station.unplug(v.evseId);
    });
  }

  /**
   * Runs a ManualClock to `until` in steps of `stepMs`, letting every station's messages reach the CSMS (and the
   * CSMS's answers come back) after each step. `between` runs after each step, e.g. to await the product's work.
   */
  async run(clock: ManualClock, until: number | string, stepMs = 60_000, between?: () => Promise<void>): Promise<void> {
    const end = instant(until);
    await this.idle();
    while (clock.now() < end) {
      clock.advance(Math.min(stepMs, end - clock.now()));
      await this.idle();
      await between?.();
    }
  }
}
