import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ApiTokenGrant } from '../../domain/prices.js';
import type { OwnedTokenRecord } from '../../domain/users.js';
import { isoUtc } from '../../platform/clock.js';
import { HttpError } from '../errors.js';
import { AuthError, authInvalid, newApiToken } from '../auth/api-tokens.js';
import { assertDelegable, isAdmin, type Principal } from '../auth/access.js';
import { principalOf, type AuthPluginDeps } from '../auth/plugin.js';
import { resolveAuthOptions } from '../auth/options.js';
import { primeDummy, verifyDummy, verifyPassword } from '../auth/passwords.js';
import { rateLimiters } from '../auth/rate-limit.js';
import { MemoryRateWindows } from '../auth/rate-windows.js';
import { LoginThrottle, RateLimitedError, addressKey } from '../auth/login-throttle.js';
import { describeGrant, grantProblem, ROLES, type Role } from '../auth/roles.js';
import { SESSION_COOKIE, sessionCookieOptions, sessionIdOf, startSession } from '../auth/sessions.js';
import { actorOf } from '../auth/audit.js';
import { setupRoutes } from './setup.js';
import { accountRoutes } from './account.js';
import { adminUserRoutes } from '../api/admin-users.js';
import { adminAuditRoutes } from '../api/admin-audit.js';
import { CreateTokenBody, LoginBody, LoginResult, Me, TokenCreated, TokenInfo, TokenParams, described, ensureErrorSchema, errors } from './auth-schemas.js';

/**
 * Login, logout, who-am-I and API tokens (issue 6; rules in docs/auth.md).
 *
 *   POST   /api/v1/session      {username, password} -> 200 {user, grants, csrfToken} + cookie cp_session
 *   DELETE /api/v1/session      -> 204 (logout)
 *   GET    /api/v1/me           -> {kind, id, name, grants, csrfToken?}
 *   POST   /api/v1/tokens       {name, grants?, expiresInDays?} -> 201 {id, token, ...} (token shown once)
 *   GET    /api/v1/tokens       -> your tokens (an admin: all)
 *   DELETE /api/v1/tokens/:id   -> 204 (revoke; yours, or any for an admin)
 *
 * With deps.admin also the first-run setup (setup.ts), your own password (account.ts), people and grants for
 * admins (api/admin-users.ts) and the audit log (api/admin-audit.ts); token creation and revocation are audited.
 *
 * Needs the auth plugin (request.principal, the cookie parser) registered before it.
 */
const DAY = 86_400_000;
const tags = ['auth'];

const instant = (ms: number | undefined) => (ms === undefined ? null : isoUtc(ms));
/** `now`: the server's clock decides `expired` (issue 16: the page used the browser's clock), as authenticate() does. */
const tokenInfo = (t: OwnedTokenRecord, now: number): Static<typeof TokenInfo> => ({
  id: t.id,
  name: t.name,
  grants: t.grants,
  createdAt: isoUtc(t.createdAt),
  expiresAt: instant(t.expiresAt),
  revokedAt: instant(t.revokedAt),
  lastUsedAt: instant(t.lastUsedAt),
  ownerUserId: t.ownerUserId,
  expired: t.expiresAt !== undefined && t.expiresAt <= now,
});

export const authRoutes: FastifyPluginAsync<AuthPluginDeps & { firstRun?: () => Promise<boolean> }> = async (app, deps) => {
  const accounts = deps.accounts;
  if (!accounts) throw new Error('authRoutes needs deps.accounts (users, sessions, ownedTokens)');
  ensureErrorSchema(app);
  const admin = deps.admin;
  if (admin) {
    const needsSetup = deps.firstRun ?? (async () => !(await admin.users.any()));
    await app.register(setupRoutes, { ...deps, needsSetup });
    await app.register(accountRoutes, deps);
    await app.register(adminUserRoutes, { admin, clock: deps.clock });
    await app.register(adminAuditRoutes, { audit: admin.audit });
  }
  primeDummy();
  const { clock } = deps;
  const options = resolveAuthOptions(deps.options);
  const cookie = sessionCookieOptions(options);
  const windows = deps.rateWindows ?? new MemoryRateWindows(clock);
  const limiter = await rateLimiters(app, windows);
  const loginPerIp = limiter('login attempts from this address', options.loginPerMinutePerIp, (r) => `ip:${addressKey(r.ip)}`);
  const failures = new LoginThrottle(windows, { perMinute: options.loginFailuresPerMinute, perHour: options.loginFailuresPerHourPerUsername });
  const tokenCalls = limiter('token requests', options.tokenRequestsPerMinute, (r) => (r.principal ? `${r.principal.kind}:${r.principal.id}` : `ip:${r.ip}`));

  /** The user on whose behalf a principal manages tokens: a person, or the person who made the calling token. */
  const ownerOf = async (p: Principal): Promise<string | null> => (p.kind === 'user' ? p.id : (await accounts.ownedTokens.find(p.id))?.ownerUserId ?? null);

  app.post(
    '/api/v1/session',
    {
      config: { csrf: false },
      schema: {
        tags,
        summary: 'Log in: sets the cp_session cookie (httpOnly, SameSite=Strict, Secure)',
        description: 'Needs no credentials and no CSRF token; a cross-site browser request is refused (403 CSRF_INVALID). ' +
          'Limited per address, and failures per username and address (429 with Retry-After; docs/auth.md). ' +
          'An unknown user, a wrong password and a disabled account get the same 401.',
        security: [],
        body: LoginBody,
        response: { 200: described(LoginResult, 'logged in: the person, their grants and the CSRF token for unsafe requests'), ...errors(400, 401, 403, 415, 429) },
      },
    },
    async (request: FastifyRequest<{ Body: Static<typeof LoginBody> }>, reply) => {
      await loginPerIp(request, reply);
      const { username, password } = request.body;
      try {
        await failures.check(username, request.ip);
      } catch (err) {
        if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSeconds));
        throw err;
      }
      const user = await accounts.users.findByUsername(username);
      // Same work and the same answer whether the user is unknown, the password wrong or the account disabled.
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyDummy(password);
      if (!user || !ok || user.disabledAt !== undefined) {
        await failures.failed(username, request.ip);
        throw authInvalid('wrong-credentials', 'the username and password do not match an active account');
      }
      // A new login replaces the session this browser had (no session fixation), and expired rows go.
      const previous = request.cookies[SESSION_COOKIE];
      if (previous) await accounts.sessions.delete(sessionIdOf(previous));
      await accounts.sessions.deleteExpired(clock.now());
      const { secret, session } = await startSession(accounts.sessions, clock, user.id, options);
      reply.setCookie(SESSION_COOKIE, secret, cookie);
      return { user: { id: user.id, username: user.username, name: user.name }, grants: user.grants, csrfToken: session.csrfToken };
    },
  );

  app.delete(
    '/api/v1/session',
    { schema: { tags, summary: 'Log out: ends this session (needs X-CSRF-Token)', response: { 204: Type.Null({ description: 'logged out; the cookie is cleared' }), ...errors(401, 403) } } },
    async (request, reply) => {
      const secret = request.cookies[SESSION_COOKIE];
      if (secret) await accounts.sessions.delete(sessionIdOf(secret));
      reply.clearCookie(SESSION_COOKIE, { path: cookie.path, secure: cookie.secure, sameSite: cookie.sameSite, httpOnly: true });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    { schema: { tags, summary: 'Who is calling, with which grants (and the CSRF token of a login session)', response: { 200: described(Me, 'the caller'), ...errors(401) } } },
    async (request) => {
      const p = principalOf(request);
      return { kind: p.kind, id: p.id, name: p.name, grants: p.grants, ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}) };
    },
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags,
        summary: 'Create an API token (shown once); at most your own grants unless you are an admin',
        description: 'The answer holds the token itself this once; only its hash is stored. Limited per caller (429).',
        body: CreateTokenBody,
        response: { 201: described(TokenCreated, 'created: `token` is shown this once'), ...errors(400, 401, 403, 415, 429) },
      },
    },
    async (request: FastifyRequest<{ Body: Static<typeof CreateTokenBody> }>, reply) => {
      const p = principalOf(request);
      await tokenCalls(request, reply);
      const body = request.body;
      const grants = body.grants ? body.grants.map((g, i) => checkedGrant(g, i)) : p.grants.map((g) => ({ ...g }));
      assertDelegable(p, grants);
      const owner = await ownerOf(p);
      if (owner === null && !isAdmin(p)) {
        throw new AuthError('AUTH_FORBIDDEN', 'this API token belongs to no user, so it may not make tokens; ask an admin', 403);
      }
      const now = clock.now();
      const { record, token } = newApiToken(clock, {
        name: body.name,
        grants,
        ...(body.expiresInDays !== undefined ? { expiresAt: now + body.expiresInDays * DAY } : {}),
      });
      await accounts.ownedTokens.create(record, owner);
      await admin?.audit.record({
        at: now, actor: actorOf(p), action: 'token.created', target: { kind: 'token', id: record.id },
        detail: { name: record.name, grants: grants.map(describeGrant).join(', '), ...(record.expiresAt !== undefined ? { expiresAt: isoUtc(record.expiresAt) } : {}) },
      });
      const { secretSha256: _, ...shown } = record;
      return reply.code(201).send({ ...tokenInfo({ ...shown, ownerUserId: owner }, clock.now()), token });
    },
  );

  app.get(
    '/api/v1/tokens',
    { schema: { tags, summary: 'Your API tokens (an admin: all), without their secrets', response: { 200: Type.Array(TokenInfo, { description: 'the tokens, revoked and expired ones included' }), ...errors(401, 429) } } },
    async (request, reply) => {
      const p = principalOf(request);
      await tokenCalls(request, reply);
      const info = (t: OwnedTokenRecord) => tokenInfo(t, clock.now());
      if (isAdmin(p)) return (await accounts.ownedTokens.list()).map(info);
      const owner = await ownerOf(p);
      return owner === null ? [] : (await accounts.ownedTokens.list(owner)).map(info);
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    { schema: { tags, summary: 'Revoke an API token: yours, or any for an admin', params: TokenParams, response: { 204: Type.Null({ description: 'revoked (or already was)' }), ...errors(400, 401, 403, 404, 429) } } },
    async (request: FastifyRequest<{ Params: Static<typeof TokenParams> }>, reply) => {
      const p = principalOf(request);
      await tokenCalls(request, reply);
      const { id } = request.params;
      const t = await accounts.ownedTokens.find(id);
      if (!t) throw new HttpError(404, 'TOKEN_UNKNOWN', `there is no API token ${id}`, 'id');
      const owner = await ownerOf(p);
      if (!isAdmin(p) && (owner === null || t.ownerUserId !== owner)) {
        throw new AuthError('AUTH_FORBIDDEN', `API token ${id} is not yours to revoke`, 403);
      }
      if (await accounts.ownedTokens.revoke(id, clock.now())) {
        await admin?.audit.record({ at: clock.now(), actor: actorOf(p), action: 'token.revoked', target: { kind: 'token', id }, detail: { name: t.name } });
      }
      return reply.code(204).send();
    },
  );
};

/** A requested grant with its scope kind filled in from the role, or 400 naming the field and the rule. */
function checkedGrant(g: { role: string; scopeId: string; scopeKind?: string | undefined }, i: number): ApiTokenGrant {
  const grant = { role: g.role, scopeKind: g.scopeKind ?? ROLES[g.role as Role].scopeKind, scopeId: g.scopeId };
  const problem = grantProblem(grant);
  if (problem) {
    const field = g.scopeKind !== undefined && grant.scopeKind !== ROLES[g.role as Role].scopeKind ? 'scopeKind' : 'scopeId';
    throw new HttpError(400, 'REQUEST_INVALID', `grants[${i}].${field}: ${problem}`, `grants[${i}].${field}`);
  }
  return grant;
}
