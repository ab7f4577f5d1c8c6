import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { HttpError } from '../errors.js';
import { apiValidatorCompiler } from '../api/validation.js';
import type { AuthPluginDeps } from '../auth/plugin.js';
import { resolveAuthOptions } from '../auth/options.js';
import { rateLimiters } from '../auth/rate-limit.js';
import { MemoryRateWindows } from '../auth/rate-windows.js';
import { addressKey } from '../auth/login-throttle.js';
import { liveSetupToken } from '../auth/first-run.js';
import { grantOf } from '../auth/roles.js';
import { prepareUser } from '../auth/user-accounts.js';
import { SESSION_COOKIE, sessionCookieOptions, sessionIdOf, startSession } from '../auth/sessions.js';
import { LoginResult, described, errors } from './auth-schemas.js';
import { asInputError } from './account-errors.js';

/**
 * The first run (issue 16; src/http/auth/first-run.ts): while no user exists,
 *
 *   GET  /api/v1/setup   -> {needed}: is setup open? (the login page says where the first account comes from)
 *   POST /api/v1/setup   {token, name, username, password} -> 201, the first admin, logged in (cookie cp_session)
 *
 * Every rule of the new account is checked before the one-time token is spent, so a weak password costs nothing;
 * then the token is consumed in one guarded write (of two racing requests one wins) and the admin created.
 */
const tags = ['admin'];

const SetupState = Type.Object({
  needed: Type.Boolean({ description: 'true while the database has no user: /setup with the printed link creates the first admin' }),
});

const SetupBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'the token of the setup link the server printed (after #token=)' }),
    name: Type.String({ minLength: 1, maxLength: 100, description: 'the person’s name, shown on the pages' }),
    username: Type.String({ minLength: 1, maxLength: 64, description: 'letters, digits and . _ @ -; stored lower-case' }),
    password: Type.String({ minLength: 1, maxLength: 1024, description: 'at least 12 characters' }),
  },
  { additionalProperties: false },
);

export const setupRoutes: FastifyPluginAsync<AuthPluginDeps & { needsSetup: () => Promise<boolean> }> = async (app, deps) => {
  const { accounts, admin, clock, needsSetup } = deps;
  if (!accounts || !admin) throw new Error('setupRoutes needs deps.accounts and deps.admin');
  // Strict bodies, as the resource API: an unknown field is refused by name, not dropped.
  app.setValidatorCompiler(apiValidatorCompiler);
  const options = resolveAuthOptions(deps.options);
  const cookie = sessionCookieOptions(options);
  const limiter = await rateLimiters(app, deps.rateWindows ?? new MemoryRateWindows(clock));
  const attempts = limiter('setup attempts from this address', options.loginPerMinutePerIp, (r) => `setup:${addressKey(r.ip)}`);

  app.get('/api/v1/setup', {
    schema: { tags, summary: 'Is the first-run setup open (no user yet)?', security: [], response: { 200: described(SetupState, 'whether setup is open') } },
  }, async () => ({ needed: await needsSetup() }));

  app.post('/api/v1/setup', {
    config: { csrf: false },
    schema: {
      tags,
      summary: 'Create the first admin with the one-time setup token the server printed; logs them in',
      description: 'Only while the database has no user (else 409 SETUP_DONE). The token is used once and expires; a wrong, '
        + 'used or expired one gets 401 SETUP_TOKEN_INVALID (restart the server for a new link). Limited per address (429).',
      security: [],
      body: SetupBody,
      response: { 201: described(LoginResult, 'the first admin, logged in: the cookie is set'), ...errors(400, 401, 403, 409, 415, 429) },
    },
  }, async (request: FastifyRequest<{ Body: Static<typeof SetupBody> }>, reply) => {
    await attempts(request, reply);
    if (!(await needsSetup())) throw new HttpError(409, 'SETUP_DONE', 'setup is over: an account exists; log in, or ask an admin for one');
    const now = clock.now();
    const body = request.body;
    const live = await liveSetupToken(admin.setupTokens, body.token.trim(), now);
    if (!live) {
      throw new HttpError(401, 'SETUP_TOKEN_INVALID',
        'the setup token is not valid: it may be mistyped, already used or expired; restarting the server prints a new link', 'token');
    }
    const user = await asInputError(() => prepareUser(admin.users, clock, { ...body, grants: [grantOf('admin', '*')] }));
    if (!(await admin.setupTokens.consume(live.id, now))) {
      throw new HttpError(401, 'SETUP_TOKEN_INVALID', 'the setup token was used or expired just now; restarting the server prints a new link', 'token');
    }
    if (!(await admin.users.create(user))) throw new HttpError(409, 'SETUP_DONE', 'setup is over: an account exists; log in');
    await admin.audit.record({
      at: now, actor: { kind: 'setup', id: null, name: 'first-run setup' }, action: 'setup.completed', target: { kind: 'user', id: user.id },
      detail: { username: user.username, grants: 'admin' },
    });
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await accounts.sessions.delete(sessionIdOf(previous));
    const { secret, session } = await startSession(accounts.sessions, clock, user.id, options);
    reply.setCookie(SESSION_COOKIE, secret, cookie);
    return reply.code(201).send({ user: { id: user.id, username: user.username, name: user.name }, grants: user.grants, csrfToken: session.csrfToken });
  });
};
