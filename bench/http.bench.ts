// npm run bench:http: the API under load, on loopback, against the real product (SQLite file, scheduler, the auth
// plugin with a Bearer token). A depot with 1,000 vans plugged in and a stored plan; autocannon runs in a child
// process (bench/http/load.mjs) so that load generation does not share the server's event loop. Rows: the fleet
// table (1,000 rows per response), the site plan, and writes of departure targets (each one validated, stored and
// queued for a re-plan; the clock is manual, so the re-plans themselves are not part of the measurement: their
// cost is bench:scheduler's). GET /health, measured in the same run, is the reference every ratio is quoted against.
// BENCH_DATABASE_URL=postgres://... runs the depot on PostgreSQL (bench/http/depot.ts).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDepot } from './http/depot.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_VEHICLES ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const CHANGE_MS = Number(process.env.BENCH_CHANGE_MS ?? 100);

const depot = await startDepot(N);
const { token, base } = depot;

interface Load { rps: number; p50: number; p99: number; bytesPerReq: number; non2xx: number; errors: number; timeouts: number; total: number; cpuUs: number }
/** One row: autocannon in its child process; the server's own CPU time (this process) per answered request beside it. */
async function load(path: string, writes = false, headers: Record<string, string> = {}): Promise<Load> {
  const job = { url: base + path, token, connections: CONNECTIONS, seconds: SECONDS, headers, ...(writes ? { writes: { vehicles: N } } : {}) };
  const cpu0 = process.cpuUsage();
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'http', 'load.mjs'), JSON.stringify(job)], { maxBuffer: 1 << 20 });
  const cpu = process.cpuUsage(cpu0);
  const r = JSON.parse(stdout) as Omit<Load, 'cpuUs'>;
  return { ...r, cpuUs: r.total ? (cpu.user + cpu.system) / r.total : 0 };
}

/**
 * A row while the site keeps changing: a plan event every `everyMs` (what each planning cycle says), so the views are
 * rebuilt about that often instead of served from their kept copies. Real time: a bench, not a test.
 */
async function loadWhileChanging(path: string, everyMs: number, headers: Record<string, string> = {}): Promise<Load> {
  const planId = (await depot.running.scheduler.latestPlan('depot'))!.id;
  const timer = setInterval(() => depot.running.events.emit('plan.created', { siteId: 'depot', planId, triggers: ['bench'] }), everyMs);
  try {
    return await load(path, false, headers);
  } finally {
    clearInterval(timer);
  }
}

const GZIP = { 'accept-encoding': 'gzip, deflate, br' };
const rows: [string, Load][] = [];
rows.push(['GET /health (reference)', await load('/health')]);
rows.push([`GET /api/v1/sites/depot/vehicles (${N} rows)`, await load('/api/v1/sites/depot/vehicles')]);
rows.push([`GET /api/v1/sites/depot/plan (${N} sessions)`, await load('/api/v1/sites/depot/plan')]);
// What a browser sends: the kept answers go out gzipped (compressed once per kept answer).
rows.push([`GET /api/v1/sites/depot/plan (${N} sessions), Accept-Encoding: gzip`, await load('/api/v1/sites/depot/plan', false, GZIP)]);
rows.push([`GET /api/v1/sites/depot/vehicles, a plan event every ${CHANGE_MS} ms`, await loadWhileChanging('/api/v1/sites/depot/vehicles', CHANGE_MS)]);
rows.push([`GET /api/v1/sites/depot/plan, a plan event every ${CHANGE_MS} ms`, await loadWhileChanging('/api/v1/sites/depot/plan', CHANGE_MS)]);
rows.push([`GET /api/v1/sites/depot/plan, a plan event every ${CHANGE_MS} ms, Accept-Encoding: gzip`, await loadWhileChanging('/api/v1/sites/depot/plan', CHANGE_MS, GZIP)]);
rows.push(['PUT /api/v1/vehicles/:id/target', await load('/api/v1/vehicles/V0/target', true)]);

await depot.close();

const ref = rows[0]![1].rps;
console.log(`\n${N} vehicles, ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}, ${CONNECTIONS} connections, ${SECONDS} s per row, loopback, Bearer token (fleet-manager)\n`);
const refCpu = rows[0]![1].cpuUs;
// Server CPU per request hardly depends on the machine's other load (wall-clock req/s does, a lot).
console.log('| request | req/s | p50 ms | p99 ms | KB per response | req/s vs /health | server CPU µs per request | CPU vs /health | non-2xx | errors |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.bytesPerReq / 1024).toFixed(1)} | ${(r.rps / ref).toFixed(3)} | ${r.cpuUs.toFixed(0)} | ${(r.cpuUs / refCpu).toFixed(1)}× | ${r.non2xx} | ${r.errors + r.timeouts} |`);
}
