import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyPassword } from '../../src/ocpp/auth/password.js';
import type { Storage } from '../../src/storage/database.js';
import { testDatabase } from '../helpers/test-database.js';

const dir = mkdtempSync(join(tmpdir(), 'chargeplan-cli-'));
const configFile = join(dir, 'config.json');
/** The test's view of the database the CLI writes (SQLite file or PostgreSQL schema). */
let storage: Storage;
beforeAll(async () => {
  const database = await testDatabase({ file: true });
  writeFileSync(configFile, JSON.stringify({ database: database.options, log: { level: 'silent' } }));
  storage = await database.open();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const passwordHash = async (id: string) =>
  (await storage.db.selectFrom('stations').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash!;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/stations.ts', ...args], {
    env: { ...process.env, CHARGEPLAN_CONFIG: configFile },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Each case spawns the CLI several times through tsx (a cold TypeScript start each): room for a busy CI machine.
describe('stations CLI', { timeout: 60_000 }, () => {
  it('adds a station with a generated password shown once and stored only as a hash, lists it, rotates it', async () => {
    const added = run('add', 'DEPOT-01', '--profile', '1');
    expect(added.code).toBe(0);
    const password = /password \(shown once\): (\S+)/.exec(added.out)![1]!;
    expect(password).toHaveLength(24);
    expect(added.out).toContain('ws://<host>:9000/ocpp/DEPOT-01');
    const hash = await passwordHash('DEPOT-01');
    expect(hash).not.toContain(password);
    expect(await verifyPassword(password, hash)).toBe(true);
    expect(run('list').out).toMatch(/^DEPOT-01\tprofile 1\t.*boot never/m);
    const rotated = run('rotate', 'DEPOT-01', '--password', 'a-brand-new-password-42');
    expect(rotated.code).toBe(0);
    const after = await passwordHash('DEPOT-01');
    expect(await verifyPassword('a-brand-new-password-42', after)).toBe(true);
    expect(await verifyPassword(password, after)).toBe(false);
  });

  it('refuses bad input with a message that names it, changing nothing', () => {
    expect(run('add', 'DEPOT-01').err).toContain('already exists');
    const short = run('add', 'DEPOT-02', '--password', 'short');
    expect(short.code).toBe(2);
    expect(short.err).toContain('--password: a station password has 16 to 40 characters (A00.FR.205)');
    expect(run('add', 'bad:id').err).toContain("no ':'");
    expect(run('rotate', 'NOPE').err).toContain('station NOPE does not exist');
    expect(run('list').out).not.toContain('DEPOT-02');
  });
});
