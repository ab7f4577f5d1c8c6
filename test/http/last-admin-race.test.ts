/**
 * Issue 16, the last-admin race: two requests that each would leave the other admin as the last one (disabling each
 * other, or one disabling and one taking the admin role away) must not both succeed. The store decides the rule in
 * the write's own transaction (UserRepository.keepingAnAdmin), so on SQLite and on PostgreSQL exactly one of them
 * wins, the other gets 409 LAST_ADMIN, and one active admin remains with exactly one audit entry for the change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRecord } from '../../src/domain/users.js';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { AuditRepository } from '../../src/storage/audit-repository.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { startApi, type ApiFixture } from './api-fixture.js';

const FAST = { N: 1024, r: 8, p: 1 };
const ADMIN = { role: 'admin', scopeKind: 'all', scopeId: '*' };

let f: ApiFixture;
let users: UserRepository;
let a: UserRecord;
let b: UserRecord;

beforeAll(async () => {
  f = await startApi();
  users = new UserRepository(f.server.running.db);
  a = await createUser(users, f.clock, { username: 'ada', name: 'Ada', password: 'a long enough password', grants: [ADMIN] }, FAST);
  b = await createUser(users, f.clock, { username: 'bob', name: 'Bob', password: 'a long enough password', grants: [ADMIN] }, FAST);
}, 120_000);
afterAll(async () => f?.close(), 60_000);

const activeAdmins = async () => (await users.list()).filter((u) => u.disabledAt === undefined && u.grants.some((g) => g.role === 'admin')).map((u) => u.username);
const disable = (u: UserRecord) => f.as('admin', { method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, payload: { disabled: true } });
const dropAdmin = (u: UserRecord) => f.as('admin', { method: 'DELETE', url: `/api/v1/admin/users/${u.id}/grants?role=admin&scopeId=*` });
/** Both admins again, as before each round. */
async function reset(): Promise<void> {
  for (const u of [a, b]) {
    await users.enable(u.id);
    await users.addGrant(u.id, ADMIN);
  }
  expect(await activeAdmins()).toEqual(['ada', 'bob']);
}
const changes = async () => (await new AuditRepository(f.server.running.db).list({ limit: 500, targetKind: 'user' }))
  .filter((e) => e.action === 'user.disabled' || e.action === 'grant.removed').length;

describe('the last active admin, with two requests at once', { timeout: 180_000 }, () => {
  it.each([
    ['disable each other', () => [disable(a), disable(b)]],
    ['one disabled, the other loses the role', () => [disable(a), dropAdmin(b)]],
    ['both lose the role', () => [dropAdmin(a), dropAdmin(b)]],
  ] as const)('%s: one wins, one gets 409 LAST_ADMIN, one admin remains', async (_what, race) => {
    // Several rounds, so that the two requests meet at different points of each other's transaction.
    for (let round = 0; round < 6; round++) {
      await reset();
      const before = await changes();
      const answers = await Promise.all(race());
      const statuses = answers.map((r) => r.statusCode).sort();
      expect(statuses, answers.map((r) => r.body).join('\n')).toEqual([200, 409]);
      expect(answers.find((r) => r.statusCode === 409)!.json()).toMatchObject({ code: 'LAST_ADMIN' });
      expect(await activeAdmins()).toHaveLength(1);
      // The refused request left no entry: the entry is written in the change's transaction.
      expect(await changes()).toBe(before + 1);
    }
  });

  it('still lets a disabled admin lose the role, and an admin be disabled while another stays', async () => {
    await reset();
    expect((await disable(b)).statusCode).toBe(200);
    expect((await dropAdmin(b)).statusCode).toBe(200);
    expect((await disable(a)).statusCode).toBe(409);
    expect((await dropAdmin(a)).json()).toMatchObject({ code: 'LAST_ADMIN' });
    expect(await activeAdmins()).toEqual(['ada']);
  });
});
