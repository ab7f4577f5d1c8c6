/**
 * The HTTP app as main.ts builds it, without the scheduler: auth plugin, login and token routes, the API document
 * and the pages, on a real SQLite file and a ManualClock; `trustProxy` as deployments behind a proxy set it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/http/app.js';
import type { AuthOptions } from '../../src/http/auth/options.js';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { UserRepository, UserTokenRepository, WebSessionRepository } from '../../src/storage/user-repository.js';
import type { ApiTokenGrant } from '../../src/domain/prices.js';
import { FAST, PASSWORD, cookieOf } from './helpers/auth-app.js';

export async function securityApp(options: AuthOptions = {}, extra: Partial<Pick<AppDeps, 'trustProxy'>> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'security-'));
  const db: Db = openDatabase(join(dir, 'db.sqlite'));
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
    pages: true,
    ...extra,
  });

  const addUser = (username: string, grants: ApiTokenGrant[], password = PASSWORD) =>
    createUser(users, clock, { username, name: username, password, grants }, FAST);

  const login = async (username: string, password = PASSWORD, remoteAddress?: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password }, ...(remoteAddress ? { remoteAddress } : {}) });
    const csrf = res.statusCode === 200 ? (res.json() as { csrfToken: string }).csrfToken : undefined;
    return { res, cookie: cookieOf(res)?.value as string, csrf: csrf as string };
  };

  const close = async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, db, clock, users, sessions, ownedTokens, tokens, addUser, login, close };
}

export type SecurityApp = Awaited<ReturnType<typeof securityApp>>;
