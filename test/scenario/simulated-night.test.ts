/**
 * The whole product through one evening and night: simulated stations speak OCPP 2.0.1 to the real server, cars
 * arrive in the evening with targets for 07:00, prices are published through the intake, and the scheduler
 * plans, pushes and checks. Everything runs on one ManualClock in 1-minute steps; what is asserted is read back
 * from what the server stored (meter values, transactions, plans, decisions), as an operator would see it, and
 * from the simulator's own physics.
 *
 * Set SCENARIO_REPORT=1 to print what was measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../helpers/depot.js';
import { PlanRepository } from '../../src/storage/plan-repository.js';
import type { PlanRecord } from '../../src/domain/plans.js';
import {
  DEPARTURE_UTC, MINUTE, deliveredKwh, energyIntervals, eveningCurve, peak, plannedSumKw, priceAt, runUntil, sessionOf,
  sessions, startNight, summedPowerKw, van, type Arrival, type Night, type Session,
} from './helpers.js';

const departure = Date.parse(DEPARTURE_UTC);
/** The simulator's register and power are exact; the plan starts each cycle a few seconds into its slot. */
const TARGET_TOLERANCE_KWH = 0.25;
const EPS_KW = 1e-6;
const report = (line: string) => {
  if (process.env.SCENARIO_REPORT) console.log(line);
};

/** Every plan the site made, oldest first. */
async function plans(night: Night): Promise<PlanRecord[]> {
  const repo = new PlanRepository(night.server.running.db);
  const last = (await night.server.running.scheduler.latestPlan('depot'))?.id ?? 0;
  const all = await Promise.all(Array.from({ length: last }, (_, i) => repo.get(i + 1)));
  return all.filter((p): p is PlanRecord => p !== undefined);
}

/** Per slot, the planned kW summed over the sessions on these EVSEs ("CS1#1"). */
function plannedOn(plan: PlanRecord, evses: string[]): number[] {
  return plannedSumKw(plan.sessions.filter((s) => evses.includes(`${s.stationId}#${s.evseId}`)).map((s) => s.powerKw));
}

describe('three cars arriving in the evening, two of them on the 11 kW circuit row-a', () => {
  const prices = eveningCurve();
  const arrivals: Arrival[] = [
    // 17:05, 18:30 and 20:00 in Copenhagen; every car leaves at 07:00.
    { vehicleId: 'VAN-A', stationId: 'CS1', evseId: 1, arriveAt: '2026-11-23T16:05:00Z', energyKwh: 14, car: van('CARD-A', 20) },
    { vehicleId: 'VAN-B', stationId: 'CS1', evseId: 2, arriveAt: '2026-11-23T17:30:00Z', energyKwh: 10, car: van('CARD-B', 35) },
    { vehicleId: 'VAN-C', stationId: 'CS2', evseId: 1, arriveAt: '2026-11-23T19:00:00Z', energyKwh: 18, car: van('CARD-C', 10) },
  ];
  let night: Night;
  let all: Session[];
  const byCar: Record<string, Session> = {};
  // What the simulator itself draws after every 1-minute step (its physics, not the server's view).
  let simCircuitPeakKw = 0;
  let simSitePeakKw = 0;
  const complianceAt5 = new Map<string, string>();
  let wallMs = 0;

  // The time limits leave room for a loaded 2-core machine and for PostgreSQL.
  beforeAll(async () => {
    const started = performance.now();
    night = await startNight({ prices, arrivals });
    const { server, fleet } = night;
    await runUntil(night, DEPARTURE_UTC, MINUTE, async () => {
      const kw = (id: string, e: number) => (fleet.station(id).evse(e)?.draw.powerW ?? 0) / 1000;
      simCircuitPeakKw = Math.max(simCircuitPeakKw, kw('CS1', 1) + kw('CS1', 2));
      simSitePeakKw = Math.max(simSitePeakKw, kw('CS1', 1) + kw('CS1', 2) + kw('CS2', 1));
      // 05:00 local, while every car is still plugged in.
      if (server.clock.now() >= Date.parse('2026-11-24T04:00:00Z') && !complianceAt5.size) {
        for (const [id, e] of [['CS1', 1], ['CS1', 2], ['CS2', 1]] as const) complianceAt5.set(`${id}#${e}`, await server.running.scheduler.compliance(id, e));
      }
    });
    all = await sessions(server, ['CS1', 'CS2']);
    for (const a of arrivals) byCar[a.vehicleId] = sessionOf(all, a.car.spec.idToken);
    wallMs = performance.now() - started;
    report(`night 1: ${(wallMs / 1000).toFixed(1)} s wall time`);
  }, 180_000);
  afterAll(async () => night?.stop());

  it('every car arrives, is authorized by its card and leaves at 07:00 local on the EVSE it arrived at', async () => {
    expect(all).toHaveLength(3);
    for (const a of arrivals) {
      expect(byCar[a.vehicleId]).toMatchObject({
        stationId: a.stationId, evseId: a.evseId, startedAt: new Date(a.arriveAt).toISOString(), endedAt: new Date(departure).toISOString(),
      });
    }
    const txs = (await Promise.all(all.map((s) => night.server.running.repositories.transactions.get(s.stationId, s.transactionId)))).map((t) => t!);
    expect(txs.map((t) => [t.idTokenStatus, t.stoppedReason])).toEqual(Array(3).fill(['Accepted', 'EVDisconnected']));
  });

  // A rest smaller than one slot at the car's minimum power (6 A x 3 x 230 V = 1.035 kWh per 15-minute slot) once
  // got nothing from the solver's min-power rounding; the planner now asks for one slot at the minimum instead.
  it('every car has its target energy by 07:00, measured from the stored energy register', async () => {
    const shortfalls = (await plans(night)).filter((p) => p.status === 'shortfall');
    report(`plans with a shortfall: ${shortfalls.length}, first at ${shortfalls[0]?.createdAt ?? '-'}`);
    const delivered = arrivals.map((a) => deliveredKwh(byCar[a.vehicleId]!, departure));
    report(arrivals.map((a, i) => `${a.vehicleId}: target ${a.energyKwh} kWh, delivered ${delivered[i]!.toFixed(3)} kWh`).join('; '));
    for (const [i, a] of arrivals.entries()) {
      const got = delivered[i]!;
      expect(got, a.vehicleId).toBeGreaterThanOrEqual(a.energyKwh - TARGET_TOLERANCE_KWH);
      expect(got, a.vehicleId).toBeLessThanOrEqual(a.energyKwh + TARGET_TOLERANCE_KWH);
    }
    expect(shortfalls.map((p) => p.createdAt)).toEqual([]);
  });

  it('the two row-a EVSEs never draw more than 11 kW together, the site never more than its 40 kW', async () => {
    const { server } = night;
    const circuit = summedPowerKw([byCar['VAN-A']!, byCar['VAN-B']!]);
    const site = summedPowerKw(all);
    report(`peak row-a ${peak(circuit).toFixed(3)} kW stored (${simCircuitPeakKw.toFixed(3)} kW in the simulator), peak site ${peak(site).toFixed(3)} kW stored (${simSitePeakKw.toFixed(3)} kW)`);
    // The readings are really there (one every 5 minutes from each car's arrival) and the cars did charge.
    expect(circuit.size).toBeGreaterThan(150);
    expect(peak(circuit)).toBeGreaterThan(10);
    expect(peak(circuit)).toBeLessThanOrEqual(11 + EPS_KW);
    expect(peak(site)).toBeLessThanOrEqual(40 + EPS_KW);
    expect(simCircuitPeakKw).toBeLessThanOrEqual(11 + EPS_KW);
    expect(simSitePeakKw).toBeLessThanOrEqual(40 + EPS_KW);
    // And every plan kept row-a within its limit in every slot.
    for (const p of await plans(night)) expect(Math.max(0, ...plannedOn(p, ['CS1#1', 'CS1#2'])), p.createdAt).toBeLessThanOrEqual(11 + EPS_KW);
  });

  it('the energy lands in the cheap night hours: the average price paid is far below the window average', () => {
    let kwh = 0;
    let cost = 0;
    let cheapKwh = 0;
    for (const s of all) {
      for (const [from, , e] of energyIntervals(s)) {
        const p = priceAt(prices, from);
        kwh += e;
        cost += e * p;
        if (p <= 0.12) cheapKwh += e;
      }
    }
    const hours = (departure - Date.parse(T0)) / 3_600_000;
    const windowAverage = prices.slice(0, hours).reduce((a, b) => a + b, 0) / hours;
    const paid = cost / kwh;
    report(`energy ${kwh.toFixed(3)} kWh, paid ${paid.toFixed(4)} EUR/kWh on average vs ${windowAverage.toFixed(4)} for the window, ${((100 * cheapKwh) / kwh).toFixed(1)} % in hours at <= 0.12`);
    const fromRegisters = all.reduce((sum, s) => sum + deliveredKwh(s, departure), 0);
    expect(kwh).toBeCloseTo(fromRegisters, 6);
    expect(kwh).toBeGreaterThan(35); // most of the 42 kWh asked for (see the failing target test above)
    expect(paid).toBeLessThan(windowAverage * 0.5);
    expect(cheapKwh / kwh).toBeGreaterThan(0.95);
  });

  it('the decision log shows the plans and accepted profiles, and every charger follows its profile', async () => {
    const kinds = new Set((await night.server.running.scheduler.decisions('depot', { limit: 10_000 })).map((d) => d.kind));
    report(`decisions: ${[...kinds].join(', ')}`);
    expect(kinds).toContain('plan.created');
    expect(kinds).toContain('profile.accepted');
    expect(kinds).toContain('profile.verified');
    expect(kinds).not.toContain('station.ignores-profiles');
    expect(kinds).not.toContain('plan.failed');
    expect(Object.fromEntries(complianceAt5)).toEqual({ 'CS1#1': 'follows', 'CS1#2': 'follows', 'CS2#1': 'follows' });
  });
});

describe('a station on row-a that accepts profiles and ignores them', () => {
  const prices = eveningCurve();
  // row-a now spans two stations: CS1 EVSE 1 (steered) and CS2 EVSE 1 (the simulator's ignoreProfiles quirk).
  const site = {
    evses: [
      { stationId: 'CS1', evseId: 1, circuit: 'row-a', maxKw: 11 },
      { stationId: 'CS1', evseId: 2, maxKw: 11 },
      { stationId: 'CS2', evseId: 1, circuit: 'row-a', maxKw: 11 },
    ],
  };
  const arrivals: Arrival[] = [
    { vehicleId: 'VAN-A', stationId: 'CS1', evseId: 1, arriveAt: '2026-11-23T16:05:00Z', energyKwh: 14, car: van('CARD-A', 20) },
    { vehicleId: 'VAN-B', stationId: 'CS1', evseId: 2, arriveAt: '2026-11-23T17:30:00Z', energyKwh: 10, car: van('CARD-B', 35) },
    // No taper (full power up to 100 %), so "the car's maximum until full", as the planner models an uncontrolled
    // car, is what it really draws: from 20:00 local until its 24 kWh are in.
    { vehicleId: 'VAN-C', stationId: 'CS2', evseId: 1, arriveAt: '2026-11-23T19:00:00Z', energyKwh: 18, car: van('CARD-C', 60, { taperStartSoc: 100 }) },
  ];

  it('is found out from its meter values, and the steered car on row-a is planned around it', async () => {
    const started = performance.now();
    const night = await startNight({ site, prices, arrivals, quirks: (i) => (i === 1 ? { ignoreProfiles: true } : {}) });
    try {
      const { server, fleet } = night;
      const scheduler = server.running.scheduler;
      let simCircuitPeakKw = 0;
      const compliance: Record<string, string> = {};
      await runUntil(night, DEPARTURE_UTC, MINUTE, async () => {
        const kw = (id: string, e: number) => (fleet.station(id).evse(e)?.draw.powerW ?? 0) / 1000;
        simCircuitPeakKw = Math.max(simCircuitPeakKw, kw('CS1', 1) + kw('CS2', 1));
        if (server.clock.now() >= Date.parse('2026-11-24T04:00:00Z') && !Object.keys(compliance).length) {
          for (const [id, e] of [['CS1', 1], ['CS1', 2], ['CS2', 1]] as const) compliance[`${id}#${e}`] = await scheduler.compliance(id, e);
        }
      });
      report(`night 2: ${((performance.now() - started) / 1000).toFixed(1)} s wall time`);

      // Detected from the meter values (the simulator's composite schedule says it follows), and logged.
      expect(compliance).toEqual({ 'CS1#1': 'follows', 'CS1#2': 'follows', 'CS2#1': 'ignores-profiles' });
      const found = (await scheduler.decisions('depot', { limit: 10_000 })).filter((d) => d.kind === 'station.ignores-profiles');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ stationId: 'CS2', evseId: 1 });
      expect(found[0]!.message).toContain('two readings in a row');
      const foundAt = Date.parse(found[0]!.at);
      report(`ignores-profiles found at ${found[0]!.at}: ${found[0]!.message}`);
      // Two 5-minute readings after the push settled: within a quarter of an hour of the car's arrival.
      expect(foundAt).toBeGreaterThan(Date.parse('2026-11-23T19:00:00Z'));
      expect(foundAt).toBeLessThanOrEqual(Date.parse('2026-11-23T19:15:00Z'));

      // The re-plan it triggered plans CS2 as it really draws, and VAN-A on row-a around it.
      const all = await plans(night);
      const replanned = all.find((p) => p.triggers.includes('charger-ignores-profiles'))!;
      expect(replanned).toBeDefined();
      const c = replanned.sessions.find((s) => s.stationId === 'CS2')!;
      const a = replanned.sessions.find((s) => s.stationId === 'CS1' && s.evseId === 1)!;
      expect(c.compliance).toBe('ignores-profiles');
      expect(c.powerKw[1]).toBeCloseTo(11, 6);
      const busy = c.powerKw.map((kw, i) => (kw > 0 ? i : -1)).filter((i) => i >= 0);
      expect(busy.length).toBeGreaterThan(4);
      for (const i of busy) expect(a.powerKw[i], `slot ${i}`).toBeLessThanOrEqual(11 - c.powerKw[i]! + EPS_KW);
      // Every plan from the detection on keeps row-a within 11 kW in every slot, the uncontrolled car included.
      const after = all.filter((p) => Date.parse(p.createdAt) >= foundAt);
      expect(after.length).toBeGreaterThan(10);
      for (const p of after) expect(Math.max(0, ...plannedOn(p, ['CS1#1', 'CS2#1'])), p.createdAt).toBeLessThanOrEqual(11 + EPS_KW);

      // And in reality: the stored readings and the simulator's own draw on row-a.
      const ss = await sessions(server, ['CS1', 'CS2']);
      const circuit = summedPowerKw([sessionOf(ss, 'CARD-A'), sessionOf(ss, 'CARD-C')]);
      report(`row-a with an ignoring charger: peak ${peak(circuit).toFixed(3)} kW stored, ${simCircuitPeakKw.toFixed(3)} kW in the simulator; VAN-C got ${deliveredKwh(sessionOf(ss, 'CARD-C'), departure).toFixed(2)} kWh, VAN-A ${deliveredKwh(sessionOf(ss, 'CARD-A'), departure).toFixed(2)} kWh`);
      expect(peak(circuit)).toBeLessThanOrEqual(11 + EPS_KW);
      expect(simCircuitPeakKw).toBeLessThanOrEqual(11 + EPS_KW);
      // The ignoring car took what it wanted (its battery full), and VAN-A still charged in the night.
      expect(deliveredKwh(sessionOf(ss, 'CARD-C'), departure)).toBeCloseTo(24, 1);
      expect(deliveredKwh(sessionOf(ss, 'CARD-A'), departure)).toBeGreaterThan(12);
    } finally {
      await night.stop();
    }
  }, 180_000);
});
