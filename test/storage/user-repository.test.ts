import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Db } from '../../src/storage/database.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { UserRepository, UserTokenRepository, WebSessionRepository } from '../../src/storage/user-repository.js';
import type { UserRecord } from '../../src/domain/users.js';
import { openTestStorage, testDatabase } from '../helpers/test-database.js';

const T0 = Date.parse('2026-03-01T08:00:00Z');
const fleet = (id: string) => ({ role: 'fleet-manager', scopeKind: 'fleet', scopeId: id });
const user = (id: string, username: string, over: Partial<UserRecord> = {}): UserRecord => ({
  id,
  username,
  name: `Name of ${username}`,
  passwordHash: 'scrypt$1024$8$1$c2FsdA==$aGFzaA==',
  createdAt: T0,
  grants: [fleet('vans')],
  ...over,
});
const token = (id: string) => ({ id, name: `token ${id}`, secretSha256: 'ab'.repeat(32), createdAt: T0, grants: [fleet('vans')] });

describe('user storage (migration 4)', () => {
  let db: Db;
  let users: UserRepository;
  let sessions: WebSessionRepository;
  let tokens: UserTokenRepository;

  beforeEach(async () => {
    db = (await openTestStorage()).db;
    users = new UserRepository(db);
    sessions = new WebSessionRepository(db);
    tokens = new UserTokenRepository(db);
  });

  it('upgrades a database with tokens from migration 2: they keep working and belong to no user', async () => {
    const database = await testDatabase({ file: true, empty: true });
    const old = await database.open({ migrations: migrations.filter((m) => m.version < 4) });
    await new ApiTokenRepository(old.db).create(token('00000000000000aa'));
    await old.close();
    const upgraded = await database.open();
    expect(upgraded.migrated).toEqual([4, ...migrations.filter((m) => m.version > 4).map((m) => m.version)]);
    expect((await new ApiTokenRepository(upgraded.db).find('00000000000000aa'))?.grants).toEqual([fleet('vans')]);
    expect((await new UserTokenRepository(upgraded.db).find('00000000000000aa'))?.ownerUserId).toBeNull();
  });

  it('stores a user with grants and finds it by id and by username in any case', async () => {
    expect(await users.create(user('u1', 'Alice', { grants: [fleet('vans'), { role: 'homeowner', scopeKind: 'home', scopeId: 'h1' }] }))).toBe(true);
    const found = await users.findByUsername('ALICE');
    expect(found).toMatchObject({ id: 'u1', username: 'alice', name: 'Name of Alice', createdAt: T0 });
    expect(found?.disabledAt).toBeUndefined();
    expect(found?.grants).toEqual([fleet('vans'), { role: 'homeowner', scopeKind: 'home', scopeId: 'h1' }]);
    expect((await users.find('u1'))?.username).toBe('alice');
    expect(await users.find('nope')).toBeUndefined();
    expect(await users.findByUsername('bob')).toBeUndefined();
  });

  it('refuses a second account with the same username in another case, also at the SQL level', async () => {
    expect(await users.create(user('u1', 'alice'))).toBe(true);
    expect(await users.create(user('u2', 'ALICE'))).toBe(false);
    expect(await users.find('u2')).toBeUndefined();
    await expect(sql`INSERT INTO users (id, username, name, password_hash, created_at) VALUES ('u3', 'AlIcE', 'x', 'x', ${new Date(T0).toISOString()})`
      .execute(db)).rejects.toThrow(/UNIQUE|unique/);
  });

  it('a clash on the id alone is an error, not a taken username', async () => {
    expect(await users.create(user('u1', 'alice'))).toBe(true);
    await expect(users.create(user('u1', 'bob'))).rejects.toThrow('user id "u1" is already taken');
    expect(await users.findByUsername('bob')).toBeUndefined();
  });

  it('adds a grant once and lists users by username', async () => {
    await users.create(user('u2', 'bob'));
    await users.create(user('u1', 'alice'));
    expect(await users.addGrant('u1', fleet('trucks'))).toBe(true);
    expect(await users.addGrant('u1', fleet('trucks'))).toBe(false);
    expect((await users.list()).map((u) => [u.username, u.grants.map((g) => g.scopeId)])).toEqual([['alice', ['trucks', 'vans']], ['bob', ['vans']]]);
  });

  it('keeps a session by the hash of its secret, moves its expiry, deletes it and the expired ones', async () => {
    await users.create(user('u1', 'alice'));
    const s = { idSha256: 'a'.repeat(64), userId: 'u1', csrfToken: 'csrf-1', createdAt: T0, expiresAt: T0 + 3600_000, lastSeenAt: T0 };
    await sessions.create(s);
    await sessions.create({ ...s, idSha256: 'b'.repeat(64), expiresAt: T0 + 60_000 });
    expect(await sessions.find('a'.repeat(64))).toEqual(s);
    await sessions.touch('a'.repeat(64), T0 + 600_000, T0 + 7200_000);
    expect(await sessions.find('a'.repeat(64))).toMatchObject({ lastSeenAt: T0 + 600_000, expiresAt: T0 + 7200_000, createdAt: T0 });
    expect(await sessions.deleteExpired(T0 + 60_000)).toBe(1);
    expect(await sessions.find('b'.repeat(64))).toBeUndefined();
    expect(await sessions.delete('a'.repeat(64))).toBe(1);
    expect(await sessions.delete('a'.repeat(64))).toBe(0);
  });

  it('stores tokens with their owner, lists all or one owner\'s, revokes once', async () => {
    await users.create(user('u1', 'alice'));
    await users.create(user('u2', 'bob'));
    await tokens.create(token('00000000000000a1'), 'u1');
    await tokens.create({ ...token('00000000000000b1'), createdAt: T0 + 1, expiresAt: T0 + 86_400_000 }, 'u2');
    await tokens.create({ ...token('00000000000000c1'), createdAt: T0 + 2 }, null);
    expect((await tokens.list()).map((t) => [t.id, t.ownerUserId])).toEqual([['00000000000000a1', 'u1'], ['00000000000000b1', 'u2'], ['00000000000000c1', null]]);
    expect(await tokens.list('u2')).toEqual([
      { id: '00000000000000b1', name: 'token 00000000000000b1', createdAt: T0 + 1, expiresAt: T0 + 86_400_000, ownerUserId: 'u2', grants: [fleet('vans')] },
    ]);
    // The Bearer path reads the same rows.
    await new ApiTokenRepository(db).markUsed('00000000000000a1', T0 + 5);
    expect((await tokens.find('00000000000000a1'))?.lastUsedAt).toBe(T0 + 5);
    expect(await tokens.revoke('00000000000000a1', T0 + 10)).toBe(true);
    expect(await tokens.revoke('00000000000000a1', T0 + 20)).toBe(false);
    expect((await new ApiTokenRepository(db).find('00000000000000a1'))?.revokedAt).toBe(T0 + 10);
    expect(await tokens.find('ffffffffffffffff')).toBeUndefined();
  });

  it('disabling a user ends its sessions and revokes its tokens in one go, and nobody else\'s', async () => {
    await users.create(user('u1', 'alice'));
    await users.create(user('u2', 'bob'));
    const s = { userId: 'u1', csrfToken: 'c', createdAt: T0, expiresAt: T0 + 3600_000, lastSeenAt: T0 };
    await sessions.create({ ...s, idSha256: 'a'.repeat(64) });
    await sessions.create({ ...s, idSha256: 'b'.repeat(64), userId: 'u2' });
    await tokens.create(token('00000000000000a1'), 'u1');
    await tokens.create(token('00000000000000b1'), 'u2');
    expect(await users.disable('u1', T0 + 100)).toBe(true);
    expect(await users.disable('u1', T0 + 200)).toBe(false);
    expect((await users.find('u1'))?.disabledAt).toBe(T0 + 100);
    expect(await sessions.find('a'.repeat(64))).toBeUndefined();
    expect(await sessions.find('b'.repeat(64))).toBeDefined();
    expect((await tokens.find('00000000000000a1'))?.revokedAt).toBe(T0 + 100);
    expect((await tokens.find('00000000000000b1'))?.revokedAt).toBeUndefined();
    expect(await users.disable('nobody', T0)).toBe(false);
  });
});
