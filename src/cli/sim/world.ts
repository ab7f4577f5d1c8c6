/**
 * A simulated world around the real product: the product as `src/main.ts` starts it (SQLite file, OCPP and HTTP
 * servers) and the charging-station simulator on one ManualClock, with drivers, their cars and their visits, and
 * day-ahead prices published the way a market publishes them. The demo and the outcome benchmark both run on it;
 * the simulator reaches the product over OCPP only, and everything a person would do (vehicles, targets) goes
 * through the scheduler's public surface, which is what the HTTP API calls.
 */
import { DateTime } from 'luxon';
import { start, type Running } from '../../main.js';
import type { Config } from '../../config.js';
import type { ManualClock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { PriceSeries } from '../../domain/prices.js';
import { hashPassword } from '../../ocpp/auth/password.js';
import { Fleet, type SimulatedStation, type CarState, type StationQuirks, type StationOptions } from '../../simulator/index.js';

const MINUTE = 60_000;

export interface WorldStations {
  idPrefix: string;
  count: number;
  evsesPerStation: number;
  /** Security profile 1 password of every station (the product stores its scrypt hash). */
  password: string;
  common?: Partial<Omit<StationOptions, 'id' | 'url' | 'clock' | 'password'>>;
  quirks?: (index: number) => StationQuirks;
}

export interface WorldOptions {
  clock: ManualClock;
  config: Config;
  logger: Logger;
  /** One group of identical stations, or several (a depot's chargers and a home's wallbox). */
  stations: WorldStations | WorldStations[];
}

export interface Driver {
  vehicleId: string;
  /** What people see in the fleet table and on the home page; the vehicle id when absent. */
  name?: string;
  idToken: string;
  fleet?: string;
  batteryKwh: number;
  maxAcKw: number;
  phases: 1 | 3;
  minCurrentA?: number;
}

export interface WorldVisit {
  vehicleId: string;
  stationId: string;
  evseId: number;
  car: CarState;
  arriveAt: number;
  departAt: number;
  /**
   * What the driver or fleet manager tells the product before the car arrives (a one-off target in the site's
   * wall-clock time); null leaves the vehicle's standing target or the site default.
   */
  target: { departure: number; energyKwh: number } | null;
}

/** Something the world does at a given time (a target entered, a day's prices published). */
interface WorldAction {
  at: number;
  seq: number;
  run: () => Promise<void>;
}

export class World {
  /**
   * The world's own timed actions, kept here rather than on the clock: each is run, and awaited, when the clock
   * reaches its time (the product's stores are asynchronous; a clock timer would start the action and move on, so
   * what it triggers in the product would happen at a later simulated time than the action's).
   */
  private readonly actions: WorldAction[] = [];
  private seq = 0;

  private constructor(
    readonly running: Running,
    readonly fleets: Fleet[],
    readonly clock: ManualClock,
    private readonly siteZone: (siteId: string) => string,
  ) {}

  static async start(o: WorldOptions): Promise<World> {
    const running = await start(o.config, { clock: o.clock, logger: o.logger });
    try {
      const host = o.config.ocpp.host === '0.0.0.0' ? '127.0.0.1' : o.config.ocpp.host;
      const url = `ws://${host}:${running.ports.ocpp}${o.config.ocpp.path}`;
      const groups = Array.isArray(o.stations) ? o.stations : [o.stations];
      const fleets = groups.map((g) => new Fleet({
        url, clock: o.clock, stations: g.count, evsesPerStation: g.evsesPerStation, idPrefix: g.idPrefix,
        password: () => g.password,
        ...(g.common ? { common: g.common } : {}),
        ...(g.quirks ? { quirks: g.quirks } : {}),
      }));
      const at = new Date(o.clock.now()).toISOString();
      for (const [i, fleet] of fleets.entries()) {
        const hash = await hashPassword(groups[i]!.password);
        for (const id of fleet.ids) {
          if (!(await running.repositories.stations.get(id))) await running.repositories.stations.register({ id, passwordHash: hash, securityProfile: 1 }, at);
        }
      }
      const world = new World(running, fleets, o.clock, (id) => {
        const site = running.scheduler.site(id);
        if (!site) throw new Error(`no site ${id}`);
        return site.timeZone;
      });
      for (const f of fleets) f.start();
      await world.settle();
      return world;
    } catch (err) {
      await running.close();
      throw err;
    }
  }

  /** Every simulated station of every group. */
  get stations(): SimulatedStation[] {
    return this.fleets.flatMap((f) => f.stations);
  }

  station(id: string): SimulatedStation {
    const s = this.stations.find((x) => x.id === id);
    if (!s) throw new Error(`no simulated station ${id}`);
    return s;
  }

  /** Every station has nothing in progress. */
  async idle(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.idle()));
  }

  /** A vehicle and the RFID card that identifies it at the charger (the product looks the car up by this card). */
  async addDriver(d: Driver): Promise<void> {
    const at = new Date(this.clock.now()).toISOString();
    await this.running.repositories.idTokens.upsert({ idToken: d.idToken, type: 'ISO14443', status: 'Accepted', groupIdToken: null, expiresAt: null, vehicleId: d.vehicleId }, at);
    await this.running.scheduler.upsertVehicle({
      id: d.vehicleId, name: d.name ?? d.vehicleId, ...(d.fleet ? { fleet: d.fleet } : {}), batteryKwh: d.batteryKwh, maxAcKw: d.maxAcKw, phases: d.phases,
      ...(d.minCurrentA !== undefined ? { minCurrentA: d.minCurrentA } : {}), idTokens: [d.idToken],
    });
  }

  /**
   * Puts a visit on the clock. The target is set `leadMs` before the car plugs in (a fleet manager's departure
   * list, a homeowner's form), written as wall-clock time in the site's zone as a person would enter it.
   */
  scheduleVisit(v: WorldVisit, siteId: string, leadMs = 5 * MINUTE): void {
    if (v.target) {
      const { departure, energyKwh } = v.target;
      const local = DateTime.fromMillis(departure, { zone: this.siteZone(siteId) }).toFormat("yyyy-MM-dd'T'HH:mm");
      this.at(v.arriveAt - leadMs, async () => {
        await this.running.scheduler.setTarget(v.vehicleId, { kind: 'once', departure: local, energyKwh });
      });
    }
    // Plug-in and plug-out are the world's actions, each followed by a settle: the product answers a car that
    // plugs in at 14:36:30 at 14:36:30, as a real server does within a second, not at the next lock-step minute
    // (a car with a 6 A minimum pauses under the default profile until its plan comes, and lost those seconds).
    const station = this.station(v.stationId);
    this.at(v.arriveAt, async () => {
      station.plugIn(v.evseId, v.car);
      await this.settle();
    });
    this.at(v.departAt, async () => {
      if (station.evse(v.evseId)?.car === v.car) station.unplug(v.evseId);
      await this.settle();
    });
  }

  /**
   * Publishes a zone's prices as the day-ahead market does: everything up to the end of the local day that holds
   * `now` at once, then each next local day at `publishAt` (wall-clock, e.g. "13:00") on the day before. Before
   * that the product only knows estimates, as in production.
   */
  async publishDayAhead(zone: string, timeZone: string, series: PriceSeries[], publishAt = '13:00'): Promise<void> {
    const intervals = series.filter((s) => s.zone === zone).flatMap((s) => s.intervals.map((i) => ({ ...i, currency: s.currency })));
    intervals.sort((a, b) => a.start - b.start);
    if (!intervals.length) throw new Error(`no prices for zone ${zone}`);
    const [hh, mm] = publishAt.split(':').map(Number) as [number, number];
    const now = this.clock.now();
    const dayStart = (ms: number) => DateTime.fromMillis(ms, { zone: timeZone }).startOf('day');
    // The day that is already known: today, and tomorrow too once today's publication time has passed.
    let known = dayStart(now).plus({ days: 1 });
    if (now >= dayStart(now).set({ hour: hh, minute: mm }).toMillis()) known = known.plus({ days: 1 });
    await this.publish(zone, intervals.filter((i) => i.start < known.toMillis()));
    const last = intervals.at(-1)!.end;
    for (let day = known; day.toMillis() < last; day = day.plus({ days: 1 })) {
      const from = day.toMillis();
      const to = day.plus({ days: 1 }).toMillis();
      const at = day.minus({ days: 1 }).set({ hour: hh, minute: mm }).toMillis();
      const part = intervals.filter((i) => i.start >= from && i.start < to);
      if (part.length) this.at(at, () => this.publish(zone, part));
    }
  }

  private async publish(zone: string, intervals: (PriceSeries['intervals'][number] & { currency: string })[]): Promise<void> {
    if (!intervals.length) return;
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');
    const step = intervals[0]!.end - intervals[0]!.start;
    const body = {
      zone, currency: intervals[0]!.currency, resolution: step === 15 * MINUTE ? 'PT15M' : step === 30 * MINUTE ? 'PT30M' : 'PT60M',
      intervals: intervals.map((i) => ({ start: iso(i.start), end: iso(i.end), price: i.pricePerKwh })),
    };
    const result = this.running.pricing.intake.validate({ format: 'json', body });
    if (!result.ok) throw new Error(`prices for ${zone} refused by the intake: ${JSON.stringify(result.issues ?? result)}`);
    await this.running.pricing.intake.apply(result.publication, 'market');
  }

  /** Runs `run` when step or settle next moves the clock to `at` (the next settle, when that time has come). */
  private at(at: number, run: () => Promise<void>): void {
    this.actions.push({ at, seq: this.seq++, run });
  }

  /**
   * Moves the clock to `target`, stopping at each of the world's actions on the way to run it (the clock's own
   * timers fire as the clock passes them, as before).
   */
  private async advanceTo(target: number): Promise<void> {
    for (;;) {
      let due: WorldAction | undefined;
      for (const a of this.actions) if (a.at <= target && (!due || a.at < due.at || (a.at === due.at && a.seq < due.seq))) due = a;
      if (!due) break;
      this.actions.splice(this.actions.indexOf(due), 1);
      this.clock.advance(Math.max(0, due.at - this.clock.now()));
      await due.run();
    }
    this.clock.advance(Math.max(0, target - this.clock.now()));
  }

  /** Every due planning cycle runs (its debounce included) and every push is answered. */
  async settle(): Promise<void> {
    const s = this.running.scheduler;
    await this.advanceTo(this.clock.now());
    await this.idle();
    for (let i = 0; i < 100; i++) {
      await s.done();
      await new Promise((r) => setImmediate(r));
      await this.idle();
      if (!s.waiting) return;
      await this.advanceTo(this.clock.now() + 2_000);
    }
    throw new Error('the scheduler did not settle');
  }

  /**
   * One step of lock-step time: the clock moves to the next whole multiple of `stepMs` (a cycle's debounce moves
   * it a few seconds past; the next step only goes to the next whole one), then every station's messages reach
   * the product, and every planning cycle that fell due runs. Time never outruns the product: what real time
   * would give it (a reading arriving well within the debounce) it gets here too.
   */
  async step(stepMs: number, until = Number.POSITIVE_INFINITY): Promise<void> {
    const next = Math.min(until, (Math.floor(this.clock.now() / stepMs) + 1) * stepMs);
    await this.advanceTo(Math.max(this.clock.now(), next));
    await this.settle();
  }

  async runUntil(until: number, stepMs: number, each?: () => void | Promise<void>): Promise<void> {
    await this.settle();
    while (this.clock.now() < until) {
      await this.step(stepMs, until);
      await each?.();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.stop()));
    await this.running.close();
  }
}

/** Whole local days from the first to the last instant, in the zone (a 23- or 25-hour day is one day). */
export function localDays(fromMs: number, toMs: number, zone: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let d = DateTime.fromMillis(fromMs, { zone }).startOf('day'); d.toMillis() < toMs; d = d.plus({ days: 1 })) {
    out.push({ start: d.toMillis(), end: d.plus({ days: 1 }).toMillis() });
  }
  return out;
}
