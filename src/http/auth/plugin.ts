import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import type { ApiTokenStore } from '../../domain/prices.js';
import type { UserStore, UserTokenStore, WebSessionStore } from '../../domain/users.js';
import type { SetupTokenStore, UserManagement } from '../../domain/accounts.js';
import type { AuditLog, AuditReader } from '../../domain/audit.js';
import type { RateWindows } from '../../domain/rate-windows.js';
import type { Clock } from '../../platform/clock.js';
import { HttpError } from '../errors.js';
import { AuthError, authInvalid, authenticate } from './api-tokens.js';
import type { Principal } from './access.js';
import { resolveAuthOptions, type AuthOptions } from './options.js';
import { SESSION_COOKIE, resumeSession, sameToken, sessionCookieOptions } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request: set by the auth plugin, null when it carried no (live) credentials. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** false: this unsafe route authenticates by its body (login), not by the cookie, so it needs no CSRF token. */
    csrf?: false;
  }
}

/** People: users, their login sessions and the API tokens they own. */
export interface AccountStores {
  users: UserStore;
  sessions: WebSessionStore;
  ownedTokens: UserTokenStore;
}

/**
 * Managing people from the browser (issue 16): the first-run setup, the admin pages' users and grants, everyone's
 * own password, the audit log. `users` is the same store as AccountStores.users, with the admin operations.
 */
export interface AdminStores {
  users: UserManagement;
  setupTokens: SetupTokenStore;
  audit: AuditLog & AuditReader;
}

export interface AuthPluginDeps {
  tokens: ApiTokenStore;
  clock: Clock;
  /** Without it only Bearer tokens authenticate and the login and token routes are absent. */
  accounts?: AccountStores;
  /** With it (and `accounts`): the setup, account and admin routes (routes/setup.ts, account.ts, api/admin-*.ts). */
  admin?: AdminStores;
  options?: AuthOptions;
  /** Where rate limits count (issue 19): the database in a cluster; absent, in memory (one process). */
  rateWindows?: RateWindows;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FORM = 'application/x-www-form-urlencoded';

/** Requests that came with a session cookie that is no longer valid: principalOf says so instead of "log in". */
const endedSessions = new WeakSet<FastifyRequest>();

/**
 * Reads the caller's credentials once per request and sets `request.principal`:
 * - `Authorization: Bearer cpk_...` (systems). A wrong token fails with 401 here. Needs no CSRF token: a browser
 *   never adds this header to a cross-site request by itself.
 * - the `cp_session` cookie (people, after POST /api/v1/session). A dead cookie is cleared and the request goes on
 *   anonymous, so public pages still load; routes that need someone answer 401 through `principalOf`.
 * Cookie-authenticated POST/PUT/PATCH/DELETE must echo the session's CSRF token in `X-CSRF-Token` or in a `_csrf`
 * field of a form body (403 CSRF_INVALID): SameSite=Strict already stops cross-site requests in current browsers,
 * the token also covers older ones and same-site subdomains. Every unsafe request without a Bearer token, login
 * included, is also refused when the browser marks it cross-site (refuseCrossSite: Sec-Fetch-Site, Origin).
 *
 * Registers @fastify/cookie and a parser for form bodies (application/x-www-form-urlencoded) for the whole app.
 */
export const authPlugin = fp<AuthPluginDeps>(
  async (app, deps) => {
    const options = resolveAuthOptions(deps.options);
    const cookie = sessionCookieOptions(options);
    if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);
    if (!app.hasContentTypeParser(FORM)) {
      app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
    }
    app.decorateRequest('principal', null);

    app.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization;
      // Before anything else, for every unsafe request a browser could send with ambient credentials (the cookie)
      // or to plant them (login CSRF, issue 20 finding 8): refused when the browser says it comes from another site.
      if (!header && UNSAFE.has(request.method)) refuseCrossSite(request);
      if (header) {
        const t = await authenticate(header, deps.tokens, deps.clock);
        request.principal = { kind: 'token', id: t.tokenId, name: t.name, grants: t.grants };
        return;
      }
      const secret = request.cookies[SESSION_COOKIE];
      if (!secret || !deps.accounts) return;
      const live = await resumeSession(secret, deps.accounts, deps.clock, options);
      if (!live) {
        endedSessions.add(request);
        reply.clearCookie(SESSION_COOKIE, { path: cookie.path, secure: cookie.secure, sameSite: cookie.sameSite, httpOnly: true });
        return;
      }
      const { user, session } = live;
      request.principal = { kind: 'user', id: user.id, name: user.name, grants: user.grants, csrfToken: session.csrfToken };
    });

    // preValidation: after the body is parsed (for a `_csrf` form field), before the route's schema judges it, so a
    // forged request learns nothing about validation.
    app.addHook('preValidation', async (request) => {
      const p = request.principal;
      if (p?.kind !== 'user' || !UNSAFE.has(request.method) || request.routeOptions.config?.csrf === false) return;
      const given = csrfTokenOf(request);
      if (given === undefined || !sameToken(given, p.csrfToken ?? '')) {
        throw new HttpError(
          403,
          'CSRF_INVALID',
          given === undefined
            ? 'this request needs the X-CSRF-Token header (or a _csrf form field) with the csrfToken from GET /api/v1/me'
            : 'the X-CSRF-Token does not match this login session; read it again from GET /api/v1/me',
          'X-CSRF-Token',
        );
      }
    });
  },
  { name: 'chargeplan-auth' },
);

/**
 * 403 CSRF_INVALID for a request a browser marks as sent from another site. Sec-Fetch-Site (set by the browser,
 * not by page scripts) decides when present: only `same-origin` and `none` (typed by the person) pass, so a sibling
 * subdomain (`same-site`) is refused too. Older browsers send only Origin: its host must be the Host the request
 * was sent to (X-Forwarded-Host behind a trusted proxy); `Origin: null` (sandboxed frames, some redirects) fails.
 * Clients that are not browsers send neither and pass: they carry no victim's cookie.
 */
function refuseCrossSite(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  let cross: boolean;
  if (typeof site === 'string') cross = site !== 'same-origin' && site !== 'none';
  else if (origin === undefined) cross = false;
  else cross = originHost(origin) !== request.host.toLowerCase();
  if (cross) {
    throw new HttpError(403, 'CSRF_INVALID', 'a cross-site request may not log in or change anything here; use the pages of this site', 'Origin');
  }
}

function originHost(origin: string): string | null {
  try {
    return origin === 'null' ? null : new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

function csrfTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string' && header !== '') return header;
  const isForm = (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM);
  const field = isForm ? (request.body as Record<string, unknown> | undefined)?._csrf : undefined;
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/** The request's principal, or 401: AUTH_INVALID when its login session has ended, else AUTH_MISSING. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal) return request.principal;
  if (endedSessions.has(request)) throw authInvalid('session-ended', 'your login session has ended; log in again');
  throw new AuthError('AUTH_MISSING', 'log in, or send an API token: Authorization: Bearer cpk_...', 401);
}
