// npm run bench:http: the API under load, on loopback, against the real product (SQLite file, scheduler, the auth
// plugin with a Bearer token). A depot with 1,000 vans plugged in and a stored plan; autocannon runs in a child
// process (bench/http/load.mjs) so that load generation does not share the server's event loop. Rows: the fleet
// table (1,000 rows per response), the site plan, and writes of departure targets (each one validated, stored and
// queued for a re-plan; the clock is manual, so the re-plans themselves are not part of the measurement: their
// cost is bench:scheduler's). GET /health, measured in the same run, is the reference every ratio is quoted against.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config.js';
import { start } from '../src/main.js';
import { ManualClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import { issueApiToken } from '../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../src/storage/api-token-repository.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_VEHICLES ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const T0 = '2026-11-23T16:00:00Z';

const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
const clock = new ManualClock(T0);
const config = loadConfig({}, {
  database: { path: join(dir, 'b.sqlite') },
  http: { host: '127.0.0.1', port: 0 },
  ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0 },
  log: { level: 'silent' },
  prices: {
    zones: [{ id: 'TEST', currency: 'EUR', timeZone: 'Europe/Copenhagen' }],
    tariffs: { depot: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'TEST' } } },
  },
  sites: [{
    id: 'depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: N * 4, slotMinutes: 15,
    circuits: Array.from({ length: Math.ceil(N / 10) }, (_, r) => ({ id: `row-${r}`, limitKw: 60 })),
    evses: Array.from({ length: N }, (_, i) => ({ stationId: `CS${Math.floor(i / 2)}`, evseId: (i % 2) + 1, circuit: `row-${Math.floor(i / 10)}`, maxKw: 11 })),
  }],
} as never);
const running = await start(config, { clock, logger: silentLogger() });

// Prices for two days: evening peak, night trough (published through the real intake).
const start0 = Date.parse(T0);
const intervals = Array.from({ length: 48 }, (_, h) => ({
  start: new Date(start0 + h * 3_600_000).toISOString().replace('.000Z', '+00:00'),
  end: new Date(start0 + (h + 1) * 3_600_000).toISOString().replace('.000Z', '+00:00'),
  price: 0.2 + 0.15 * Math.cos(((h + 16 - 18) / 24) * 2 * Math.PI),
}));
const checked = running.pricing.intake.validate({ format: 'json', body: { zone: 'TEST', currency: 'EUR', resolution: 'PT60M', intervals } });
if (!checked.ok) throw new Error('bench prices refused');
await running.pricing.intake.apply(checked.publication, 'bench');

// 1,000 vans, each with a one-off target and a session on its EVSE (stored as the OCPP handlers store them).
const at = new Date(start0).toISOString();
for (let i = 0; i < N; i++) {
  const stationId = `CS${Math.floor(i / 2)}`;
  if (i % 2 === 0) await running.repositories.stations.register({ id: stationId, passwordHash: null, securityProfile: 0 }, at);
  await running.scheduler.upsertVehicle({ id: `V${i}`, name: `Van ${i}`, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [`T${i}`] });
  await running.scheduler.setTarget(`V${i}`, { kind: 'once', departure: `2026-11-24T0${5 + (i % 4)}:30`, energyKwh: 8 + (i % 25) });
  await running.repositories.transactions.applyEvent({
    stationId, transactionId: `TX${i}`, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at, offline: false,
    evseId: (i % 2) + 1, connectorId: 1, idToken: { idToken: `T${i}`, type: 'ISO14443' },
    meterValues: [{ timestamp: at, measurand: 'Energy.Active.Import.Register', value: 1000 * i, unit: 'Wh' }], payload: {},
  } as never, at);
}
// One planning cycle over all of them (the debounce runs on the manual clock).
running.scheduler.trigger('depot', 'bench');
for (let i = 0; i < 50 && (running.scheduler.waiting || i === 0); i++) {
  clock.advance(2_000);
  await running.scheduler.done();
  await new Promise((r) => setImmediate(r));
}
const plan = await running.scheduler.latestPlan('depot');
if (!plan || plan.sessions.length !== N) throw new Error(`expected a plan with ${N} sessions, got ${plan?.sessions.length ?? 'none'}`);

const { token } = await issueApiToken(new ApiTokenRepository(running.db), clock, {
  name: 'bench', grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }],
});
const base = `http://127.0.0.1:${running.ports.http}`;

interface Load { rps: number; p50: number; p99: number; bytesPerReq: number; non2xx: number; errors: number; timeouts: number; total: number }
async function load(path: string, writes = false): Promise<Load> {
  const job = { url: base + path, token, connections: CONNECTIONS, seconds: SECONDS, ...(writes ? { writes: { vehicles: N } } : {}) };
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'http', 'load.mjs'), JSON.stringify(job)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Load;
}

const rows: [string, Load][] = [];
rows.push(['GET /health (reference)', await load('/health')]);
rows.push([`GET /api/v1/sites/depot/vehicles (${N} rows)`, await load('/api/v1/sites/depot/vehicles')]);
rows.push([`GET /api/v1/sites/depot/plan (${N} sessions)`, await load('/api/v1/sites/depot/plan')]);
rows.push(['PUT /api/v1/vehicles/:id/target', await load('/api/v1/vehicles/V0/target', true)]);

await running.close();
rmSync(dir, { recursive: true, force: true });

const ref = rows[0]![1].rps;
console.log(`\n${N} vehicles, ${CONNECTIONS} connections, ${SECONDS} s per row, loopback, Bearer token (fleet-manager)\n`);
console.log('| request | req/s | p50 ms | p99 ms | KB per response | req/s vs /health | non-2xx | errors |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.bytesPerReq / 1024).toFixed(1)} | ${(r.rps / ref).toFixed(3)} | ${r.non2xx} | ${r.errors + r.timeouts} |`);
}
