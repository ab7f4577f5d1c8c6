import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import { heldKw } from '../helpers/profile-limits.js';

/**
 * Issue 21: a car that is full stops drawing; it counts as done, not short, and gives its room back. Through the
 * real product: the station says SuspendedEV while the plan offers 11 kW, then the car charges again.
 */
let server: TestServer;
afterEach(async () => server?.stop());

describe('a car that stops drawing while offered power', () => {
  it('counts as done (no shortfall, its profile goes to 0) until it charges again', async () => {
    server = await startDepot();
    await publishPrices(server, T0, Array.from({ length: 40 }, () => 0.3));
    const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
    await cs.boot();
    // 19:00 local is 18:00Z: at a flat price the plan charges at once (ties go to earlier energy).
    await addVan(server, 'VAN-1', 'T1', '2026-11-23T19:00', 20);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(heldKw(cs.txProfile(1)!, server.clock.now())).toBeCloseTo(11, 1);

    server.clock.advance(5 * 60_000);
    await cs.meter(1, 'TX-1', 900, 11_000);
    server.clock.advance(5 * 60_000);
    await cs.meter(1, 'TX-1', 300, 0, undefined, 'SuspendedEV'); // full at 1.2 kWh: its battery was fuller than thought
    await settle(server);
    const s = server.running.scheduler;
    // One reading in SuspendedEV is not enough (a car that has not yet followed a raised limit says it for a moment).
    expect((await s.latestPlan('depot'))!.sessions[0]!.requestedKwh).toBeGreaterThan(18);
    // The register stays put, read every minute: the plan expected more, so the deviation re-plans, and once the
    // meter shows 4 minutes without a watt under a profile that offered 11 kW, the car is done.
    for (let minute = 0; minute < 12; minute++) {
      server.clock.advance(60_000);
      await cs.meter(1, 'TX-1', 0, 0, undefined, 'SuspendedEV');
      await settle(server);
    }
    let plan = (await s.latestPlan('depot'))!;
    expect(plan.sessions[0]).toMatchObject({ requestedKwh: 0, shortfallKwh: 0, shortfallReason: null });
    expect(plan.sessions[0]!.notes.join(' ')).toContain('stopped drawing');
    const full = plan.sessions[0]!.notes.findIndex((n) => n.includes('stopped drawing'));
    expect(plan.sessions[0]!.notePhrases![full]).toMatchObject({ id: 'session.full', params: { kwh: expect.any(Number) } });
    expect(plan.status).toBe('optimal');
    expect(heldKw(cs.txProfile(1)!, server.clock.now())).toBe(0);

    // Offered nothing, the station says SuspendedEVSE: still done, the next slot's plan does not give it power again.
    await cs.meter(1, 'TX-1', 0, 0, undefined, 'SuspendedEVSE');
    server.clock.set('2026-11-23T16:30:00Z');
    await settle(server);
    expect((await s.latestPlan('depot'))!.sessions[0]!.requestedKwh).toBe(0);

    // It charges again (it had only paused): planned again for what it still needs.
    await cs.meter(1, 'TX-1', 10, 4_000, undefined, 'Charging');
    await settle(server);
    plan = (await s.latestPlan('depot'))!;
    expect(plan.triggers).toContain('car-resumed');
    expect(plan.sessions[0]!.requestedKwh).toBeCloseTo(20 - 1.21, 1);
    expect(heldKw(cs.txProfile(1)!, server.clock.now())).toBeCloseTo(11, 1);
  });
});
