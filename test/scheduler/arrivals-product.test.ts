import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import { heldKw } from '../helpers/profile-limits.js';
import { PlanRepository } from '../../src/storage/plan-repository.js';

/**
 * Issue 21 on the real product (SQLite, or PostgreSQL under npm run test:postgres): a site that learns its arrivals
 * from its own stored sessions plans the car that is here around the ones expected, and nothing of the expected cars
 * (neither the cars nor the soft tiers' overflow slots) reaches the stored plan, the pushed profile or the plan
 * people read. Monday 23 November 2026, 17:00 in Copenhagen; prices 0.05 EUR/kWh from 02:00 to 03:00 local, 0.10 from
 * 03:00 to 04:00, 0.30 otherwise. On the two Tuesdays before, a car came at 01:00 and left at 02:30 with 11 kWh: the
 * car expected on Tuesday night (arriving in the middle of its hour, 01:30, for 90 minutes) needs the 02-03 h hour.
 */
let server: TestServer;
afterEach(async () => server?.stop());

// Each test starts the product (the first twice): on a loaded machine that takes longer than vitest's default.
const START_TWICE_MS = 90_000;
const CHEAP = '2026-11-24T01:00:00Z'; // 02:00 local
const NEXT = '2026-11-24T02:00:00Z'; // 03:00 local

async function depot(policy: Record<string, unknown>, history: boolean) {
  server = await startDepot({
    gridLimitKw: 11,
    circuits: [],
    evses: [{ stationId: 'CS1', evseId: 1, maxKw: 11 }, { stationId: 'CS1', evseId: 2, maxKw: 11 }],
    policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20, ...policy },
  });
  await publishPrices(server, T0, nightPrices());
  await server.addStation('CS1', 'station-password-123');
  // The history is in the store before the site's first cycle (the model is learned once a day).
  if (history) {
    const repos = server.running.repositories;
    for (const [k, day] of ['2026-11-10', '2026-11-17'].entries()) {
      const at = (iso: string) => new Date(Date.parse(iso)).toISOString();
      const base = { stationId: 'CS1', transactionId: `PAST-${k}`, triggerReason: 'Authorized', offline: false, evseId: 2, connectorId: 1, payload: {} };
      const register = (wh: number, ts: string) => [{ timestamp: ts, measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }];
      const from = at(`${day}T00:00:00Z`);
      const to = at(`${day}T01:30:00Z`);
      await repos.transactions.applyEvent({ ...base, seqNo: 0, eventType: 'Started', timestamp: from, meterValues: register(k * 11_000, from) }, from);
      await repos.transactions.applyEvent({ ...base, seqNo: 1, eventType: 'Ended', timestamp: to, meterValues: register((k + 1) * 11_000, to) }, to);
    }
  }
  const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 }, false);
  await cs.boot();
  await addVan(server, 'VAN-1', 'TOKEN-1', '2026-11-24T07:00', 11);
  await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
  await settle(server);
  const stored = (await new PlanRepository(server.running.db).latest('depot'))!;
  const shown = (await server.running.scheduler.latestPlan('depot'))!;
  const profile = cs.sent().at(-1)!.chargingProfile;
  return { stored, shown, heldAt: (iso: string) => heldKw(profile, Date.parse(iso)) ?? 0 };
}

const kwAt = (plan: { slotStarts: number[]; sessions: { powerKw: number[] }[] }, iso: string) => plan.sessions[0]!.powerKw[plan.slotStarts.indexOf(Date.parse(iso))];

describe('a site with a history plans the car that is here around the cars still to come', () => {
  it('with no history the plan is the plan of a site that does not learn', async () => {
    const off = await depot({ arrivalHistoryWeeks: 0 }, false);
    const offPowers = off.stored.sessions.map((s) => s.powerKw);
    await server.stop();
    const learning = await depot({ arrivalHistoryWeeks: 8, arrivalReservation: 'soft' }, false);
    expect(learning.stored.sessions.map((s) => s.powerKw)).toEqual(offPowers);
    // Alone, the van takes the cheapest hour.
    expect(kwAt(learning.stored, CHEAP)).toBe(11);
    expect(learning.heldAt(CHEAP)).toBe(11);
  }, START_TWICE_MS);

  it.each(['soft', 'phantoms'] as const)('%s: the van leaves the expected car its hour; nothing of the expected car leaves the planner', async (reservation) => {
    const { stored, shown, heldAt } = await depot({ arrivalHistoryWeeks: 8, arrivalReservation: reservation }, true);
    // The van charges in the next cheapest hour, and meets its target.
    expect(kwAt(stored, CHEAP)).toBe(0);
    expect(kwAt(stored, NEXT)).toBe(11);
    expect(stored.sessions[0]).toMatchObject({ requestedKwh: 11, plannedKwh: 11, shortfallKwh: 0 });
    expect(stored.status).toBe('optimal');
    // Stored: one session on the grid's slots, a problem of the real car alone (no expected car, no overflow slot).
    for (const plan of [stored, shown]) {
      expect(plan.sessions.map((s) => `${s.stationId}#${s.evseId}`)).toEqual(['CS1#1']);
      expect(plan.sessions[0]!.powerKw).toHaveLength(plan.slotStarts.length);
      const problem = plan.problem as { vehicles: { id: string }[]; prices: number[] };
      expect(problem.vehicles.map((v) => v.id)).toEqual(['CS1#1']);
      expect(problem.prices).toHaveLength(plan.slotStarts.length);
      expect(plan.totalCost).toBeCloseTo(plan.sessions[0]!.cost, 4);
    }
    // Pushed: the van's profile holds the plan, and nothing after the plan's end.
    expect(heldAt(CHEAP)).toBe(0);
    expect(heldAt(NEXT)).toBe(11);
  }, START_TWICE_MS);
});
