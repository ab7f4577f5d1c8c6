/**
 * Issue 20, findings 5 and 8, each reproduced against the real app (buildApp with the auth plugin, its routes and
 * the pages, on a real SQLite file): the open redirect after login, login CSRF, the per-username lockout and the
 * security headers that were only on the pages. The browser side of finding 5 (Chromium following `next`) is in
 * test/browser/security-login.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeNextPath } from '../../src/http/auth/next-path.js';
import { addressKey } from '../../src/http/auth/login-throttle.js';
import { PASSWORD, cookieOf, fleet } from './helpers/auth-app.js';
import { securityApp, type SecurityApp } from './security-fixture.js';
import { startTestServer } from '../helpers/test-server.js';

/** Every `next` the review and its variants tried: each must come back as a path of our own pages, or "/". */
export const HOSTILE_NEXT = [
  '/\t/evil.example/phish',
  '/\n/evil.example/phish',
  '/\r/evil.example/phish',
  '/\r\n/evil.example/phish',
  '/\\evil.example/phish',
  '\\\\evil.example/phish',
  '/\\/evil.example',
  '//evil.example/phish',
  '///evil.example/phish',
  'https://evil.example/phish',
  'http:evil.example',
  'javascript:alert(1)',
  ' //evil.example',
  '/%09/evil.example/phish',
  '/%2F%2Fevil.example',
  '%2F%2Fevil.example',
  '/%5Cevil.example',
  '/\u0000/evil.example',
  '/\u3000/evil.example',
  '/\uff0f/evil.example',
  '/.//evil.example',
  '/home/..//evil.example',
  '/api/v1/tokens',
  '/login',
  '',
];

describe('finding 5: the login page goes only to our own pages afterwards', () => {
  it.each(HOSTILE_NEXT.map((n) => [n]))('safeNextPath(%j) is "/"', (next) => {
    expect(safeNextPath(next)).toBe('/');
  });

  it.each([
    ['/home', '/home'],
    ['/fleet', '/fleet'],
    ['/fleet?site=north-depot', '/fleet?site=north-depot'],
    ['/home?vehicle=CAR-H&x=%2F%2Fevil', '/home?vehicle=CAR-H&x=%2F%2Fevil'],
    ['/', '/'],
  ])('keeps our own page %j', (next, kept) => {
    expect(safeNextPath(next)).toBe(kept);
  });

  it('is not fooled by non-strings or huge input', () => {
    expect(safeNextPath(undefined)).toBe('/');
    expect(safeNextPath(['/home'])).toBe('/');
    expect(safeNextPath(`/home?${'a'.repeat(5000)}`)).toBe('/');
  });

  describe('through the server', () => {
    let t: SecurityApp;
    beforeEach(async () => {
      t = await securityApp();
      await t.addUser('alice', [fleet('vans')]);
    });
    afterEach(() => t.close());

    it('the login page carries only the checked destination for its script, never the raw parameter', async () => {
      for (const next of HOSTILE_NEXT.slice(0, 12)) {
        const res = await t.app.inject({ url: `/login?next=${encodeURIComponent(next)}` });
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain('data-next="/"');
        expect(res.body).not.toContain('evil.example');
      }
      const own = await t.app.inject({ url: `/login?next=${encodeURIComponent('/fleet?site=a&b=c')}` });
      expect(own.body).toContain('data-next="/fleet?site=a&amp;b=c"');
    });

    it('a logged-in visit to /login?next=... redirects to the checked destination only', async () => {
      const { cookie } = await t.login('alice');
      for (const next of HOSTILE_NEXT) {
        const res = await t.app.inject({ url: `/login?next=${encodeURIComponent(next)}`, cookies: { cp_session: cookie } });
        expect(res.statusCode, next).toBe(302);
        expect(res.headers.location, next).toBe('/fleet');
      }
      const own = await t.app.inject({ url: '/login?next=%2Ffleet%3Fsite%3Dnorth', cookies: { cp_session: cookie } });
      expect(own.headers.location).toBe('/fleet?site=north');
    });
  });
});

describe('finding 8: login CSRF', () => {
  let t: SecurityApp;
  beforeEach(async () => {
    t = await securityApp();
    await t.addUser('mallory', [fleet('evil')]);
    await t.addUser('alice', [fleet('vans')]);
  });
  afterEach(() => t.close());

  const formLogin = (headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'chargeplan.example', ...headers },
      payload: `username=mallory&password=${encodeURIComponent(PASSWORD)}`,
    });

  it.each([
    [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    [{ origin: 'https://evil.example' }],
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-site', origin: 'https://shop.chargeplan.example' }],
    [{ origin: 'null' }],
    [{ origin: 'https://chargeplan.example.evil.example' }],
  ])('refuses a cross-site form that logs the victim in as the attacker: %j', async (headers) => {
    const res = await formLogin(headers);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'CSRF_INVALID' });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await t.db.selectFrom('web_sessions').select('id').execute()).toEqual([]);
  });

  it.each([
    [{ origin: 'https://chargeplan.example', 'sec-fetch-site': 'same-origin' }],
    [{ origin: 'http://chargeplan.example' }],
    [{ 'sec-fetch-site': 'same-origin' }],
    [{}],
  ])('still logs in from our own page, or from a client that is not a browser: %j', async (headers) => {
    const res = await formLogin(headers);
    expect(res.statusCode).toBe(200);
    expect(cookieOf(res)).toBeDefined();
  });

  it('refuses a cross-site cookie write even with the right CSRF token (the token is the second wall, not the only one)', async () => {
    const { cookie, csrf } = await t.login('alice');
    const post = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/api/v1/tokens', cookies: { cp_session: cookie }, headers: { host: 'chargeplan.example', 'x-csrf-token': csrf, ...headers }, payload: { name: 'x' } });
    expect((await post({ origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect(await t.ownedTokens.list()).toEqual([]);
    expect((await post({ origin: 'https://chargeplan.example', 'sec-fetch-site': 'same-origin' })).statusCode).toBe(201);
  });
});

describe('finding 8: nobody locks a known user out', () => {
  let t: SecurityApp;
  afterEach(() => t.close());

  it('5 wrong passwords from elsewhere do not stop the user logging in from their own address', async () => {
    t = await securityApp();
    await t.addUser('alice', [fleet('vans')]);
    for (let i = 0; i < 5; i++) expect((await t.login('alice', 'wrong password!', '203.0.113.66')).res.statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await t.login('alice', 'wrong password!', `198.51.100.${i + 1}`)).res.statusCode).toBe(401);
    expect((await t.login('alice', PASSWORD, '192.0.2.10')).res.statusCode).toBe(200);
  });

  it('limits guesses per username and address: the 6th from one address in a minute is 429, even with the right password', async () => {
    t = await securityApp();
    await t.addUser('alice', [fleet('vans')]);
    for (let i = 0; i < 5; i++) expect((await t.login('alice', 'wrong password!', '203.0.113.66')).res.statusCode).toBe(401);
    t.clock.advance(20_000);
    const limited = (await t.login('ALICE', PASSWORD, '203.0.113.66')).res;
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('40');
    expect(limited.json()).toEqual({ code: 'RATE_LIMITED', message: 'too many failed logins for this username from this address: at most 5 a minute; try again in 40 s' });
    t.clock.advance(40_000);
    expect((await t.login('alice', PASSWORD, '203.0.113.66')).res.statusCode).toBe(200);
  });

  it('a username under a spread-out attack: each guessing address gets one failure an hour, a clean address still logs in', async () => {
    t = await securityApp({ loginFailuresPerHourPerUsername: 20 });
    await t.addUser('alice', [fleet('vans')]);
    for (let i = 0; i < 20; i++) expect((await t.login('alice', 'wrong password!', `198.51.100.${i + 1}`)).res.statusCode).toBe(401);
    // Under attack now: an address that already failed for alice this hour may not guess again, ...
    const again = (await t.login('alice', 'another guess!!', '198.51.100.1')).res;
    expect(again.statusCode).toBe(429);
    expect(again.json().message).toMatch(/^too many failed logins for this username: at most 20 an hour from all addresses; try again in \d+ s$/);
    // ... a fresh one gets one try (wrong here), ...
    expect((await t.login('alice', 'wrong password!', '198.51.100.200')).res.statusCode).toBe(401);
    expect((await t.login('alice', 'wrong password!', '198.51.100.200')).res.statusCode).toBe(429);
    // ... and alice from her own clean address is let in.
    expect((await t.login('alice', PASSWORD, '192.0.2.10')).res.statusCode).toBe(200);
    // An hour later everything is back to normal.
    t.clock.advance(3_600_000);
    expect((await t.login('alice', PASSWORD, '198.51.100.1')).res.statusCode).toBe(200);
  });
});

describe('finding 8: addresses as the login limits count them', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });

  it('an IPv6 attacker gets no fresh clean address from its own /64', async () => {
    const t = await securityApp({ loginFailuresPerHourPerUsername: 3 });
    try {
      await t.addUser('alice', [fleet('vans')]);
      for (let i = 1; i <= 3; i++) expect((await t.login('alice', 'wrong password!', `2001:db8:0:${i}::1`)).res.statusCode).toBe(401);
      // Past the hourly limit: the next address in 2001:db8:0:1::/64 already failed, so it is refused.
      expect((await t.login('alice', 'wrong password!', '2001:db8:0:1::beef')).res.statusCode).toBe(429);
      expect((await t.login('alice', PASSWORD, '2001:db8:ffff:1::1')).res.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('finding 8: security headers on every answer, not only the pages', () => {
  let t: SecurityApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const expectHeaders = (headers: Record<string, unknown>, url: string) => {
    const csp = String(headers['content-security-policy'] ?? '');
    expect(csp, url).toContain("default-src 'none'");
    expect(csp, url).toContain("frame-ancestors 'none'");
    expect(csp, url).not.toContain('unsafe-inline');
    expect(csp, url).not.toContain('unsafe-eval');
    expect(headers['x-content-type-options'], url).toBe('nosniff');
    expect(headers['x-frame-options'], url).toBe('DENY');
    expect(headers['referrer-policy'], url).toBe('same-origin');
    expect(headers['cross-origin-opener-policy'], url).toBe('same-origin');
  };

  it('on the API document, the reference page and its files, the JSON API, errors, 404s and the pages', async () => {
    t = await securityApp();
    const urls = ['/api/openapi.json', '/api/docs', '/api/docs/', '/api/docs/static/index.html', '/api/docs/static/swagger-ui-bundle.js', '/api/docs/json',
      '/health', '/api/v1/me', '/api/v1/tokens', '/no/such/route', '/login', '/assets/app.css', '/'];
    for (const url of urls) {
      const res = await t!.app.inject({ url });
      expectHeaders(res.headers, url);
    }
    const bad = await t!.app.inject({ method: 'POST', url: '/api/v1/session', payload: '{"nope":' , headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expectHeaders(bad.headers, 'a 400');
  });

  it('HSTS only on HTTPS (behind a proxy that says so, with trustProxy) and only with Secure cookies', async () => {
    t = await securityApp({}, { trustProxy: true });
    const https = await t!.app.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect((await t!.app.inject({ url: '/health' })).headers['strict-transport-security']).toBeUndefined();
    await t!.close();
    t = await securityApp({ cookieSecure: false }, { trustProxy: true });
    expect((await t!.app.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' } })).headers['strict-transport-security']).toBeUndefined();
  });

  it('main.ts takes http.trustProxy from the config (the proxy named by address)', async () => {
    const server = await startTestServer({ http: { host: '127.0.0.1', port: 0, trustProxy: '127.0.0.1' } } as never);
    try {
      const res = await server.running.http.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      const elsewhere = await server.running.http.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '192.0.2.1' });
      expect(elsewhere.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await server.stop();
    }
  }, 60_000); // starts the whole product

  it('without trustProxy a client cannot claim HTTPS with X-Forwarded-Proto', async () => {
    t = await securityApp();
    expect((await t!.app.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' } })).headers['strict-transport-security']).toBeUndefined();
  });
});
