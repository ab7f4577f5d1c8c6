/**
 * Issue 16: a grant over a site. An admin gives a person the site-viewer role over one site through the admin API;
 * the person logs in and reads that site (list, detail, plan, stations, fleet table, savings, decisions) and nothing
 * else: not its fleet's vehicles, not another site, and no write. A site id spelled like a home id gives nothing of
 * that home. Taking the grant away ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiFixture } from './api-fixture.js';
import { cookieOf } from './helpers/auth-app.js';

const PASSWORD = 'a long enough password';
let f: ApiFixture;
let userId: string;
let session: { cookie: string; csrf: string };

beforeAll(async () => {
  f = await startApi();
  const made = await f.as('admin', { method: 'POST', url: '/api/v1/admin/users', payload: { username: 'sam', name: 'Sam Site', password: PASSWORD, grants: [{ role: 'site-viewer', scopeId: 'north-depot' }] } });
  expect(made.statusCode).toBe(201);
  expect(made.json().grants).toEqual([{ role: 'site-viewer', scopeKind: 'site', scopeId: 'north-depot' }]);
  userId = made.json().id;
  const login = await f.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'sam', password: PASSWORD } });
  session = { cookie: cookieOf(login)!.value, csrf: login.json().csrfToken };
}, 120_000);
afterAll(async () => f?.close(), 60_000);

const sam = (method: string, url: string, payload?: unknown) => f.app.inject({
  method: method as 'GET', url, cookies: { cp_session: session.cookie }, headers: { 'x-csrf-token': session.csrf },
  ...(payload === undefined ? {} : { payload: payload as object }),
});

describe('the site-viewer role', { timeout: 120_000 }, () => {
  it('is offered by the roles list with the site scope kind, and a grant of another kind is refused naming the field', async () => {
    expect((await f.as('admin', { url: '/api/v1/admin/roles' })).json()).toContainEqual({ role: 'site-viewer', scopeKind: 'site' });
    const bad = await f.as('admin', { method: 'POST', url: `/api/v1/admin/users/${userId}/grants`, payload: { role: 'site-viewer', scopeKind: 'fleet', scopeId: 'north' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'scopeKind' });
  });

  it.each(['', '/stations', '/vehicles', '/savings', '/decisions?limit=5', '/prices'])('reads its site: GET /sites/north-depot%s', async (suffix) => {
    expect((await sam('GET', `/api/v1/sites/north-depot${suffix}`)).statusCode).toBe(200);
  });

  it('reads its site’s plan (none yet: 404 PLAN_NONE, past the scope check)', async () => {
    expect((await sam('GET', '/api/v1/sites/north-depot/plan')).json()).toMatchObject({ code: 'PLAN_NONE' });
    expect((await sam('GET', '/api/v1/sites/south-depot/plan')).json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
  });

  it('lists only its site', async () => {
    const res = await sam('GET', '/api/v1/sites');
    expect(res.statusCode).toBe(200);
    expect(res.json().map((s: { id: string }) => s.id)).toEqual(['north-depot']);
  });

  it.each<[string, string, unknown?]>([
    ['GET', '/api/v1/sites/south-depot/plan'],
    ['GET', '/api/v1/sites/home-h'],
    ['GET', '/api/v1/vehicles'],
    ['GET', '/api/v1/vehicles/VAN-1'],
    ['GET', '/api/v1/vehicle-assignments'],
    ['PATCH', '/api/v1/vehicles/VAN-1', { name: 'x' }],
    ['PUT', '/api/v1/vehicles/VAN-1/target', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 5 }],
    ['PUT', '/api/v1/vehicles/VAN-1/assignment', { stationId: 'CS1', evseId: 1 }],
  ])('reads and changes nothing else: %s %s -> 403', async (method, url, payload) => {
    const res = await sam(method, url, payload);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('AUTH_FORBIDDEN');
  });

  it('a grant over the site "home-h" is not the household "home-h"', async () => {
    const add = await f.as('admin', { method: 'POST', url: `/api/v1/admin/users/${userId}/grants`, payload: { role: 'site-viewer', scopeId: 'home-h' } });
    expect(add.statusCode).toBe(200);
    expect((await sam('GET', '/api/v1/sites/home-h/stations')).statusCode).toBe(200);
    expect((await sam('GET', '/api/v1/vehicles/CAR-H')).statusCode).toBe(403);
    expect((await sam('PUT', '/api/v1/vehicles/CAR-H/target', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 5 })).statusCode).toBe(403);
  });

  it('ends when the grant is taken away, and both changes are in the audit log', async () => {
    const drop = await f.as('admin', { method: 'DELETE', url: `/api/v1/admin/users/${userId}/grants?role=site-viewer&scopeId=north-depot` });
    expect(drop.statusCode).toBe(200);
    expect((await sam('GET', '/api/v1/sites/north-depot/stations')).statusCode).toBe(403);
    expect((await sam('GET', '/api/v1/sites')).json().map((s: { id: string }) => s.id)).toEqual(['home-h']);
    const log = (await f.as('admin', { url: '/api/v1/admin/audit?limit=20' })).json() as { entries: { action: string; detail?: { grant?: string } }[] };
    const grants = log.entries.filter((e) => e.action.startsWith('grant.')).map((e) => `${e.action} ${e.detail?.grant}`);
    expect(grants).toEqual(['grant.removed site-viewer on site north-depot', 'grant.added site-viewer on site home-h']);
  });
});
