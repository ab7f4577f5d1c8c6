// Server CPU per request of the depot's read routes, in process (app.inject: no sockets, no load generator), with
// GET /health as the reference: `npx tsx bench/http/probe.ts`. A profile of what bench:http's rows spend.
import { startDepot } from './depot.js';

const N = Number(process.env.BENCH_VEHICLES ?? 1000);
const REPEAT = Number(process.env.PROBE_REPEAT ?? 50);
const depot = await startDepot(N);
const app = depot.running.http;
const headers = { authorization: `Bearer ${depot.token}` };

async function cpuPerRequest(url: string): Promise<{ us: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < 3; i++) await app.inject({ url, headers }); // warm
  const c0 = process.cpuUsage();
  for (let i = 0; i < REPEAT; i++) {
    const res = await app.inject({ url, headers });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    bytes = res.rawPayload.length;
  }
  const c = process.cpuUsage(c0);
  return { us: (c.user + c.system) / REPEAT, bytes };
}

console.log(`\n${N} vehicles, ${REPEAT} requests per row, in process (inject), server CPU per request\n`);
console.log('| request | CPU µs per request | KB | vs /health |');
console.log('|---|---|---|---|');
const ref = await cpuPerRequest('/health');
for (const url of ['/health', '/api/v1/sites/depot/vehicles', '/api/v1/sites/depot/plan']) {
  const r = url === '/health' ? ref : await cpuPerRequest(url);
  console.log(`| GET ${url} | ${r.us.toFixed(0)} | ${(r.bytes / 1024).toFixed(1)} | ${(r.us / ref.us).toFixed(1)}× |`);
}
await depot.close();
