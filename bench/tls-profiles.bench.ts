/**
 * What security profile 3 costs at connect time: `npm run bench:tls [-- --stations 500 --concurrency 50]`.
 *
 * The real product (start() from src/main.ts) with a TLS port that asks for client certificates (ocpp.tls.caFile)
 * runs in this process on the system clock. N stations of profile 2 (Basic auth over TLS, no client certificate:
 * the same-run reference) and then N of profile 3 (a client certificate from the CA, checked at the upgrade:
 * path, validity, subject) open a WebSocket each, `concurrency` at a time, and close it again. The clients run in
 * this process too, so the TLS work of both ends shares the machine's cores, as the footnote says. A table is
 * printed; nothing is asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { start } from '../src/main.js';
import { isoUtc, monotonicMs, systemClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import { hashPassword } from '../src/ocpp/auth/password.js';
import { makeCa, stationCert, writeCa, type StationCredentials } from '../test/helpers/test-pki.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('stations', 500);
const CONCURRENCY = arg('concurrency', 50);
const PASSWORD = 'bench-station-password-0001';
const ORG = 'Bench CSO';
const SERVER_CERT = readFileSync('test/fixtures/tls/server.crt');

interface Row { label: string; ms: number[]; wallMs: number; refused: number }

async function connectAll(url: string, ids: string[], opts: (id: string) => WebSocket.ClientOptions): Promise<Omit<Row, 'label'>> {
  const ms: number[] = [];
  let refused = 0;
  let next = 0;
  const t0 = monotonicMs();
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const t = monotonicMs();
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(`${url}/ocpp/${id}`, ['ocpp2.0.1'], { ca: SERVER_CERT, perMessageDeflate: false, ...opts(id) });
        ws.once('open', () => {
          ms.push(monotonicMs() - t);
          ws.close();
          resolve();
        });
        ws.once('unexpected-response', () => {
          refused++;
          ws.terminate();
          resolve();
        });
        ws.once('error', () => {
          refused++;
          resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { ms, wallMs: monotonicMs() - t0, refused };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chargeplan-bench-tls-'));
  const now = systemClock.now();
  const ca = await makeCa(`CN=Bench Station CA, O=${ORG}`, isoUtc(now - 86_400_000));
  const files = writeCa(ca, dir);
  const config = loadConfig({}, {
    database: { path: join(dir, 'bench.sqlite') },
    http: { host: '127.0.0.1', port: 0 },
    ocpp: {
      host: '127.0.0.1', port: 0, tlsPort: 0, pingIntervalSeconds: 0,
      tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', ...files, organizationName: ORG },
    },
    log: { level: 'silent' },
  });
  const running = await start(config, { logger: silentLogger() });
  const at = isoUtc(now);
  const p2 = Array.from({ length: N }, (_, i) => `P2-${String(i).padStart(5, '0')}`);
  const p3 = Array.from({ length: N }, (_, i) => `P3-${String(i).padStart(5, '0')}`);
  const creds = new Map<string, StationCredentials>();
  for (const id of p2) await running.repositories.stations.register({ id, passwordHash: hashPassword(PASSWORD), securityProfile: 2 }, at);
  for (const id of p3) {
    await running.repositories.stations.register({ id, passwordHash: null, securityProfile: 3 }, at);
    creds.set(id, await stationCert(ca, `CN=${id}, O=${ORG}`, isoUtc(now - 3_600_000)));
  }
  const url = `wss://127.0.0.1:${running.ports.ocppTls}`;
  const basic = (id: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${id}:${PASSWORD}`).toString('base64')}` } });
  const rows: Row[] = [
    { label: 'profile 2: Basic auth over TLS, no client certificate (reference)', ...(await connectAll(url, p2, basic)) },
    { label: 'profile 3: client certificate (path, validity, subject checked)', ...(await connectAll(url, p3, (id) => ({ cert: creds.get(id)!.certPem, key: creds.get(id)!.keyPem }))) },
  ];
  await running.close();
  rmSync(dir, { recursive: true, force: true });
  const ref = rows[0]!;
  const perS = (r: Row) => (r.ms.length / r.wallMs) * 1000;
  process.stdout.write(`\n${N} stations per profile, ${CONCURRENCY} handshakes at a time, TLS 1.3, EC P-256 keys; ${cpus().length} cores shared with the clients\n\n`);
  process.stdout.write('| handshakes | connected | refused | per second | p50 ms | p99 ms | per second vs reference |\n|---|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.label} | ${r.ms.length} | ${r.refused} | ${perS(r).toFixed(0)} | ${pct(r.ms, 50).toFixed(1)} | ${pct(r.ms, 99).toFixed(1)} | ${(perS(r) / perS(ref)).toFixed(2)} |\n`);
  }
}

await main();
