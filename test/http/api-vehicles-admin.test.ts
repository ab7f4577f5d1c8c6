/**
 * Issue 16: people edit vehicles, their id tokens and their charger through the API (vehicles-admin.ts), each change
 * in one transaction with its audit entry, scoped like every other vehicle route: a fleet manager only in their
 * fleet, a homeowner only their own car, and "not yours" reads like "does not exist".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepository } from '../../src/storage/audit-repository.js';
import { AssignmentRepository } from '../../src/storage/vehicle-repository.js';
import { planVan1, startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';

let f: ApiFixture;
/** The product after the restart test: it owns the database from then on (the fixture's close would stop the old one). */
let restarted: ApiFixture['server'] | undefined;
beforeAll(async () => {
  f = await startApi();
}, 60_000);
afterAll(async () => (restarted ? restarted.stop() : f?.close()));

const vehicle = (id: string) => f.deps.stores.vehicles.get(id);
const auditOf = async (id: string) => (await new AuditRepository(f.server.running.db).list({ limit: 100, targetKind: 'vehicle', targetId: id }));
const onEvse = (stationId: string, evseId: number) => new AssignmentRepository(f.server.running.db).onEvse(stationId, evseId);
const json = (method: 'PATCH' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => ({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('PATCH /api/v1/vehicles/:vehicleId', () => {
  it('lets a homeowner edit their own car, not its fleet, and records who changed what', async () => {
    const res = await f.as('homeH', json('PATCH', '/api/v1/vehicles/CAR-H', { name: 'Our Zoe', batteryKwh: 52, minCurrentA: 8 }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'CAR-H', name: 'Our Zoe', fleet: 'home-h', batteryKwh: 52, maxAcKw: 11, phases: 3, minCurrentA: 8, idTokens: ['TOKEN-H'] });
    const [entry] = await auditOf('CAR-H');
    expect(entry).toMatchObject({ action: 'vehicle.updated', actor: { kind: 'token', name: 'homeH' }, detail: { changed: { name: ['CAR-H name', 'Our Zoe'], batteryKwh: [60, 52], minCurrentA: [null, 8] } } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a fleet', { fleet: 'home-g' }, 'fleet'],
    ['id tokens', { idTokens: ['X'] }, 'idTokens'],
    ['too much power', { maxAcKw: 100 }, 'maxAcKw'],
    ['two phases', { phases: 2 }, 'phases'],
    ['a negative battery', { batteryKwh: -1 }, 'batteryKwh'],
    ['an empty name', { name: '' }, 'name'],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_what, body, field) => {
    const before = await vehicle('CAR-H');
    const res = await f.as('homeH', json('PATCH', '/api/v1/vehicles/CAR-H', body));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
    expect(await vehicle('CAR-H')).toEqual(before);
  });

  it('refuses an empty edit', async () => {
    expect((await f.as('homeH', json('PATCH', '/api/v1/vehicles/CAR-H', {}))).statusCode).toBe(400);
  });

  it.each<[Who, string, number]>([
    ['homeG', 'CAR-H', 403], ['homeH', 'VAN-1', 403], ['south', 'VAN-1', 403], ['north', 'CAR-H', 403], ['publisher', 'VAN-1', 403],
    ['north', 'NOPE', 403], ['anonymous', 'VAN-1', 401],
  ])('%s may not edit %s (%i), and nothing changes', async (who, id, status) => {
    const before = await vehicle(id);
    const res = await f.as(who, json('PATCH', `/api/v1/vehicles/${id}`, { name: 'Taken' }));
    expect(res.statusCode).toBe(status);
    expect(await vehicle(id)).toEqual(before);
  });

  it('answers an admin 404 for an unknown vehicle', async () => {
    expect((await f.as('admin', json('PATCH', '/api/v1/vehicles/NOPE', { name: 'x' }))).json()).toMatchObject({ code: 'VEHICLE_UNKNOWN', field: 'vehicleId' });
  });
});

describe('id tokens', () => {
  it('a fleet manager adds a card (201), again (200, unchanged) and removes it, each recorded', async () => {
    const added = await f.as('north', json('POST', '/api/v1/vehicles/VAN-2/id-tokens', { idToken: '04A1B2C3' }));
    expect(added.statusCode).toBe(201);
    expect(added.json().idTokens).toEqual(['TOKEN-2', '04A1B2C3']);
    expect((await f.server.running.scheduler.vehicle('VAN-2'))?.idTokens.sort()).toEqual(['04A1B2C3', 'TOKEN-2']);
    expect((await f.as('north', json('POST', '/api/v1/vehicles/VAN-2/id-tokens', { idToken: '04A1B2C3' }))).statusCode).toBe(200);
    const removed = await f.as('north', json('DELETE', '/api/v1/vehicles/VAN-2/id-tokens/04A1B2C3'));
    expect(removed.statusCode).toBe(200);
    expect(removed.json().idTokens).toEqual(['TOKEN-2']);
    expect((await auditOf('VAN-2')).map((e) => [e.action, e.detail?.idToken])).toEqual([['vehicle.id-token-removed', '04A1B2C3'], ['vehicle.id-token-added', '04A1B2C3']]);
  });

  it('refuses a card another fleet’s van holds with 409 naming the field, without saying whose, and records nothing', async () => {
    const entries = (await auditOf('VAN-2')).length;
    const res = await f.as('north', json('POST', '/api/v1/vehicles/VAN-2/id-tokens', { idToken: 'TOKEN-S' }));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'ID_TOKEN_IN_USE', field: 'idToken' });
    expect(res.body).not.toMatch(/VAN-S|south/);
    expect((await vehicle('VAN-S'))?.idTokens).toEqual(['TOKEN-S']);
    expect((await vehicle('VAN-2'))?.idTokens).toEqual(['TOKEN-2']);
    // The audit entry was in the refused transaction: it went with it.
    expect(await auditOf('VAN-2')).toHaveLength(entries);
  });

  it('bounds the tokens of a vehicle (422 ID_TOKENS_FULL naming idToken)', async () => {
    for (let i = 0; i < 15; i++) expect((await f.as('admin', json('POST', '/api/v1/vehicles/CAR-G/id-tokens', { idToken: `G-${i}` }))).statusCode).toBe(201);
    const res = await f.as('admin', json('POST', '/api/v1/vehicles/CAR-G/id-tokens', { idToken: 'G-16' }));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'ID_TOKENS_FULL', field: 'idToken' });
    expect((await vehicle('CAR-G'))?.idTokens).toHaveLength(16);
  });

  it.each<[string, unknown, string]>([
    ['an empty token', { idToken: '' }, 'idToken'],
    ['a blank token', { idToken: '   ' }, 'idToken'],
    ['a 256-character token', { idToken: 'x'.repeat(256) }, 'idToken'],
    ['another field', { idToken: 'A', fleet: 'north' }, 'fleet'],
  ])('refuses %s with 400 naming the field', async (_w, body, field) => {
    const res = await f.as('north', json('POST', '/api/v1/vehicles/VAN-2/id-tokens', body));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
  });

  it('answers 404 naming idToken for a card the vehicle does not hold', async () => {
    const res = await f.as('north', json('DELETE', '/api/v1/vehicles/VAN-2/id-tokens/TOKEN-1'));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'ID_TOKEN_UNKNOWN', field: 'idToken' });
    expect((await vehicle('VAN-1'))?.idTokens).toEqual(['TOKEN-1']);
  });

  it.each<[Who, string, 'POST' | 'DELETE']>([
    ['homeH', 'CAR-H', 'POST'], ['homeH', 'CAR-H', 'DELETE'], ['south', 'VAN-1', 'POST'], ['south', 'VAN-1', 'DELETE'], ['publisher', 'VAN-1', 'POST'],
  ])('%s may not change the cards of %s (%s: 403)', async (who, id, method) => {
    const before = await vehicle(id);
    const res = method === 'POST'
      ? await f.as(who, json('POST', `/api/v1/vehicles/${id}/id-tokens`, { idToken: 'NEW-CARD' }))
      : await f.as(who, json('DELETE', `/api/v1/vehicles/${id}/id-tokens/${before!.idTokens[0]}`));
    expect(res.statusCode).toBe(403);
    expect(await vehicle(id)).toEqual(before);
  });
});

describe('assignment to a charger', () => {
  it('puts a van on an EVSE of its fleet’s site, and moves it to another', async () => {
    const res = await f.as('north', json('PUT', '/api/v1/vehicles/VAN-2/assignment', { stationId: 'CS1', evseId: 2 }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ vehicleId: 'VAN-2', stationId: 'CS1', evseId: 2, siteId: 'north-depot' });
    expect(await onEvse('CS1', 2)).toBe('VAN-2');
    expect((await f.as('north', json('PUT', '/api/v1/vehicles/VAN-2/assignment', { stationId: 'CS1', evseId: 1 }))).statusCode).toBe(200);
    expect(await onEvse('CS1', 2)).toBeUndefined();
    expect(await onEvse('CS1', 1)).toBe('VAN-2');
    expect((await auditOf('VAN-2'))[0]).toMatchObject({ action: 'vehicle.assigned', detail: { stationId: 'CS1', evseId: 1, siteId: 'north-depot' } });
  });

  it('lists each reader’s assignments and the chargers they may use', async () => {
    const north = (await f.as('north', { url: '/api/v1/vehicle-assignments' })).json();
    expect(north.assignments).toEqual([{ vehicleId: 'VAN-2', stationId: 'CS1', evseId: 1, siteId: 'north-depot' }]);
    expect(north.chargers.map((c: { stationId: string; evseId: number }) => `${c.stationId}/${c.evseId}`)).toEqual(['CS1/1', 'CS1/2']);
    const south = (await f.as('south', { url: '/api/v1/vehicle-assignments' })).json();
    expect(south).toEqual({ assignments: [], chargers: [{ siteId: 'south-depot', siteName: expect.any(String), fleet: 'south', stationId: 'CS2', evseId: 1 }] });
    const home = (await f.as('homeH', { url: '/api/v1/vehicle-assignments' })).json();
    expect(home).toEqual({ assignments: [], chargers: [] });
    expect((await f.as('publisher', { url: '/api/v1/vehicle-assignments' })).statusCode).toBe(403);
  });

  it.each<[Who, string, { stationId: string; evseId: number }, number, string | undefined]>([
    ['south', 'VAN-S', { stationId: 'CS1', evseId: 2 }, 403, 'evseId'], // another fleet's charger
    ['north', 'VAN-1', { stationId: 'CS2', evseId: 1 }, 403, 'evseId'],
    ['north', 'VAN-1', { stationId: 'NOWHERE', evseId: 1 }, 403, 'evseId'], // reads like a foreign one
    ['south', 'VAN-1', { stationId: 'CS2', evseId: 1 }, 403, undefined], // another fleet's van
    ['homeH', 'CAR-H', { stationId: 'HOME-H', evseId: 1 }, 403, undefined], // homeowners do not assign
    ['admin', 'VAN-1', { stationId: 'CS2', evseId: 1 }, 422, 'stationId'], // the site belongs to another fleet
    ['admin', 'VAN-1', { stationId: 'NOWHERE', evseId: 1 }, 404, 'evseId'],
    ['north', 'VAN-1', { stationId: 'CS1', evseId: 0 }, 400, 'evseId'],
    ['north', 'VAN-1', { stationId: '', evseId: 1 }, 400, 'stationId'],
  ])('%s putting %s on %j: %i naming %s, nothing changes', async (who, id, body, status, field) => {
    const before = await f.deps.stores.vehicles.assignmentsOf(['VAN-1', 'VAN-S', 'CAR-H']);
    const res = await f.as(who, json('PUT', `/api/v1/vehicles/${id}/assignment`, body));
    expect(res.statusCode).toBe(status);
    if (field) expect(res.json().field).toBe(field);
    expect(await f.deps.stores.vehicles.assignmentsOf(['VAN-1', 'VAN-S', 'CAR-H'])).toEqual(before);
  });

  it('takes a van off its charger (204, recorded once) and refuses others’ vans', async () => {
    expect((await f.as('south', json('DELETE', '/api/v1/vehicles/VAN-2/assignment'))).statusCode).toBe(403);
    expect(await onEvse('CS1', 1)).toBe('VAN-2');
    expect((await f.as('north', json('DELETE', '/api/v1/vehicles/VAN-2/assignment'))).statusCode).toBe(204);
    expect(await onEvse('CS1', 1)).toBeUndefined();
    expect((await f.as('north', json('DELETE', '/api/v1/vehicles/VAN-2/assignment'))).statusCode).toBe(204);
    expect((await auditOf('VAN-2')).filter((e) => e.action === 'vehicle.unassigned')).toHaveLength(1);
  });
});

describe('PUT /api/v1/vehicles/:vehicleId is audited too', () => {
  it('records a created vehicle in the same transaction', async () => {
    const res = await f.as('north', json('PUT', '/api/v1/vehicles/VAN-A1', { name: 'Audit van', fleet: 'north', maxAcKw: 11, phases: 3, idTokens: ['A1'] }));
    expect(res.statusCode).toBe(201);
    expect((await auditOf('VAN-A1'))[0]).toMatchObject({ action: 'vehicle.created', detail: { fleet: 'north', idTokens: 1 } });
    const clash = await f.as('north', json('PUT', '/api/v1/vehicles/VAN-A2', { name: 'Clash', fleet: 'north', maxAcKw: 11, phases: 3, idTokens: ['TOKEN-S'] }));
    expect(clash.statusCode).toBe(409);
    expect(await auditOf('VAN-A2')).toEqual([]);
    expect(await vehicle('VAN-A2')).toBeUndefined();
  });
});

describe('a change re-plans the vehicle’s site', () => {
  it('lowering a plugged-in van’s max AC power gives a new plan within it', async () => {
    await planVan1(f, 20);
    const before = await f.server.running.scheduler.latestPlan('north-depot');
    expect(Math.max(...before!.sessions.find((s) => s.vehicleId === 'VAN-1')!.powerKw)).toBeGreaterThan(4);
    expect((await f.as('north', json('PATCH', '/api/v1/vehicles/VAN-1', { maxAcKw: 3.7 }))).statusCode).toBe(200);
    await settle(f.server);
    const after = await f.server.running.scheduler.latestPlan('north-depot');
    expect(after!.id).toBeGreaterThan(before!.id);
    expect(after!.triggers).toContain('vehicle-changed');
    expect(Math.max(...after!.sessions.find((s) => s.vehicleId === 'VAN-1')!.powerKw)).toBeLessThanOrEqual(3.7 + 1e-9);
  });
});

describe('restart', () => {
  it('keeps edits, cards, assignments and their audit entries', async () => {
    await f.as('north', json('PUT', '/api/v1/vehicles/VAN-2/assignment', { stationId: 'CS1', evseId: 2 }));
    await f.as('north', json('POST', '/api/v1/vehicles/VAN-2/id-tokens', { idToken: 'KEEP-ME' }));
    const before = { van: await vehicle('VAN-2'), car: await vehicle('CAR-H'), audit: await auditOf('VAN-2') };
    restarted = await f.server.restart();
    const db = restarted.running.db;
    expect(await restarted.running.scheduler.vehicle('VAN-2')).toEqual(before.van);
    expect(await restarted.running.scheduler.vehicle('CAR-H')).toEqual(before.car);
    expect(await new AssignmentRepository(db).onEvse('CS1', 2)).toBe('VAN-2');
    expect(await new AuditRepository(db).list({ limit: 100, targetKind: 'vehicle', targetId: 'VAN-2' })).toEqual(before.audit);
  }, 60_000);
});
