// npm run bench:scheduler: how long one planning cycle of a site takes with N cars plugged in, from the stored
// transactions, targets and meter values to the stored plan, against the bare solve of the same problem measured
// in the same run (the reference: what the scheduler adds around the optimiser). "own" is the cycle minus the
// solve inside it: reads, targets, the problem, limits, the plan and storing it; "reads" is the part of it that
// reads the cycle's snapshot (snapshot.ts). Cars have the site's default 6 A minimum unless a row says otherwise.
// SQLite in a temp file, no network.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { solve, type Plan, type Problem } from '../solver/index.js';
import { WarmSolver } from '../solver/warm.js';
import { openStorage, createOcppRepositories } from '../src/storage/index.js';
import { VehicleRepository, TargetRepository, AssignmentRepository } from '../src/storage/vehicle-repository.js';
import { PlanRepository, ProfileRepository } from '../src/storage/plan-repository.js';
import { planSite } from '../src/scheduler/planner.js';
import { loadCycleSnapshot, type SnapshotSources } from '../src/scheduler/snapshot.js';
import { resolveSites } from '../src/scheduler/sites.js';
import { expectedCarsSolver, type ArrivalAwareSolver } from '../src/scheduler/arrivals-solver.js';
import { learnArrivals, type ArrivalModel, type PastSession } from '../src/scheduler/arrivals-model.js';
import { DateTime } from 'luxon';
import type { EffectiveSlot, SitePriceProvider } from '../src/domain/prices.js';

const NOW = Date.parse('2026-11-23T16:00:00Z');
interface Case {
  name: string;
  cars: number;
  /** The cars' minimum current (null: the site's default, 6 A). */
  minCurrentA: number | null;
  /** Departures at scattered minutes (each one inside a slot cuts the grid), else on the half hour. */
  scattered: boolean;
  /** With four weeks of the depot's arrivals learned (policy.arrivalHistoryWeeks' default): the expected cars. */
  arrivals?: boolean;
  /** The site's EVSEs when more than the cars (the others free for the expected cars). */
  evses?: number;
}
const CASES: Case[] = [
  { name: '10 cars', cars: 10, minCurrentA: null, scattered: false },
  { name: '100 cars', cars: 100, minCurrentA: null, scattered: false },
  { name: '1,000 cars', cars: 1000, minCurrentA: null, scattered: false },
  { name: '1,000 cars, no minimum', cars: 1000, minCurrentA: 0, scattered: false },
  { name: '1,000 cars, departures at scattered minutes', cars: 1000, minCurrentA: null, scattered: true },
  { name: '1,000 cars on 1,600 EVSEs, 4 weeks of arrivals learned (expected cars)', cars: 1000, evses: 1600, minCurrentA: null, scattered: false, arrivals: true },
];

/**
 * Four weeks of a 1,000-van depot's finished sessions before NOW (seeded): each day every EVSE's van comes back
 * between 15:00 and 20:00 local, leaves between 05:00 and 09:00, and took 8-32 kWh. The planning loop learns such a
 * model once a day (arrivals.ts); a cycle plans the cars that are here with the expected ones (arrivals-solver.ts).
 */
function depotArrivals(n: number): ArrivalModel {
  let s = 11;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const zone = 'Europe/Copenhagen';
  const today = DateTime.fromMillis(NOW, { zone }).startOf('day');
  const past: PastSession[] = [];
  for (let d = 28; d >= 1; d--) {
    const day = today.minus({ days: d });
    for (let i = 0; i < n; i++) {
      const arrivalMs = day.plus({ minutes: 15 * 60 + Math.floor(rnd() * 300) }).toMillis();
      const departureMs = day.plus({ days: 1, minutes: 5 * 60 + Math.floor(rnd() * 240) }).toMillis();
      past.push({ arrivalMs, departureMs, energyKwh: 8 + rnd() * 24 });
    }
  }
  return learnArrivals(past, zone, today.minus({ days: 28 }).toMillis(), today.toMillis());
}
/** Small sites run more often: the first runs are JIT warm-up. */
const runsFor = (n: number) => (n <= 100 ? 21 : 5);

/** A seeded day-ahead-like curve: evening peak, night trough, quarter-hour noise. */
function prices(seed: number): SitePriceProvider {
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const cache = new Map<number, number>();
  return {
    async effective(_tariff, window, stepMs): Promise<EffectiveSlot[]> {
      const out: EffectiveSlot[] = [];
      for (let t = window.start; t < window.end; t += stepMs) {
        if (!cache.has(t)) {
          const hour = new Date(t).getUTCHours();
          cache.set(t, 0.2 + 0.15 * Math.cos(((hour - 18) / 24) * 2 * Math.PI) + 0.02 * rnd());
        }
        const total = cache.get(t)!;
        out.push({ start: t, end: t + stepMs, energy: total, gridFee: 0, taxes: {}, vat: 0, total, currency: 'EUR', kind: 'final', source: 'bench' });
      }
      return out;
    },
  };
}

async function setup({ cars: n, minCurrentA, scattered, arrivals, evses = n }: Case) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scheduler-'));
  const storage = await openStorage({ path: join(dir, 'b.sqlite') });
  const db = storage.db;
  const repos = createOcppRepositories(db);
  const vehicles = new VehicleRepository(db);
  const targets = new TargetRepository(db);
  const [site] = resolveSites([{
    id: 'depot', timeZone: 'Europe/Copenhagen', tariff: 't', gridLimitKw: n * 4,
    circuits: Array.from({ length: Math.ceil(evses / 10) }, (_, r) => ({ id: `row-${r}`, limitKw: 60 })),
    evses: Array.from({ length: evses }, (_, i) => ({ stationId: `CS${Math.floor(i / 2)}`, evseId: (i % 2) + 1, circuit: `row-${Math.floor(i / 10)}` })),
  }], ['t']);
  const at = new Date(NOW).toISOString();
  for (let i = 0; i < n; i++) {
    const stationId = `CS${Math.floor(i / 2)}`;
    if (i % 2 === 0) await repos.stations.register({ id: stationId, passwordHash: null, securityProfile: 0 }, at);
    await vehicles.upsert({ id: `V${i}`, name: `V${i}`, fleet: 'f', batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA, idTokens: [`T${i}`] }, at);
    // Scattered: every minute from 05:00 to 08:59 ((i * 37) mod 240), 224 of the 240 inside a slot.
    const minute = scattered ? (i * 37) % 240 : (i % 4) * 60 + 30;
    const departure = `2026-11-24T0${5 + Math.floor(minute / 60)}:${String(minute % 60).padStart(2, '0')}`;
    await targets.set(`V${i}`, { kind: 'once', departure, energyKwh: 8 + (i % 25) }, at);
    await repos.transactions.applyEvent({
      stationId, transactionId: `TX${i}`, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at, offline: false,
      evseId: (i % 2) + 1, connectorId: 1, idToken: { idToken: `T${i}`, type: 'ISO14443' },
      meterValues: [{ timestamp: at, measurand: 'Energy.Active.Import.Register', value: 1000 * i, unit: 'Wh' }], payload: {},
    }, at);
  }
  const sources: SnapshotSources = {
    stores: { ...repos, vehicles, targets, assignments: new AssignmentRepository(db), profiles: new ProfileRepository(db) },
    prices: prices(7),
    connected: () => true,
    caps: () => null,
    ...(arrivals ? { arrivals: (() => { const model = depotArrivals(evses); return async () => model; })() } : {}),
  };
  return {
    site: site!, sources, plans: new PlanRepository(db), targets,
    close: async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];
/** `-- --replan`: only the re-plan table (the last one). */
const replanOnly = process.argv.includes('--replan');
for (const c of replanOnly ? [] : CASES) {
  const b = await setup(c);
  const cycle: number[] = [];
  const reads: number[] = [];
  const inCycle: number[] = [];
  const bare: number[] = [];
  let last: ReturnType<typeof planSite> | undefined;
  let expected = '';
  for (let r = 0; r < runsFor(c.cars); r++) {
    const t0 = performance.now();
    const snapshot = await loadCycleSnapshot(b.site, NOW, b.sources);
    reads.push(performance.now() - t0);
    // With expected cars the cycle plans as the planning loop does: the real cars with the expected ones.
    const solver = snapshot.arrivals ? expectedCarsSolver({ solve: (p) => solve(p) }, b.site, snapshot.arrivals, snapshot.grid) as ArrivalAwareSolver : undefined;
    last = planSite(snapshot, ['bench'], { monotonicMs: () => performance.now(), ...(solver ? { solver } : {}) });
    if (solver) expected = `, ${solver.lastExpected} expected (${solver.lastMode}${solver.lastHeld ? ', room held' : ''})`;
    await b.plans.save(last.plan);
    cycle.push(performance.now() - t0);
    inCycle.push(last.plan.solveMs);
    const t1 = performance.now();
    solve(last.plan.problem as Problem);
    bare.push(performance.now() - t1);
  }
  const p = last!.plan;
  const slots = p.slotStarts.length;
  const cy = median(cycle);
  const own = median(cycle.map((x, r) => x - inCycle[r]!));
  const s = median(bare);
  const kwh = p.sessions.reduce((a, x) => a + x.plannedKwh, 0).toFixed(0);
  rows.push(`| ${c.name} | ${slots} | ${cy.toFixed(1)} | ${median(inCycle).toFixed(1)} | ${own.toFixed(1)} | ${median(reads).toFixed(1)} | ${s.toFixed(1)} | ${(cy / s).toFixed(2)} | ${p.status}${expected} | ${kwh} |`);
  await b.close();
}
console.log('| site | slots | cycle ms (median) | solve in the cycle ms | scheduler\'s own ms | of which reads ms | bare solve ms (same run) | cycle / bare solve | status | planned kWh |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);

// Re-plans (issue 21): the site's WarmSolver kept between cycles, as the planning loop keeps it. Each re-plan comes
// 20 s after the last (slot 0, the part of the current quarter hour that is left, shrinks: every car's cap and
// minimum and every limit move there) with one car's target changed, against a cold solve of the same problem in
// the same run. The first cycle (cold) is not counted.
const warmRows: string[] = [];
/** f's result and its CPU milliseconds (user + system): steadier than wall time on a shared machine. */
function cpuOf<R>(f: () => R): [R, number] {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1000];
}
for (const c of CASES.filter((x) => x.cars === 1000 && !x.scattered && !x.arrivals)) {
  const b = await setup(c);
  const solver = new WarmSolver();
  const inCycle: number[] = [];
  const cold: number[] = [];
  const modes: string[] = [];
  const cpuWarm: number[] = [];
  const cpuCold: number[] = [];
  let worst = 0;
  for (let r = 0; r <= 9; r++) {
    const at = NOW + 60_000 + r * 20_000;
    if (r > 0) await b.targets.set(`V${r * 97}`, { kind: 'once', departure: '2026-11-24T06:30', energyKwh: 20 + r }, new Date(at).toISOString());
    const snapshot = await loadCycleSnapshot(b.site, at, b.sources);
    let got: Plan | undefined;
    let warmCpu = 0;
    const result = planSite(snapshot, ['bench'], {
      monotonicMs: () => performance.now(),
      solver: { solve: (p) => ([got, warmCpu] = cpuOf(() => solver.solve(p)))[0] },
    });
    const t1 = performance.now();
    const [ref, coldCpu] = cpuOf(() => solve(result.plan.problem as Problem));
    const coldMs = performance.now() - t1;
    if (r === 0) continue;
    inCycle.push(result.plan.solveMs);
    cold.push(coldMs);
    cpuWarm.push(warmCpu);
    cpuCold.push(coldCpu);
    modes.push(solver.lastMode);
    const energy = (p: Plan) => p.vehicles.reduce((a, v) => a + v.energyKwh, 0);
    if (Math.abs(energy(got!) - energy(ref)) > 1e-6) throw new Error(`re-plan ${r}: warm ${energy(got!)} kWh, cold ${energy(ref)} kWh`);
    worst = Math.max(worst, (got!.totalCost - ref.totalCost) / Math.max(1, Math.abs(ref.totalCost)));
  }
  const w = median(inCycle);
  const k = median(cold);
  const warm = modes.filter((m) => m === 'warm').length;
  const cw = median(cpuWarm);
  const ck = median(cpuCold);
  warmRows.push(`| ${c.name}, re-plan 20 s later, one car's target changed | ${w.toFixed(1)} | ${cw.toFixed(1)} | ${k.toFixed(1)} | ${ck.toFixed(1)} | ${(w / k).toFixed(2)} | ${(cw / ck).toFixed(2)} | ${warm} of ${modes.length} | ${worst.toExponential(1)} |`);
  await b.close();
}
console.log('');
console.log('| re-plan | solve in the cycle ms (median, warm) | its CPU ms | cold solve of the same problem ms (same run) | its CPU ms | warm / cold | CPU ratio | warm re-plans | worst cost above cold (relative; same energy) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of warmRows) console.log(r);
