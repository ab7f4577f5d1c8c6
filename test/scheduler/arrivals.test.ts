import { describe, expect, it } from 'vitest';
import { createOcppRepositories } from '../../src/storage/index.js';
import { openTestStorage } from '../helpers/test-database.js';
import { learnArrivals, weekdaysIn, type PastSession } from '../../src/scheduler/arrivals-model.js';
import { SiteArrivals, expectedVehicles } from '../../src/scheduler/arrivals.js';
import { planSite, type CycleResult } from '../../src/scheduler/planner.js';
import { slotGrid } from '../../src/scheduler/problem.js';
import { loadCycleSnapshot, type CycleSnapshot } from '../../src/scheduler/snapshot.js';
import { ArrivalAwareSolver, expectedCarsSolver } from '../../src/scheduler/arrivals-solver.js';
import { solve } from '../../solver/index.js';
import { fixtureSnapshot, fixtureSite, fixtureSources, planOf, pricesBy, type FixtureCar } from './planner-fixture.js';

/**
 * Issue 21, room for the cars still to come: a site's arrivals learned from its own stored sessions (per weekday
 * and hour, Europe/Copenhagen, UTC+1 in November 2026), and the plan of the cars that are here made together with
 * the expected ones.
 */
const ZONE = 'Europe/Copenhagen';
const local = (iso: string) => Date.parse(`${iso}+01:00`);
const session = (from: string, to: string, energyKwh: number): PastSession => ({ arrivalMs: local(from), departureMs: local(to), energyKwh });

describe('learnArrivals, against a small history computed by hand', () => {
  // Two weeks, Monday 9 to Sunday 22 November 2026: two of every weekday.
  const FROM = local('2026-11-09T00:00:00');
  const TO = local('2026-11-23T00:00:00');
  const history = [
    session('2026-11-09T11:10:00', '2026-11-09T14:10:00', 22), // Monday 11 h: 3 h, 22 kWh
    session('2026-11-16T11:40:00', '2026-11-16T14:40:00', 20), // Monday 11 h: 3 h, 20 kWh
    session('2026-11-17T08:00:00', '2026-11-17T16:00:00', 10), // Tuesday 8 h: 8 h, 10 kWh
    session('2026-11-17T08:59:00', '2026-11-17T09:59:00', 4), // Tuesday 8 h: 1 h, 4 kWh
    session('2026-11-18T07:00:00', '2026-11-18T07:00:00', 0.01), // a zero-length plug-in: not a car to plan for
    session('2026-11-23T11:00:00', '2026-11-23T12:00:00', 5), // after the span: not learned
  ];
  const model = learnArrivals(history, ZONE, FROM, TO);

  it('counts each weekday the span holds', () => {
    expect(weekdaysIn(FROM, TO, ZONE)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    // A span of 9 days from a Monday holds two Mondays and two Tuesdays, one of the rest.
    expect(weekdaysIn(FROM, local('2026-11-18T00:00:00'), ZONE)).toEqual([2, 2, 1, 1, 1, 1, 1]);
  });

  it('gives cars per day, mean energy and mean stay per weekday and hour', () => {
    expect(model.sessions).toBe(4);
    // Monday 11 h: 2 cars over 2 Mondays = 1 a day, (22 + 20) / 2 = 21 kWh, 180 minutes.
    expect(model.bins[0]![11]).toEqual({ carsPerDay: 1, energyKwh: 21, stayMinutes: 180 });
    // Tuesday 8 h: 2 cars over 2 Tuesdays, (10 + 4) / 2 = 7 kWh, (480 + 60) / 2 = 270 minutes.
    expect(model.bins[1]![8]).toEqual({ carsPerDay: 1, energyKwh: 7, stayMinutes: 270 });
    // Everything else: nobody.
    const others = model.bins.flatMap((row, d) => row.filter((_, h) => !(d === 0 && h === 11) && !(d === 1 && h === 8)));
    expect(others.every((b) => b.carsPerDay === 0 && b.energyKwh === 0 && b.stayMinutes === 0)).toBe(true);
  });

  it('takes every day\'s average for a weekday the span does not hold yet (a site in its first week)', () => {
    // Monday to Wednesday: 3 days. Monday 11 h had one car (22 kWh, 3 h): no Thursday yet, so Thursday 11 h
    // expects 1/3 of a car a day, with that car's energy and stay.
    const young = learnArrivals(history.slice(0, 1), ZONE, FROM, local('2026-11-12T00:00:00'));
    expect(young.bins[0]![11]).toEqual({ carsPerDay: 1, energyKwh: 22, stayMinutes: 180 });
    expect(young.bins[1]![11]).toEqual({ carsPerDay: 0, energyKwh: 0, stayMinutes: 0 });
    expect(young.bins[3]![11]!.carsPerDay).toBeCloseTo(1 / 3, 12);
    expect(young.bins[3]![11]).toMatchObject({ energyKwh: 22, stayMinutes: 180 });
  });

  it('refuses an empty span and a bin that does not divide the day', () => {
    expect(() => learnArrivals(history, ZONE, TO, FROM)).toThrow('the span');
    expect(() => learnArrivals(history, ZONE, FROM, TO, 7)).toThrow('binMinutes must divide a day');
  });
});

// Monday 23 November 2026, 08:00 in Copenhagen. Prices (local): 09-10 h 0.15, 12-14 h 0.05, otherwise 0.30.
const NOW = local('2026-11-23T08:00:00');
const prices = pricesBy((t) => {
  const h = new Date(t + 3_600_000).getUTCHours();
  return h === 9 ? 0.15 : h === 12 || h === 13 ? 0.05 : 0.3;
});
// An 11 kW site: one car at full power fills it. The car that is here needs 11 kWh by 17:00.
const site = fixtureSite({ gridLimitKw: 11 });
// The product learns where a site asks for it (policy.arrivalHistoryWeeks, 4 by default; 0 turns it off).
const learning = fixtureSite({ gridLimitKw: 11, policy: { arrivalHistoryWeeks: 8 } });
const notLearning = fixtureSite({ gridLimitKw: 11, policy: { arrivalHistoryWeeks: 0 } });
const early: FixtureCar = { evseId: 1, needKwh: 11, departure: '2026-11-23T17:00' };
// On the two Mondays before, a car came at 11:00, stayed until 14:00 and took 22 kWh: both cheap hours in full.
const mondays = learnArrivals(
  [session('2026-11-09T11:00:00', '2026-11-09T14:00:00', 22), session('2026-11-16T11:00:00', '2026-11-16T14:00:00', 22)],
  ZONE, local('2026-11-09T00:00:00'), local('2026-11-23T00:00:00'),
);
const kwhIn = (plan: CycleResult['plan'], fromLocal: string, toLocal: string) =>
  plan.sessions[0]!.powerKw.reduce((a, kw, i) => {
    const start = plan.slotStarts[i]!;
    const end = plan.slotStarts[i + 1] ?? plan.endMs;
    return start >= local(fromLocal) && start < local(toLocal) ? a + (kw * (end - start)) / 3_600_000 : a;
  }, 0);

/** The plan as the scheduler's cycle makes it: the site's solver with its expected cars (planning-loop.ts). */
function planWithArrivals(snapshot: CycleSnapshot): { result: CycleResult; solver: ArrivalAwareSolver } {
  const solver = expectedCarsSolver({ solve: (p) => solve(p) }, snapshot.site, snapshot.arrivals, snapshot.grid) as ArrivalAwareSolver;
  return { result: planSite(snapshot, ['test'], { monotonicMs: () => 0, solver }), solver };
}
const reserving = (arrivalReservation: 'soft' | 'phantoms') => fixtureSite({ gridLimitKw: 11, policy: { arrivalHistoryWeeks: 8, arrivalReservation } });

describe.each(['soft', 'phantoms'] as const)('planning with the cars still to come (%s)', (reservation) => {
  it('a car arriving early leaves the slots the expected later car needs, and charges in the next cheapest', async () => {
    const snapshot = await fixtureSnapshot(reserving(reservation), NOW, [early], prices);
    const today = planOf(snapshot).plan;
    // Alone, it takes the cheapest hour, 12-13 h, which the car that comes at 11:00 will need.
    expect(kwhIn(today, '2026-11-23T12:00:00', '2026-11-23T14:00:00')).toBeCloseTo(11, 6);
    const { result, solver } = planWithArrivals({ ...snapshot, arrivals: mondays });
    const withHistory = result.plan;
    expect(solver.lastMode).toBe(reservation);
    expect(solver.lastExpected).toBeGreaterThan(0);
    // With the site's history it charges at 09-10 h (0.15): 12-14 h stays free for the 22 kWh expected at 11:00
    // (soft: the first car comes on 63 % of Mondays, a tier held hard).
    expect(kwhIn(withHistory, '2026-11-23T09:00:00', '2026-11-23T10:00:00')).toBeCloseTo(11, 6);
    expect(kwhIn(withHistory, '2026-11-23T12:00:00', '2026-11-23T14:00:00')).toBeCloseTo(0, 6);
    expect(withHistory.sessions[0]!.shortfallKwh).toBe(0);
    // The plan and the problem it stores hold only the real car, on the grid's slots (no overflow slot).
    expect(withHistory.sessions).toHaveLength(1);
    expect(withHistory.sessions[0]!.powerKw).toHaveLength(withHistory.slotStarts.length);
    const stored = withHistory.problem as { vehicles: { id: string }[]; prices: number[] };
    expect(stored.vehicles.map((v) => v.id)).toEqual(['CS1#1']);
    expect(stored.prices).toHaveLength(withHistory.slotStarts.length);
    expect(withHistory.totalCost).toBeCloseTo(withHistory.sessions[0]!.cost, 4);
    expect(result.controlled.map((c) => c.plan.powerKw.length)).toEqual([withHistory.slotStarts.length]);
  });

  it('never leaves a real car short for an expected one: the expected cars come after it', async () => {
    // The real car needs 33 kWh by 14:00 (all of 11-14 h at 11 kW... and more than the limit leaves with the others).
    const tight: FixtureCar = { evseId: 1, needKwh: 66, departure: '2026-11-23T14:00' };
    const plan = planWithArrivals({ ...(await fixtureSnapshot(reserving(reservation), NOW, [tight], prices)), arrivals: mondays }).result.plan;
    expect(plan.sessions[0]!.shortfallKwh).toBeCloseTo(0, 6);
    expect(plan.status).toBe('optimal');
  });
});

describe('soft tiers against hard phantoms', () => {
  // One car in five Mondays at 11 h: room for it is worth little, so the soft tiers leave the cheap hour to the car
  // that is here, where a phantom at the mean (a fifth of a car, 4.4 kWh) still takes a part of it. The car that is
  // here needs 22 kWh: both cheap hours.
  const both: FixtureCar = { evseId: 1, needKwh: 22, departure: '2026-11-23T17:00' };
  const rare = learnArrivals([session('2026-11-16T11:00:00', '2026-11-16T14:00:00', 22)], ZONE, local('2026-10-19T00:00:00'), local('2026-11-23T00:00:00'));
  it('holds room only for the cars likely to come', async () => {
    const soft = planWithArrivals({ ...(await fixtureSnapshot(reserving('soft'), NOW, [both], prices)), arrivals: rare }).result.plan;
    const hard = planWithArrivals({ ...(await fixtureSnapshot(reserving('phantoms'), NOW, [both], prices)), arrivals: rare }).result.plan;
    // Soft: P(a car comes) = 1 - e^-0.2 = 0.18, room worth 0.05 + 0.18 x 0.25 = 0.095 EUR/kWh < 0.15 at 09 h.
    expect(kwhIn(soft, '2026-11-23T12:00:00', '2026-11-23T14:00:00')).toBeCloseTo(22, 6);
    // Hard: the phantom's 4.4 kWh stay in the cheap hours, the real car's move to 09 h.
    expect(kwhIn(hard, '2026-11-23T12:00:00', '2026-11-23T14:00:00')).toBeCloseTo(22 - 4.4, 6);
    expect(soft.sessions[0]!.cost).toBeLessThan(hard.sessions[0]!.cost);
  });

  it('a demand charge gets the hard phantoms (overflow slots would be billed as peaks)', async () => {
    const snapshot = { ...(await fixtureSnapshot(reserving('soft'), NOW, [early], prices)), arrivals: mondays };
    const solver = expectedCarsSolver({ solve: (p) => solve(p) }, snapshot.site, mondays, snapshot.grid) as ArrivalAwareSolver;
    const problem = { ...planOf(snapshot).plan.problem as Parameters<typeof solve>[0], demandCharge: { perKw: 0.001, peakSoFarKw: 11 } };
    const plan = solver.solve(problem);
    expect(solver.lastMode).toBe('phantoms (demand charge)');
    expect(plan.vehicles.map((v) => v.id)).toEqual(['CS1#1']);
    expect(plan.vehicles[0]!.powerKw).toHaveLength(problem.prices.length);
  });
});

describe('hard phantoms', () => {
  it('builds one weighted expected car per hour: arriving in its middle, with the learned stay and energy', () => {
    const grid = slotGrid(local('2026-11-23T10:50:00'), 15, local('2026-11-23T17:00:00'));
    const phantoms = expectedVehicles(mondays, grid, 11);
    // Slot 0 is 10:50-11:00 (nobody expected at 10 h); the 11 h car arrives at 11:30 (slot 3) and stays until
    // 14:30 (slot 15 starts then): 1 car, 22 kWh, up to 11 kW; after the real cars, at a lower priority.
    expect(phantoms.map((p) => [p.availableFrom, p.departure, p.energyKwh, p.priority])).toEqual([[3, 15, 22, -1]]);
    expect(phantoms[0]!.maxKw).toEqual([0, 0, 0, ...new Array(12).fill(11), ...new Array(grid.starts.length - 15).fill(0)]);
    // The rest of an hour counts its share of the hour's cars: from 11:20, two thirds of a car, arriving at 11:40.
    const late = expectedVehicles(mondays, slotGrid(local('2026-11-23T11:20:00'), 15, local('2026-11-23T17:00:00')), 11);
    expect(late[0]!.energyKwh).toBeCloseTo((22 * 2) / 3, 5);
    expect((late[0]!.maxKw as number[])[1]).toBeCloseTo((11 * 2) / 3, 5);
    // A stay cut by the grid's end asks for its share: a grid to 12:30 holds 1 of the 11:30 car's 3 hours.
    const short = expectedVehicles(mondays, slotGrid(local('2026-11-23T10:50:00'), 15, local('2026-11-23T12:30:00')), 11);
    expect(short[0]!.energyKwh).toBeCloseTo(22 / 3, 5);
    // Twice the mean, when asked.
    expect(expectedVehicles(mondays, grid, 11, 2)[0]!.energyKwh).toBe(44);
  });

  it('expects no more cars than there are EVSEs free when they come', () => {
    const grid = slotGrid(local('2026-11-23T10:50:00'), 15, local('2026-11-23T17:00:00'));
    // One EVSE, its car plugged in until 17:00: the 11:30 car has nowhere to plug in.
    expect(expectedVehicles(mondays, grid, 11, 1, { evses: 1, busyUntilMs: [local('2026-11-23T17:00:00')] })).toEqual([]);
    // The car leaves at 11:00: the EVSE is free at 11:30.
    expect(expectedVehicles(mondays, grid, 11, 1, { evses: 1, busyUntilMs: [local('2026-11-23T11:00:00')] }).map((p) => p.energyKwh)).toEqual([22]);
    // Twice the mean on two EVSEs, one of them busy: one car, at one car's power.
    const one = expectedVehicles(mondays, grid, 11, 2, { evses: 2, busyUntilMs: [local('2026-11-23T17:00:00')] });
    expect(one.map((p) => [p.energyKwh, Math.max(...(p.maxKw as number[]))])).toEqual([[22, 11]]);
  });

  it.each(['phantoms', 'soft'] as const)('plans a home\'s one EVSE as without arrivals while its car is plugged in (%s)', async (reservation) => {
    const site6 = reserving(reservation);
    const home = { ...site6, evses: site6.evses.slice(0, 1) };
    const without = planOf(await fixtureSnapshot(home, NOW, [early], prices));
    const { result, solver } = planWithArrivals({ ...(await fixtureSnapshot(home, NOW, [early], prices)), arrivals: mondays });
    expect(solver.lastExpected).toBe(0);
    expect(result.plan.sessions.map((x) => x.powerKw)).toEqual(without.plan.sessions.map((x) => x.powerKw));
    // With the site's six EVSEs the expected 11 h car is planned beside it.
    expect(planWithArrivals({ ...(await fixtureSnapshot(site6, NOW, [early], prices)), arrivals: mondays }).solver.lastExpected).toBeGreaterThan(0);
  });
});

/** A session on CS1's EVSE 1 from `from` to `to` (local; '' = still running) with its registers, through the real store. */
async function storeSession(repos: ReturnType<typeof createOcppRepositories>, id: string, from: string, to: string, startWh: number, endWh: number): Promise<void> {
  const register = (wh: number, at: string) => [{ timestamp: at, measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }];
  const base = { stationId: 'CS1', transactionId: id, triggerReason: 'Authorized', offline: false, evseId: 1, connectorId: 1, payload: {} };
  const at = (l: string) => new Date(local(l)).toISOString();
  await repos.transactions.applyEvent({ ...base, seqNo: 0, eventType: 'Started', timestamp: at(from), meterValues: register(startWh, at(from)) }, at(from));
  if (to) await repos.transactions.applyEvent({ ...base, seqNo: 1, eventType: 'Ended', timestamp: at(to), meterValues: register(endWh, at(to)) }, at(to));
}

describe('with no history the plan is exactly today\'s', () => {
  it('learns nothing from an empty store and plans as without arrivals', async () => {
    const storage = await openTestStorage();
    const arrivals = new SiteArrivals(createOcppRepositories(storage.db).transactions);
    expect(await arrivals.model(learning, NOW)).toBeUndefined();
    const today = planOf(await fixtureSnapshot(site, NOW, [early], prices));
    const snapshot = await loadCycleSnapshot(learning, NOW, { ...fixtureSources(NOW, [early], prices), arrivals: (s, at) => arrivals.model(s, at) });
    expect(snapshot.arrivals).toBeUndefined();
    const withStore = planWithArrivals(snapshot);
    expect(withStore.result.plan).toEqual(today.plan);
    // No model: the site's own solver, untouched.
    expect(withStore.solver).not.toBeInstanceOf(ArrivalAwareSolver);
    // And a site that turns it off (arrivalHistoryWeeks 0) learns nothing whatever the store holds.
    expect(await new SiteArrivals(createOcppRepositories(storage.db).transactions).model(notLearning, NOW)).toBeUndefined();
  });

  it('learns a site\'s finished sessions from its real store, once a day', async () => {
    const storage = await openTestStorage();
    const repos = createOcppRepositories(storage.db);
    await repos.stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, '2026-11-01T00:00:00Z');
    const tx = (id: string, from: string, to: string, startWh: number, endWh: number) => storeSession(repos, id, from, to, startWh, endWh);
    const arrivals = new SiteArrivals(repos.transactions);
    // The first cycle of the day finds no history yet: nothing to plan for, and asked again after a quarter of an hour.
    expect(await arrivals.model(learning, NOW - 3_600_000)).toBeUndefined();
        await tx('A', '2026-11-09T11:00:00', '2026-11-09T14:00:00', 1000, 23_000);
    await tx('B', '2026-11-16T11:00:00', '2026-11-16T14:00:00', 23_000, 45_000);
    await tx('C', '2026-11-23T07:00:00', '', 45_000, 45_000); // still running today: not learned
    expect(await arrivals.model(learning, NOW - 3_600_000 + 14 * 60_000)).toBeUndefined();
    const model = (await arrivals.model(learning, NOW))!;
    // The history starts on 9 November: two Mondays, not the eight of the default window.
    expect(model.sessions).toBe(2);
    expect(model.bins[0]![11]).toEqual({ carsPerDay: 1, energyKwh: 22, stayMinutes: 180 });
    // Later the same day it is the same model (not read again); the next day it is learned again.
    await tx('D', '2026-11-23T09:00:00', '2026-11-23T10:00:00', 45_000, 50_000);
    expect(await arrivals.model(learning, NOW + 3_600_000)).toBe(model);
    expect((await arrivals.model(learning, local('2026-11-24T08:00:00')))!.sessions).toBe(3);
    // The site that turns it off learns nothing from the same store.
    expect(await arrivals.model(notLearning, NOW)).toBeUndefined();
  });

  it('learns nothing until the history holds a week: a new site\'s first days do not stand in for every weekday', async () => {
    const storage = await openTestStorage();
    const repos = createOcppRepositories(storage.db);
    await repos.stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, '2026-11-01T00:00:00Z');
    // The site's first sessions: Monday 16 November's afternoon, then one each day up to Sunday the 22nd.
    await storeSession(repos, 'A', '2026-11-16T13:00:00', '2026-11-16T17:00:00', 0, 20_000);
    for (const [k, d] of ['17', '18', '19', '20', '21', '22'].entries()) {
      await storeSession(repos, `D${d}`, `2026-11-${d}T09:00:00`, `2026-11-${d}T12:00:00`, 20_000 + k * 10_000, 30_000 + k * 10_000);
    }
    // On Sunday the 22nd its history is six days (16-21 November; today's session is not learned yet): no model.
    expect(await new SiteArrivals(repos.transactions).model(learning, local('2026-11-22T20:00:00'))).toBeUndefined();
    // On Monday the 23rd it spans the week of the 16th: learned, each weekday once.
    const model = await new SiteArrivals(repos.transactions).model(learning, NOW);
    expect(model?.sessions).toBe(7);
  });
});
