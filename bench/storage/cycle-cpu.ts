/**
 * The planning cycle's CPU time, on this build and on the last synchronous one (bench/storage/before-after.ts copies
 * this file into the baseline's worktree and runs it there too: one measuring code for both builds).
 *
 * bench:scheduler's "cycle ms (median)" is wall time over 21 cycles at 10 cars; a 10-car cycle takes about 1.5 ms of
 * CPU, so on a machine at load 15 on 2 cores one preemption in half the cycles doubles the median (before-after runs
 * put it anywhere between 1x and 3x). This probe runs many cycles of bench:scheduler's depot and prints the process's
 * CPU time per cycle (user + system, which preemption does not add to) besides the wall-time median and tenth
 * percentile. A cycle is what bench:scheduler times: read the site's state, plan, store the plan. Same depot, same
 * prices, same cars; the planned kWh must agree between the builds.
 *
 * The two builds' APIs differ: the synchronous build planned with planSite(site, now, triggers, deps) reading its
 * stores itself; this one reads a snapshot (loadCycleSnapshot) and plans on it. Store calls are awaited, which
 * changes nothing for the synchronous build's return values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { profile } from './profile.js';

const NOW = Date.parse('2026-11-23T16:00:00Z');
const CASES = [
  { name: '10 cars', cars: 10, warm: 100, runs: 400 },
  { name: '100 cars', cars: 100, warm: 20, runs: 80 },
  { name: '1,000 cars', cars: 1000, warm: 2, runs: 8 },
];

/** bench:scheduler's seeded day-ahead-like curve. */
function prices(seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const cache = new Map<number, number>();
  const effective = (_tariff: string, window: { start: number; end: number }, stepMs: number) => {
    const out: unknown[] = [];
    for (let t = window.start; t < window.end; t += stepMs) {
      if (!cache.has(t)) cache.set(t, 0.2 + 0.15 * Math.cos(((new Date(t).getUTCHours() - 18) / 24) * 2 * Math.PI) + 0.02 * rnd());
      const total = cache.get(t)!;
      out.push({ start: t, end: t + stepMs, energy: total, gridFee: 0, taxes: {}, vat: 0, total, currency: 'EUR', kind: 'final', source: 'bench' });
    }
    return out;
  };
  return { effective, async: { effective: (...a: Parameters<typeof effective>) => Promise.resolve(effective(...a)) } };
}

const storageIndex: any = await import('../../src/storage/index.js');
const vehicleRepos: any = await import('../../src/storage/vehicle-repository.js');
const planRepos: any = await import('../../src/storage/plan-repository.js');
const { planSite }: any = await import('../../src/scheduler/planner.js');
const { resolveSites }: any = await import('../../src/scheduler/sites.js');
/** The async build has the snapshot (issue 15); the synchronous one does not. */
const snapshotModule: any = await import('../../src/scheduler/snapshot.js').catch(() => null);
const build = snapshotModule ? 'async' : 'synchronous';

async function setup(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cycle-cpu-'));
  const path = join(dir, 'b.sqlite');
  const storage = snapshotModule ? await storageIndex.openStorage({ path }) : { db: storageIndex.openDatabase(path), close() { this.db.close(); } };
  const db = storage.db;
  const repos = storageIndex.createOcppRepositories(db);
  const vehicles = new vehicleRepos.VehicleRepository(db);
  const targets = new vehicleRepos.TargetRepository(db);
  const rows = Math.ceil(n / 10);
  const [site] = resolveSites([{
    id: 'depot', timeZone: 'Europe/Copenhagen', tariff: 't', gridLimitKw: n * 4,
    circuits: Array.from({ length: rows }, (_, r) => ({ id: `row-${r}`, limitKw: 60 })),
    evses: Array.from({ length: n }, (_, i) => ({ stationId: `CS${Math.floor(i / 2)}`, evseId: (i % 2) + 1, circuit: `row-${Math.floor(i / 10)}` })),
  }], ['t']);
  const at = new Date(NOW).toISOString();
  for (let i = 0; i < n; i++) {
    const stationId = `CS${Math.floor(i / 2)}`;
    if (i % 2 === 0) await repos.stations.register({ id: stationId, passwordHash: null, securityProfile: 0 }, at);
    await vehicles.upsert({ id: `V${i}`, name: `V${i}`, fleet: 'f', batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: [`T${i}`] }, at);
    const minute = (i % 4) * 60 + 30;
    await targets.set(`V${i}`, { kind: 'once', departure: `2026-11-24T0${5 + Math.floor(minute / 60)}:${String(minute % 60).padStart(2, '0')}`, energyKwh: 8 + (i % 25) }, at);
    await repos.transactions.applyEvent({
      stationId, transactionId: `TX${i}`, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at, offline: false,
      evseId: (i % 2) + 1, connectorId: 1, idToken: { idToken: `T${i}`, type: 'ISO14443' },
      meterValues: [{ timestamp: at, measurand: 'Energy.Active.Import.Register', value: 1000 * i, unit: 'Wh' }], payload: {},
    }, at);
  }
  const p = prices(7);
  const stores = { ...repos, vehicles, targets, assignments: new vehicleRepos.AssignmentRepository(db), profiles: new planRepos.ProfileRepository(db) };
  const plans = new planRepos.PlanRepository(db);
  const monotonicMs = () => performance.now();
  const cycle: () => Promise<any> = snapshotModule
    ? async () => {
      const sources = { stores, prices: p.async, connected: () => true, caps: () => null };
      const result = planSite(await snapshotModule.loadCycleSnapshot(site, NOW, sources), ['bench'], { monotonicMs });
      await plans.save(result.plan);
      return result.plan;
    }
    : async () => {
      const deps = { stores, prices: { effective: p.effective }, compliance: () => 'follows', pushed: () => undefined, caps: () => null, monotonicMs };
      const result = planSite(site, NOW, ['bench'], deps);
      await plans.save(result.plan);
      return result.plan;
    };
  return {
    cycle,
    close: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
const rows: string[] = [];
for (const c of CASES) {
  const b = await setup(c.cars);
  let plan: any;
  for (let r = 0; r < c.warm; r++) plan = await b.cycle();
  const wall: number[] = [];
  const stopProfile = await profile(`cycle-${c.cars}`); // CHARGEPLAN_BENCH_CPU_PROFILE=dir: the measured cycles' profile
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < c.runs; r++) {
    const t0 = performance.now();
    plan = await b.cycle();
    wall.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  await stopProfile();
  const kwh = plan.sessions.reduce((a: number, x: { plannedKwh: number }) => a + x.plannedKwh, 0);
  rows.push(`| ${c.name} | ${c.runs} | ${((cpu.user + cpu.system) / 1000 / c.runs).toFixed(3)} | ${quantile(wall, 0.5).toFixed(3)} | ${quantile(wall, 0.1).toFixed(3)} | ${kwh.toFixed(0)} |`);
  await b.close();
}
console.log(`cycle CPU probe: ${build} build`);
console.log('| site | cycles | CPU ms per cycle | cycle ms (median) | cycle ms (p10) | planned kWh |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
