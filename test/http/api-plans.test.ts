import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planVan1, startApi, type ApiFixture, type Who } from './api-fixture.js';
import type { PlanningStation } from '../helpers/planning-station.js';

let f: ApiFixture;
let cs: PlanningStation;
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  cs = await planVan1(f);
}, 60_000);
afterAll(async () => f?.close());

describe('GET /api/v1/sites/:siteId/stations', () => {
  it('shows each EVSE with live status, compliance and the session on it', async () => {
    await cs.meter(1, 'TX-1', 500, 7000);
    const res = await f.as('north', { url: '/api/v1/sites/north-depot/stations' });
    expect(res.statusCode).toBe(200);
    const [station] = res.json();
    expect(station).toMatchObject({ stationId: 'CS1', online: true });
    expect(station.lastSeenAt).toEqual(expect.any(String));
    expect(station.evses).toEqual([
      { evseId: 1, circuit: 'row-a', maxKw: 11, status: 'charging', compliance: 'follows', complianceDetail: null, transactionId: 'TX-1', vehicleId: 'VAN-1', powerKw: 7, energyKwh: 0.5 },
      { evseId: 2, circuit: 'row-a', maxKw: 11, status: 'available', compliance: 'unknown', complianceDetail: expect.any(String), transactionId: null, vehicleId: null, powerKw: null, energyKwh: null },
    ]);
  });

  it('shows a station that never connected as offline', async () => {
    const [station] = (await f.as('south', { url: '/api/v1/sites/south-depot/stations' })).json();
    expect(station).toMatchObject({ stationId: 'CS2', online: false, lastSeenAt: null, evses: [{ evseId: 1, status: 'offline', compliance: 'unreachable' }] });
  });

  it.each<Who>(['south', 'homeH', 'publisher'])('refuses %s (403)', async (who) => {
    expect((await f.as(who, { url: '/api/v1/sites/north-depot/stations' })).statusCode).toBe(403);
  });
  it('needs credentials (401)', async () => {
    expect((await f.as('anonymous', { url: '/api/v1/sites/north-depot/stations' })).statusCode).toBe(401);
  });
});

describe('GET /api/v1/sites/:siteId/plan', () => {
  // The session's compliance is what the plan was made with: verification came after it (the stations view is live).
  it('gives power per slot, the limit, price parts and what the charger was sent', async () => {
    const res = await f.as('north', { url: '/api/v1/sites/north-depot/plan' });
    expect(res.statusCode).toBe(200);
    const plan = res.json();
    const latest = (await f.server.running.scheduler.latestPlan('north-depot'))!;
    expect(plan).toMatchObject({ planId: latest.id, siteId: 'north-depot', status: 'optimal', currency: 'EUR' });
    expect(plan.slotStarts[0]).toBe(new Date(latest.slotStarts[0]!).toISOString());
    expect(plan.slotStarts).toHaveLength(plan.siteLimitKw.length);
    expect(plan.prices).toHaveLength(plan.slotStarts.length);
    expect(plan.summedKw).toHaveLength(plan.slotStarts.length);
    const cheap = plan.slotStarts.indexOf('2026-11-24T01:00:00.000Z');
    expect(plan.prices[cheap]).toEqual({ total: 0.05, energy: 0.05, gridFees: 0, taxes: 0, vat: 0 });
    expect(plan.summedKw[cheap]).toBe(11);
    const [s] = plan.sessions;
    expect(s).toMatchObject({
      stationId: 'CS1', evseId: 1, transactionId: 'TX-1', vehicleId: 'VAN-1', vehicleName: 'VAN-1 name', targetSource: 'vehicle-once',
      compliance: 'unknown', departureAt: '2026-11-24T06:00:00.000Z', requestedKwh: 10, plannedKwh: 10, shortfallKwh: 0,
      shortfallReason: null, expectedEnergyAtDepartureKwh: 10, pushed: { state: 'accepted' },
    });
    expect(s.cost).toBeGreaterThan(0);
    expect(s.powerKw).toHaveLength(plan.slotStarts.length);
    expect(s.readyAt).toEqual(expect.any(String));
    expect(plan.totalCost).toBeCloseTo(s.cost, 6);
  });

  it('says PLAN_NONE (404) for a readable site without a plan', async () => {
    const res = await f.as('south', { url: '/api/v1/sites/south-depot/plan' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'PLAN_NONE', field: 'siteId' });
  });

  it.each<[Who, number]>([['admin', 200], ['south', 403], ['homeG', 403], ['publisher', 403], ['anonymous', 401]])(
    '%s -> %i', async (who, status) => {
      expect((await f.as(who, { url: '/api/v1/sites/north-depot/plan' })).statusCode).toBe(status);
    });
});

describe('GET /api/v1/sites/:siteId/decisions', () => {
  it('lists the log newest first and pages back with before', async () => {
    const all = (await f.as('north', { url: '/api/v1/sites/north-depot/decisions' })).json();
    expect(all.length).toBeGreaterThan(2);
    expect(all.map((d: { id: number }) => d.id)).toEqual([...all.map((d: { id: number }) => d.id)].sort((a, b) => b - a));
    expect(all.map((d: { kind: string }) => d.kind)).toEqual(expect.arrayContaining(['plan.created', 'profile.accepted']));
    expect(all[0]).toMatchObject({ siteId: 'north-depot', at: expect.any(String), message: expect.any(String) });
    const page = (await f.as('north', { url: `/api/v1/sites/north-depot/decisions?limit=1&before=${all[0].id}` })).json();
    expect(page).toEqual([all[1]]);
  });

  it.each([['limit=0', 'limit'], ['limit=many', 'limit'], ['before=-1', 'before']])('refuses %s naming the field', async (q, field) => {
    const res = await f.as('north', { url: `/api/v1/sites/north-depot/decisions?${q}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
  });

  it.each<[Who, number]>([['admin', 200], ['south', 403], ['homeH', 403], ['publisher', 403], ['anonymous', 401]])(
    '%s -> %i', async (who, status) => {
      expect((await f.as(who, { url: '/api/v1/sites/north-depot/decisions' })).statusCode).toBe(status);
    });
});
