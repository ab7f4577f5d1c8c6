/**
 * Our scheduler as it runs in production, on the outcome benchmark's sessions: the real product (SQLite file, OCPP
 * server, scheduler, price intake) and simulated stations on one ManualClock, 1-minute lock-step. The product
 * learns of each car only when it is about to arrive (its target, 5 minutes before) and of each day's prices at
 * 13:00 the day before, as from a day-ahead market; it re-plans on its own triggers. What the cars drew is read
 * from the simulator's meters (the physics), and checked against what the product stored from the meter values.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { ManualClock, monotonicMs } from '../../src/platform/clock.js';
import { silentLogger, createLogger } from '../../src/platform/logger.js';
import type { PriceSeries } from '../../src/domain/prices.js';
import type { TransactionRecord } from '../../src/domain/stations.js';
import { deliveredKwh } from '../../src/domain/meter.js';
import { car } from '../../src/simulator/index.js';
import { World } from '../../src/cli/sim/world.js';
import { CAR_MODELS, carKw, rowSum, type CarModel, type Workload, type Visit } from './workload.js';
import type { PolicyResult } from './policies.js';
import { SessionMeter } from './meter.js';

const MINUTE = 60_000;
export const STATION_PASSWORD = 'outcome-bench-1';

export interface OnlineResult extends PolicyResult {
  /** The largest difference (kWh) between a session's energy from the simulator and from the product's stored register. */
  storedVsSimulatedKwh: number;
  /** The most the summed instantaneous power was above the limit (kW). */
  worstExcessKw: number;
  /** Wall time of the whole run (ms), for the bench's notes, and the process's CPU time in it (the machine is shared). */
  wallMs: number;
  cpuMs: number;
  /** The most resident memory seen at a day's end (MB). */
  peakRssMb: number;
  /** Planning cycles that failed (retried by the loop). */
  failedCycles: number;
}

/**
 * The battery a user's car gets: big enough for the largest session with a fifth to spare, at least 40 kWh. Each
 * visit starts at the SoC from which exactly the session's energy fills it, so a car stops when it has what it
 * took in reality, under every policy alike.
 */
function batteryKwh(visits: Visit[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of visits) {
    const need = Math.max(40, Math.ceil(v.session.energyKwh / 0.8));
    out.set(v.session.userId, Math.max(out.get(v.session.userId) ?? 0, need));
  }
  return out;
}

/** Vehicle ids and cards by user, numbered in order of first arrival: source user ids may hold any characters. */
function userNumbers(visits: Visit[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of visits) if (!out.has(v.session.userId)) out.set(v.session.userId, out.size + 1);
  return out;
}

const vehicleId = (n: number) => `EV-${n}`;
const cardOf = (n: number) => `RFID-${n}`;

export function onlineConfig(
  w: Workload, zone: string, dbPath: string, arrivalHistoryWeeks?: number, arrivalReservation?: 'soft' | 'phantoms', minCurrentA?: number,
  shortfall?: 'fewest-cars' | 'even',
) {
  const s = w.site;
  // The site's own minimum (policy.minCurrentA, 6 A by default) applies to a car that names none: cars without a
  // minimum (--min-current 0) must be planned without one too.
  const policy = {
    ...(arrivalHistoryWeeks !== undefined ? { arrivalHistoryWeeks, ...(arrivalReservation ? { arrivalReservation } : {}) } : {}),
    ...(minCurrentA === 0 ? { minCurrentA: 0 } : {}),
    ...(shortfall ? { shortfall } : {}),
  };
  const evses = [];
  for (let n = 1; n <= s.stations; n++) {
    for (let e = 1; e <= s.evsesPerStation; e++) evses.push({ stationId: `CS${n}`, evseId: e, maxKw: s.evseKw });
  }
  return loadConfig({}, {
    database: { path: dbPath },
    http: { host: '127.0.0.1', port: 0 },
    ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0 },
    log: { level: 'silent' },
    prices: {
      zones: [{ id: zone, currency: 'EUR', timeZone: s.timeZone }],
      // The day-ahead price only: the same price every policy is charged (grid fees and taxes would add the same
      // per-kWh amount to each, or a time-of-use fee that only shifts what "cheap" means).
      tariffs: { market: { currency: 'EUR', timeZone: s.timeZone, energy: { kind: 'market', zone } } },
    },
    sites: [{
      id: s.id, timeZone: s.timeZone, tariff: 'market', gridLimitKw: s.gridLimitKw, slotMinutes: s.slotMinutes, evses,
      ...(Object.keys(policy).length ? { policy } : {}),
    }],
  });
}

export interface OnlineOptions {
  /** A pino level for the product's log (silent by default). */
  log?: string;
  /** Looks at the world after every 1-minute step (a diagnosis: one car's draw, the site's power). */
  each?: (world: World) => void | Promise<void>;
  /** Looks at the world once the period is over, before it stops (a diagnosis: the stored plans). */
  inspect?: (world: World) => void | Promise<void>;
  /** The car every session brings (default: 3-phase at the EVSE's power with a 6 A minimum). */
  car?: CarModel;
  /** The stations' TxUpdatedInterval (s): how often the product gets a meter value from a charging car. */
  sampleSeconds?: number;
  /** Told once per simulated day (a long run's progress). */
  progress?: (line: string) => void;
  /** The site's policy.arrivalHistoryWeeks (default: the product's, 8); 0 plans only the cars that are here. */
  arrivalHistoryWeeks?: number;
  /** The site's policy.arrivalReservation (default: the product's, soft tiers). */
  arrivalReservation?: 'soft' | 'phantoms';
  /** The site's policy.shortfall (default: the product's, even). */
  shortfall?: 'fewest-cars' | 'even';
  /** The row's name (default "our scheduler"). */
  name?: string;
  /**
   * Sessions the site had before the period (placed on its EVSEs), written to the product's store as finished
   * transactions before it starts, as a site in service has them: what it learns its arrivals from. Replaying them
   * would give the same store and take as long again.
   */
  history?: readonly { stationId: string; evseId: number; arrival: number; departure: number; energyKwh: number }[];
  /** Copy the product's SQLite store here when the run ends (its plans, with the problem each solved), for probes. */
  keepDb?: string;
}

// Visits go on the clock a day ahead (their target 5 minutes before they plug in): thousands of timers set at once
// would make every step of the simulated clock sort them all.
const FEED_AHEAD_MS = 24 * 60 * MINUTE;
const FEED_EVERY_MS = 60 * MINUTE;

export async function runOnline(w: Workload, series: PriceSeries[], zone: string, opts: OnlineOptions = {}): Promise<OnlineResult> {
  const started = monotonicMs();
  const cpuStart = process.cpuUsage();
  let peakRssMb = process.memoryUsage().rss / 2 ** 20;
  const dir = mkdtempSync(join(tmpdir(), 'bench-outcome-'));
  const { grid, site } = w;
  const model = opts.car ?? CAR_MODELS['3-phase'];
  const maxKw = carKw(site, model);
  const end = grid.startMs + grid.slots * grid.stepMs;
  // An hour before the first arrival: the stations boot and get their default profiles.
  const clock = new ManualClock(grid.startMs - 60 * MINUTE);
  const world = await World.start({
    clock,
    config: onlineConfig(w, zone, join(dir, 'outcome.sqlite'), opts.arrivalHistoryWeeks, opts.arrivalReservation, model.minCurrentA, opts.shortfall),
    logger: opts.log ? createLogger({ level: opts.log }) : silentLogger(),
    // One sample every 5 minutes by default (the product checks each charger follows its profile from two in a row).
    stations: { idPrefix: 'CS', count: site.stations, evsesPerStation: site.evsesPerStation, password: STATION_PASSWORD, common: { txUpdatedIntervalS: opts.sampleSeconds ?? 300 } },
  });
  let meter: SessionMeter | undefined;
  try {
    await importHistory(world, opts.history ?? []);
    await world.publishDayAhead(zone, site.timeZone, series);
    const battery = batteryKwh(w.visits);
    const users = userNumbers(w.visits);
    for (const [userId, kwh] of battery) {
      const n = users.get(userId)!;
      await world.addDriver({
        vehicleId: vehicleId(n), idToken: cardOf(n), batteryKwh: kwh, maxAcKw: maxKw, phases: model.phases,
        ...(model.minCurrentA > 0 ? { minCurrentA: model.minCurrentA } : {}),
      });
    }
    const cars = new Map(w.visits.map((v) => {
      const cap = battery.get(v.session.userId)!;
      return [v.session.id, car({
        idToken: cardOf(users.get(v.session.userId)!), batteryKWh: cap, maxPowerKW: maxKw, phases: model.phases,
        // No taper: every policy models a car at constant power until it has its energy.
        taperStartSoc: 100, taperFloor: 1, minCurrentA: model.minCurrentA, reportsSoc: true,
      }, 100 * (1 - v.session.energyKwh / cap))] as const;
    }));
    let fed = 0;
    const feed = () => {
      for (; fed < w.visits.length && w.visits[fed]!.session.arrival < clock.now() + FEED_AHEAD_MS; fed++) {
        const v = w.visits[fed]!;
        world.scheduleVisit({
          vehicleId: vehicleId(users.get(v.session.userId)!), stationId: v.stationId, evseId: v.evseId, car: cars.get(v.session.id)!,
          arriveAt: v.session.arrival, departAt: v.session.departure,
          target: { departure: v.session.departure, energyKwh: v.session.energyKwh },
        }, site.id);
      }
      if (fed < w.visits.length) clock.setTimer(FEED_EVERY_MS, feed);
    };
    feed();
    meter = new SessionMeter(w, world, cars);
    const m = meter;
    let day = Math.floor(clock.now() / 86_400_000);
    await world.runUntil(end, MINUTE, async () => {
      m.read();
      await opts.each?.(world);
      if (Math.floor(clock.now() / 86_400_000) !== day) {
        day = Math.floor(clock.now() / 86_400_000);
        const rss = process.memoryUsage().rss / 2 ** 20;
        peakRssMb = Math.max(peakRssMb, rss);
        const cpu = process.cpuUsage(cpuStart);
        opts.progress?.(`${new Date(clock.now()).toISOString().slice(0, 10)}: ${((monotonicMs() - started) / 1000).toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU, ${rss.toFixed(0)} MB`);
      }
    });
    m.stop();
    await opts.inspect?.(world);
    const stats = await world.running.db.selectFrom('plans')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.coalesce(eb.fn.sum<number>('solve_ms'), eb.val(0)).as('total'),
        eb.fn.coalesce(eb.fn.max<number>('solve_ms'), eb.val(0)).as('max'),
      ])
      .where('site_id', '=', site.id)
      .executeTakeFirstOrThrow();
    const failed = (await world.running.scheduler.decisions(site.id, { limit: 1_000_000 })).filter((d) => d.kind === 'plan.failed').length;
    return {
      name: opts.name ?? 'our scheduler',
      kwh: m.kwh,
      replans: stats.n,
      solverMs: { total: stats.total, max: stats.max, count: stats.n },
      instantPeakKw: m.peakKw,
      instantViolations: m.violations,
      worstExcessKw: m.worstExcessKw,
      storedVsSimulatedKwh: await storedDifference(w, world, m.kwh),
      wallMs: monotonicMs() - started,
      cpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpuStart)),
      peakRssMb: Math.max(peakRssMb, process.memoryUsage().rss / 2 ** 20),
      failedCycles: failed,
    };
  } finally {
    meter?.stop();
    await world.stop();
    if (opts.keepDb) cpSync(join(dir, 'outcome.sqlite'), opts.keepDb);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Past sessions as the stations would have reported them: Started and Ended with the register at each. */
async function importHistory(world: World, history: NonNullable<OnlineOptions['history']>): Promise<void> {
  const tx = world.running.repositories.transactions;
  const iso = (ms: number) => new Date(ms).toISOString();
  const registerWh = new Map<string, number>();
  for (const [n, h] of history.entries()) {
    const key = `${h.stationId}#${h.evseId}`;
    const startWh = registerWh.get(key) ?? 0;
    const endWh = startWh + h.energyKwh * 1000;
    registerWh.set(key, endWh);
    const event = (seqNo: number, eventType: 'Started' | 'Ended', at: number, wh: number) => tx.applyEvent({
      stationId: h.stationId, transactionId: `history-${n + 1}`, seqNo, eventType, triggerReason: eventType === 'Started' ? 'Authorized' : 'EVDeparted',
      timestamp: iso(at), offline: false, evseId: h.evseId, connectorId: 1,
      meterValues: [{ timestamp: iso(at), measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }], payload: { imported: true },
    }, iso(at));
    await event(0, 'Started', h.arrival, startWh);
    await event(1, 'Ended', h.departure, endWh);
  }
}

/** The largest per-session difference between the simulator's energy and the product's stored register. */
async function storedDifference(w: Workload, world: World, kwh: Map<string, number[]>): Promise<number> {
  const repo = world.running.repositories;
  const iso = (ms: number) => new Date(ms).toISOString();
  const all = await repo.transactions.between(iso(w.grid.startMs - 3_600_000), iso(w.grid.startMs + w.grid.slots * w.grid.stepMs));
  let worst = 0;
  for (const v of w.visits) {
    const tx = storedTransactionOf(v, all);
    if (!tx) throw new Error(`the product stored no transaction for session ${v.session.id} on ${v.stationId}#${v.evseId}`);
    const stored = deliveredKwh(await repo.meterValues.forTransaction(v.stationId, tx.transactionId), tx.meterStartWh);
    const simulated = rowSum(kwh.get(v.session.id)!);
    worst = Math.max(worst, Math.abs(stored - simulated));
  }
  return worst;
}

/**
 * The transaction the product stored for a visit: on its EVSE, started at its arrival. Two can start on the same
 * minute there (a 0-minute session and the next one, as Trondheim's 2379 and 2380): then the one that ended nearest
 * the visit's departure (one still running counts as furthest).
 */
export function storedTransactionOf(v: Visit, all: readonly TransactionRecord[]): TransactionRecord | undefined {
  const gap = (t: TransactionRecord) => (t.endedAt === null ? Infinity : Math.abs(Date.parse(t.endedAt) - v.session.departure));
  return all
    .filter((t) => t.stationId === v.stationId && t.evseId === v.evseId && Date.parse(t.startedAt) === v.session.arrival)
    .reduce<TransactionRecord | undefined>((best, t) => (best === undefined || gap(t) < gap(best) ? t : best), undefined);
}
