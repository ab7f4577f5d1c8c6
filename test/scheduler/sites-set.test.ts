/**
 * The scheduler's set of sites is a replaceable input (issue 16): a site added at run time starts planning at once
 * and reconciles its connected stations, a changed one re-plans with its new timing, a removed one stops. On the real
 * product (test database, OCPP server, scripted stations) and, for the slot timer, on the site loop alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { SiteLoop } from '../../src/scheduler/site-loop.js';
import { checkSite } from '../../src/scheduler/sites.js';
import { publishPrices, nightPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import type { TestServer } from '../helpers/test-server.js';

const ANNEX = { id: 'annex', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 11, evses: [{ stationId: 'CS3', evseId: 1 }], policy: { debounceSeconds: 2 } };

describe('SiteLoop.reconfigure', () => {
  it('arms the slot boundary for the new slot length', async () => {
    const clock = new ManualClock('2026-11-23T16:05:00Z');
    const calls: string[][] = [];
    const loop = new SiteLoop({ clock, debounceMs: 1000, slotMs: 900_000, random: () => 0.5, cycle: async (r) => void calls.push(r), onError: async () => {} });
    loop.start();
    loop.reconfigure({ debounceMs: 1000, slotMs: 3_600_000 });
    clock.advance(10 * 60_000 + 1000); // 16:15:01: the old boundary has passed
    await loop.done();
    expect(calls).toEqual([]);
    clock.advance(45 * 60_000); // 17:00:01
    await new Promise((r) => setImmediate(r));
    await loop.done();
    expect(calls).toEqual([['slot-boundary']]);
    loop.stop();
  });
});

describe('Scheduler.setSites', () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.stop());

  it('plans a site added at run time at once, reconciling its connected station, and stops a removed one', async () => {
    server = await startDepot();
    await publishPrices(server, T0, nightPrices());
    const cs3 = await PlanningStation.connect(server, { id: 'CS3', evses: 1 });
    await cs3.boot();
    await settle(server);
    const s = server.running.scheduler;
    const plans: { siteId: string; triggers: string[] }[] = [];
    server.running.events.on('plan.created', (e) => plans.push(e));

    expect(s.upsertSite(checkSite(ANNEX, ['depot']))).toEqual({ added: ['annex'], changed: [], removed: [] });
    await settle(server);
    // No session yet: the plan is stored because the station was reconciled (its default profile), not skipped as empty.
    expect(plans.filter((p) => p.siteId === 'annex')).toEqual([expect.objectContaining({ triggers: ['site-added'] })]);
    expect(s.index.evse('CS3', 1)?.site.id).toBe('annex');

    // Unchanged: nothing happens; changed: re-planned at once.
    expect(s.upsertSite(checkSite(ANNEX, ['depot']))).toEqual({ added: [], changed: [], removed: [] });
    expect(s.upsertSite(checkSite({ ...ANNEX, slotMinutes: 60 }, ['depot']))).toEqual({ added: [], changed: ['annex'], removed: [] });
    await settle(server);
    expect(plans.filter((p) => p.siteId === 'annex').map((p) => p.triggers)).toEqual([['site-added'], ['site-changed']]);

    expect(s.removeSite('annex')).toBe(true);
    expect(s.removeSite('annex')).toBe(false);
    expect(s.sites().map((x) => x.id)).toEqual(['depot']);
    s.onStationOnline('CS3', 'station-booted');
    s.trigger('annex', 'test');
    await settle(server);
    server.clock.advance(3_600_000); // a slot boundary of the removed site: no loop is left to plan it
    await settle(server);
    expect(plans.filter((p) => p.siteId === 'annex')).toHaveLength(2);
    expect(s.waiting).toBe(false);
  }, 180_000);
});
