/**
 * A simulated evening and night at the depot: the real product (startDepot) and simulated stations on one
 * ManualClock, cars that come and go, and what the server stored, read back as energy, power and price.
 */
import { expect } from 'vitest';
import { publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import type { TestServer } from '../helpers/test-server.js';
import { Fleet, car, type CarSpec, type CarState, type StationQuirks } from '../../src/simulator/index.js';
import type { MeterSample } from '../../src/domain/stations.js';

export const PASSWORD = 'sim-password-123';
/** 07:00 in Copenhagen on Tuesday (UTC+1 in November). */
export const DEPARTURE_UTC = '2026-11-24T06:00:00Z';
export const DEPARTURE_LOCAL = '2026-11-24T07:00';
const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * A day-ahead-like curve by local hour (EUR/kWh): an evening peak, falling through the night, cheapest from
 * 01:00 to 05:00, rising again for the morning. The index is the hour of day in Copenhagen.
 */
const BY_LOCAL_HOUR = [
  0.12, 0.09, 0.07, 0.06, 0.07, 0.1, 0.18, 0.3, 0.32, 0.27, 0.24, 0.22,
  0.21, 0.22, 0.24, 0.27, 0.31, 0.42, 0.45, 0.4, 0.33, 0.28, 0.24, 0.2,
];

/** 40 hourly prices from T0 (17:00 local). */
export function eveningCurve(): number[] {
  return Array.from({ length: 40 }, (_, h) => BY_LOCAL_HOUR[(17 + h) % 24]!);
}

/** The price of the hour that contains `ms` (hourly prices from T0). */
export function priceAt(prices: number[], ms: number): number {
  const h = Math.floor((ms - Date.parse(T0)) / HOUR);
  const p = prices[h];
  if (p === undefined) throw new Error(`no price at ${new Date(ms).toISOString()}`);
  return p;
}

export interface Arrival {
  vehicleId: string;
  stationId: string;
  evseId: number;
  arriveAt: string;
  energyKwh: number;
  car: CarState;
}

export interface Night {
  server: TestServer;
  fleet: Fleet;
  prices: number[];
  stop(): Promise<void>;
}

/**
 * Starts the depot with `site` overrides and two simulated stations CS1 (2 EVSEs) and CS2 (1 EVSE used by the
 * site; the simulator gives every station the same count), registers the stations, the cars' RFID cards, the
 * vehicles and their targets, publishes `prices` and schedules the visits (each car leaves at 07:00 local).
 */
export async function startNight(opts: { site?: Record<string, unknown>; prices: number[]; arrivals: Arrival[]; quirks?: (i: number) => StationQuirks }): Promise<Night> {
  const server = await startDepot(opts.site ?? {});
  const fleet = new Fleet({
    url: `${server.wsUrl}/ocpp`, clock: server.clock, stations: 2, evsesPerStation: 2, idPrefix: 'CS',
    password: () => PASSWORD,
    // One sample every 5 minutes: three per 15-minute slot, and two readings in a row reveal a charger that ignores
    // its profile. (One a minute makes the run quadratic: the scheduler re-reads every stored sample of the
    // transaction on each TransactionEvent Updated, Scheduler.checkMeter.)
    common: { txUpdatedIntervalS: 300 },
    ...(opts.quirks ? { quirks: opts.quirks } : {}),
  });
  const night: Night = {
    server, fleet, prices: opts.prices,
    async stop() {
      await fleet.stop();
      await server.stop();
    },
  };
  try {
    for (const id of fleet.ids) await server.addStation(id, PASSWORD);
    await publishPrices(server, T0, opts.prices);
    const at = new Date(server.clock.now()).toISOString();
    for (const a of opts.arrivals) {
      const token = a.car.spec.idToken;
      await server.running.repositories.idTokens.upsert({ idToken: token, type: 'ISO14443', status: 'Accepted', groupIdToken: null, expiresAt: null, vehicleId: a.vehicleId }, at);
      await server.running.scheduler.upsertVehicle({ id: a.vehicleId, name: a.vehicleId, batteryKwh: a.car.spec.batteryKWh, maxAcKw: a.car.spec.maxPowerKW, phases: a.car.spec.phases, idTokens: [token] });
      await server.running.scheduler.setTarget(a.vehicleId, { kind: 'once', departure: DEPARTURE_LOCAL, energyKwh: a.energyKwh });
    }
    fleet.start();
    await fleet.idle();
    await settle(server);
    await fleet.idle();
    for (const a of opts.arrivals) fleet.schedule({ stationId: a.stationId, evseId: a.evseId, car: a.car, arriveAt: a.arriveAt, departAt: DEPARTURE_UTC });
  } catch (err) {
    await night.stop();
    throw err;
  }
  return night;
}

/** A car with the simulator's defaults (60 kWh, 11 kW, three phases) and a card named after it. */
export const van = (idToken: string, soc = 20, spec: Partial<CarSpec> = {}) => car({ ...spec, idToken }, soc);

/**
 * Runs the night to `until` in steps that end on whole multiples of `stepMs` (a planning cycle's debounce moves
 * the clock a few seconds past the step; the next step only goes to the next whole one). After each step every
 * station's messages reach the server first, and only then does every planning cycle that fell due run (debounce
 * included): a cycle at a slot boundary sees the meter reading taken at that boundary, as it would in real time
 * where the reading arrives well within the debounce. Then `each` looks at the world.
 */
export async function runUntil(night: Night, until: string, stepMs: number, each?: () => void | Promise<void>): Promise<void> {
  const { server, fleet } = night;
  const clock = server.clock;
  const end = Date.parse(until);
  await fleet.idle();
  while (clock.now() < end) {
    const next = Math.min(end, (Math.floor(clock.now() / stepMs) + 1) * stepMs);
    clock.advance(next - clock.now());
    await fleet.idle();
    await settle(server);
    await fleet.idle();
    await each?.();
  }
}

export interface Session {
  stationId: string;
  evseId: number;
  transactionId: string;
  idToken: string | null;
  startedAt: string;
  endedAt: string | null;
  meterStartWh: number;
  /** Every meter sample the server stored for it, read with the session. */
  samples: MeterSample[];
}

/** Every transaction the server stored for these stations, with its stored meter samples. */
export async function sessions(server: TestServer, stationIds: string[]): Promise<Session[]> {
  const { db, repositories } = server.running;
  const out: Session[] = [];
  for (const id of stationIds) {
    const rows = await db.selectFrom('transactions').select('transaction_id').where('station_id', '=', id).orderBy('started_at').execute();
    for (const r of rows) {
      const t = (await repositories.transactions.get(id, r.transaction_id))!;
      const samples = await repositories.meterValues.forTransaction(id, t.transactionId);
      out.push({ stationId: id, evseId: t.evseId!, transactionId: t.transactionId, idToken: t.idToken, startedAt: t.startedAt, endedAt: t.endedAt, meterStartWh: t.meterStartWh ?? 0, samples });
    }
  }
  return out;
}

export const sessionOf = (all: Session[], idToken: string): Session => {
  const s = all.filter((x) => x.idToken === idToken);
  expect(s, `one transaction for ${idToken}`).toHaveLength(1);
  return s[0]!;
};

/** The server's stored samples of one measurand of one transaction (the whole-EVSE value, no phase), as [ms, value]. */
export function stored(s: Session, measurand: string): [number, number][] {
  return s.samples
    .filter((m) => m.measurand === measurand && !m.phase)
    .map((m) => [Date.parse(m.timestamp), m.value * 10 ** (m.multiplier ?? 0)] as [number, number])
    .sort((a, b) => a[0] - b[0]);
}

/** Energy delivered (kWh) by `untilMs`, from the stored energy register. */
export function deliveredKwh(s: Session, untilMs: number): number {
  const reg = stored(s, 'Energy.Active.Import.Register').filter(([t]) => t <= untilMs);
  return reg.length ? (reg.at(-1)![1] - s.meterStartWh) / 1000 : 0;
}

/** Energy per interval between two register readings, as [from, to, kWh]. */
export function energyIntervals(s: Session): [number, number, number][] {
  const reg = stored(s, 'Energy.Active.Import.Register');
  const out: [number, number, number][] = [];
  let prev: [number, number] = [Date.parse(s.startedAt), s.meterStartWh];
  for (const r of reg) {
    if (r[0] > prev[0]) out.push([prev[0], r[0], (r[1] - prev[1]) / 1000]);
    prev = r[0] >= prev[0] ? r : prev;
  }
  return out;
}

/**
 * The summed stored Power.Active.Import (kW) of these sessions at each sampling instant. Every session samples
 * on whole minutes (arrivals are on whole minutes, one sample a minute), so the instants line up.
 */
export function summedPowerKw(ss: Session[]): Map<number, number> {
  const sum = new Map<number, number>();
  for (const s of ss) for (const [t, w] of stored(s, 'Power.Active.Import')) sum.set(t, (sum.get(t) ?? 0) + w / 1000);
  return sum;
}

export const peak = (m: Map<number, number>): number => Math.max(0, ...m.values());

/** The plan's planned power per slot summed over the sessions on these EVSEs. */
export function plannedSumKw(sessionsPowerKw: number[][]): number[] {
  const n = Math.max(0, ...sessionsPowerKw.map((p) => p.length));
  return Array.from({ length: n }, (_, i) => sessionsPowerKw.reduce((s, p) => s + (p[i] ?? 0), 0));
}

export { HOUR, MINUTE };
