// npm run bench:upload: what the largest uploads cost everybody else (issue 20, finding 6: a 200,000-row bulk CSV held
// /health for 8.1 s, and OCPP shares the event loop). The real product (main.ts start(), a SQLite file, a depot of
// 5,000 vans in fleet north) takes the largest upload of each kind while a second process probes GET /health one
// request at a time (bench/upload/probe.mjs: the probe and the upload share no event loop with the server). The
// reference row is /health alone in the same run. In the server, perf_hooks' event-loop delay histogram gives the
// longest stall of each upload; the table also times the final writes in-process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config.js';
import { start } from '../src/main.js';
import { ManualClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import { issueApiToken } from '../src/http/auth/api-tokens.js';
import { BULK_ROWS_MAX } from '../src/http/api/bulk-limits.js';
import { ApiTokenRepository } from '../src/storage/api-token-repository.js';

const run = promisify(execFile);
const VANS = BULK_ROWS_MAX / 2;
const REFERENCE_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const PROBE_MS = 2;
const T0 = '2026-11-23T16:00:00Z';

const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
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
  sites: [{ id: 'depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 400, slotMinutes: 15, evses: [{ stationId: 'CS0', evseId: 1, maxKw: 11 }] }],
} as never);
const running = await start(config, { clock, logger: silentLogger() });
for (let i = 0; i < VANS; i++) await running.scheduler.upsertVehicle({ id: `V${i}`, name: `Van ${i}`, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [`T${i}`] });
const tokens = new ApiTokenRepository(running.db);
const manager = (await issueApiToken(tokens, clock, { name: 'manager', grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }] })).token;
const publisher = (await issueApiToken(tokens, clock, { name: 'utility', grants: [{ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: 'TEST' }] })).token;
const base = `http://127.0.0.1:${running.ports.http}`;

// The uploads, written to files once.
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const bulkRows = Array.from({ length: VANS }, (_, i) => [
  { vehicleId: `V${i}`, kind: 'once', departure: `2026-11-2${4 + (i % 5)}T0${5 + (i % 4)}:30`, energyKwh: 1 + (i % 60) },
  { vehicleId: `V${i}`, kind: 'weekly', days: ['mon', 'fri'], time: `06:${String(i % 60).padStart(2, '0')}`, socPercent: 20 + (i % 80) },
]).flat();
const bulkCsv = ['vehicle_id,kind,departure,days,time,energy_kwh,soc_percent', ...bulkRows.map((r) =>
  r.kind === 'once' ? `${r.vehicleId},once,${r.departure},,,${r.energyKwh},` : `${r.vehicleId},weekly,,${(r.days ?? []).join(';')},${r.time},,${r.socPercent}`)].join('\r\n');
const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const QUARTERS = 35_040;
const at = (i: number) => new Date(YEAR_START + i * 900_000).toISOString().replace('.000Z', 'Z');
const year = (price: (i: number) => number) => Array.from({ length: QUARTERS }, (_, i) => ({ start: at(i), end: at(i + 1), price: price(i) }));
const p1 = (i: number) => Math.round((0.1 + (i % 96) / 500) * 1e5) / 1e5;
const p2 = (i: number) => (i % 2 ? p1(i) + 0.05 : p1(i));
const tariffCsv = (price: (i: number) => number) =>
  ['zone,currency,resolution,start,end,price_per_kwh', ...year(price).map((r) => `TEST,EUR,PT15M,${r.start},${r.end},${r.price}`)].join('\n');

interface Phase { name: string; upload?: { path: string; file: string; contentType: string; token: string } }
const phases: Phase[] = [
  { name: 'GET /health alone (reference)' },
  { name: `bulk targets, CSV, ${BULK_ROWS_MAX} rows`, upload: { path: '/api/v1/targets/bulk', file: file('bulk.csv', bulkCsv), contentType: 'text/csv', token: manager } },
  { name: `bulk targets, JSON, ${BULK_ROWS_MAX} rows`, upload: { path: '/api/v1/targets/bulk', file: file('bulk.json', JSON.stringify(bulkRows, null, 2)), contentType: 'application/json', token: manager } },
  { name: `tariffs, CSV, a year of quarter-hours (${QUARTERS})`, upload: { path: '/api/v1/tariffs', file: file('year.csv', tariffCsv(p1)), contentType: 'text/csv', token: publisher } },
  { name: 'tariffs, CSV, the same year again, every other price changed', upload: { path: '/api/v1/tariffs', file: file('year2.csv', tariffCsv(p2)), contentType: 'text/csv', token: publisher } },
  { name: `tariffs, JSON (indented), a year of quarter-hours (${QUARTERS})`, upload: { path: '/api/v1/tariffs', file: file('year.json', JSON.stringify({ zone: 'TEST', currency: 'EUR', resolution: 'PT15M', intervals: year(p1) }, null, 2)), contentType: 'application/json', token: publisher } },
];

interface Result { latencies: number[]; upload: { status: number; ms: number; bytes: number; answer: string } | null }
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const rows: string[] = [];
let refP99 = 0;
for (const phase of phases) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const job = { base, probeMs: PROBE_MS, seconds: REFERENCE_SECONDS, ...(phase.upload ? { upload: phase.upload } : {}) };
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'upload', 'probe.mjs'), JSON.stringify(job)], { maxBuffer: 1 << 24 });
  loop.disable();
  const r = JSON.parse(stdout) as Result;
  if (r.upload && r.upload.status >= 300) throw new Error(`${phase.name}: ${r.upload.status} ${r.upload.answer}`);
  const xs = [...r.latencies].sort((a, b) => a - b);
  const p99 = q(xs, 0.99);
  if (!phase.upload) refP99 = p99;
  const up = r.upload;
  rows.push(`| ${phase.name} | ${up ? `${(up.bytes / 1024 / 1024).toFixed(2)} MiB, ${up.status}, ${up.ms.toFixed(0)} ms` : '-'} | ${xs.length} | ${q(xs, 0.5).toFixed(2)} | ${p99.toFixed(2)} | ${xs.at(-1)!.toFixed(2)} | ${phase.upload ? `+${(p99 - refP99).toFixed(2)}` : '-'} | ${(loop.max / 1e6).toFixed(1)} |`);
}

// The final writes, timed whole: a publication staged in steps of 500 rows and switched live (price-staging.ts); a
// bulk's targets in one transaction, 500 vehicles per statement.
const t0 = performance.now();
const checked = running.pricing.intake.validate({ format: 'csv', text: tariffCsv((i) => p1(i) + 0.01) });
const t1 = performance.now();
if (!checked.ok) throw new Error('year refused');
await running.pricing.intake.apply(checked.publication, 'bench');
const t2 = performance.now();
const targets = bulkRows.map(({ vehicleId, ...target }) => ({ vehicleId, target: target.kind === 'once' ? { ...target, energyKwh: (target.energyKwh ?? 1) + 1 } : target }));
const t3 = performance.now();
await running.scheduler.setTargets(targets);
const t4 = performance.now();

await running.close();
rmSync(dir, { recursive: true, force: true });

console.log(`\n/health probed one request at a time, ${PROBE_MS} ms apart, from another process; loopback; ${VANS} vans; reference ${REFERENCE_SECONDS} s\n`);
console.log('| while | upload (size, status, time) | /health samples | p50 ms | p99 ms | max ms | p99 vs reference ms | longest event-loop stall ms |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log('\nSteps measured in the server process (no HTTP, nothing else running):\n');
console.log('| step | ms |');
console.log('|---|---|');
console.log(`| a year of quarter-hours checked at once (validate, all chunks back to back) | ${(t1 - t0).toFixed(0)} |`);
console.log(`| ... stored: staged in steps of 500 rows, then switched live in one small transaction (PriceIntake.apply) | ${(t2 - t1).toFixed(0)} |`);
console.log(`| ${BULK_ROWS_MAX} targets checked and stored in one transaction, 500 vehicles per statement (Scheduler.setTargets) | ${(t4 - t3).toFixed(0)} |`);
