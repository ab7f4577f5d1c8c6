/**
 * Issue 16: people, grants and the audit log for admins, on the real product (main.ts on the test database, SQLite or
 * PostgreSQL). Every route: what it does, a validation error naming the field, 403 for anyone but an admin, and the
 * audit entry it leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { startApi, type ApiFixture, type Who } from './api-fixture.js';
import { cookieOf } from './helpers/auth-app.js';
import { tokenParts } from '../helpers/api-token.js';
import { adminTranslator } from '../../src/http/pages/admin-messages.js';

const FAST = { N: 1024, r: 8, p: 1 };
const PASSWORD = 'a long enough password';
const NOT_ADMINS: Who[] = ['north', 'homeH', 'publisher'];

let f: ApiFixture;
let users: UserRepository;

// Starting the whole product takes a while on a busy machine: the hooks get a minute, the tests too.
beforeAll(async () => {
  f = await startApi();
  users = new UserRepository(f.server.running.db);
}, 120_000);
afterAll(async () => f?.close(), 60_000);

const admin = (opts: InjectOptions) => f.as('admin', opts);
const audit = async (query = '') => (await admin({ url: `/api/v1/admin/audit${query}` })).json() as {
  entries: { id: number; action: string; actor: { kind: string; name: string }; target: { kind: string; id: string }; detail?: Record<string, unknown> }[];
  nextBefore: number | null;
};
const login = async (username: string, password = PASSWORD) => {
  const res = await f.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } });
  return { res, cookie: cookieOf(res)?.value, csrf: res.statusCode === 200 ? (res.json() as { csrfToken: string }).csrfToken : undefined };
};
/** A person with a cheap hash, made directly in the store (for the routes that act on someone). */
const person = (username: string, grants = [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }]) =>
  createUser(users, f.clock, { username, name: username.toUpperCase(), password: PASSWORD, grants }, FAST);

async function expectForbidden(opts: InjectOptions) {
  for (const who of NOT_ADMINS) {
    const res = await f.as(who, opts);
    expect(res.statusCode, `${who} ${opts.method ?? 'GET'} ${opts.url}`).toBe(403);
    expect(res.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
  }
  expect((await f.as('anonymous', opts)).statusCode).toBe(401);
}

describe('GET /api/v1/admin/roles', { timeout: 180_000 }, () => {
  it('lists every role with its scope kind, for admins only', async () => {
    const res = await admin({ url: '/api/v1/admin/roles' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { role: 'admin', scopeKind: 'all' }, { role: 'fleet-manager', scopeKind: 'fleet' },
      { role: 'homeowner', scopeKind: 'home' }, { role: 'tariff-publisher', scopeKind: 'price-zone' },
      { role: 'site-viewer', scopeKind: 'site' },
    ]);
    await expectForbidden({ url: '/api/v1/admin/roles' });
  });
});

describe('POST and GET /api/v1/admin/users', { timeout: 180_000 }, () => {
  it('creates a user with a grant, lists it without its hash, and audits who did it', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/users', payload: { username: 'Fiona', name: 'Fiona Fleet', password: PASSWORD, grants: [{ role: 'fleet-manager', scopeId: 'north' }] } });
    expect(res.statusCode).toBe(201);
    const made = res.json();
    expect(made).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), username: 'fiona', name: 'Fiona Fleet', createdAt: new Date(f.clock.now()).toISOString(), disabledAt: null, grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }] });
    const list = (await admin({ url: '/api/v1/admin/users' })).json() as { username: string }[];
    expect(list.find((u) => u.username === 'fiona')).toEqual(made);
    expect(JSON.stringify(list)).not.toContain('scrypt$');
    expect((await login('fiona')).res.statusCode).toBe(200);
    const entry = (await audit()).entries.find((e) => e.action === 'user.created' && e.target.id === made.id);
    expect(entry).toMatchObject({ actor: { kind: 'token', name: 'admin' }, target: { kind: 'user', id: made.id }, detail: { username: 'fiona' } });
  });

  it.each([
    [{ name: 'X', password: PASSWORD }, 'username'],
    [{ username: 'x1', password: PASSWORD }, 'name'],
    [{ username: 'bad name', name: 'X', password: PASSWORD }, 'username'],
    [{ username: 'x2', name: 'X', password: 'short' }, 'password'],
    [{ username: 'x3', name: '   ', password: PASSWORD }, 'name'],
    [{ username: 'x4', name: 'X', password: PASSWORD, grants: [{ role: 'king', scopeId: 'a' }] }, 'grants[0].role'],
    [{ username: 'x5', name: 'X', password: PASSWORD, grants: [{ role: 'admin', scopeId: 'north' }] }, 'grants[0].scopeId'],
    [{ username: 'x6', name: 'X', password: PASSWORD, grants: [{ role: 'homeowner' }] }, 'grants[0].scopeId'],
    [{ username: 'x7', name: 'X', password: PASSWORD, role: 'admin' }, 'role'],
    [{ username: 'x8', name: 'X', password: 12345678901234 }, 'password'],
  ])('refuses %j naming %s', async (payload, field) => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/users', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
    expect(res.json().message).toContain(field.replace(/\[\d\]\..*/, ''));
  });

  it('refuses a taken username in any case, naming the field', async () => {
    await person('taken');
    const res = await admin({ method: 'POST', url: '/api/v1/admin/users', payload: { username: 'TAKEN', name: 'T', password: PASSWORD } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'REQUEST_INVALID', field: 'username', message: 'username: the username taken is taken' });
  });

  it('is for admins only', async () => {
    await expectForbidden({ url: '/api/v1/admin/users' });
    await expectForbidden({ method: 'POST', url: '/api/v1/admin/users', payload: { username: 'sneaky', name: 'S', password: PASSWORD } });
    expect(await users.findByUsername('sneaky')).toBeUndefined();
  });

  it('a cookie session needs the CSRF token, and a fleet manager’s session is refused', async () => {
    await person('adm', [{ role: 'admin', scopeKind: 'all', scopeId: '*' }]);
    const { cookie, csrf } = await login('adm');
    const post = (headers: Record<string, string>) => f.app.inject({
      method: 'POST', url: '/api/v1/admin/users', cookies: { cp_session: cookie! }, headers, payload: { username: 'via-cookie', name: 'C', password: PASSWORD },
    });
    expect((await post({})).json()).toMatchObject({ code: 'CSRF_INVALID' });
    expect((await post({ 'x-csrf-token': csrf! })).statusCode).toBe(201);
    await person('fm-cookie');
    const fm = await login('fm-cookie');
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/admin/users', cookies: { cp_session: fm.cookie! } });
    expect(res.statusCode).toBe(403);
  });
});

describe('PATCH /api/v1/admin/users/:userId', { timeout: 180_000 }, () => {
  it('disables (sessions end, tokens revoked, login refused) and re-enables, each audited', async () => {
    const u = await person('dora');
    const { cookie } = await login('dora');
    const disabled = await admin({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, payload: { disabled: true } });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ username: 'dora', disabledAt: new Date(f.clock.now()).toISOString() });
    expect((await f.app.inject({ url: '/api/v1/me', cookies: { cp_session: cookie! } })).statusCode).toBe(401);
    expect((await login('dora')).res.statusCode).toBe(401);
    const enabled = await admin({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, payload: { disabled: false } });
    expect(enabled.json()).toMatchObject({ username: 'dora', disabledAt: null });
    expect((await login('dora')).res.statusCode).toBe(200);
    const actions = (await audit(`?targetKind=user&targetId=${u.id}`)).entries.map((e) => e.action);
    expect(actions).toEqual(['user.enabled', 'user.disabled']);
  });

  it('names the field of a bad body or id, answers 404 for an unknown user, 403 for others', async () => {
    const u = await person('edna');
    expect((await admin({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, payload: {} })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'disabled' });
    expect((await admin({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, payload: { disabled: 'yes' } })).json()).toMatchObject({ field: 'disabled' });
    expect((await admin({ method: 'PATCH', url: '/api/v1/admin/users/not-an-id', payload: { disabled: true } })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'userId' });
    const unknown = await admin({ method: 'PATCH', url: '/api/v1/admin/users/0123456789abcdef', payload: { disabled: true } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'USER_UNKNOWN', field: 'userId' });
    await expectForbidden({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, payload: { disabled: true } });
    expect((await users.find(u.id))!.disabledAt).toBeUndefined();
  });
});

describe('PUT /api/v1/admin/users/:userId/password', { timeout: 180_000 }, () => {
  it('resets: the old password stops working, the person’s sessions end, the new one logs in; audited', async () => {
    const u = await person('gus');
    const { cookie } = await login('gus');
    const res = await admin({ method: 'PUT', url: `/api/v1/admin/users/${u.id}/password`, payload: { password: 'a brand new password' } });
    expect(res.statusCode).toBe(204);
    expect((await f.app.inject({ url: '/api/v1/me', cookies: { cp_session: cookie! } })).statusCode).toBe(401);
    expect((await login('gus')).res.statusCode).toBe(401);
    expect((await login('gus', 'a brand new password')).res.statusCode).toBe(200);
    const entry = (await audit(`?targetKind=user&targetId=${u.id}`)).entries[0]!;
    expect(entry.action).toBe('user.password-reset');
    expect(JSON.stringify(entry)).not.toContain('a brand new password');
  });

  it('names the field, and is for admins only', async () => {
    const u = await person('hal');
    const short = await admin({ method: 'PUT', url: `/api/v1/admin/users/${u.id}/password`, payload: { password: 'too short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toEqual({ code: 'REQUEST_INVALID', field: 'password', message: 'password: a password has at least 12 characters' });
    expect((await admin({ method: 'PUT', url: `/api/v1/admin/users/${u.id}/password`, payload: { pasword: 'a brand new password' } })).json()).toMatchObject({ field: 'password' });
    expect((await admin({ method: 'PUT', url: `/api/v1/admin/users/${u.id}/password`, payload: { password: 'a brand new password', force: true } })).json()).toMatchObject({ field: 'force' });
    await expectForbidden({ method: 'PUT', url: `/api/v1/admin/users/${u.id}/password`, payload: { password: 'a brand new password' } });
    expect((await login('hal')).res.statusCode).toBe(200);
  });
});

describe('grants: POST and DELETE /api/v1/admin/users/:userId/grants', { timeout: 180_000 }, () => {
  it('adds a role over a fleet, home and price zone, and removes one; the person’s access follows; audited', async () => {
    const u = await person('ivy', []);
    const add = (role: string, scopeId: string) => admin({ method: 'POST', url: `/api/v1/admin/users/${u.id}/grants`, payload: { role, scopeId } });
    expect((await add('fleet-manager', 'south')).statusCode).toBe(200);
    await add('homeowner', 'home-h');
    const last = await add('tariff-publisher', 'TEST');
    expect(last.json().grants).toEqual([
      { role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'south' },
      { role: 'homeowner', scopeKind: 'home', scopeId: 'home-h' },
      { role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: 'TEST' },
    ]);
    expect((await add('fleet-manager', 'south')).json().grants).toHaveLength(3);
    const { cookie } = await login('ivy');
    const sites = async () => ((await f.app.inject({ url: '/api/v1/sites', cookies: { cp_session: cookie! } })).json() as { id: string }[]).map((s) => s.id);
    expect(await sites()).toEqual(['south-depot', 'home-h']);
    const removed = await admin({ method: 'DELETE', url: `/api/v1/admin/users/${u.id}/grants?role=fleet-manager&scopeId=south` });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().grants).toHaveLength(2);
    expect(await sites()).toEqual(['home-h']);
    const actions = (await audit(`?targetKind=user&targetId=${u.id}`)).entries.map((e) => [e.action, e.detail?.grant]);
    expect(actions).toEqual([
      ['grant.removed', 'fleet-manager on fleet south'],
      ['grant.added', 'tariff-publisher on price-zone TEST'],
      ['grant.added', 'homeowner on home home-h'],
      ['grant.added', 'fleet-manager on fleet south'],
    ]);
  });

  it('names the field of a bad grant; 404 for a grant not held; admins only', async () => {
    const u = await person('jon', []);
    const post = (payload: object) => admin({ method: 'POST', url: `/api/v1/admin/users/${u.id}/grants`, payload });
    expect((await post({ role: 'king', scopeId: 'x' })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'role' });
    expect((await post({ role: 'fleet-manager' })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'scopeId' });
    expect((await post({ role: 'fleet-manager', scopeId: '   ' })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'scopeId' });
    expect((await post({ role: 'admin', scopeId: 'north' })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'scopeId' });
    expect((await post({ role: 'fleet-manager', scopeId: 'x', scopeKind: 'home' })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'scopeKind' });
    expect((await admin({ method: 'DELETE', url: `/api/v1/admin/users/${u.id}/grants?role=fleet-manager` })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'scopeId' });
    const notHeld = await admin({ method: 'DELETE', url: `/api/v1/admin/users/${u.id}/grants?role=fleet-manager&scopeId=north` });
    expect(notHeld.statusCode).toBe(404);
    expect(notHeld.json()).toMatchObject({ code: 'GRANT_UNKNOWN', field: 'scopeId' });
    await expectForbidden({ method: 'POST', url: `/api/v1/admin/users/${u.id}/grants`, payload: { role: 'admin', scopeId: '*' } });
    await users.addGrant(u.id, { role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' });
    await expectForbidden({ method: 'DELETE', url: `/api/v1/admin/users/${u.id}/grants?role=fleet-manager&scopeId=north` });
    expect((await users.find(u.id))!.grants).toEqual([{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }]);
  });
});

describe('the last active admin', { timeout: 180_000 }, () => {
  it('cannot be disabled or lose the admin role (409 LAST_ADMIN) until another admin exists', async () => {
    // Every admin so far: disable all but one.
    const admins = (await users.list()).filter((u) => u.disabledAt === undefined && u.grants.some((g) => g.role === 'admin'));
    const keep = admins[0] ?? (await person('root', [{ role: 'admin', scopeKind: 'all', scopeId: '*' }]));
    for (const a of admins.slice(1)) await users.disable(a.id, f.clock.now());
    const disable = await admin({ method: 'PATCH', url: `/api/v1/admin/users/${keep.id}`, payload: { disabled: true } });
    expect(disable.statusCode).toBe(409);
    expect(disable.json()).toMatchObject({ code: 'LAST_ADMIN' });
    const drop = await admin({ method: 'DELETE', url: `/api/v1/admin/users/${keep.id}/grants?role=admin&scopeId=*` });
    expect(drop.statusCode).toBe(409);
    expect((await users.find(keep.id))!.disabledAt).toBeUndefined();
    const other = await person('second-admin', [{ role: 'admin', scopeKind: 'all', scopeId: '*' }]);
    expect((await admin({ method: 'DELETE', url: `/api/v1/admin/users/${keep.id}/grants?role=admin&scopeId=*` })).statusCode).toBe(200);
    expect((await admin({ method: 'PATCH', url: `/api/v1/admin/users/${other.id}`, payload: { disabled: true } })).statusCode).toBe(409);
  });
});

describe('API tokens are audited', { timeout: 180_000 }, () => {
  it('records who created and who revoked a token, never its secret', async () => {
    const made = await admin({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'depot telematics', grants: [{ role: 'fleet-manager', scopeId: 'north' }], expiresInDays: 30 } });
    expect(made.statusCode).toBe(201);
    const { id, token } = made.json() as { id: string; token: string };
    expect((await admin({ method: 'DELETE', url: `/api/v1/tokens/${id}` })).statusCode).toBe(204);
    const entries = (await audit(`?targetKind=token&targetId=${id}`)).entries;
    expect(entries.map((e) => e.action)).toEqual(['token.revoked', 'token.created']);
    expect(entries[1]!.detail).toMatchObject({ name: 'depot telematics', expiresAt: new Date(f.clock.now() + 30 * 86_400_000).toISOString() });
    expect(JSON.stringify(entries)).not.toContain(tokenParts(token).secret);
  });
});

describe('GET /api/v1/admin/audit', { timeout: 180_000 }, () => {
  it('pages newest first with nextBefore, checks its query naming the field, and is for admins only', async () => {
    const all = (await audit('?limit=500')).entries;
    expect(all.length).toBeGreaterThan(5);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    const first = await audit('?limit=2');
    expect(first.entries.map((e) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
    const second = await audit(`?limit=2&before=${first.nextBefore}`);
    expect(second.entries.map((e) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
    expect((await audit(`?limit=500&before=${all[all.length - 1]!.id}`)).nextBefore).toBeNull();
    for (const [query, field] of [['?limit=0', 'limit'], ['?limit=501', 'limit'], ['?before=x', 'before'], ['?colour=red', 'colour']]) {
      const res = await admin({ url: `/api/v1/admin/audit${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json(), query).toMatchObject({ code: 'REQUEST_INVALID', field });
    }
    await expectForbidden({ url: '/api/v1/admin/audit' });
  });
});

describe('GET /api/v1/admin/get-started', { timeout: 180_000 }, () => {
  it('says what exists (sites, vehicles; no prices, no charger, no departure yet) for admins only', async () => {
    const res = await admin({ url: '/api/v1/admin/get-started' });
    expect(res.statusCode).toBe(200);
    const items = Object.fromEntries((res.json().items as { id: string; done: boolean; detail: string; phrase: { id: string; params: Record<string, string | number> } }[]).map((i) => [i.id, i]));
    expect(Object.keys(items)).toEqual(['site', 'tariff', 'charger', 'vehicle', 'departure']);
    expect(items.site).toMatchObject({ done: true, detail: expect.stringMatching(/^4 sites: /) });
    expect(items.tariff).toMatchObject({ done: false, detail: expect.stringContaining('no prices for the next 24 hours') });
    expect(items.charger).toEqual({ id: 'charger', done: false, detail: 'no station connected', phrase: { id: 'start.charger.none', params: {} } });
    expect(items.vehicle).toEqual({ id: 'vehicle', done: true, detail: '5 vehicles', phrase: { id: 'start.vehicle.some', params: { count: 5 } } });
    expect(items.departure).toEqual({ id: 'departure', done: false, detail: 'no departure target yet', phrase: { id: 'start.departure.none', params: {} } });
    // Each detail's phrase (issue 18), said from the English operator catalog, is the detail as the page shows it.
    const en = adminTranslator({ language: 'en', tag: 'en-GB' });
    for (const i of Object.values(items)) expect(en(`server.${i.phrase.id}`, i.phrase.params), i.id).toBe(`${i.detail.charAt(0).toUpperCase()}${i.detail.slice(1)}.`);
    await f.server.running.scheduler.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 10 });
    const after = (await admin({ url: '/api/v1/admin/get-started' })).json().items as { id: string; done: boolean; detail: string }[];
    expect(after.find((i) => i.id === 'departure')).toEqual({ id: 'departure', done: true, detail: '1 vehicle has a departure target', phrase: { id: 'start.departure.some', params: { count: 1 } } });
    await expectForbidden({ url: '/api/v1/admin/get-started' });
  });
});
