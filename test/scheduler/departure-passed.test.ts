import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, at, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import { heldKw } from '../helpers/profile-limits.js';
import { nextShortDeparture, nextWake } from '../../src/scheduler/wakes.js';

/**
 * A car's profile gives it nothing after its departure (the plan gave that power to others). People leave later
 * than they said: a car that the plan leaves short and that is still plugged in when its departure passes is planned
 * again then (it gets the rest of the slot and the next), not only at the next slot boundary.
 */
let server: TestServer;
afterEach(async () => server?.stop());

async function runTo(iso: string): Promise<void> {
  while (server.clock.now() < at(iso)) {
    server.clock.advance(Math.min(30_000, at(iso) - server.clock.now()));
    await settle(server);
  }
}

describe('a short car still plugged in after its departure', () => {
  it('is planned again when its departure inside a slot passes, and charges until the slot ends', async () => {
    server = await startDepot();
    await publishPrices(server, T0, nightPrices());
    const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
    await cs.boot();
    // 17:00 to 17:40 local is 40 minutes: 7.3 of the 20 kWh at 11 kW.
    await addVan(server, 'VAN-1', 'TOKEN-1', '2026-11-23T17:40', 20);
    await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
    await settle(server);
    const first = (await server.running.scheduler.latestPlan('depot'))!.sessions[0]!;
    expect(first.shortfallKwh).toBeGreaterThan(12);
    expect(heldKw(cs.sent().at(-1)!.chargingProfile, at('2026-11-23T16:41:00Z'))).toBe(0);

    await runTo('2026-11-23T16:40:00Z');
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.triggers).toContain('departure-passed');
    // At its departure (after the debounce), not at the slot boundary of 16:45.
    expect(Date.parse(plan.createdAt) - at('2026-11-23T16:40:00Z')).toBeLessThan(30_000);
    // The car is still here: full power for the rest of the 16:30-16:45 slot.
    expect(heldKw(cs.sent().at(-1)!.chargingProfile, at('2026-11-23T16:41:00Z'))).toBeCloseTo(11, 2);
  });

  it('wakes only for cars the plan leaves short, at their departure, and never in the past', () => {
    const now = at('2026-11-23T16:00:00Z');
    const s = (dep: string, shortfallKwh: number) => ({ departureMs: at(dep), shortfallKwh });
    expect(nextShortDeparture({ sessions: [s('2026-11-23T16:40:00Z', 0), s('2026-11-23T17:10:00Z', 3), s('2026-11-23T16:50:00Z', 0.004)] }, now)).toBe(at('2026-11-23T17:10:00Z'));
    expect(nextShortDeparture({ sessions: [s('2026-11-23T15:40:00Z', 3)] }, now)).toBeNull();
    expect(nextShortDeparture({ sessions: [s('2026-11-23T18:40:00Z', 3), s('2026-11-23T17:40:00Z', 1)] }, now)).toBe(at('2026-11-23T17:40:00Z'));
  });

  it('wakes where a car planned at its minimum above its need stops, only while some car is short', () => {
    const now = at('2026-11-23T16:00:00Z');
    const s = (dep: string, shortfallKwh: number) => ({ departureMs: at(dep), shortfallKwh });
    const stops = [null, at('2026-11-23T16:07:13Z'), at('2026-11-23T15:59:00Z')];
    // B is short: the room A leaves at 16:07:13 goes to it then, before B's departure.
    expect(nextWake({ sessions: [s('2026-11-23T18:00:00Z', 0), s('2026-11-23T17:10:00Z', 2)] }, stops, now)).toEqual({ atMs: at('2026-11-23T16:07:13Z'), reason: 'car-stops' });
    expect(nextWake({ sessions: [s('2026-11-23T18:00:00Z', 0), s('2026-11-23T16:05:00Z', 2)] }, stops, now)).toEqual({ atMs: at('2026-11-23T16:05:00Z'), reason: 'departure-passed' });
    // Nobody short: nobody needs the room, no wake.
    expect(nextWake({ sessions: [s('2026-11-23T18:00:00Z', 0), s('2026-11-23T17:10:00Z', 0.001)] }, stops, now)).toBeNull();
  });
});
