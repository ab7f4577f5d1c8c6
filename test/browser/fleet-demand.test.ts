/**
 * Issue 21, demand charges on the fleet page, in real Chromium: the depot's tariff bills 10 EUR per kW of the
 * month's highest 15-minute power; the plan card shows the month's peak so far, its cost and the planned peak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { ManualClock } from '../../src/platform/clock.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { publishPrices, nightPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { CONFIG, PASSWORD, T0, launch, logIn, newContext, see, watchErrors } from './fixture.js';

let server: TestServer;
let browser: Browser;
let station: PlanningStation;

beforeAll(async () => {
  const config = structuredClone(CONFIG) as typeof CONFIG & { prices: { tariffs: { depot: Record<string, unknown> } } };
  config.prices.tariffs.depot.demandCharge = { perKwPerPeriod: 10, period: 'month' };
  [server, browser] = await Promise.all([
    startTestServer({ ...config, http: { host: '127.0.0.1', port: 0, cookieSecure: false } } as never, { clock: new ManualClock(T0) }),
    launch(),
  ]);
  await createUser(new UserRepository(server.running.db), server.clock, { username: 'fiona', name: 'Fiona', password: PASSWORD, grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }] }, { N: 1024, r: 8, p: 1 });
  const s = server.running.scheduler;
  await s.upsertVehicle({ id: 'VAN-1', name: 'Van 1', fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-1'] });
  await publishPrices(server, T0, nightPrices());
  station = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
  await station.boot();
  await s.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 20 });
  await station.startTransaction(1, 'TX-1', 'TOKEN-1');
  await settle(server);
}, 120_000); // the real product and Chromium: past the default 20 s on a loaded machine

afterAll(async () => {
  await browser?.close();
  await station?.close();
  await server?.stop();
});

describe('the fleet page with a demand charge', () => {
  it('shows the peak so far this month, its cost, and the planned peak', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logIn(page, `http://127.0.0.1:${server.running.ports.http}`, 'fiona');
    const plan = (await server.running.scheduler.latestPlan('north-depot'))!;
    const dc = (plan.problem as { demandCharge: { peakSoFarKw: number } }).demandCharge;
    expect(dc.peakSoFarKw).toBe(0);
    await see.text(page, '#demand-peak', /^0\.0 kW: .*0(\.00)?/);
    // One van, 20 kWh by 07:00: the charge outweighs the night's price differences, so the plan spreads it far below 11 kW.
    const peak = Math.max(...plan.slotStarts.map((_, i) => plan.sessions.reduce((a, x) => a + x.powerKw[i]!, 0)));
    expect(peak).toBeLessThan(11);
    await see.text(page, '#demand-planned', `${peak.toFixed(1)} kW: raises the charge to`);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
