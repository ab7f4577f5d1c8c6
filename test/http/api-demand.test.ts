import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { publishPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { CONFIG, T0 } from './api-fixture.js';

/**
 * Issue 21, demand charges end to end: a tariff with a monthly demand charge (config), the scheduler plans with it
 * (main.ts wiring, real server, real OCPP station), and GET /plan shows the month's peak so far, its cost and the
 * planned peak. The energy-only plan of the same car charges 10 kWh at 11 kW in the cheapest hour (api-plans.test).
 */
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function planWith(demandCharge: unknown) {
  const config = structuredClone(CONFIG) as { prices: { tariffs: { depot: Record<string, unknown> } } };
  if (demandCharge) config.prices.tariffs.depot.demandCharge = demandCharge;
  server = await startTestServer(config as never, { clock: new ManualClock(T0) });
  const s = server.running.scheduler;
  await s.upsertVehicle({ id: 'VAN-1', name: 'VAN-1', fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-1'] });
  await publishPrices(server, T0, Array.from({ length: 40 }, (_, h) => (h === 9 ? 0.05 : h === 10 ? 0.1 : 0.3)));
  const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
  await cs.boot();
  await s.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 10 });
  await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
  await settle(server);
  const plan = (await s.latestPlan('north-depot'))!;
  const { planView } = await import('../../src/http/api/plans.js');
  const { apiDepsOf } = await import('./api-fixture.js');
  const { ApiContext } = await import('../../src/http/api/context.js');
  return planView(new ApiContext(apiDepsOf(server)), plan);
}

describe('a tariff with a demand charge', () => {
  it('plans the car at a low, even power over its stay and shows the peak and its cost', async () => {
    // 10 EUR/kW: 11 kW in the cheap hour would add 110 EUR; spread over the night at most 0.25 EUR/kWh more. The van
    // cannot charge below its 6 A minimum (3 x 230 V x 6 A = 4.14 kW), so that is the lowest peak.
    const view = await planWith({ perKwPerPeriod: 10, period: 'month' });
    expect(view.demand).not.toBeNull();
    const d = view.demand!;
    expect(d).toMatchObject({ perKw: 10, peakSoFarKw: 0, peakSoFarCost: 0 });
    expect(d.plannedPeakKw).toBeCloseTo(4.14, 2);
    expect(d.billedPeakKw).toBe(d.plannedPeakKw);
    expect(d.billedCost).toBeCloseTo(10 * d.plannedPeakKw, 1);
    expect(view.sessions[0]).toMatchObject({ requestedKwh: 10, shortfallKwh: 0 });
  });

  it('has no demand block without one (energy only: 11 kW in the cheapest hour)', async () => {
    const view = await planWith(undefined);
    expect(view.demand).toBeNull();
    expect(Math.max(...view.summedKw)).toBe(11);
  });
});
