import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, at, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';

/**
 * Session costs through the whole product on the fake clock: a van plugs in at 16:00Z, the plan waits for the cheap
 * hour at 17:00Z, the station meters 10 kWh in it, the session ends. Energy from the stored register, prices from the
 * site's tariff through the price service, the car the scheduler recorded for the session.
 */
let server: TestServer;
afterEach(async () => server?.stop());

/** Lets the loop run up to `iso`, then meters exactly at that instant (settling moves the clock a few seconds). */
async function meterAt(iso: string, meter: () => Promise<void>) {
  while (server.clock.now() + 15 * 60_000 < at(iso)) {
    server.clock.advance(15 * 60_000);
    await settle(server);
  }
  server.clock.set(iso);
  await meter();
  await settle(server);
}

describe('session costs end to end', () => {
  it('meter values times the effective price of each slot, and the saving against full power on arrival', async () => {
    server = await startDepot();
    await publishPrices(server, T0, [0.3, 0.05, ...Array.from({ length: 30 }, () => 0.3)]);
    const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
    await cs.boot();
    await addVan(server, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1', 1_000_000);
    await settle(server);
    const s = server.running.scheduler;
    expect((await s.latestPlan('depot'))!.sessions[0]!.powerKw[4]).toBeGreaterThan(0); // the cheap hour is planned

    await meterAt('2026-11-23T17:00:00Z', () => cs.meter(1, 'TX-1', 0, 0)); // nothing yet
    await meterAt('2026-11-23T18:00:00Z', () => cs.meter(1, 'TX-1', 10_000, 11_000)); // 10 kWh in the cheap hour
    const running = await s.sessionCosts({ fromMs: at('2026-11-23T00:00:00Z'), toMs: at('2026-11-24T00:00:00Z') });
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ endedAt: null, energyKwh: 10 });
    await cs.endTransaction(1, 'TX-1');

    const [c] = await s.sessionCosts({ month: '2026-11' });
    // 10 kWh at 0.05 = 0.50. At full power (11 kW, the van and the EVSE) from 16:00 the same 10 kWh would have come
    // in before 17:00 at 0.30 = 3.00.
    expect(c).toEqual({
      siteId: 'depot', stationId: 'CS1', evseId: 1, transactionId: 'TX-1', vehicleId: 'VAN-1', fleet: 'north',
      startedAt: '2026-11-23T16:00:00.000Z', endedAt: expect.stringMatching(/^2026-11-23T18:00/),
      energyKwh: 10, cost: 0.5, currency: 'EUR', unpricedKwh: 0, estimatedKwh: 0, fullPowerKw: 11,
      uncontrolledCost: 3, savings: 2.5,
    });
    const one = (await s.sessionCost('CS1', 'TX-1'))!;
    expect(one.slots!.filter((x) => x.energyKwh > 0).map((x) => [x.start.slice(11, 16), x.energyKwh, x.pricePerKwh])).toEqual([
      ['17:00', 2.5, 0.05], ['17:15', 2.5, 0.05], ['17:30', 2.5, 0.05], ['17:45', 2.5, 0.05],
    ]);
    // Filters: by vehicle, by site, and a period in which the session did not start.
    expect(await s.sessionCosts({ month: '2026-11', vehicleIds: ['VAN-1'] })).toHaveLength(1);
    expect(await s.sessionCosts({ month: '2026-11', vehicleIds: ['VAN-2'] })).toHaveLength(0);
    expect(await s.sessionCosts({ month: '2026-11', siteIds: ['elsewhere'] })).toHaveLength(0);
    expect(await s.sessionCosts({ month: '2026-12' })).toHaveLength(0);
    expect(await s.sessionCost('CS1', 'NOPE')).toBeUndefined();
  });
});
