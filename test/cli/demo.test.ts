/**
 * `npm run demo` without its pacing (issue 7): the demo's product and world on a ManualClock, ports 0 on 127.0.0.1, a
 * temporary database. The first 13.5 simulated hours of its real day run in 1-minute lock-steps (about 10 s here):
 * the afternoon's and evening's arrivals at peak prices and the night's first hours, in which the plans charge.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { banner } from '../../src/cli/demo.js';
import { Pacer } from '../../src/cli/demo/pacer.js';
import { DemoMonitor } from '../../src/cli/demo/progress.js';
import { parseDemoArgs } from '../../src/cli/demo/options.js';
import { startDemo, type Demo } from '../../src/cli/demo/start.js';
import { depotDay, demoWindow } from '../../src/cli/demo/day.js';
import type { SessionRecord } from '../../src/cli/sim/sessions.js';
import type { Clock } from '../../src/platform/clock.js';
import { PlanRepository } from '../../src/storage/plan-repository.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';

const HOUR = 3_600_000;
const ZONE = 'Europe/Copenhagen';
const local = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();
/** Plans give whole watts, rounded down, so the limit holds exactly; only float sums get this much. */
const EPS_KW = 1e-6;

let database: TestDatabase;
let demo: Demo;
let monitor: DemoMonitor;
/** After every 1-minute step: the depot's summed draw from the simulated meters. */
const depotDraw: { at: number; kw: number }[] = [];
const RUN_UNTIL = local('2025-10-28T01:30');

// About 10 s on a quiet machine; over a minute on a 2-core one shared with other jobs.
beforeAll(async () => {
  database = await testDatabase({ file: true, empty: true }); // the demo refuses a database that was migrated before it
  demo = await startDemo({ database: database.options, httpPort: 0, ocppPort: 0, host: '127.0.0.1', scrypt: { N: 1024, r: 8, p: 1 } });
  monitor = new DemoMonitor(demo.world, demo.sites, demo.window);
  await demo.world.runUntil(RUN_UNTIL, 60_000, () => {
    const now = monitor.observe();
    depotDraw.push({ at: demo.clock.now(), kw: now.get('depot')! });
  });
}, 300_000);

afterAll(async () => {
  await demo?.stop();
  await database?.drop();
});

const arrived = () => demo.depot.day.visits.filter((v) => v.session.arrival <= demo.clock.now());
const plugged = () => arrived().filter((v) => v.session.departure > demo.clock.now());

describe('the demo day', () => {
  it('is the 24 hours from noon of the busiest weekday, Monday 27 October 2025 after the shift', () => {
    expect(demo.window).toEqual({ start: local('2025-10-27T12:00'), end: local('2025-10-28T12:00'), timeZone: ZONE });
    // 46 real sessions arrive in it; 20 chargers take 40 of them, each the lowest free one.
    expect(demo.depot.day.visits).toHaveLength(40);
    expect(demo.depot.day.turnedAway).toHaveLength(6);
    const byStation = new Map<string, typeof demo.depot.day.visits>();
    for (const v of demo.depot.day.visits) byStation.set(v.stationId, [...(byStation.get(v.stationId) ?? []), v]);
    for (const visits of byStation.values()) {
      visits.slice(1).forEach((v, i) => expect(v.session.arrival).toBeGreaterThanOrEqual(visits[i]!.session.departure));
    }
    expect([...byStation.keys()].sort()).toEqual(demo.depot.evses.map((e) => e.stationId).sort());
    // The home car: home at 17:30, away at 07:00.
    expect([demo.home.arriveAt, demo.home.departAt]).toEqual([local('2025-10-27T17:30'), local('2025-10-28T07:00')]);
  });

  it('keeps the depot under its 44 kW at every step, and uses it in the cheap night', () => {
    expect(demo.depot.gridLimitKw).toBe(44);
    expect(depotDraw.length).toBeGreaterThan(13 * 60);
    const over = depotDraw.filter((d) => d.kw > 44 + EPS_KW);
    expect(over).toEqual([]);
    // 01:00-01:30 is among the day's cheapest hours (40 EUR/MWh against 137 at 19:00): the plan fills the connection.
    const night = depotDraw.filter((d) => d.at > local('2025-10-28T01:00'));
    expect(Math.min(...night.map((d) => d.kw))).toBeGreaterThan(43.5);
    // At the evening peak (19:00-20:00) it charges only what cannot wait: the vans that leave inside it, each in
    // the cheapest quarter before it leaves. Prices are per quarter hour and 19:30-19:45 (0.264 EUR/kWh) is the
    // cheapest since 18:00 (18:15 0.281, 19:00 0.298, 19:15 0.285); departures are planned to the minute (843175a)
    // and a rest is asked for as it is, not as one quarter at the minimum (8d73de2). So van-20 (leaves 19:32, 0.3 kWh
    // left since 18:28) and van-13 (here 19:06-19:33, 1.64 kWh) both take 19:30-19:32 at their 11 kW: 22 kW, which
    // bounds the window (van-02, leaving 19:17, takes its last 0.36 kWh in 19:15-19:17 beside van-13: 15.7 kW).
    // Before 8d73de2 the rest was inflated to a quarter at 4.1 kW, too much for a 2-minute slot, and ran earlier.
    const peak = depotDraw.filter((d) => d.at > local('2025-10-27T19:00') && d.at <= local('2025-10-27T20:00'));
    expect(Math.max(...peak.map((d) => d.kw))).toBeLessThanOrEqual(22 + EPS_KW);
  });

  it('stores plans that never sum above the limit', async () => {
    const db = demo.world.running.db;
    const ids = (await db.selectFrom('plans').select('id').where('site_id', '=', 'depot').orderBy('id').execute()).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(40);
    const repo = new PlanRepository(db);
    for (const id of ids) {
      const plan = (await repo.get(id))!;
      expect(Math.max(...plan.siteLimitKw)).toBe(44);
      plan.slotStarts.forEach((_, i) => {
        const kw = plan.sessions.reduce((a, s) => a + (s.powerKw[i] ?? 0), 0);
        if (kw > plan.siteLimitKw[i]! + EPS_KW) throw new Error(`plan ${id} slot ${i}: ${kw} kW`);
      });
    }
  });

  it('plans every plugged-in van for its real departure and energy, set as a one-off target before it arrived', async () => {
    const plan = (await demo.world.running.scheduler.latestPlan('depot'))!;
    const now = plugged();
    expect(now.length).toBe(20);
    expect(plan.sessions.map((s) => s.stationId).sort()).toEqual(now.map((v) => v.stationId).sort());
    for (const v of now) {
      const s = plan.sessions.find((x) => x.stationId === v.stationId)!;
      expect(s).toMatchObject({ vehicleId: v.vehicleId, targetSource: 'vehicle-once' });
      // Entered to the minute on the depot's wall clock, as the fleet manager's departure list has it.
      expect(s.departureMs).toBe(Math.floor(v.session.departure / 60_000) * 60_000);
      // What it still wants on top of what it has is the session's real energy (to 0.1 kWh), within the few Wh the
      // meter moves between the reading and the plan; a van that has it all wants nothing more.
      const target = Math.round(v.session.energyKwh * 10) / 10;
      if (s.requestedKwh > 0) expect(Math.abs(s.deliveredKwh + s.requestedKwh - target)).toBeLessThan(0.01);
      else expect(s.deliveredKwh).toBeGreaterThanOrEqual(target - 0.001);
    }
    expect(plan.sessions.filter((s) => s.shortfallKwh > 0.05).map((s) => [s.vehicleId, s.shortfallMessage])).toEqual([]);
  });

  it('costs every session from its meter, and the night saves against charging on arrival', async () => {
    const costs = await demo.world.running.scheduler.sessionCosts({ siteIds: ['depot'], fromMs: demo.window.start, toMs: demo.window.end });
    expect(costs).toHaveLength(arrived().length);
    for (const c of costs) {
      expect(c.currency).toBe('EUR');
      expect(c.unpricedKwh).toBe(0);
      expect(c.savings).not.toBeNull();
      expect(c.savings).toBeCloseTo(c.uncontrolledCost! - c.cost, 3);
    }
    const ended = costs.filter((c) => c.endedAt !== null);
    expect(ended.length).toBeGreaterThan(10);
    const depot = (await monitor.progress()).find((p) => p.siteId === 'depot')!;
    expect(depot.energyKwh).toBeGreaterThan(100);
    expect(depot.savings).toBeGreaterThan(1);
    expect(depot.peakKw).toBeLessThanOrEqual(44 + EPS_KW);
  });

  it('plans the family car for the night: 30 kWh by 07:00, nothing at the evening peak', async () => {
    const plan = (await demo.world.running.scheduler.latestPlan('home'))!;
    const car = plan.sessions.find((s) => s.vehicleId === 'hansen-car')!;
    expect(car).toMatchObject({ targetSource: 'vehicle-once', departureMs: local('2025-10-28T07:00'), shortfallKwh: 0 });
    expect(car.deliveredKwh + car.plannedKwh).toBeCloseTo(30, 1);
    expect(car.readyAtMs).not.toBeNull();
    expect(car.readyAtMs!).toBeLessThanOrEqual(local('2025-10-28T07:00'));
    // Its first plan, made when it came home at 17:30 in the evening peak, already waits for the night.
    const db = demo.world.running.db;
    const repo = new PlanRepository(db);
    const ids = await db.selectFrom('plans').select('id').where('site_id', '=', 'home').orderBy('id').execute();
    const plans = await Promise.all(ids.map(async (r) => (await repo.get(r.id))!));
    const first = plans.find((p) => p.sessions.some((x) => x.vehicleId === 'hansen-car'))!;
    expect(first.createdAt < new Date(local('2025-10-27T17:35')).toISOString()).toBe(true);
    const kw = first.sessions[0]!.powerKw;
    const before21 = first.slotStarts.filter((t) => t < local('2025-10-27T21:00')).length;
    expect(kw.slice(0, before21).every((x) => x === 0)).toBe(true);
    expect(kw.reduce((a, x) => a + x / 4, 0)).toBeCloseTo(30, 1);
  });

  it('has its three people, and prints where to log in', async () => {
    const users = new UserRepository(demo.world.running.db);
    expect((await users.findByUsername('fiona'))?.grants).toEqual([{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'depot' }]);
    expect((await users.findByUsername('hans'))?.grants).toEqual([{ role: 'homeowner', scopeKind: 'home', scopeId: 'hansen' }]);
    expect((await users.findByUsername('admin'))?.grants).toEqual([{ role: 'admin', scopeKind: 'all', scopeId: '*' }]);
    const text = banner(demo, { speed: 360 });
    expect(text).toContain(`Open http://localhost:${demo.world.running.ports.http}/login`);
    expect(text).toMatch(/fiona +demo-fleet-password/);
    expect(text).toContain('24 simulated hours at 360x: about 4 minutes');
    expect(text).toContain('20 chargers of 11 kW behind a 44 kW grid connection; 40 real sessions');
    const line = await monitor.line(demo.clock.now());
    expect(line).toMatch(/^Tue 28 Oct 01:30 {2}depot: 20 plugged in, 4\d\.\d of 44\.0 kW \(peak 44\.0\), \d+\.\d kWh, EUR \d+\.\d\d, saved EUR \d+\.\d\d \(\d+ %\) {2}\| {2}home: 1 plugged in/);
    // The product served the day while it ran: its HTTP API answers.
    const res = await demo.world.running.http.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
  });
});

describe('the demo day from other sessions', () => {
  const session = (id: string, user: string, from: string, to: string): SessionRecord =>
    ({ id, site: 's', userId: user, arrival: local(from), departure: local(to), energyKwh: 5, flags: [] });
  const window = { start: local('2025-10-27T12:00'), end: local('2025-10-28T12:00'), timeZone: ZONE };

  it('takes the lowest free charger in arrival order, turns away when none is free, and gives a driver with two cars at once two vans', () => {
    const day = depotDay([
      session('3', 'B', '2025-10-27T13:00', '2025-10-27T15:00'),
      session('1', 'A', '2025-10-27T12:30', '2025-10-27T14:00'),
      session('2', 'A', '2025-10-27T12:45', '2025-10-27T18:00'),
      session('4', 'C', '2025-10-27T14:00', '2025-10-27T16:00'),
      session('0', 'Z', '2025-10-27T11:00', '2025-10-27T13:00'), // before the window
    ], window, ['CS1', 'CS2']);
    expect(day.visits.map((v) => [v.session.id, v.stationId, v.vehicleId])).toEqual([
      ['1', 'CS1', 'van-01'], ['2', 'CS2', 'van-02'], ['4', 'CS1', 'van-03'],
    ]);
    expect(day.turnedAway.map((s) => s.id)).toEqual(['3']);
  });

  it('reads --start on the depot’s wall clock and refuses what is not a time', () => {
    expect(demoWindow([], ZONE, { start: '2025-10-26T00:00', hours: 25 })).toEqual({ start: Date.parse('2025-10-25T22:00:00Z'), end: Date.parse('2025-10-26T23:00:00Z'), timeZone: ZONE });
    expect(() => demoWindow([], ZONE, { start: 'monday', hours: 1 })).toThrow(/--start: "monday"/);
  });

  it('parses the command line', () => {
    expect(parseDemoArgs([])).toEqual({ help: false, speed: 360, hours: 24, stepSeconds: 60 });
    expect(parseDemoArgs(['--speed', '1440', '--start', '2025-10-24T00:00', '--hours', '6'])).toMatchObject({ speed: 1440, start: '2025-10-24T00:00', hours: 6 });
    expect(() => parseDemoArgs(['--speed', '0'])).toThrow('--speed: must be a number above 0, got "0"');
    expect(() => parseDemoArgs(['--fast'])).toThrow(/fast/);
  });
});

describe('the pacer', () => {
  /** Real time that passes only when the pacer waits: each wait is recorded and elapses at once. */
  function fakeRealTime(extraPerStepMs = 0) {
    let t = 0;
    const waits: number[] = [];
    const real: Clock = {
      now: () => t,
      setTimer(ms, fn) {
        waits.push(ms);
        t += ms;
        queueMicrotask(fn);
        return { cancel: () => {} };
      },
    };
    return { real, waits, spend: () => (t += extraPerStepMs) };
  }

  function simulated(stepCost: () => void) {
    let sim = 0;
    return {
      now: () => sim,
      step: async (stepMs: number, until: number) => {
        stepCost();
        sim = Math.min(until, sim + stepMs);
      },
    };
  }

  it('waits so that simulated time runs at the speed asked', async () => {
    const time = fakeRealTime(20);
    const sim = simulated(time.spend);
    const result = await new Pacer({ step: sim.step, simNow: sim.now, real: time.real, speed: 600, stepMs: 60_000, until: HOUR }).run();
    // 60 simulated seconds at 600x are 100 ms; 20 of them went to the step.
    expect(result).toEqual({ finished: true, steps: 60, stalls: 0, realMs: 6_000 });
    expect(new Set(time.waits)).toEqual(new Set([80]));
  });

  it('falls behind when the product is slower than real time, and does not rush to catch up', async () => {
    const time = fakeRealTime(3_000);
    const sim = simulated(time.spend);
    const result = await new Pacer({ step: sim.step, simNow: sim.now, real: time.real, speed: 600, stepMs: 60_000, until: 10 * 60_000 }).run();
    expect(result.finished).toBe(true);
    expect(result.stalls).toBeGreaterThan(0);
    expect(Math.max(...time.waits)).toBe(0);
  });

  it('stops after the step in progress', async () => {
    const time = fakeRealTime();
    const sim = simulated(() => {});
    let pacer: Pacer | undefined;
    pacer = new Pacer({ step: sim.step, simNow: sim.now, real: time.real, speed: 60, stepMs: 60_000, until: HOUR, onStep: (t) => { if (t >= 5 * 60_000) pacer!.stop(); } });
    const result = await pacer.run();
    expect(result).toMatchObject({ finished: false, steps: 5 });
  });
});
