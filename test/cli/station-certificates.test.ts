/**
 * The stations CLI for security profile 3: a station without a password, its first certificate from a CSR or a
 * generated key pair (A00.FR.801-803), and an operator's renewal request (A02) stored for the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa, makeCsr, writeCa, type TestCa } from '../helpers/test-pki.js';
import { startTestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { testDatabase } from '../helpers/test-database.js';
import type { Storage } from '../../src/storage/database.js';

const ORG = 'Chargeplan Test CSO';
const dir = mkdtempSync(join(tmpdir(), 'chargeplan-cli-certs-'));
const configFile = join(dir, 'config.json');
/** The test's view of the database the CLI writes (SQLite file or PostgreSQL schema). */
let storage: Storage;
let ca: TestCa;
let files: { caFile: string; caKeyFile: string };

beforeAll(async () => {
  // Valid from a year back for ten years: the CLI signs at the wall clock.
  ca = await makeCa(`CN=Chargeplan Test Root, O=${ORG}`, '2025-06-01T00:00:00Z');
  files = writeCa(ca, dir);
  const database = await testDatabase({ file: true });
  storage = await database.open();
  writeFileSync(configFile, JSON.stringify({
    database: database.options,
    ocpp: { tlsPort: 9443, tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', ...files, organizationName: ORG } },
    log: { level: 'silent' },
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/stations.ts', ...args], {
    env: { ...process.env, CHARGEPLAN_CONFIG: configFile },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Every step spawns the CLI (a few seconds each on a loaded 2-core machine).
describe('stations CLI: security profile 3', { timeout: 120_000 }, () => {
  it('adds a profile 3 station without a password, issues its first certificate with a generated key, and the certificate opens a TLS connection', async () => {
    const added = run('add', 'CS-P3', '--profile', '3');
    expect(added.code).toBe(0);
    expect(added.out).toContain('wss://<host>:9443/ocpp/CS-P3');
    expect(added.out).toContain(`CN=CS-P3, O=${ORG}`);
    expect(await storage.db.selectFrom('stations').select(['security_profile', 'password_hash']).where('id', '=', 'CS-P3').executeTakeFirst())
      .toEqual({ security_profile: 3, password_hash: null });

    const issued = run('certificate', 'CS-P3', '--generate', '--out', join(dir, 'cs-p3'));
    expect(issued.code, issued.err).toBe(0);
    const cert = new X509Certificate(readFileSync(join(dir, 'cs-p3.crt')));
    const root = new X509Certificate(ca.pem);
    expect(cert.checkIssued(root) && cert.verify(root.publicKey)).toBe(true);
    expect(cert.subject).toBe(`CN=CS-P3\nO=${ORG}`);
    expect(statSync(join(dir, 'cs-p3.key')).mode & 0o777).toBe(0o600);
    expect(issued.out).toContain(`serial ${cert.serialNumber.toUpperCase()}`);
    const row = await storage.db.selectFrom('station_certificates').select(['serial', 'source', 'delivery']).where('station_id', '=', 'CS-P3').executeTakeFirst();
    expect(row).toEqual({ serial: cert.serialNumber.toUpperCase(), source: 'cli', delivery: 'cli' });

    // What the installer puts on the station works against the server with the same CA (at the server's clock).
    const server = await startTestServer(
      { ocpp: { tlsPort: 0, tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', caFile: files.caFile } } },
    );
    try {
      server.clock.set(Date.parse(cert.validFrom) + 86_400_000);
      await server.addStation('CS-P3', '', 3);
      const cs = await ScriptedStation.connect(`wss://127.0.0.1:${server.running.ports.ocppTls}`, {
        id: 'CS-P3', ca: readFileSync('test/fixtures/tls/server.crt'), cert: readFileSync(join(dir, 'cs-p3.crt')), key: readFileSync(join(dir, 'cs-p3.key')),
      });
      cs.respond('GetVariables', smartChargingVariables());
      expect((await cs.boot()).status).toBe('Accepted');
      await cs.close();
    } finally {
      await server.stop();
    }
  });

  it('signs a station\'s own CSR, and refuses one for another id with the rule, writing nothing', async () => {
    const good = await makeCsr(`CN=CS-P3, O=${ORG}`);
    writeFileSync(join(dir, 'good.csr'), good.csrPem);
    const signed = run('certificate', 'CS-P3', '--csr', join(dir, 'good.csr'), '--out', join(dir, 'own'));
    expect(signed.code, signed.err).toBe(0);
    expect(new X509Certificate(readFileSync(join(dir, 'own.crt'))).subject).toBe(`CN=CS-P3\nO=${ORG}`);
    expect(signed.out).not.toContain('.key');

    const other = await makeCsr(`CN=CS-OTHER, O=${ORG}`);
    writeFileSync(join(dir, 'other.csr'), other.csrPem);
    const refused = run('certificate', 'CS-P3', '--csr', join(dir, 'other.csr'), '--out', join(dir, 'other'));
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('A00.FR.405');
    expect(() => statSync(join(dir, 'other.crt'))).toThrow();
    expect(run('certificate', 'CS-P3').err).toContain('--csr <file.pem> or --generate');
    expect(run('certificate', 'NOPE', '--generate').err).toContain('station NOPE does not exist');
  });

  it('stores a renewal request for the server (A02), and refuses a password for a profile 3 station', async () => {
    const renewed = run('renew', 'CS-P3');
    expect(renewed.code).toBe(0);
    expect(renewed.out).toContain('TriggerMessage SignChargingStationCertificate');
    const row = await storage.db.selectFrom('stations').select('cert_renewal_requested_at as at').where('id', '=', 'CS-P3').executeTakeFirstOrThrow();
    expect(row.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(run('rotate', 'CS-P3').err).toContain('security profile 3 and has no password');
    expect(run('add', 'CS-P4', '--profile', '3', '--password', 'a-long-enough-password-1').err).toContain('has no password');
    expect(run('add', 'CS-P5', '--profile', '4').err).toContain('--profile: 1');
  });
});
