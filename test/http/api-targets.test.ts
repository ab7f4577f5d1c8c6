import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { startApi, type ApiFixture, type Who } from './api-fixture.js';

let f: ApiFixture;
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
}, 60_000);
afterAll(async () => f?.close());

const put = (who: Who, id: string, payload: unknown) => f.as(who, { method: 'PUT', url: `/api/v1/vehicles/${id}/target`, payload: payload as object });
const stored = (id: string) => f.deps.stores.targets.get(id);

describe('PUT /api/v1/vehicles/:vehicleId/target', () => {
  it('lets a homeowner set its car’s one-off target and answers with the next departure', async () => {
    const res = await put('homeH', 'CAR-H', { kind: 'once', departure: '2026-11-24T07:30', socPercent: 80, currentSocPercent: 35 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      vehicleId: 'CAR-H',
      once: { kind: 'once', departure: '2026-11-24T07:30', socPercent: 80, currentSocPercent: 35 },
      weekly: null,
      nextDeparture: { at: '2026-11-24T06:30:00.000Z', local: '2026-11-24T07:30', timeZone: 'Europe/Berlin', source: 'once' },
    });
    expect((await stored('CAR-H'))?.once?.departure).toBe('2026-11-24T07:30');
  });

  it('lets a fleet manager set a weekly rule; the one-off target is kept', async () => {
    await put('north', 'VAN-1', { kind: 'once', departure: '2026-11-25T06:00', energyKwh: 30 });
    const res = await put('north', 'VAN-1', { kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '07:00', energyKwh: 25 });
    expect(res.statusCode).toBe(200);
    expect(await stored('VAN-1')).toMatchObject({ once: { energyKwh: 30 }, weekly: { time: '07:00', energyKwh: 25 } });
  });

  it.each<[Who, string]>([['homeG', 'CAR-H'], ['north', 'CAR-H'], ['south', 'VAN-1'], ['homeH', 'VAN-1'], ['publisher', 'VAN-1']])(
    '%s may not set the target of %s (403) and nothing changes', async (who, id) => {
      const before = await stored(id);
      const res = await put(who, id, { kind: 'once', departure: '2026-11-24T09:00', energyKwh: 5 });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('AUTH_FORBIDDEN');
      expect(await stored(id)).toEqual(before);
    });

  it('needs credentials (401)', async () => {
    expect((await put('anonymous', 'CAR-H', { kind: 'once', departure: '2026-11-24T09:00', energyKwh: 5 })).statusCode).toBe(401);
  });

  it.each<[string, unknown, string, string]>([
    ['a departure that is not a local date-time', { kind: 'once', departure: '24.11.2026 07:30', energyKwh: 5 }, 'departure', 'pattern'],
    ['a departure with a zone offset', { kind: 'once', departure: '2026-11-24T07:30+01:00', energyKwh: 5 }, 'departure', 'pattern'],
    ['a departure in the past (site zone)', { kind: 'once', departure: '2026-11-23T16:59', energyKwh: 5 }, 'departure', 'in-the-past'],
    ['no amount', { kind: 'once', departure: '2026-11-24T07:30' }, 'energyKwh', 'required'],
    ['a negative energy', { kind: 'once', departure: '2026-11-24T07:30', energyKwh: -1 }, 'energyKwh', 'range'],
    ['energy as text', { kind: 'once', departure: '2026-11-24T07:30', energyKwh: '5' }, 'energyKwh', 'type'],
    ['an SoC above 100 %', { kind: 'once', departure: '2026-11-24T07:30', socPercent: 120 }, 'socPercent', 'range'],
    ['no kind', { departure: '2026-11-24T07:30', energyKwh: 5 }, 'kind', 'required'],
    ['an unknown kind', { kind: 'daily', time: '07:00', energyKwh: 5 }, 'kind', 'enum'],
    ['an unknown field', { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 5, leaveAt: 'x' }, 'leaveAt', 'unknown-field'],
    ['a weekly rule without days', { kind: 'weekly', time: '07:00', energyKwh: 5 }, 'days', 'required'],
    ['an unknown weekday', { kind: 'weekly', days: ['mon', 'moon'], time: '07:00', energyKwh: 5 }, 'days[1]', 'enum'],
    ['a time of 24:00', { kind: 'weekly', days: ['mon'], time: '24:00', energyKwh: 5 }, 'time', 'pattern'],
    ['a minimum-now below 15 minutes', { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 5, minimumNow: { energyKwh: 2, withinMinutes: 5 } }, 'minimumNow.withinMinutes', 'range'],
  ])('refuses %s: 422 TARGET_INVALID naming the field', async (_what, body, field, rule) => {
    const before = await stored('CAR-H');
    const res = await put('homeH', 'CAR-H', body);
    expect(res.statusCode).toBe(422);
    const err = res.json();
    expect(err).toMatchObject({ code: 'TARGET_INVALID', field });
    expect(err.message).toContain(field.replace(/\[\d+\]$/, ''));
    expect(err.issues).toContainEqual(expect.objectContaining({ row: null, field, rule }));
    expect(await stored('CAR-H')).toEqual(before);
  });

  it('lists every problem of a target at once', async () => {
    const res = await put('homeH', 'CAR-H', { kind: 'weekly', days: [], time: '7:00', energyKwh: 0 });
    expect(res.json().issues.map((i: { field: string }) => i.field).sort()).toEqual(['days', 'energyKwh', 'time']);
  });

  it('refuses a body that is not an object', async () => {
    const res = await put('homeH', 'CAR-H', [1, 2]);
    expect(res.json()).toMatchObject({ code: 'TARGET_INVALID', field: 'target' });
  });

  it('answers an unknown vehicle with 403 for non-admins and 404 for admins', async () => {
    const body = { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 5 };
    expect((await put('north', 'NOPE', body)).statusCode).toBe(403);
    expect((await put('admin', 'NOPE', body)).json()).toMatchObject({ code: 'VEHICLE_UNKNOWN', field: 'vehicleId' });
  });
});

describe('GET /api/v1/vehicles/:vehicleId/target', () => {
  it('gives the targets and the next departure (the form’s default)', async () => {
    const res = await f.as('north', { url: '/api/v1/vehicles/VAN-1/target' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      vehicleId: 'VAN-1', once: { departure: '2026-11-25T06:00' }, weekly: { days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      updatedAt: '2026-11-23T16:00:00.000Z', nextDeparture: { local: '2026-11-25T06:00', source: 'once', timeZone: 'Europe/Copenhagen' },
    });
  });

  it('falls back to the site’s default departure for a vehicle without targets', async () => {
    const res = await f.as('south', { url: '/api/v1/vehicles/VAN-S/target' });
    expect(res.json()).toEqual({
      vehicleId: 'VAN-S', once: null, weekly: null, updatedAt: null, boost: null,
      nextDeparture: { at: '2026-11-24T06:00:00.000Z', local: '2026-11-24T07:00', timeZone: 'Europe/Copenhagen', source: 'site-default' },
    });
  });

  it.each<[Who, number]>([['admin', 200], ['homeH', 403], ['south', 403], ['publisher', 403], ['anonymous', 401]])('%s -> %i', async (who, status) => {
    expect((await f.as(who, { url: '/api/v1/vehicles/VAN-1/target' })).statusCode).toBe(status);
  });
});

describe('DELETE /api/v1/vehicles/:vehicleId/target/once', () => {
  it('drops the one-off target; the weekly rule applies again', async () => {
    const res = await f.as('north', { method: 'DELETE', url: '/api/v1/vehicles/VAN-1/target/once' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ once: null, weekly: { time: '07:00' }, nextDeparture: { source: 'weekly', local: '2026-11-24T07:00' } });
    expect((await stored('VAN-1'))?.once).toBeNull();
  });

  it.each<[Who, number]>([['homeG', 403], ['south', 403], ['publisher', 403], ['anonymous', 401]])('%s -> %i and the target stays', async (who, status) => {
    const before = await stored('CAR-H');
    expect((await f.as(who, { method: 'DELETE', url: '/api/v1/vehicles/CAR-H/target/once' })).statusCode).toBe(status);
    expect(await stored('CAR-H')).toEqual(before);
  });
});

describe('from a page: a login session instead of a token', () => {
  it('needs the CSRF token to change a target, and then works like a token', async () => {
    await createUser(new UserRepository(f.server.running.db), f.clock,
      { username: 'hanna', name: 'Hanna', password: 'a long enough password', grants: [{ role: 'homeowner', scopeKind: 'home', scopeId: 'home-h' }] },
      { N: 1024, r: 8, p: 1 });
    const login = await f.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'hanna', password: 'a long enough password' } });
    expect(login.statusCode).toBe(200);
    const cookie = String([login.headers['set-cookie']].flat()[0]).split(';')[0]!;
    const { csrfToken } = login.json() as { csrfToken: string };
    const body = { kind: 'weekly', days: ['sun'], time: '10:00', energyKwh: 8 };
    const without = await f.app.inject({ method: 'PUT', url: '/api/v1/vehicles/CAR-H/target', payload: body, headers: { cookie } });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('CSRF_INVALID');
    const withToken = await f.app.inject({ method: 'PUT', url: '/api/v1/vehicles/CAR-H/target', payload: body, headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(withToken.statusCode).toBe(200);
    expect((await stored('CAR-H'))?.weekly).toEqual(body);
    // Reads need no CSRF token; the scope is the user's grants.
    expect((await f.app.inject({ url: '/api/v1/vehicles', headers: { cookie } })).json().map((v: { id: string }) => v.id)).toEqual(['CAR-H']);
    expect((await f.app.inject({ url: '/api/v1/vehicles/CAR-G/target', headers: { cookie } })).statusCode).toBe(403);
  });
});
