import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiTokenGrant } from '../../domain/prices.js';
import type { UserRecord } from '../../domain/users.js';
import type { AuditEntry } from '../../domain/audit.js';
import type { KeepingAnAdmin } from '../../domain/accounts.js';
import { isoUtc } from '../../platform/clock.js';
import { requireRole, type Principal } from '../auth/access.js';
import { actorOf } from '../auth/audit.js';
import { hashPassword, passwordProblem } from '../auth/passwords.js';
import { principalOf, type AdminStores } from '../auth/plugin.js';
import { describeGrant, grantProblem, ROLES, type Role } from '../auth/roles.js';
import { createUser } from '../auth/user-accounts.js';
import type { Clock } from '../../platform/clock.js';
import { HttpError } from '../errors.js';
import { asInputError } from '../routes/account-errors.js';
import { errors, ok } from './schema-kit.js';
import { apiValidatorCompiler } from './validation.js';
import {
  CreateUserBody, GrantQuery, PasswordReset, RoleInfo, UserChange, UserInfo, UserParams,
} from './admin-schemas.js';
import { GrantInput } from '../routes/auth-schemas.js';

/**
 * People, for admins (issue 16; docs/auth.md). Everyone else gets 403.
 *
 *   GET    /api/v1/admin/roles                         roles and what each is granted over
 *   GET    /api/v1/admin/users                         every user with grants and state
 *   POST   /api/v1/admin/users                         create {username, name, password, grants?}
 *   PATCH  /api/v1/admin/users/:userId                 {disabled}: disable (sessions end, tokens revoked) / re-enable
 *   PUT    /api/v1/admin/users/:userId/password        {password}: reset; the person's sessions end
 *   POST   /api/v1/admin/users/:userId/grants          {role, scopeId}: add a grant
 *   DELETE /api/v1/admin/users/:userId/grants?role&scopeId   remove one
 *
 * Every change is recorded in the audit log (disabling and removing a grant: in the change's own transaction). The
 * last active admin cannot be disabled or lose the admin grant (409 LAST_ADMIN), even when two requests race:
 * nobody could manage people after that but the CLI.
 */
const tags = ['admin'];
const ADMIN: readonly Role[] = ['admin'];

export const userInfo = (u: UserRecord): UserInfo => ({
  id: u.id, username: u.username, name: u.name, createdAt: isoUtc(u.createdAt), disabledAt: u.disabledAt === undefined ? null : isoUtc(u.disabledAt), grants: u.grants,
});

/** A grant from the API's {role, scopeId, scopeKind?}, its kind from the role; 400 naming `at` + field when wrong. */
export function grantInput(g: { role: string; scopeId: string; scopeKind?: string | undefined }, at = ''): ApiTokenGrant {
  const kind = ROLES[g.role as Role]?.scopeKind;
  const grant = { role: g.role, scopeKind: g.scopeKind ?? kind ?? '', scopeId: g.scopeId.trim() };
  const problem = grantProblem(grant);
  if (problem) {
    const field = `${at}${problem.startsWith('unknown role') ? 'role' : g.scopeKind !== undefined && g.scopeKind !== kind ? 'scopeKind' : 'scopeId'}`;
    throw new HttpError(400, 'REQUEST_INVALID', `${field}: ${problem}`, field);
  }
  return grant;
}

export const adminUserRoutes: FastifyPluginAsync<{ admin: AdminStores; clock: Clock }> = async (app, { admin, clock }) => {
  app.setValidatorCompiler(apiValidatorCompiler);
  const { users, audit } = admin;

  const adminOf = (request: FastifyRequest): Principal => {
    const p = principalOf(request);
    requireRole(p, ADMIN);
    return p;
  };
  const userOf = async (userId: string): Promise<UserRecord> => {
    const u = await users.find(userId);
    if (!u) throw new HttpError(404, 'USER_UNKNOWN', `there is no user ${userId}`, 'userId');
    return u;
  };
  /**
   * The last-admin rule (issue 16): the store decides it in the write's own transaction, so two admins disabling
   * each other at once leave one of them (a check here, before the write, let both through).
   */
  const lastAdmin = (u: UserRecord, what: string, outcome: KeepingAnAdmin): boolean => {
    if (outcome === 'last-admin') throw new HttpError(409, 'LAST_ADMIN', `${u.username} is the last active admin and cannot ${what}; make another admin first`);
    return outcome === 'done';
  };
  const entry = (p: Principal, action: string, userId: string, detail?: Record<string, unknown>): AuditEntry =>
    ({ at: clock.now(), actor: actorOf(p), action, target: { kind: 'user', id: userId }, ...(detail ? { detail } : {}) });
  const record = (p: Principal, action: string, userId: string, detail?: Record<string, unknown>) => audit.record(entry(p, action, userId, detail));

  app.get('/api/v1/admin/roles', {
    schema: { tags, summary: 'The roles a user or token can hold and what each is granted over', response: { 200: ok(Type.Array(RoleInfo), 'the roles'), ...errors(401, 403) } },
  }, async (request) => {
    adminOf(request);
    return Object.entries(ROLES).map(([role, r]) => ({ role, scopeKind: r.scopeKind }));
  });

  app.get('/api/v1/admin/users', {
    schema: { tags, summary: 'Every user with grants and state (admins)', response: { 200: ok(Type.Array(UserInfo), 'the users, by username'), ...errors(401, 403) } },
  }, async (request) => {
    adminOf(request);
    return (await users.list()).map(userInfo);
  });

  app.post('/api/v1/admin/users', {
    schema: {
      tags,
      summary: 'Create a user (admins): the CLI’s rules for username and password',
      body: CreateUserBody,
      response: { 201: ok(UserInfo, 'created'), ...errors(400, 401, 403, 415) },
    },
  }, async (request: FastifyRequest<{ Body: CreateUserBody }>, reply) => {
    const p = adminOf(request);
    const body = request.body;
    const grants = (body.grants ?? []).map((g, i) => grantInput(g, `grants[${i}].`));
    const user = await asInputError(() => createUser(users, clock, { username: body.username, name: body.name, password: body.password, grants }));
    await record(p, 'user.created', user.id, { username: user.username, grants: grants.map(describeGrant).join(', ') });
    return reply.code(201).send(userInfo(user));
  });

  app.patch('/api/v1/admin/users/:userId', {
    schema: {
      tags,
      summary: 'Disable a user (sessions end, tokens revoked) or re-enable one (admins)',
      params: UserParams,
      body: UserChange,
      response: { 200: ok(UserInfo, 'the user now'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request: FastifyRequest<{ Params: UserParams; Body: UserChange }>) => {
    const p = adminOf(request);
    const u = await userOf(request.params.userId);
    if (request.body.disabled) {
      lastAdmin(u, 'be disabled', await users.disableKeepingAnAdmin(u.id, clock.now(), entry(p, 'user.disabled', u.id, { username: u.username })));
    } else if (await users.enable(u.id)) {
      await record(p, 'user.enabled', u.id, { username: u.username });
    }
    return userInfo(await userOf(u.id));
  });

  app.put('/api/v1/admin/users/:userId/password', {
    schema: {
      tags,
      summary: 'Reset a user’s password (admins); their login sessions end',
      params: UserParams,
      body: PasswordReset,
      response: { 204: Type.Null({ description: 'reset' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request: FastifyRequest<{ Params: UserParams; Body: PasswordReset }>, reply) => {
    const p = adminOf(request);
    const u = await userOf(request.params.userId);
    const weak = passwordProblem(request.body.password);
    if (weak) throw new HttpError(400, 'REQUEST_INVALID', `password: ${weak}`, 'password');
    await users.setPassword(u.id, await hashPassword(request.body.password));
    await record(p, 'user.password-reset', u.id, { username: u.username });
    return reply.code(204).send();
  });

  app.post('/api/v1/admin/users/:userId/grants', {
    schema: {
      tags,
      summary: 'Give a user a role over a fleet, home or price zone (admins)',
      params: UserParams,
      body: GrantInput,
      response: { 200: ok(UserInfo, 'the user with the grant (already held: unchanged)'), ...errors(400, 401, 403, 404) },
    },
  }, async (request: FastifyRequest<{ Params: UserParams; Body: { role: string; scopeId: string; scopeKind?: string } }>) => {
    const p = adminOf(request);
    const u = await userOf(request.params.userId);
    const grant = grantInput(request.body);
    if (await users.addGrant(u.id, grant)) await record(p, 'grant.added', u.id, { username: u.username, grant: describeGrant(grant) });
    return userInfo(await userOf(u.id));
  });

  app.delete('/api/v1/admin/users/:userId/grants', {
    schema: {
      tags,
      summary: 'Take a role over a scope away from a user (admins)',
      params: UserParams,
      querystring: GrantQuery,
      response: { 200: ok(UserInfo, 'the user without the grant'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request: FastifyRequest<{ Params: UserParams; Querystring: GrantQuery }>) => {
    const p = adminOf(request);
    const u = await userOf(request.params.userId);
    const grant = grantInput(request.query);
    const outcome = await users.removeGrantKeepingAnAdmin(u.id, grant, entry(p, 'grant.removed', u.id, { username: u.username, grant: describeGrant(grant) }));
    if (!lastAdmin(u, 'lose the admin role', outcome)) {
      throw new HttpError(404, 'GRANT_UNKNOWN', `${u.username} does not hold ${describeGrant(grant)}`, 'scopeId');
    }
    return userInfo(await userOf(u.id));
  });
};
