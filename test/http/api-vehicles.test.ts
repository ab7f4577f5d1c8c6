import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planVan1, startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';

let f: ApiFixture;
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
}, 60_000);
afterAll(async () => f?.close());

const van = (over: Record<string, unknown> = {}) => ({ name: 'Van 9', fleet: 'north', batteryKwh: 75, maxAcKw: 11, phases: 3, ...over });

describe('GET /api/v1/vehicles', () => {
  it.each<[Who, string[]]>([
    ['admin', ['CAR-G', 'CAR-H', 'VAN-1', 'VAN-2', 'VAN-S']],
    ['north', ['VAN-1', 'VAN-2']],
    ['south', ['VAN-S']],
    ['homeH', ['CAR-H']],
    ['homeG', ['CAR-G']],
  ])('is filtered to the scope of %s', async (who, expected) => {
    const res = await f.as(who, { url: '/api/v1/vehicles' });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((v: { id: string }) => v.id)).toEqual(expected);
  });

  it.each<[Who, number]>([['publisher', 403], ['anonymous', 401]])('%s -> %i', async (who, status) => {
    expect((await f.as(who, { url: '/api/v1/vehicles' })).statusCode).toBe(status);
  });
});

describe('GET /api/v1/vehicles/:vehicleId', () => {
  it('gives the vehicle to its readers', async () => {
    const res = await f.as('homeH', { url: '/api/v1/vehicles/CAR-H' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'CAR-H', name: 'CAR-H name', fleet: 'home-h', batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: ['TOKEN-H'] });
  });

  it.each<[Who, string]>([['homeG', 'CAR-H'], ['south', 'VAN-1'], ['north', 'CAR-H'], ['publisher', 'VAN-1']])('%s may not read %s', async (who, id) => {
    const res = await f.as(who, { url: `/api/v1/vehicles/${id}` });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AUTH_FORBIDDEN');
    expect(res.body).not.toContain('TOKEN-');
  });

  it('answers an unknown vehicle with 403 for non-admins and 404 for admins', async () => {
    expect((await f.as('north', { url: '/api/v1/vehicles/NOPE' })).statusCode).toBe(403);
    expect((await f.as('admin', { url: '/api/v1/vehicles/NOPE' })).json()).toMatchObject({ code: 'VEHICLE_UNKNOWN', field: 'vehicleId' });
  });
});

describe('PUT /api/v1/vehicles/:vehicleId', () => {
  it('creates (201) and replaces (200) a vehicle of the fleet manager’s fleet', async () => {
    const created = await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-9', payload: van({ idTokens: ['TOKEN-9'] }) });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: 'VAN-9', name: 'Van 9', fleet: 'north', batteryKwh: 75, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: ['TOKEN-9'] });
    const replaced = await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-9', payload: van({ id: 'VAN-9', name: 'Van nine' }) });
    expect(replaced.statusCode).toBe(200);
    expect(await f.deps.stores.vehicles.get('VAN-9')).toMatchObject({ name: 'Van nine', idTokens: [] });
  });

  it.each<[Who, string, Record<string, unknown>]>([
    ['south', 'VAN-1', van({ fleet: 'south' })], // someone else's vehicle, even moved into one's own fleet
    ['north', 'VAN-10', van({ fleet: 'south' })], // into a fleet outside the scope
    ['north', 'VAN-11', van({ fleet: null })], // a vehicle without a fleet is admin-only
    ['homeH', 'CAR-H', van({ fleet: 'home-h' })], // homeowners set targets, not vehicles
    ['publisher', 'VAN-12', van()],
  ])('%s may not PUT %s (403) and nothing changes', async (who, id, body) => {
    const before = await f.deps.stores.vehicles.get(id);
    const res = await f.as(who, { method: 'PUT', url: `/api/v1/vehicles/${id}`, payload: body });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AUTH_FORBIDDEN');
    expect(await f.deps.stores.vehicles.get(id)).toEqual(before);
  });

  it('needs credentials', async () => {
    expect((await f.as('anonymous', { method: 'PUT', url: '/api/v1/vehicles/VAN-13', payload: van() })).statusCode).toBe(401);
  });

  it('lets an admin create a vehicle without a fleet', async () => {
    expect((await f.as('admin', { method: 'PUT', url: '/api/v1/vehicles/POOL-1', payload: van({ fleet: null }) })).statusCode).toBe(201);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing field', { name: 'x', fleet: 'north', phases: 3 }, 'maxAcKw'],
    ['a number as text', van({ maxAcKw: '11' }), 'maxAcKw'],
    ['an out-of-range power', van({ maxAcKw: 100 }), 'maxAcKw'],
    ['a wrong phase count', van({ phases: 2 }), 'phases'],
    ['an unknown field (a typo)', van({ batterykwh: 60 }), 'batterykwh'],
    ['an empty name', van({ name: '' }), 'name'],
  ])('refuses %s naming the field', async (_what, body, field) => {
    const res = await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-20', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
    expect(res.json().message).toContain(field);
    expect(await f.deps.stores.vehicles.get('VAN-20')).toBeUndefined();
  });

  it('refuses a body id that differs from the path', async () => {
    const res = await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-21', payload: van({ id: 'VAN-22' }) });
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'id' });
  });

  it('refuses an id the scheduler cannot take, with its code and field', async () => {
    const res = await f.as('admin', { method: 'PUT', url: '/api/v1/vehicles/has%20space', payload: van() });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'VEHICLE_INVALID', field: '/id' });
  });
});

describe('GET /api/v1/sites/:siteId/vehicles (the fleet table)', () => {
  it('lists the fleet with departure, target, expected energy, status and warning', async () => {
    await f.server.running.scheduler.setTarget('VAN-2', { kind: 'weekly', days: ['tue', 'wed'], time: '06:30', socPercent: 80 });
    await planVan1(f, 10);
    const res = await f.as('north', { url: '/api/v1/sites/north-depot/vehicles' });
    expect(res.statusCode).toBe(200);
    const rows = res.json();
    expect(rows.map((r: { vehicleId: string }) => r.vehicleId)).toEqual(['VAN-1', 'VAN-2', 'VAN-9']);
    expect(rows[0]).toEqual({
      vehicleId: 'VAN-1', name: 'VAN-1 name', fleet: 'north', stationId: 'CS1', evseId: 1, status: 'plugged-in',
      departureAt: '2026-11-24T06:00:00.000Z', target: { kind: 'once', energyKwh: 10 }, expectedEnergyAtDepartureKwh: 10,
      socAtDeparturePercent: null, shortfallKwh: 0, warning: null, shortfallPhrase: null,
    });
    expect(rows[1]).toEqual({
      vehicleId: 'VAN-2', name: 'VAN-2 name', fleet: 'north', stationId: null, evseId: null, status: 'away',
      departureAt: '2026-11-24T05:30:00.000Z', target: { kind: 'weekly', socPercent: 80 }, expectedEnergyAtDepartureKwh: null,
      socAtDeparturePercent: null, shortfallKwh: null, warning: null, shortfallPhrase: null,
    });
    expect(rows[2]).toMatchObject({ vehicleId: 'VAN-9', status: 'away', departureAt: null, target: { kind: 'none' } });
  });

  it('shows a car that will not make it with the shortfall in its warning', async () => {
    await f.server.running.scheduler.setTarget('VAN-1', { kind: 'once', departure: '2026-11-23T18:00', energyKwh: 40 });
    await settle(f.server);
    const [row] = (await f.as('north', { url: '/api/v1/sites/north-depot/vehicles' })).json();
    expect(row.shortfallKwh).toBeGreaterThan(20);
    // The scheduler's reason, in its words for people, follows the amount.
    expect(row.warning).toMatch(/^\d+\.\d\d kWh short at departure: .+/);
    const plan = (await f.as('north', { url: '/api/v1/sites/north-depot/plan' })).json();
    expect(plan.status).toBe('shortfall');
    expect(plan.sessions[0]).toMatchObject({ shortfallReason: 'car-or-charger-power', shortfallMessage: expect.any(String) });
    expect(row.warning).toContain(plan.sessions[0].shortfallMessage);
    // Issue 18: the same reason as an id and values, in the plan and in the row.
    expect(plan.sessions[0].shortfallPhrase).toMatchObject({ id: 'shortfall.carPower', params: { maxKw: 11, needKwh: expect.any(Number) } });
    expect(row.shortfallPhrase).toEqual(plan.sessions[0].shortfallPhrase);
    expect(row.status).toBe('charging');
  });

  it.each<[Who, number]>([['admin', 200], ['south', 403], ['homeH', 403], ['publisher', 403], ['anonymous', 401]])(
    '%s -> %i', async (who, status) => {
      expect((await f.as(who, { url: '/api/v1/sites/north-depot/vehicles' })).statusCode).toBe(status);
    });
});
