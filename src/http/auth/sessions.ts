import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { UserRecord, UserStore, WebSessionRecord, WebSessionStore } from '../../domain/users.js';
import type { Clock } from '../../platform/clock.js';
import type { ResolvedAuthOptions } from './options.js';

/**
 * Login sessions for the pages. The cookie carries a 256-bit random secret; the database keeps only its SHA-256
 * (a fast hash is enough for a high-entropy secret, as for API tokens). A session ends after `sessionIdleHours`
 * without use and `sessionMaxHours` after login, whichever comes first, both measured on the injected clock.
 */
export const SESSION_COOKIE = 'cp_session';
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** Record use at most once a minute: sliding expiry to the minute, without a write on every request. */
const TOUCH_EVERY_MS = 60_000;
const HOUR = 3600_000;

export const sessionIdOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** The cookie's attributes: not readable by scripts, never sent cross-site, HTTPS only unless configured off. */
export function sessionCookieOptions(o: ResolvedAuthOptions): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'strict', secure: o.cookieSecure, path: '/', maxAge: Math.floor(o.sessionMaxHours * 3600) };
}

export async function startSession(store: WebSessionStore, clock: Clock, userId: string, o: ResolvedAuthOptions): Promise<{ secret: string; session: WebSessionRecord }> {
  const now = clock.now();
  const secret = randomBytes(32).toString('base64url');
  const session: WebSessionRecord = {
    idSha256: sessionIdOf(secret),
    userId,
    csrfToken: randomBytes(32).toString('base64url'),
    createdAt: now,
    expiresAt: now + Math.min(o.sessionIdleHours, o.sessionMaxHours) * HOUR,
    lastSeenAt: now,
  };
  await store.create(session);
  return { secret, session };
}

/**
 * The live session and its user for a cookie value, moving the idle expiry forward; null when the cookie names no
 * session, the session expired (idle or absolute) or its user is disabled. A dead session's row is deleted.
 */
export async function resumeSession(
  secret: string,
  stores: { sessions: WebSessionStore; users: UserStore },
  clock: Clock,
  o: ResolvedAuthOptions,
): Promise<{ session: WebSessionRecord; user: UserRecord } | null> {
  if (!SECRET.test(secret)) return null;
  const id = sessionIdOf(secret);
  const session = await stores.sessions.find(id);
  if (!session) return null;
  const now = clock.now();
  const absoluteEnd = session.createdAt + o.sessionMaxHours * HOUR;
  const user = now < session.expiresAt && now < absoluteEnd ? await stores.users.find(session.userId) : undefined;
  if (!user || user.disabledAt !== undefined) {
    await stores.sessions.delete(id);
    return null;
  }
  if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
    const expiresAt = Math.min(now + o.sessionIdleHours * HOUR, absoluteEnd);
    await stores.sessions.touch(id, now, expiresAt);
    return { session: { ...session, lastSeenAt: now, expiresAt }, user };
  }
  return { session, user };
}

/** Constant-time equality for the CSRF token; hashing first makes any two lengths comparable without a hint. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
