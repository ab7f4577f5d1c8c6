// Server CPU per request of the depot's read routes when every request rebuilds the view (a plan event before each
// one: each cycle says plan.created and plan.pushed): `npx tsx bench/http/miss-probe.ts`. The cached path is probe.ts's.
import { startDepot } from './depot.js';

const N = Number(process.env.BENCH_VEHICLES ?? 1000);
const REPEAT = Number(process.env.PROBE_REPEAT ?? 30);
const depot = await startDepot(N);
const app = depot.running.http;
const headers = { authorization: `Bearer ${depot.token}` };
const planId = (await depot.running.scheduler.latestPlan('depot'))!.id;
// What a new plan says to every listener (the views drop their kept copies); the plan itself is the same.
const invalidate = () => depot.running.events.emit('plan.created', { siteId: 'depot', planId, triggers: ['probe'] });

async function cpuPerRequest(url: string, miss: boolean): Promise<{ us: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < 3; i++) await app.inject({ url, headers });
  const c0 = process.cpuUsage();
  for (let i = 0; i < REPEAT; i++) {
    if (miss) invalidate();
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
const ref = await cpuPerRequest('/health', false);
for (const [url, miss] of [['/health', false], ['/api/v1/sites/depot/vehicles', false], ['/api/v1/sites/depot/vehicles', true], ['/api/v1/sites/depot/plan', false], ['/api/v1/sites/depot/plan', true]] as const) {
  const r = url === '/health' ? ref : await cpuPerRequest(url, miss);
  console.log(`| GET ${url}${miss ? ' (rebuilt)' : ''} | ${r.us.toFixed(0)} | ${(r.bytes / 1024).toFixed(1)} | ${(r.us / ref.us).toFixed(1)}× |`);
}
await depot.close();
