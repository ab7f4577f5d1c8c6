import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../../../src/http/app.js';
import type { AuthOptions } from '../../../src/http/auth/options.js';
import { createUser } from '../../../src/http/auth/user-accounts.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { silentLogger } from '../../../src/platform/logger.js';
import { ApiTokenRepository } from '../../../src/storage/api-token-repository.js';
import { UserRepository, UserTokenRepository, WebSessionRepository } from '../../../src/storage/user-repository.js';
import type { ApiTokenGrant } from '../../../src/domain/prices.js';
import { openTestStorage } from '../../helpers/test-database.js';

/** Cheap scrypt parameters for test users; the stored hash carries them, so login verifies with them. */
export const FAST = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'a long enough password';
export const fleet = (id: string): ApiTokenGrant => ({ role: 'fleet-manager', scopeKind: 'fleet', scopeId: id });
export const home = (id: string): ApiTokenGrant => ({ role: 'homeowner', scopeKind: 'home', scopeId: id });
export const ADMIN: ApiTokenGrant = { role: 'admin', scopeKind: 'all', scopeId: '*' };

/** Parses one Set-Cookie header into its value and attributes (lower-case names). */
export function cookieOf(res: LightMyRequestResponse, name = 'cp_session') {
  const headers = [res.headers['set-cookie'] ?? []].flat();
  const line = headers.find((h) => h.startsWith(`${name}=`));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  const value = decodeURIComponent(pair!.slice(name.length + 1));
  return { value, attrs: Object.fromEntries(attrs.map((a) => [a.split('=')[0]!.toLowerCase(), a.includes('=') ? a.slice(a.indexOf('=') + 1) : true])) };
}

/**
 * The real app on the test database (SQLite, or a PostgreSQL schema under test:postgres) and a ManualClock, with the
 * auth plugin and routes (and, when asked, the pages).
 */
export async function authApp(options: AuthOptions = {}, extra: Partial<Pick<AppDeps, 'pages' | 'trustProxy'>> = {}) {
  const storage = await openTestStorage();
  const db = storage.db;
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  const users = new UserRepository(db);
  const sessions = new WebSessionRepository(db);
  const ownedTokens = new UserTokenRepository(db);
  const tokens = new ApiTokenRepository(db);
  const app: FastifyInstance = await buildApp({
    clock,
    logger: silentLogger(),
    stations: { connectedCount: () => 0, isConnected: () => false },
    auth: { tokens, clock, accounts: { users, sessions, ownedTokens }, options },
    ...extra,
  });

  const addUser = (username: string, grants: ApiTokenGrant[], password = PASSWORD) =>
    createUser(users, clock, { username, name: `${username[0]!.toUpperCase()}${username.slice(1)}`, password, grants }, FAST);

  const login = async (username: string, password = PASSWORD, remoteAddress?: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, ...(remoteAddress ? { remoteAddress } : {}) });
    const cookie = cookieOf(res)?.value;
    const csrf = res.statusCode === 200 ? (res.json() as { csrfToken: string }).csrfToken : undefined;
    return { res, cookie: cookie!, csrf: csrf! };
  };

  const close = async () => {
    await app.close();
    await storage.close();
  };

  return { app, db, storage, clock, users, sessions, ownedTokens, tokens, addUser, login, close };
}

export type AuthApp = Awaited<ReturnType<typeof authApp>>;
