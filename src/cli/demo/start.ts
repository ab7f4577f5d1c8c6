/**
 * Starts the demo without pacing: the real product (main.ts start, config/demo.json) and the simulated world on one
 * ManualClock at the start of the demo's day, with a real day of DK1 prices published as the market publishes them,
 * the real sessions of that day as vans arriving at the depot's chargers with their departure targets, a family
 * car coming home in the evening, and the demo's users. Whoever calls it moves the clock: src/cli/demo.ts against
 * real time (pacer.ts), the tests as fast as they can (World.runUntil).
 */
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { ROOT, type Config } from '../../config.js';
import type { Site } from '../../domain/sites.js';
import { ManualClock } from '../../platform/clock.js';
import { createLogger, type Logger } from '../../platform/logger.js';
import type { ScryptParams } from '../../http/auth/passwords.js';
import { resolveSites } from '../../scheduler/index.js';
import { car } from '../../simulator/index.js';
import { loadPriceFile } from '../sim/price-file.js';
import { loadSessions, shiftSessions, SESSIONS_TO_DK1_2025_MS, type SessionRecord } from '../sim/sessions.js';
import { World } from '../sim/world.js';
import type { DatabaseOptions } from '../../storage/database.js';
import { migrations } from '../../storage/migrations/index.js';
import { demoConfig, freshDatabase, stationLayout } from './config.js';
import { arrivalSoc, demoWindow, depotDay, type DemoWindow, type DepotDay } from './day.js';
import { createDemoUsers, demoUsers, type DemoUser } from './people.js';
import type { WatchedSite } from './progress.js';

export const PRICE_FILE = join(ROOT, 'test', 'fixtures', 'prices', 'entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv');
export const SESSION_FILE = join(ROOT, 'test', 'fixtures', 'sessions', 'trondheim_2019-10-24_to_2019-10-29.normalised.csv');
export const DEPOT_SITE = 'depot';
export const HOME_SITE = 'home';
const ZONE = 'DK1';
const STATION_PASSWORD = 'demo-station-password';
/** A van: a mid-size electric van's battery, 11 kW on three phases, charging at full power up to 90 %. */
const VAN = { batteryKwh: 77, maxAcKw: 11, phases: 3 as const, minCurrentA: 6, taperStartSoc: 90 };
/** The family car comes home at 17:30 with 35 % and should have 30 kWh more by 07:00. */
const HOME_CAR = { vehicleId: 'hansen-car', name: 'Family car', idToken: 'HANSENTAG', batteryKwh: 64, soc: 35, energyKwh: 30, arrive: '17:30', leave: '07:00' };

export interface DemoOptions {
  /**
   * Default data/demo.sqlite (config/demo.json). An SQLite file is deleted first; a PostgreSQL database (url and
   * schema) cannot be recreated by the demo, so it must be empty (the tests give it a fresh schema).
   */
  database?: DatabaseOptions;
  httpPort?: number;
  ocppPort?: number;
  host?: string;
  logger?: Logger;
  /** Environment for the ports and the log level (default: none of it). */
  env?: NodeJS.ProcessEnv;
  /** The day's start, wall clock in the depot's zone; default noon of the busiest weekday of the sessions. */
  start?: string;
  hours?: number;
  /** The users' password hashing; tests pass cheap parameters. */
  scrypt?: ScryptParams;
}

export interface Demo {
  world: World;
  clock: ManualClock;
  config: Config;
  window: DemoWindow;
  depot: Site & { day: DepotDay };
  home: Site & { arriveAt: number; departAt: number; vehicleId: string };
  /** Both sites with the currency of their tariffs. */
  sites: WatchedSite[];
  users: DemoUser[];
  urls: { base: string; login: string; fleet: string; home: string };
  stop(): Promise<void>;
}

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const sessions = shiftSessions(loadSessions(SESSION_FILE), SESSIONS_TO_DK1_2025_MS);
  const overrides: Record<string, Record<string, unknown>> = {};
  if (opts.database !== undefined) overrides.database = { ...opts.database };
  if (opts.httpPort !== undefined || opts.host !== undefined) overrides.http = { ...(opts.httpPort !== undefined ? { port: opts.httpPort } : {}), ...(opts.host ? { host: opts.host } : {}) };
  if (opts.ocppPort !== undefined || opts.host !== undefined) overrides.ocpp = { ...(opts.ocppPort !== undefined ? { port: opts.ocppPort } : {}), ...(opts.host ? { host: opts.host } : {}) };
  const config = demoConfig(opts.env ?? {}, overrides);
  if (config.database.url === undefined) config.database.path = freshDatabase(config.database.path ?? ':memory:');

  const { depot, home } = demoSites(config);
  const window = demoWindow(sessions, depot.timeZone, { ...(opts.start !== undefined ? { start: opts.start } : {}), hours: opts.hours ?? 24 });
  const day = depotDay(sessions, window, stationLayout(depot, 'DEPOT-').ids);
  if (day.visits.length === 0) {
    const iso = (ms: number) => DateTime.fromMillis(ms, { zone: window.timeZone }).toFormat("yyyy-MM-dd'T'HH:mm");
    throw new Error(`--start, --hours: no session arrives between ${iso(window.start)} and ${iso(window.end)}; the sessions run from ${iso(Math.min(...sessions.map((s) => s.arrival)))} to ${iso(Math.max(...sessions.map((s) => s.departure)))}`);
  }
  const depotStations = stationLayout(depot, 'DEPOT-');
  const homeStations = stationLayout(home, 'HOME-');
  const clock = new ManualClock(window.start);
  const common = (maxKw: number) => ({
    // The EVSE's own limit matches its placement (11 kW = 16 A on three phases); a reading every 5 minutes.
    evses: [{ id: 1, maxCurrentA: Math.round((maxKw * 1000) / (230 * 3)), phases: 3 }],
    txUpdatedIntervalS: 300,
  });
  const world = await World.start({
    clock, config, logger: opts.logger ?? createLogger({ level: config.log.level }),
    stations: [
      { idPrefix: depotStations.prefix, count: depotStations.ids.length, evsesPerStation: 1, password: STATION_PASSWORD, common: common(depotStations.maxKw) },
      { idPrefix: homeStations.prefix, count: homeStations.ids.length, evsesPerStation: 1, password: STATION_PASSWORD, common: common(homeStations.maxKw) },
    ],
  });
  try {
    if (!world.running.storage.migrated.includes(migrations[0]!.version)) {
      throw new Error(`the demo needs an empty database: ${world.running.storage.description} already holds one`);
    }
    // The prices of the day as the market publishes them: today's now, tomorrow's at 13:00 the day before.
    await world.publishDayAhead(ZONE, depot.timeZone, loadPriceFile(PRICE_FILE, { zone: ZONE }));
    await scheduleDepot(world, depot, day);
    const homeVisit = await scheduleHome(world, home, window);
    const users = await createDemoUsers(world.running.db, clock, demoUsers(depot.fleet!, home.fleet!), opts.scrypt);
    await world.settle();
    const host = config.http.host === '0.0.0.0' || config.http.host === '127.0.0.1' ? 'localhost' : config.http.host;
    const base = `http://${host}:${world.running.ports.http}`;
    const currency = (site: Site) => ((config.prices as { tariffs: Record<string, { currency: string }> }).tariffs[site.tariff]?.currency ?? '');
    return {
      world, clock, config, window, users,
      sites: [depot, home].map((site) => ({ site, currency: currency(site) })),
      depot: Object.assign(depot, { day }),
      home: Object.assign(home, homeVisit),
      urls: { base, login: `${base}/login`, fleet: `${base}/fleet?site=${depot.id}`, home: `${base}/home` },
      stop: () => world.stop(),
    };
  } catch (err) {
    await world.stop();
    throw err;
  }
}

function demoSites(config: Config): { depot: Site; home: Site } {
  // Read as the scheduler will read them (defaults filled in, checked), before anything starts.
  const tariffs = Object.keys(((config.prices ?? {}) as { tariffs?: object }).tariffs ?? {});
  const sites = resolveSites(config.sites, tariffs);
  const find = (id: string) => {
    const s = sites.find((x) => x.id === id);
    if (!s || !s.fleet) throw new Error(`the demo needs site "${id}" with a fleet in config/demo.json`);
    return s;
  };
  return { depot: find(DEPOT_SITE), home: find(HOME_SITE) };
}

async function scheduleDepot(world: World, depot: Site, day: DepotDay): Promise<void> {
  for (const van of day.vans) {
    await world.addDriver({ vehicleId: van.vehicleId, name: van.name, idToken: van.idToken, fleet: depot.fleet!, batteryKwh: VAN.batteryKwh, maxAcKw: VAN.maxAcKw, phases: VAN.phases, minCurrentA: VAN.minCurrentA });
  }
  for (const v of day.visits) {
    const energyKwh = roundKwh(v.session.energyKwh);
    world.scheduleVisit({
      vehicleId: v.vehicleId, stationId: v.stationId, evseId: v.evseId,
      car: car({ idToken: v.idToken, batteryKWh: VAN.batteryKwh, maxPowerKW: VAN.maxAcKw, phases: VAN.phases, taperStartSoc: VAN.taperStartSoc, minCurrentA: VAN.minCurrentA }, arrivalSoc(energyKwh, VAN.batteryKwh, VAN.taperStartSoc)),
      arriveAt: v.session.arrival,
      departAt: v.session.departure,
      // The fleet manager's departure list: when the van really left and what it really took.
      target: { departure: v.session.departure, energyKwh },
    }, depot.id);
  }
}

/** The family car: home at 17:30 on the first evening of the window, away at 07:00 the next morning. */
async function scheduleHome(world: World, home: Site, window: DemoWindow): Promise<{ arriveAt: number; departAt: number; vehicleId: string }> {
  const c = HOME_CAR;
  const at = (from: number, hhmm: string) => {
    const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
    let t = DateTime.fromMillis(from, { zone: home.timeZone }).set({ hour, minute, second: 0, millisecond: 0 });
    if (t.toMillis() < from) t = t.plus({ days: 1 });
    return t.toMillis();
  };
  const arriveAt = at(window.start, c.arrive);
  const departAt = at(arriveAt, c.leave);
  await world.addDriver({ vehicleId: c.vehicleId, name: c.name, idToken: c.idToken, fleet: home.fleet!, batteryKwh: c.batteryKwh, maxAcKw: 11, phases: 3 });
  world.scheduleVisit({
    vehicleId: c.vehicleId, stationId: home.evses[0]!.stationId, evseId: home.evses[0]!.evseId,
    car: car({ idToken: c.idToken, batteryKWh: c.batteryKwh, taperStartSoc: 90 }, c.soc),
    arriveAt, departAt,
    // What Hans enters on his page before he drives home.
    target: { departure: departAt, energyKwh: c.energyKwh },
  }, home.id);
  return { arriveAt, departAt, vehicleId: c.vehicleId };
}

const roundKwh = (x: number) => Math.max(0.1, Math.round(x * 10) / 10);

export type { SessionRecord };
