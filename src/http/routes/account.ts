import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { HttpError } from '../errors.js';
import { apiValidatorCompiler } from '../api/validation.js';
import { AuthError, authInvalid } from '../auth/api-tokens.js';
import type { AuthPluginDeps } from '../auth/plugin.js';
import { principalOf } from '../auth/plugin.js';
import { actorOf } from '../auth/audit.js';
import { hashPassword, passwordProblem, verifyPassword } from '../auth/passwords.js';
import { rateLimiters } from '../auth/rate-limit.js';
import { MemoryRateWindows } from '../auth/rate-windows.js';
import { SESSION_COOKIE, sessionIdOf } from '../auth/sessions.js';
import { errors } from './auth-schemas.js';

/**
 * Everyone's own account (issue 16):
 *
 *   PUT /api/v1/me/password   {currentPassword, newPassword} -> 204
 *
 * Needs the current password (a borrowed, unlocked browser must not be enough to take the account over) and ends
 * the person's other login sessions; this one stays. Limited per person (10 a minute), so a stolen session cannot
 * guess the current password quickly.
 */
const PasswordChange = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ minLength: 1, maxLength: 1024, description: 'at least 12 characters' }),
  },
  { additionalProperties: false },
);

export const accountRoutes: FastifyPluginAsync<AuthPluginDeps> = async (app, deps) => {
  const { admin, clock } = deps;
  if (!admin) throw new Error('accountRoutes needs deps.admin');
  // Strict bodies, as the resource API: an unknown field is refused by name, not dropped.
  app.setValidatorCompiler(apiValidatorCompiler);
  const limiter = await rateLimiters(app, deps.rateWindows ?? new MemoryRateWindows(clock));
  const changes = limiter('password changes', 10, (r) => (r.principal ? `${r.principal.kind}:${r.principal.id}` : `ip:${r.ip}`));

  app.put('/api/v1/me/password', {
    schema: {
      tags: ['auth'],
      summary: 'Change your own password (with the current one); your other sessions end',
      body: PasswordChange,
      response: { 204: Type.Null({ description: 'changed' }), ...errors(400, 401, 403, 415, 429) },
    },
  }, async (request: FastifyRequest<{ Body: Static<typeof PasswordChange> }>, reply) => {
    const p = principalOf(request);
    await changes(request, reply);
    if (p.kind !== 'user') throw new AuthError('AUTH_FORBIDDEN', 'an API token has no password; log in on the pages to change yours', 403);
    const user = await admin.users.find(p.id);
    if (!user) throw authInvalid('session-ended', 'your login session has ended; log in again');
    const { currentPassword, newPassword } = request.body;
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw new HttpError(400, 'REQUEST_INVALID', 'currentPassword: this is not your current password', 'currentPassword');
    }
    const weak = passwordProblem(newPassword);
    if (weak) throw new HttpError(400, 'REQUEST_INVALID', `newPassword: ${weak}`, 'newPassword');
    const secret = request.cookies[SESSION_COOKIE];
    await admin.users.setPassword(user.id, await hashPassword(newPassword), secret ? sessionIdOf(secret) : undefined);
    await admin.audit.record({ at: clock.now(), actor: actorOf(p), action: 'user.password-changed', target: { kind: 'user', id: user.id } });
    return reply.code(204).send();
  });
};
