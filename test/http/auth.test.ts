import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { ADMIN, PASSWORD, authApp, cookieOf, fleet, type AuthApp } from './helpers/auth-app.js';

const HOUR = 3600_000;

describe('login sessions', () => {
  let t: AuthApp;
  beforeEach(async () => {
    t = await authApp();
    await t.addUser('alice', [fleet('vans')]);
  });
  afterEach(() => t.close());

  const me = (cookie?: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', ...(cookie ? { cookies: { cp_session: cookie } } : {}) });

  it('logs in: user, grants, CSRF token and an httpOnly, SameSite=Strict, Secure cookie on / for 7 days; only its hash is stored', async () => {
    const { res, cookie, csrf } = await t.login('alice');
    expect(res.statusCode).toBe(200);
    const user = (await t.users.findByUsername('alice'))!;
    expect(res.json()).toEqual({ user: { id: user.id, username: 'alice', name: 'Alice' }, grants: [fleet('vans')], csrfToken: csrf });
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const c = cookieOf(res)!;
    expect(c.attrs).toEqual({ 'max-age': '604800', path: '/', httponly: true, secure: true, samesite: 'Strict' });
    const rows = await t.db.selectFrom('web_sessions').select(['id', 'user_id']).execute();
    expect(rows).toEqual([{ id: createHash('sha256').update(cookie).digest('hex'), user_id: user.id }]);
    expect(JSON.stringify(rows)).not.toContain(cookie);
  });

  it('GET /api/v1/me names the user, its grants and the CSRF token; a token caller gets no CSRF token; nobody gets 401', async () => {
    const { cookie, csrf } = await t.login('alice');
    const user = (await t.users.findByUsername('alice'))!;
    expect((await me(cookie)).json()).toEqual({ kind: 'user', id: user.id, name: 'Alice', grants: [fleet('vans')], csrfToken: csrf });
    const { id, token } = await issueApiToken(t.tokens, t.clock, { name: 'telematics', grants: [fleet('vans')] });
    const asToken = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(asToken.json()).toEqual({ kind: 'token', id, name: 'telematics', grants: [fleet('vans')] });
    const nobody = await me();
    expect(nobody.statusCode).toBe(401);
    expect(nobody.json()).toEqual({ code: 'AUTH_MISSING', message: 'log in, or send an API token: Authorization: Bearer cpk_...' });
  });

  it('accepts the username in any case', async () => {
    expect((await t.login('ALICE')).res.statusCode).toBe(200);
  });

  it('answers a wrong password, an unknown user and a disabled account alike: 401 AUTH_INVALID (reason wrong-credentials), no cookie', async () => {
    await t.addUser('bob', [fleet('vans')]);
    await t.users.disable((await t.users.findByUsername('bob'))!.id, t.clock.now());
    const answers = [await t.login('alice', 'not the right password'), await t.login('nobody-here'), await t.login('bob')];
    for (const { res } of answers) {
      expect(res.statusCode).toBe(401);
      // The reason tells this case from an ended session or a bad token (issue 18), never which of the three it was.
      expect(res.json()).toEqual({ code: 'AUTH_INVALID', reason: 'wrong-credentials', message: 'the username and password do not match an active account' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it.each([
    [{ password: PASSWORD }, 'username', /must have required property 'username'/],
    [{ username: 'alice' }, 'password', /must have required property 'password'/],
    [{ username: '', password: PASSWORD }, 'username', /username must NOT have fewer than 1 characters/],
    [{ username: 'alice', password: '' }, 'password', /password must NOT have fewer than 1 characters/],
    [{ username: 'alice', password: 'x'.repeat(1025) }, 'password', /password must NOT have more than 1024 characters/],
    [{ username: 'a'.repeat(101), password: PASSWORD }, 'username', /username must NOT have more than 100 characters/],
  ])('rejects the login body %j with 400 naming %s', async (payload, field, message) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
    expect(res.json().message).toMatch(message);
  });

  it('takes a plain HTML form post as well', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=alice&password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(res.statusCode).toBe(200);
    expect(cookieOf(res)).toBeDefined();
  });

  it('a new login replaces the old session of the same browser and needs no CSRF token', async () => {
    const first = await t.login('alice');
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'alice', password: PASSWORD }, cookies: { cp_session: first.cookie } });
    expect(again.statusCode).toBe(200);
    expect((await me(first.cookie)).statusCode).toBe(401);
    expect((await me(cookieOf(again)!.value)).statusCode).toBe(200);
  });

  it('slides the idle expiry (12 h) while used, and ends a session idle for longer', async () => {
    const { cookie } = await t.login('alice');
    for (let i = 0; i < 3; i++) {
      t.clock.advance(11 * HOUR);
      expect((await me(cookie)).statusCode).toBe(200);
    }
    t.clock.advance(12 * HOUR);
    const ended = await me(cookie);
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toEqual({ code: 'AUTH_INVALID', reason: 'session-ended', message: 'your login session has ended; log in again' });
    // The browser is told to drop the cookie, and the row is gone.
    const cleared = cookieOf(ended)!;
    expect(cleared.value).toBe('');
    expect(cleared.attrs.expires).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(await t.db.selectFrom('web_sessions').select('id').execute()).toEqual([]);
  });

  it('ends a session 7 days after login however busy it is', async () => {
    const { cookie } = await t.login('alice');
    for (let h = 0; h < 160; h += 10) {
      expect((await me(cookie)).statusCode).toBe(200);
      t.clock.advance(10 * HOUR);
    }
    expect((await me(cookie)).statusCode).toBe(200);
    t.clock.set(Date.parse('2026-03-09T07:59:59.999Z'));
    expect((await me(cookie)).statusCode).toBe(200);
    t.clock.advance(1);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('stops the sessions of a disabled user at once, also if only the flag was set', async () => {
    const a = await t.login('alice');
    const b = await t.login('alice');
    const id = (await t.users.findByUsername('alice'))!.id;
    await t.db.updateTable('users').set({ disabled_at: new Date(t.clock.now()).toISOString() }).where('id', '=', id).execute();
    expect((await me(a.cookie)).statusCode).toBe(401);
    await t.db.updateTable('users').set({ disabled_at: null }).where('id', '=', id).execute();
    await t.users.disable(id, t.clock.now());
    expect((await me(b.cookie)).statusCode).toBe(401);
  });

  it('ignores a forged or malformed cookie: anonymous, the cookie cleared', async () => {
    for (const value of ['x'.repeat(43), 'not a session', '']) {
      const res = await me(value);
      expect(res.statusCode).toBe(401);
    }
    const health = await t.app.inject({ method: 'GET', url: '/health', cookies: { cp_session: 'x'.repeat(43) } });
    expect(health.statusCode).toBe(200);
  });

  it('omits Secure when configured for plain-http localhost use', async () => {
    const local = await authApp({ cookieSecure: false });
    await local.addUser('alice', [fleet('vans')]);
    const c = cookieOf((await local.login('alice')).res)!;
    expect(c.attrs.secure).toBeUndefined();
    expect(c.attrs).toMatchObject({ httponly: true, samesite: 'Strict', path: '/' });
    await local.close();
  });
});

describe('CSRF', () => {
  let t: AuthApp;
  let cookie: string;
  let csrf: string;
  beforeEach(async () => {
    t = await authApp();
    await t.addUser('alice', [fleet('vans')]);
    ({ cookie, csrf } = await t.login('alice'));
  });
  afterEach(() => t.close());

  const createToken = (headers: Record<string, string>, payload: unknown = { name: 'x' }) =>
    t.app.inject({ method: 'POST', url: '/api/v1/tokens', cookies: { cp_session: cookie }, headers, payload: payload as string });

  it('refuses a cookie POST without the token, or with a wrong one: 403 CSRF_INVALID naming the header', async () => {
    const missing = await createToken({});
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toEqual({ code: 'CSRF_INVALID', field: 'X-CSRF-Token', message: 'this request needs the X-CSRF-Token header (or a _csrf form field) with the csrfToken from GET /api/v1/me' });
    const wrong = await createToken({ 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().message).toBe('the X-CSRF-Token does not match this login session; read it again from GET /api/v1/me');
    expect(await t.ownedTokens.list()).toEqual([]);
  });

  it('checks CSRF before the body: a forged request learns nothing about validation', async () => {
    expect((await createToken({}, { name: '' })).statusCode).toBe(403);
  });

  it('accepts the right token in the header or in a _csrf form field', async () => {
    expect((await createToken({ 'x-csrf-token': csrf })).statusCode).toBe(201);
    const form = await createToken({ 'content-type': 'application/x-www-form-urlencoded' }, `name=from+a+form&_csrf=${encodeURIComponent(csrf)}`);
    expect(form.statusCode).toBe(201);
    expect(form.json().name).toBe('from a form');
    // The field counts only in a form body; in JSON the header is the way.
    expect((await createToken({}, { name: 'json', _csrf: csrf })).statusCode).toBe(403);
  });

  it('needs none for GET, nor for Bearer requests', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/tokens', cookies: { cp_session: cookie } })).statusCode).toBe(200);
    const { token } = await issueApiToken(t.tokens, t.clock, { name: 'root', grants: [ADMIN] });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` }, payload: { name: 'y' } });
    expect(res.statusCode).toBe(201);
  });

  it('logout needs it; then the session is gone and the cookie cleared', async () => {
    const logout = (headers: Record<string, string>) => t.app.inject({ method: 'DELETE', url: '/api/v1/session', cookies: { cp_session: cookie }, headers });
    expect((await logout({})).statusCode).toBe(403);
    const res = await logout({ 'x-csrf-token': csrf });
    expect(res.statusCode).toBe(204);
    expect(cookieOf(res)!.value).toBe('');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { cp_session: cookie } })).statusCode).toBe(401);
    // Logging out without a live session is harmless.
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/session' })).statusCode).toBe(204);
  });
});

describe('rate limits', () => {
  let t: AuthApp;
  afterEach(() => t.close());

  it('allows 5 failed logins a minute per username and address, then 429 RATE_LIMITED with Retry-After; other addresses are not locked out (issue 20)', async () => {
    t = await authApp();
    await t.addUser('alice', [fleet('vans')]);
    for (let i = 0; i < 5; i++) expect((await t.login('alice', 'wrong password!', '10.0.0.1')).res.statusCode).toBe(401);
    t.clock.advance(30_000);
    const limited = (await t.login('Alice', PASSWORD, '10.0.0.1')).res;
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
    expect(limited.json()).toEqual({ code: 'RATE_LIMITED', message: 'too many failed logins for this username from this address: at most 5 a minute; try again in 30 s' });
    expect((await t.login('alice', PASSWORD, '10.0.0.9')).res.statusCode).toBe(200);
    t.clock.advance(30_000);
    expect((await t.login('alice', PASSWORD, '10.0.0.1')).res.statusCode).toBe(200);
  });

  it('limits login attempts per address across usernames; another address is unaffected', async () => {
    t = await authApp({ loginPerMinutePerIp: 3 });
    for (const name of ['u1', 'u2', 'u3']) await t.addUser(name, [fleet('vans')]);
    for (const name of ['u1', 'u2', 'u3']) expect((await t.login(name, 'wrong password!', '192.0.2.7')).res.statusCode).toBe(401);
    const limited = (await t.login('u1', PASSWORD, '192.0.2.7')).res;
    expect(limited.statusCode).toBe(429);
    expect(limited.json().message).toMatch(/^too many login attempts from this address: at most 3 a minute/);
    expect(limited.headers['retry-after']).toBe('60');
    expect((await t.login('u1', PASSWORD, '192.0.2.8')).res.statusCode).toBe(200);
  });

  it('limits the token endpoints per caller, and nothing else', async () => {
    t = await authApp({ tokenRequestsPerMinute: 3 });
    const a = (await issueApiToken(t.tokens, t.clock, { name: 'a', grants: [ADMIN] })).token;
    const b = (await issueApiToken(t.tokens, t.clock, { name: 'b', grants: [ADMIN] })).token;
    const list = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) expect((await list(a)).statusCode).toBe(200);
    const limited = await list(a);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect((await list(b)).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${a}` } })).statusCode).toBe(200);
    }
  });
});

describe('without accounts', () => {
  it('keeps the Bearer path and has no login or token routes', async () => {
    const clock = new ManualClock();
    const tokens = { find: async () => undefined, create: async () => {}, markUsed: async () => {} };
    const app = await buildApp({ clock, logger: silentLogger(), stations: { connectedCount: () => 0, isConnected: () => false }, auth: { tokens, clock } });
    expect((await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'a', password: 'b' } })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'GET', url: '/health', headers: { authorization: 'Bearer cpk_nope' } });
    expect(bad.json()).toEqual({ code: 'AUTH_INVALID', reason: 'token-invalid', message: 'the API token is not valid' });
    await app.close();
  });
});
