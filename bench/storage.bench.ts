/**
 * npm run bench:storage (issue 15): the storage layer on both databases in the same run, through the product's own
 * repositories and the scheduler's snapshot read. Rows:
 *  - TransactionEvent Updated with 4 meter values, applied one after another (a station's order) and 32 at once
 *    (32 stations): events per second, the whole atomic applyEvent (event, transaction, EVSE, meter values);
 *  - a planning cycle's reads at 1,000 cars: loadCycleSnapshot (sessions, cars, targets, meters, needs, pushes,
 *    compliance, latest plan, prices for the grid) of a depot with a van on each of 1,000 EVSEs;
 *  - the fleet table's reads at 1,000 vans: the latest plan (1,000 sessions), the vehicle list and the targets in
 *    one bulk read, as src/http/api/fleet.ts does.
 * The SQLite/PostgreSQL ratio is per row, measured alternately in this run. The before/after rows of bench:ocpp and
 * bench:scheduler (the async layer's cost on SQLite) come from `npm run bench:storage -- --before-after`
 * (bench/storage/before-after.ts), which runs the last synchronous build beside this one.
 * Then the layer's own price on SQLite (bench/storage/layer-vs-raw.ts): each operation's statements, recorded, run
 * again straight on better-sqlite3 as the synchronous stores ran them; --layer prints only that table.
 * Options: --cars N (1000), --events N (2000), --runs N (5), --layer [--per-call], --before-after [--rounds R] [--no-profile].
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import type { DialectName } from '../src/storage/database.js';
import { loadCycleSnapshot } from '../src/scheduler/snapshot.js';
import { planSite } from '../src/scheduler/planner.js';
import { layerVsRaw } from './storage/layer-vs-raw.js';
import { benchPrices as prices, depot, openBenchDb, repositoriesOf, samples, PG_URL, type BenchDb } from './storage/fixture.js';

const NOW = Date.parse('2026-11-23T16:00:00Z');
const argv = process.argv.slice(2);
const num = (name: string, d: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const CARS = num('cars', 1000);
const EVENTS = num('events', 2000);
const RUNS = num('runs', 5);
const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;


async function transactionEvents(db: BenchDb, concurrency: number): Promise<number> {
  const r = repositoriesOf(db.storage);
  const stations = Math.max(concurrency, 1);
  const at0 = new Date(NOW).toISOString();
  for (let s = 0; s < stations; s++) {
    const stationId = `TE${concurrency}-${s}`;
    await r.stations.register({ id: stationId, passwordHash: null, securityProfile: 0 }, at0);
    await r.transactions.applyEvent({
      stationId, transactionId: `TX${concurrency}-${s}`, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at0,
      offline: false, evseId: 1, connectorId: 1, meterValues: samples(at0, 0), payload: {},
    }, at0);
  }
  const perStation = Math.ceil(EVENTS / stations);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: stations }, async (_, s) => {
    const stationId = `TE${concurrency}-${s}`;
    for (let k = 1; k <= perStation; k++) {
      const at = new Date(NOW + k * 60_000).toISOString();
      await r.transactions.applyEvent({
        stationId, transactionId: `TX${concurrency}-${s}`, seqNo: k, eventType: 'Updated', triggerReason: 'MeterValuePeriodic', timestamp: at,
        offline: false, evseId: 1, meterValues: samples(at, k * 180), payload: { note: 'bench' },
      }, at);
    }
  }));
  return (perStation * stations) / ((performance.now() - t0) / 1000);
}

async function planningReads(db: BenchDb): Promise<{ ms: number; sessions: number; fleetMs: number; vans: number }> {
  const site = await depot(db.storage, CARS, NOW);
  const r = repositoriesOf(db.storage);
  const sources = {
    stores: r, prices, connected: () => true, caps: () => null,
    latestPlan: (siteId: string) => r.plans.latest(siteId),
  };
  const times: number[] = [];
  let sessions = 0;
  let snapshot;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    snapshot = await loadCycleSnapshot(site, NOW, sources);
    times.push(performance.now() - t0);
    sessions = snapshot.sessions.length;
  }
  // The fleet table reads the site's latest plan: store a real one first.
  await r.plans.save(planSite(snapshot!, ['bench'], { monotonicMs: () => performance.now() }).plan);
  const fleet: number[] = [];
  let vans = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const plan = await r.plans.latest(site.id);
    const list = (await r.vehicles.list()).filter((v) => v.fleet === 'f');
    const targets = await r.targets.many(list.map((v) => v.id));
    fleet.push(performance.now() - t0);
    vans = Math.min(list.length, targets.size, plan?.sessions.length ?? 0);
  }
  return { ms: median(times), sessions, fleetMs: median(fleet), vans };
}

const LAYER_NOTE = 'layer = the product\'s repository call (Kysely-built statements, prepared.ts, promises), CPU µs per call; ' +
  'raw = the statements that call sent, recorded and run again on a twin database straight on better-sqlite3 (prepared once, ' +
  'object rows, one transaction where the call had one), as the synchronous stores ran them. Medians of --runs; the ' +
  'recording (one array push per statement) is counted in the layer\'s time.';

async function main(): Promise<void> {
  if (argv.includes('--before-after')) {
    const { runBeforeAfter } = await import('./storage/before-after.js');
    await runBeforeAfter(argv);
    return;
  }
  const cpu = cpus();
  if (argv.includes('--layer')) {
    console.log(`bench:storage --layer: node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}`);
    console.log(`\n${await layerVsRaw(NOW, RUNS, argv.includes('--per-call'))}\n\n${LAYER_NOTE}`);
    return;
  }
  console.log(`bench:storage: node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}; SQLite temp file (WAL) vs PostgreSQL ${PG_URL.replace(/:[^:@/]*@/, ':***@')} (pool 10), same run`);
  const rows = new Map<string, Record<DialectName, number>>();
  const put = (key: string, d: DialectName, v: number) => {
    const row = rows.get(key) ?? ({} as Record<DialectName, number>);
    row[d] = v;
    rows.set(key, row);
  };
  const extra: string[] = [];
  for (const d of DIALECTS) {
    process.stderr.write(`  ${d}: transaction events ...\n`);
    const te = await openBenchDb(d, 'te');
    try {
      put('TransactionEvent + 4 meter values, one at a time (events/s)', d, await transactionEvents(te, 1));
      put('TransactionEvent + 4 meter values, 32 stations at once (events/s)', d, await transactionEvents(te, 32));
    } finally {
      await te.close();
    }
    process.stderr.write(`  ${d}: ${CARS} cars ...\n`);
    const pl = await openBenchDb(d, 'plan');
    try {
      const p = await planningReads(pl);
      put(`planning cycle's reads, ${CARS} cars (ms, median of ${RUNS})`, d, p.ms);
      put(`fleet table's reads, ${CARS} vans (ms, median of ${RUNS})`, d, p.fleetMs);
      extra.push(`${d}: the snapshot held ${p.sessions} sessions; the fleet read ${p.vans} vans with targets and plan rows`);
    } finally {
      await pl.close();
    }
  }
  console.log('\n| figure | SQLite | PostgreSQL | PostgreSQL / SQLite |');
  console.log('|---|---:|---:|---:|');
  for (const [key, v] of rows) console.log(`| ${key} | ${v.sqlite.toFixed(1)} | ${v.postgres.toFixed(1)} | ${(v.postgres / v.sqlite).toFixed(2)} |`);
  console.log(`\n${extra.join('\n')}`);
  console.log('PostgreSQL runs on this machine over loopback (no network latency); the product and the server share its cores.');
  console.log(`\n${await layerVsRaw(NOW, RUNS)}\n\n${LAYER_NOTE}`);
}

await main();
