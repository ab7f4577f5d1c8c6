import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planVan1, startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';

let f: ApiFixture;
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  await planVan1(f);
}, 60_000);
afterAll(async () => f?.close());

const putBoost = (who: Who, id: string, payload: unknown) => f.as(who, { method: 'PUT', url: `/api/v1/vehicles/${id}/boost`, payload: payload as object });
const boostOf = (id: string) => f.server.running.scheduler.boost(id);

describe('PUT /api/v1/vehicles/:vehicleId/boost ("charge now")', () => {
  it.each<[Who, number]>([['homeH', 403], ['south', 403], ['publisher', 403], ['anonymous', 401]])('%s -> %i and no boost is set', async (who, status) => {
    expect((await putBoost(who, 'VAN-1', { energyKwh: 5 })).statusCode).toBe(status);
    expect(await boostOf('VAN-1')).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ['no energy', {}, 'energyKwh'],
    ['a negative energy', { energyKwh: -2 }, 'energyKwh'],
    ['energy as text', { energyKwh: '5' }, 'energyKwh'],
    ['an unknown field', { energyKwh: 5, untilSoc: 80 }, 'untilSoc'],
  ])('refuses %s naming the field', async (_what, body, field) => {
    const res = await putBoost('north', 'VAN-1', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
    expect(res.json().message).toContain(field);
    expect(await boostOf('VAN-1')).toBeUndefined();
  });

  it('refuses a car that is not plugged in, naming the vehicle (409)', async () => {
    const res = await putBoost('north', 'VAN-2', { energyKwh: 5 });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'VEHICLE_NOT_PLUGGED_IN', field: 'vehicleId' });
  });

  it('sets the boost; the next plan charges at full power now and the target view shows its progress', async () => {
    const res = await putBoost('north', 'VAN-1', { energyKwh: 5 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ vehicleId: 'VAN-1', siteId: 'north-depot', stationId: 'CS1', evseId: 1, transactionId: 'TX-1', energyKwh: 5, deliveredKwh: 0, remainingKwh: 5, setAt: new Date(f.clock.now()).toISOString() });
    await settle(f.server);
    const plan = (await f.as('north', { url: '/api/v1/sites/north-depot/plan' })).json();
    expect(plan.sessions[0].boost).toMatchObject({ remainingKwh: 5, plannedKwh: 5, untilAt: expect.any(String) });
    expect(plan.sessions[0].powerKw[0]).toBeGreaterThan(0);
    const target = (await f.as('north', { url: '/api/v1/vehicles/VAN-1/target' })).json();
    expect(target.boost).toMatchObject({ energyKwh: 5, remainingKwh: 5 });
  });
});

describe('DELETE /api/v1/vehicles/:vehicleId/boost', () => {
  it.each<[Who, number]>([['homeG', 403], ['south', 403], ['publisher', 403], ['anonymous', 401]])('%s -> %i and the boost stays', async (who, status) => {
    expect((await f.as(who, { method: 'DELETE', url: '/api/v1/vehicles/VAN-1/boost' })).statusCode).toBe(status);
    expect(await boostOf('VAN-1')).toBeDefined();
  });

  it('ends the boost, and says so only once', async () => {
    expect((await f.as('north', { method: 'DELETE', url: '/api/v1/vehicles/VAN-1/boost' })).json()).toEqual({ cleared: true });
    expect(await boostOf('VAN-1')).toBeUndefined();
    expect((await f.as('north', { method: 'DELETE', url: '/api/v1/vehicles/VAN-1/boost' })).json()).toEqual({ cleared: false });
  });
});
