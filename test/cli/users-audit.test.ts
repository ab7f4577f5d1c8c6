/**
 * Issue 16: what the users CLI changes lands in the audit log too (actor kind "cli"), on SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runUsersCli, type UsersCliIo } from '../../src/cli/users.js';
import { ManualClock } from '../../src/platform/clock.js';
import { AuditRepository } from '../../src/storage/audit-repository.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';
import { tokenParts } from '../helpers/api-token.js';

let database: TestDatabase;
let db: string[];
let out = '';
const clock = new ManualClock('2026-03-02T08:00:00Z');
const io: UsersCliIo = { out: (t) => void (out += t), err: () => undefined, clock, readStdin: async () => 'the first admin password\n' };

beforeEach(async () => {
  database = await testDatabase({ file: true });
  const { url, schema, path } = database.options;
  db = url !== undefined ? ['--db', url, '--db-schema', schema!] : ['--db', path!];
}, 60_000);
afterEach(async () => database.drop(), 60_000);

it('records create, grant, token, revoke and disable, newest first, without secrets', async () => {
  const run = (...args: string[]) => runUsersCli([...args, ...db], io);
  expect(await run('create', '--username', 'root', '--name', 'Root', '--role', 'admin')).toBe(0);
  expect(await run('create', '--username', 'fm', '--name', 'FM', '--role', 'fleet-manager', '--scope', 'north')).toBe(0);
  expect(await run('grant', '--username', 'fm', '--role', 'homeowner', '--scope', 'home-h')).toBe(0);
  expect(await run('grant', '--username', 'fm', '--role', 'homeowner', '--scope', 'home-h')).toBe(0);
  out = '';
  expect(await run('token', '--user', 'fm', '--expires-days', '30')).toBe(0);
  const [, secret] = /\n(cpk_\S+)\n/.exec(out)!;
  const { id, secret: secretPart } = tokenParts(secret!);
  expect(await run('revoke-token', '--id', id)).toBe(0);
  expect(await run('disable', '--username', 'fm')).toBe(0);
  const storage = await database.open();
  try {
    const entries = await new AuditRepository(storage.db).list({ limit: 50 });
    expect(entries.map((e) => [e.action, e.target.kind, e.detail?.username ?? e.detail?.name ?? null])).toEqual([
      ['user.disabled', 'user', 'fm'],
      ['token.revoked', 'token', null],
      ['token.created', 'token', 'fm (cli)'],
      ['grant.added', 'user', 'fm'],
      ['user.created', 'user', 'fm'],
      ['user.created', 'user', 'root'],
    ]);
    expect(entries.every((e) => e.actor.kind === 'cli' && e.actor.id === null && e.actor.name.startsWith('users CLI ('))).toBe(true);
    expect(entries[2]!.detail).toMatchObject({ grants: expect.stringContaining('fleet-manager'), expiresAt: '2026-04-01T08:00:00.000Z' });
    expect(JSON.stringify(entries)).not.toContain(secretPart);
  } finally {
    await storage.close();
  }
}, 120_000);
