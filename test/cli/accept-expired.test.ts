/**
 * `npm run stations -- accept-expired <id> [--off]`: A00.FR.429's "explicitly configured to accept a connection by
 * this specific Charging Station with an expired certificate", stored on the station for the server (the real CLI
 * process against the database the test reads; the server side is test/ocpp/expired-certificate.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import type { Storage } from '../../src/storage/database.js';

const dir = mkdtempSync(join(tmpdir(), 'chargeplan-cli-expired-'));
const configFile = join(dir, 'config.json');
let database: TestDatabase;
let storage: Storage;
let stations: StationRepository;

beforeAll(async () => {
  database = await testDatabase({ file: true });
  storage = await database.open();
  stations = new StationRepository(storage.db);
  await stations.register({ id: 'CS-P3', passwordHash: null, securityProfile: 3 }, '2026-03-01T00:00:00.000Z');
  await stations.register({ id: 'CS-P1', passwordHash: 'x', securityProfile: 1 }, '2026-03-01T00:00:00.000Z');
  // No CA key: the CLI says the renewal would be rejected.
  writeFileSync(configFile, JSON.stringify({ database: database.options, log: { level: 'silent' } }));
});
afterAll(async () => {
  await storage?.close();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/stations.ts', ...args], {
    env: { ...process.env, CHARGEPLAN_CONFIG: configFile },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Each step spawns the CLI (a few seconds each on a loaded 2-core machine).
describe('stations CLI: accept-expired (A00.FR.429)', { timeout: 120_000 }, () => {
  it('allows one expired-certificate connection for a profile 3 station, keeps the first instant when repeated, and --off withdraws it', async () => {
    const on = run('accept-expired', 'CS-P3');
    expect(on.code, on.err).toBe(0);
    expect(on.out).toContain('A00.FR.429');
    expect(on.out).toContain('ocpp.tls.caKeyFile is not set');
    const since = await stations.expiredCertificateAllowedAt('CS-P3');
    expect(Date.parse(since!)).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
    expect(run('accept-expired', 'CS-P3').code).toBe(0);
    expect(await stations.expiredCertificateAllowedAt('CS-P3')).toBe(since);

    const off = run('accept-expired', 'CS-P3', '--off');
    expect(off.code, off.err).toBe(0);
    expect(off.out).toContain('refused again (A00.FR.407)');
    expect(await stations.expiredCertificateAllowedAt('CS-P3')).toBeNull();
  });

  it('refuses, naming why: a station that does not use profile 3, an unknown station, an invalid id', async () => {
    const p1 = run('accept-expired', 'CS-P1');
    expect(p1.code).toBe(2);
    expect(p1.err).toContain('station CS-P1 uses security profile 1');
    expect(await stations.expiredCertificateAllowedAt('CS-P1')).toBeNull();
    const unknown = run('accept-expired', 'CS-NOPE');
    expect([unknown.code, unknown.err.trim()]).toEqual([2, 'station CS-NOPE does not exist']);
    expect(run('accept-expired', 'bad id').err).toContain('station id "bad id"');
  });
});
