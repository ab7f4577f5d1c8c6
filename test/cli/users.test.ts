import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runUsersCli, type UsersCliIo } from '../../src/cli/users.js';
import { buildApp } from '../../src/http/app.js';
import { authenticate } from '../../src/http/auth/api-tokens.js';
import { verifyPassword } from '../../src/http/auth/passwords.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { UserRepository, UserTokenRepository, WebSessionRepository } from '../../src/storage/user-repository.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';

const PASSWORD = 'the first admin password';

describe('users CLI', () => {
  let dir: string;
  let database: TestDatabase;
  /** --db and, on PostgreSQL, --db-schema: the test's database (an SQLite file or a fresh schema). */
  let db: string[];
  let out: string;
  let err: string;
  let stdin: string;
  let clock: ManualClock;
  let io: UsersCliIo;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'users-cli-'));
    database = await testDatabase({ file: true });
    const { url, schema, path } = database.options;
    db = url !== undefined ? ['--db', url, '--db-schema', schema!] : ['--db', path!];
    out = '';
    err = '';
    stdin = `${PASSWORD}\n`;
    clock = new ManualClock('2026-03-02T08:00:00Z');
    io = { out: (t) => void (out += t), err: (t) => void (err += t), clock, readStdin: async () => stdin };
  });
  afterEach(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]) => {
    out = '';
    err = '';
    return runUsersCli([...args, ...db], io);
  };
  const withDb = async <T>(fn: (r: { users: UserRepository; tokens: UserTokenRepository; api: ApiTokenRepository }) => Promise<T>): Promise<T> => {
    const storage = await database.open();
    try {
      return await fn({ users: new UserRepository(storage.db), tokens: new UserTokenRepository(storage.db), api: new ApiTokenRepository(storage.db) });
    } finally {
      await storage.close();
    }
  };

  it('creates the first admin with the password from standard input, who can then log in through the app', async () => {
    expect(await run('create', '--username', 'Root', '--name', 'Site Admin', '--role', 'admin')).toBe(0);
    expect(out).toMatch(/^created root \(Site Admin, id [0-9a-f]{16}\) as admin\n$/);
    const stored = (await withDb(({ users }) => users.findByUsername('root')))!;
    expect(stored.grants).toEqual([{ role: 'admin', scopeKind: 'all', scopeId: '*' }]);
    expect(stored.passwordHash).not.toContain(PASSWORD);

    const storage = await database.open();
    const handle = storage.db;
    const accounts = { users: new UserRepository(handle), sessions: new WebSessionRepository(handle), ownedTokens: new UserTokenRepository(handle) };
    const app = await buildApp({ clock, logger: silentLogger(), stations: { connectedCount: () => 0, isConnected: () => false }, auth: { tokens: new ApiTokenRepository(handle), clock, accounts } });
    const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'root', password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    expect(login.json().user).toEqual({ id: stored.id, username: 'root', name: 'Site Admin' });
    await app.close();
    await storage.close();
  });

  it('reads the password from --password-file (first line) and never takes one as an argument', async () => {
    writeFileSync(join(dir, 'pw'), 'a password in a file\nsecond line ignored\n');
    expect(await run('create', '--username', 'alice', '--name', 'Alice', '--role', 'fleet-manager', '--scope', 'vans', '--password-file', join(dir, 'pw'))).toBe(0);
    const hash = (await withDb(({ users }) => users.findByUsername('alice')))!.passwordHash;
    expect(await verifyPassword('a password in a file', hash)).toBe(true);
    for (const flag of [['--password', PASSWORD], [`--password=${PASSWORD}`]]) {
      expect(await run('create', '--username', 'bob', '--name', 'Bob', '--role', 'admin', ...flag)).toBe(2);
      expect(err).toBe('--password is not accepted: a password on the command line stays in shell history and ps; use --password-file FILE or standard input\n');
    }
    expect(await withDb(({ users }) => users.findByUsername('bob'))).toBeUndefined();
  });

  it.each([
    [['--name', 'A', '--role', 'admin'], '--username is needed'],
    [['--username', 'alice', '--role', 'admin'], '--name is needed'],
    [['--username', 'alice', '--name', 'A'], '--role is needed'],
    [['--username', 'alice', '--name', 'A', '--role', 'king'], '--role: unknown role "king" (roles: admin, fleet-manager, homeowner, tariff-publisher, site-viewer)'],
    [['--username', 'alice', '--name', 'A', '--role', 'fleet-manager'], '--scope: role fleet-manager needs a fleet id, or * for all'],
    [['--username', 'alice', '--name', 'A', '--role', 'admin', '--scope', 'vans'], '--scope: role admin takes scope "*", not "vans"'],
    [['--username', 'al ice', '--name', 'A', '--role', 'admin'], '--username: a username has 1 to 64 letters, digits or . _ @ -, and starts with a letter or digit'],
    [['--username', 'alice', '--name', ' ', '--role', 'admin'], '--name: a name has 1 to 100 characters'],
  ])('refuses create %j: %s', async (args, message) => {
    expect(await run('create', ...args)).toBe(2);
    expect(err).toBe(`${message}\n`);
    expect(await withDb(({ users }) => users.list())).toEqual([]);
  });

  it('refuses a short or missing password and a taken username (in any case)', async () => {
    stdin = 'too short\n';
    expect(await run('create', '--username', 'alice', '--name', 'A', '--role', 'admin')).toBe(2);
    expect(err).toBe('--password-file or standard input: a password has at least 12 characters\n');
    stdin = '';
    expect(await run('create', '--username', 'alice', '--name', 'A', '--role', 'admin')).toBe(2);
    expect(err).toBe('--password-file or standard input: no password given\n');
    stdin = `${PASSWORD}\n`;
    expect(await run('create', '--username', 'alice', '--name', 'A', '--role', 'admin')).toBe(0);
    expect(await run('create', '--username', 'ALICE', '--name', 'B', '--role', 'admin')).toBe(2);
    expect(err).toBe('--username: the username alice is taken\n');
  });

  it('grants, lists and disables users', async () => {
    await run('create', '--username', 'alice', '--name', 'Alice Smith', '--role', 'fleet-manager', '--scope', 'vans');
    expect(await run('grant', '--username', 'alice', '--role', 'homeowner', '--scope', 'h-12')).toBe(0);
    expect(out).toBe('alice is now also homeowner on home h-12\n');
    expect(await run('grant', '--username', 'alice', '--role', 'homeowner', '--scope', 'h-12')).toBe(0);
    expect(out).toBe('alice already is homeowner on home h-12\n');
    expect(await run('grant', '--username', 'nobody', '--role', 'admin')).toBe(2);
    expect(err).toBe('--username: there is no user nobody\n');
    await run('list');
    expect(out).toBe('alice\tAlice Smith\tfleet-manager on fleet vans, homeowner on home h-12\tcreated 2026-03-02T08:00:00.000Z\tactive\n');
    clock.advance(60_000);
    expect(await run('disable', '--username', 'alice')).toBe(0);
    expect(out).toBe('disabled alice: its sessions ended and its tokens are revoked\n');
    expect(await run('disable', '--username', 'alice')).toBe(0);
    expect(out).toBe('alice was already disabled\n');
    await run('list');
    expect(out).toContain('\tdisabled 2026-03-02T08:01:00.000Z\n');
  });

  it('makes tokens for a user (at most its grants) or for no user, prints each once, lists and revokes them', async () => {
    await run('create', '--username', 'alice', '--name', 'Alice', '--role', 'fleet-manager', '--scope', 'vans');
    expect(await run('token', '--user', 'alice', '--expires-days', '30')).toBe(0);
    const [, id, token] = /^token ([0-9a-f]{16}) "alice \(cli\)" for alice: fleet-manager on fleet vans\n(cpk_\S+)\n\(shown once; only its hash is stored\)\n$/.exec(out)!;
    const identity = await withDb(({ api }) => authenticate(`Bearer ${token}`, api, clock));
    expect(identity).toEqual({ tokenId: id, name: 'alice (cli)', grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'vans' }] });
    expect(await withDb(({ tokens }) => tokens.find(id!))).toMatchObject({ ownerUserId: expect.any(String), expiresAt: clock.now() + 30 * 86_400_000 });

    expect(await run('token', '--user', 'alice', '--role', 'fleet-manager', '--scope', 'trucks')).toBe(2);
    expect(err).toBe('--role/--scope: alice does not hold fleet-manager on fleet trucks, so its token may not\n');
    expect(await run('token', '--role', 'admin')).toBe(2);
    expect(err).toBe('token needs --user U, or --name N with --role and --scope\n');
    expect(await run('token', '--user', 'alice', '--expires-days', '0')).toBe(2);
    expect(err).toBe('--expires-days: a whole number of days from 1 to 9999\n');
    clock.advance(1000);
    expect(await run('token', '--name', 'acme', '--role', 'tariff-publisher', '--scope', 'DK1')).toBe(0);
    const acme = /^token ([0-9a-f]{16}) "acme" for no user: tariff-publisher on price-zone DK1\n/.exec(out)![1]!;

    expect(await run('revoke-token', '--id', id!)).toBe(0);
    expect(out).toBe(`revoked ${id}\n`);
    expect(await run('revoke-token', '--id', id!)).toBe(0);
    expect(out).toBe(`${id} was already revoked\n`);
    expect(await run('revoke-token', '--id', 'ffffffffffffffff')).toBe(2);
    expect(err).toBe('--id: there is no API token ffffffffffffffff\n');
    await run('tokens');
    expect(out).toBe(
      `${id}\talice (cli)\towner alice\tfleet-manager on fleet vans\tcreated 2026-03-02T08:00:00.000Z\texpires 2026-04-01T08:00:00.000Z\tlast used 2026-03-02T08:00:00.000Z\trevoked 2026-03-02T08:00:01.000Z\n` +
        `${acme}\tacme\towner -\ttariff-publisher on price-zone DK1\tcreated 2026-03-02T08:00:01.000Z\texpires -\tlast used -\tactive\n`,
    );
    expect(out).not.toContain(token!.slice('cpk_0123456789abcdef_'.length));
  });

  it('explains itself: usage, unknown commands and options', async () => {
    expect(await runUsersCli(['--help'], io)).toBe(0);
    expect(out).toContain('usage: npm run users -- <command> [options]');
    expect(await run('promote')).toBe(2);
    expect(err).toMatch(/^unknown command "promote"/);
    expect(await run('list', '--colour')).toBe(2);
    expect(err).toMatch(/Unknown option '--colour'/);
    err = '';
    expect(await runUsersCli(['list', '--db-schema', 'people'], io)).toBe(2);
    expect(err).toBe('--db-schema: only with --db postgres://...\n');
    err = '';
    expect(await runUsersCli(['list', '--db', join(dir, 'other.sqlite'), '--db-schema', 'people'], io)).toBe(2);
    expect(err).toBe('--db-schema: only for a postgres:// --db (an SQLite file has no schemas)\n');
  });

  it('runs as `npm run users` does, reading the password piped on standard input', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/users.ts', 'create', '--username', 'piped', '--name', 'Piped', '--role', 'homeowner', '--scope', 'h-1', ...db], {
      input: `${PASSWORD}\n`,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^created piped \(Piped, id [0-9a-f]{16}\) as homeowner on home h-1\n$/);
  });
});
