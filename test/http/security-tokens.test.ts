/**
 * Issue 20, finding 3: a fleet manager took over another fleet's car and charger session through RFID tokens.
 * `PUT /api/v1/vehicles/:id` checked the caller's scope over the vehicle's fleet but not over the vehicle that held
 * each listed token, and `vehicle_id_tokens` moved a token silently (ON CONFLICT DO UPDATE). The boost answer (409
 * not plugged vs 200 with site and station) then told the caller where a guessed card was charging.
 *
 * The rule now (docs/api.md, "Id tokens"): a token names one car; a token another vehicle holds is refused with the
 * same 409 ID_TOKEN_IN_USE whoever's vehicle it is, and the store itself refuses to move it. A move is explicit
 * (`?moveIdTokens=true`) and only from vehicles the caller may write. "Charge now" applies only to a session on a
 * site the caller may write; anything else reads exactly like "not plugged in".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdTokenInUseError, ID_TOKENS_MAX } from '../../src/domain/vehicles.js';
import { VehicleRepository } from '../../src/storage/vehicle-repository.js';
import { startApi, T0, type ApiFixture, type Who } from './api-fixture.js';
import { publishPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';

let f: ApiFixture;
let south: PlanningStation;
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  await publishPrices(f.server, T0, Array.from({ length: 40 }, () => 0.3));
  // Fleet south's van charges at its own depot (CS2), identified by its card TOKEN-S.
  south = await PlanningStation.connect(f.server, { id: 'CS2', evses: 1 });
  await south.boot();
  await south.startTransaction(1, 'TX-S', 'TOKEN-S');
  await settle(f.server);
}, 60_000);
afterAll(async () => f?.close());

const van = (idTokens: string[], fleet = 'north') => ({ name: 'Van X', fleet, batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens });
const putVehicle = (who: Who, id: string, body: unknown, query = '') =>
  f.as(who, { method: 'PUT', url: `/api/v1/vehicles/${id}${query}`, payload: body as object });
const holder = async (token: string) => (await f.deps.stores.vehicles.byIdToken(token))?.id;
const southPlanCar = async () => (await f.as('south', { url: '/api/v1/sites/south-depot/plan' })).json().sessions.map((s: { vehicleId: string }) => s.vehicleId);

describe('finding 3: a fleet manager cannot take another fleet’s card', () => {
  it('fleet north creating a van with fleet south’s card is refused and south’s van and session stay south’s', async () => {
    expect(await southPlanCar()).toEqual(['VAN-S']);
    const res = await putVehicle('north', 'VAN-X', van(['TOKEN-S']));
    // Before the fix: 201, VAN-S lost TOKEN-S and TX-S at south-depot became north's VAN-X.
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ code: 'ID_TOKEN_IN_USE', field: 'idTokens[0]', message: 'idTokens[0] is already in use by another vehicle: a token names one car (remove it there first, or move it with ?moveIdTokens=true from a vehicle you may edit)' });
    expect((await f.deps.stores.vehicles.get('VAN-S'))?.idTokens).toEqual(['TOKEN-S']);
    expect(await f.deps.stores.vehicles.get('VAN-X')).toBeUndefined();
    expect(await holder('TOKEN-S')).toBe('VAN-S');
    await settle(f.server);
    expect(await southPlanCar()).toEqual(['VAN-S']);
    // Nothing to boost: VAN-X does not exist.
    expect((await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-X/boost', payload: { energyKwh: 80 } })).statusCode).toBe(403);
    expect(await f.server.running.scheduler.boost('VAN-S')).toBeUndefined();
  });

  it('an existing van of north cannot take it either, not even with ?moveIdTokens=true (south is outside north’s scope)', async () => {
    for (const query of ['', '?moveIdTokens=true']) {
      const res = await putVehicle('north', 'VAN-1', van(['TOKEN-1', 'TOKEN-S']), query);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'ID_TOKEN_IN_USE', field: 'idTokens[1]' });
    }
    expect((await f.deps.stores.vehicles.get('VAN-1'))?.idTokens).toEqual(['TOKEN-1']);
    expect(await holder('TOKEN-S')).toBe('VAN-S');
  });

  it('is not an oracle: a card of another fleet’s van gets the very same answer as one of the caller’s own vans', async () => {
    const foreign = await putVehicle('north', 'VAN-Y', van(['TOKEN-S']));
    const own = await putVehicle('north', 'VAN-Y', van(['TOKEN-2']));
    expect(foreign.statusCode).toBe(409);
    expect(own.statusCode).toBe(409);
    expect(foreign.body).toBe(own.body);
    expect(await f.deps.stores.vehicles.get('VAN-Y')).toBeUndefined();
  });

  it('moves a card between two vans of the caller’s own fleet only when asked to', async () => {
    expect((await putVehicle('north', 'VAN-1', van(['TOKEN-1', 'TOKEN-2']))).statusCode).toBe(409);
    expect(await holder('TOKEN-2')).toBe('VAN-2');
    const moved = await putVehicle('north', 'VAN-1', van(['TOKEN-1', 'TOKEN-2']), '?moveIdTokens=true');
    expect(moved.statusCode).toBe(200);
    expect(moved.json().idTokens).toEqual(['TOKEN-1', 'TOKEN-2']);
    expect((await f.deps.stores.vehicles.get('VAN-2'))?.idTokens).toEqual([]);
    // ... and back, so the other tests keep their cars.
    expect((await putVehicle('north', 'VAN-2', van(['TOKEN-2']), '?moveIdTokens=true')).statusCode).toBe(200);
    expect(await holder('TOKEN-2')).toBe('VAN-2');
  });

  it('a refused move changes nothing, not even the vehicle’s other fields', async () => {
    const before = await f.deps.stores.vehicles.get('VAN-1');
    const res = await putVehicle('north', 'VAN-1', { ...van(['TOKEN-S']), name: 'renamed' }, '?moveIdTokens=true');
    expect(res.statusCode).toBe(409);
    expect(await f.deps.stores.vehicles.get('VAN-1')).toEqual(before);
  });

  it('an admin may move a card across fleets, explicitly', async () => {
    expect((await putVehicle('admin', 'CAR-H', van(['TOKEN-H', 'TOKEN-G'], 'home-h'))).statusCode).toBe(409);
    expect((await putVehicle('admin', 'CAR-H', van(['TOKEN-H', 'TOKEN-G'], 'home-h'), '?moveIdTokens=true')).statusCode).toBe(200);
    expect(await holder('TOKEN-G')).toBe('CAR-H');
    expect((await putVehicle('admin', 'CAR-G', van(['TOKEN-G'], 'home-g'), '?moveIdTokens=true')).statusCode).toBe(200);
    expect(await holder('TOKEN-G')).toBe('CAR-G');
  });

  it(`caps the token list at ${ID_TOKENS_MAX}, naming the field`, async () => {
    const many = Array.from({ length: ID_TOKENS_MAX + 1 }, (_, i) => `CARD-${i}`);
    const res = await putVehicle('north', 'VAN-Z', van(many));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'idTokens' });
    expect(await f.deps.stores.vehicles.get('VAN-Z')).toBeUndefined();
    expect((await putVehicle('north', 'VAN-Z', van(many.slice(0, ID_TOKENS_MAX)))).statusCode).toBe(201);
  });
});

describe('finding 3 at depth: the store never moves a token on its own', () => {
  it('VehicleRepository.upsert refuses a token another vehicle holds and writes nothing', async () => {
    const repo = new VehicleRepository(f.server.running.db);
    const v = { id: 'VAN-Q', name: 'q', fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3 as const, minCurrentA: null, idTokens: ['FREE-Q', 'TOKEN-S'] };
    await expect(repo.upsert(v, T0)).rejects.toThrow(IdTokenInUseError);
    expect(await repo.get('VAN-Q')).toBeUndefined();
    expect(await repo.byIdToken('FREE-Q')).toBeUndefined();
    expect(await holder('TOKEN-S')).toBe('VAN-S');
  });

  it('so does every writer that goes through the scheduler (the demo, the CLI)', async () => {
    await expect(f.server.running.scheduler.upsertVehicle({ id: 'VAN-Q', name: 'q', fleet: 'north', maxAcKw: 11, phases: 3, idTokens: ['TOKEN-S'] }))
      .rejects.toThrow(IdTokenInUseError);
    expect(await holder('TOKEN-S')).toBe('VAN-S');
  });
});

describe('finding 3: "charge now" is no oracle for sessions outside the caller’s scope', () => {
  it('a card nobody registered, charging at south’s depot, claimed by north: the boost reads exactly like "not plugged in"', async () => {
    await south.endTransaction(1, 'TX-S');
    await south.startTransaction(1, 'TX-GUEST', 'GUEST-CARD');
    await settle(f.server);
    expect((await putVehicle('north', 'VAN-G', van(['GUEST-CARD']))).statusCode).toBe(201);
    const guess = await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-G/boost', payload: { energyKwh: 20 } });
    const away = await f.as('north', { method: 'PUT', url: '/api/v1/vehicles/VAN-2/boost', payload: { energyKwh: 20 } });
    // Before the fix: 200 {siteId: south-depot, stationId: CS2, transactionId: TX-GUEST} and south's charger boosted.
    expect(guess.statusCode).toBe(409);
    expect(away.statusCode).toBe(409);
    expect(guess.body.replace('VAN-G', 'VAN-2')).toBe(away.body);
    expect(guess.body).not.toMatch(/south|CS2|TX-GUEST/);
    expect(await f.server.running.scheduler.boost('VAN-G')).toBeUndefined();
    const target = (await f.as('north', { url: '/api/v1/vehicles/VAN-G/target' })).json();
    expect(JSON.stringify(target)).not.toMatch(/south-depot|CS2|TX-GUEST/);
    await settle(f.server);
    const plan = (await f.as('south', { url: '/api/v1/sites/south-depot/plan' })).json();
    expect(plan.sessions[0].boost).toBeNull();
  });

  it('an admin may still boost it (the site is in scope)', async () => {
    const res = await f.as('admin', { method: 'PUT', url: '/api/v1/vehicles/VAN-G/boost', payload: { energyKwh: 5 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ siteId: 'south-depot', stationId: 'CS2' });
    // ... and north, whose car it claims to be, still learns nothing about where it charges.
    const target = (await f.as('north', { url: '/api/v1/vehicles/VAN-G/target' })).json();
    expect(target.boost).toBeNull();
    expect((await f.as('north', { method: 'DELETE', url: '/api/v1/vehicles/VAN-G/boost' })).json()).toEqual({ cleared: false });
    expect(await f.server.running.scheduler.boost('VAN-G')).toBeDefined();
  });
});
