/**
 * Issue 16, the first run on the real product (main.ts on an empty test database, SQLite or PostgreSQL): the link it
 * prints, the setup page and route (one admin, once, with the token, before it expires), what happens once a user
 * exists, and everyone's own password change.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { ManualClock } from '../../src/platform/clock.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { SetupTokenRepository } from '../../src/storage/setup-token-repository.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { cookieOf } from './helpers/auth-app.js';

const PASSWORD = 'a long enough password';
const T0 = '2026-11-23T16:00:00Z';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
}, 120_000);

/** The product on an empty database, its log lines kept (JSON, as pino writes them). */
async function fresh(): Promise<{ server: TestServer; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  } });
  server = await startTestServer({}, { clock: new ManualClock(T0), logger: pino({ level: 'info' }, sink) });
  return { server, lines };
}

const tokenOf = (link: string) => /#token=([A-Za-z0-9_-]{43})$/.exec(link)![1]!;
const setup = (s: TestServer, payload: object) => s.running.http.inject({ method: 'POST', url: '/api/v1/setup', payload });
const body = (token: string) => ({ token, name: 'Ada Admin', username: 'ada', password: PASSWORD });

describe('the first run', { timeout: 180_000 }, () => {
  it('logs a one-time link, stores only its hash, sends / to the setup page and says setup is open', async () => {
    const { server: s, lines } = await fresh();
    const logged = lines.find((l) => typeof l.setupLink === 'string');
    expect(logged).toMatchObject({ level: 40, msg: 'no account yet: open the setup link to create the first admin', expiresAt: '2026-11-24T16:00:00.000Z' });
    expect(logged!.setupLink).toBe(s.running.setupLink);
    expect(s.running.setupLink).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${s.running.ports.http}/setup#token=[A-Za-z0-9_-]{43}$`));
    const token = tokenOf(s.running.setupLink!);
    const rows = await s.running.db.selectFrom('setup_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_sha256).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
    const app = s.running.http;
    expect((await app.inject({ url: '/' })).headers.location).toBe('/setup');
    const page = await app.inject({ url: '/setup' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script type="module" src="/assets/setup.js">');
    expect(page.body).not.toMatch(/<script>|style=/);
    expect((await app.inject({ url: '/api/v1/setup' })).json()).toEqual({ needed: true });
  });

  it('checks every rule before spending the token, then creates one logged-in admin, audited; after that setup is gone', async () => {
    const { server: s } = await fresh();
    const app = s.running.http;
    const token = tokenOf(s.running.setupLink!);
    const weak = await setup(s, { ...body(token), password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toEqual({ code: 'REQUEST_INVALID', field: 'password', message: 'password: a password has at least 12 characters' });
    expect((await setup(s, { ...body(token), username: 'no spaces' })).json()).toMatchObject({ field: 'username' });
    expect((await setup(s, { ...body(token), name: undefined })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'name' });
    expect((await setup(s, { ...body(token), role: 'admin' })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'role' });
    const wrong = await setup(s, body('A'.repeat(43)));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'SETUP_TOKEN_INVALID', field: 'token' });

    const ok = await setup(s, body(token));
    expect(ok.statusCode).toBe(201);
    const { user, grants, csrfToken } = ok.json();
    expect(user).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), username: 'ada', name: 'Ada Admin' });
    expect(grants).toEqual([{ role: 'admin', scopeKind: 'all', scopeId: '*' }]);
    const cookie = cookieOf(ok)!.value;
    const me = await app.inject({ url: '/api/v1/me', cookies: { cp_session: cookie } });
    expect(me.json()).toMatchObject({ kind: 'user', id: user.id, csrfToken });
    const audit = await app.inject({ url: '/api/v1/admin/audit', cookies: { cp_session: cookie } });
    expect(audit.json().entries).toEqual([expect.objectContaining({
      action: 'setup.completed', actor: { kind: 'setup', id: null, name: 'first-run setup' }, target: { kind: 'user', id: user.id },
    })]);

    // Gone: the page, the redirect, the route (whatever token), and the login page's hint.
    const again = await setup(s, { ...body(token), username: 'eve' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'SETUP_DONE' });
    expect((await app.inject({ url: '/setup' })).headers.location).toBe('/login');
    expect((await app.inject({ url: '/' })).headers.location).toBe('/login');
    expect((await app.inject({ url: '/api/v1/setup' })).json()).toEqual({ needed: false });
    expect((await new UserRepository(s.running.db).list()).map((u) => u.username)).toEqual(['ada']);
    // A restart with a user prints no link.
    server = await s.restart();
    expect(server.running.setupLink).toBeNull();
  });

  it('the token expires after 24 hours, and a restart replaces an unused link with a new one', async () => {
    const { server: s } = await fresh();
    const first = tokenOf(s.running.setupLink!);
    s.clock.advance(24 * 3_600_000);
    expect((await setup(s, body(first))).json()).toMatchObject({ code: 'SETUP_TOKEN_INVALID', field: 'token' });
    server = await s.restart();
    const second = tokenOf(server.running.setupLink!);
    expect(second).not.toBe(first);
    expect((await setup(server, body(first))).statusCode).toBe(401);
    expect((await setup(server, body(second))).statusCode).toBe(201);
  });

  it('a token is spent once: of two consumers one wins', async () => {
    const { server: s } = await fresh();
    const store = new SetupTokenRepository(s.running.db);
    const live = await store.findBySecret(createHash('sha256').update(tokenOf(s.running.setupLink!)).digest('hex'));
    const won = await Promise.all([store.consume(live!.id, s.clock.now()), store.consume(live!.id, s.clock.now())]);
    expect(won.sort()).toEqual([false, true]);
  });

  it('a user made by the CLI (scripted installs) ends setup too', async () => {
    const { server: s } = await fresh();
    const app = s.running.http;
    await createUser(new UserRepository(s.running.db), s.clock, { username: 'root', name: 'Root', password: PASSWORD, grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] }, { N: 1024, r: 8, p: 1 });
    expect((await app.inject({ url: '/api/v1/setup' })).json()).toEqual({ needed: false });
    expect((await setup(s, body(tokenOf(s.running.setupLink!)))).json()).toMatchObject({ code: 'SETUP_DONE' });
    expect((await app.inject({ url: '/setup' })).statusCode).toBe(302);
  });

  it('a cross-site form cannot run setup', async () => {
    const { server: s } = await fresh();
    const res = await s.running.http.inject({ method: 'POST', url: '/api/v1/setup', payload: body(tokenOf(s.running.setupLink!)), headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'CSRF_INVALID' });
  });
});

describe('PUT /api/v1/me/password', { timeout: 180_000 }, () => {
  it('needs the current password and a good new one (each named), keeps this session and ends the others; audited', async () => {
    const { server: s } = await fresh();
    const app = s.running.http;
    const made = await setup(s, body(tokenOf(s.running.setupLink!)));
    const here = { cookie: cookieOf(made)!.value, csrf: made.json().csrfToken as string };
    const other = cookieOf(await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'ada', password: PASSWORD } }))!.value;
    const change = (payload: object, headers: Record<string, string> = { 'x-csrf-token': here.csrf }) =>
      app.inject({ method: 'PUT', url: '/api/v1/me/password', cookies: { cp_session: here.cookie }, headers, payload });

    expect((await change({ currentPassword: 'not my password', newPassword: 'a brand new password' })).json())
      .toEqual({ code: 'REQUEST_INVALID', field: 'currentPassword', message: 'currentPassword: this is not your current password' });
    expect((await change({ currentPassword: PASSWORD, newPassword: 'short' })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'newPassword' });
    expect((await change({ currentPassword: PASSWORD })).json()).toMatchObject({ code: 'REQUEST_INVALID', field: 'newPassword' });
    expect((await change({ currentPassword: PASSWORD, newPassword: 'a brand new password' }, {})).json()).toMatchObject({ code: 'CSRF_INVALID' });
    expect((await change({ currentPassword: PASSWORD, newPassword: 'a brand new password' })).statusCode).toBe(204);

    expect((await app.inject({ url: '/api/v1/me', cookies: { cp_session: here.cookie } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/me', cookies: { cp_session: other } })).statusCode).toBe(401);
    const login = (password: string) => app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'ada', password } });
    expect((await login(PASSWORD)).statusCode).toBe(401);
    expect((await login('a brand new password')).statusCode).toBe(200);
    const entries = (await app.inject({ url: '/api/v1/admin/audit', cookies: { cp_session: here.cookie } })).json().entries as { action: string }[];
    expect(entries.map((e) => e.action)).toEqual(['user.password-changed', 'setup.completed']);
  });

  it('nobody: 401; an API token: 403 (it has no password)', async () => {
    const { server: s } = await fresh();
    const app = s.running.http;
    const payload = { currentPassword: PASSWORD, newPassword: 'a brand new password' };
    expect((await app.inject({ method: 'PUT', url: '/api/v1/me/password', payload })).statusCode).toBe(401);
    const made = await setup(s, body(tokenOf(s.running.setupLink!)));
    const t = await app.inject({ method: 'POST', url: '/api/v1/tokens', cookies: { cp_session: cookieOf(made)!.value }, headers: { 'x-csrf-token': made.json().csrfToken }, payload: { name: 'mine' } });
    const res = await app.inject({ method: 'PUT', url: '/api/v1/me/password', headers: { authorization: `Bearer ${t.json().token}` }, payload });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
  });
});

describe('the pages of issue 16', { timeout: 180_000 }, () => {
  it('ask for a login, and send a non-admin to their own page', async () => {
    const { server: s } = await fresh();
    const app = s.running.http;
    for (const url of ['/get-started', '/admin/users', '/admin/tokens', '/admin/audit', '/account']) {
      expect((await app.inject({ url })).headers.location, url).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    await setup(s, body(tokenOf(s.running.setupLink!)));
    await createUser(new UserRepository(s.running.db), s.clock, { username: 'fm', name: 'FM', password: PASSWORD, grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }] }, { N: 1024, r: 8, p: 1 });
    const fm = cookieOf(await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'fm', password: PASSWORD } }))!.value;
    for (const url of ['/get-started', '/admin/users', '/admin/tokens', '/admin/audit']) {
      expect((await app.inject({ url, cookies: { cp_session: fm } })).headers.location, url).toBe('/');
    }
    const account = await app.inject({ url: '/account', cookies: { cp_session: fm } });
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('/assets/account.js');
    expect(account.body).not.toContain('aria-label="Administration"');
  });
});
