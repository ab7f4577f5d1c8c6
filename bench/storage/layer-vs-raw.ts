/**
 * What the asynchronous storage layer itself costs on SQLite (issue 15), separated from what the product asks of the
 * database: each operation runs through the product's repositories while every statement it sends to better-sqlite3
 * is recorded (text, parameters, and the BEGIN ... COMMIT around them), then the same statements run again on a twin
 * database (same rows) straight on better-sqlite3, as the synchronous stores called it: prepared once, object rows,
 * no Kysely, no promise. layer / raw is the layer's price for the same SQL; the statements themselves (which a later
 * feature may have added to a cycle or a connect) cost the same either way.
 *
 * Recording wraps better-sqlite3's Statement methods for the whole process (installRecorder, before any database
 * opens): one array push per statement, counted in the layer's time. Both sides are measured in CPU time of this
 * process (user + system), each operation's runs back to back, the two sides alternately, RUNS times; the median.
 */
import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { benchPrices as prices, openBenchDb, depot, repositoriesOf, samples, type BenchDb } from './fixture.js';
import { loadCycleSnapshot } from '../../src/scheduler/snapshot.js';
import { planSite } from '../../src/scheduler/planner.js';
import type { Site } from '../../src/domain/sites.js';

type Call = { text: string; method: 'all' | 'run' | 'get'; params: unknown[] } | { begin: true } | { commit: true };

let recording: Call[] | null = null;
let installed = false;
const rawPrepare = Database.prototype.prepare;
const rawTransaction = Database.prototype.transaction;

/** Wraps better-sqlite3 so that statements run while `recording` is set are appended to it. Idempotent. */
function installRecorder(): void {
  if (installed) return;
  installed = true;
  const proto = Database.prototype as unknown as Record<string, unknown>;
  proto.prepare = function prepare(this: Database.Database, text: string) {
    const st = rawPrepare.call(this, text) as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const method of ['all', 'run', 'get'] as const) {
      const f = st[method]!;
      st[method] = function recorded(this: unknown, ...params: unknown[]) {
        recording?.push({ text, method, params });
        return f.apply(this, params);
      };
    }
    return st;
  };
  proto.transaction = function transaction(this: Database.Database, fn: (...a: unknown[]) => unknown) {
    const t = rawTransaction.call(this, fn) as unknown as ((...a: unknown[]) => unknown) & Record<string, unknown>;
    const recorded = function recorded(this: unknown, ...a: unknown[]) {
      if (recording === null) return t.apply(this, a);
      recording.push({ begin: true });
      try {
        return t.apply(this, a);
      } finally {
        recording?.push({ commit: true });
      }
    };
    // Its variants (.immediate for the migrations, .deferred, .exclusive) stay as they were, unrecorded.
    return Object.assign(recorded, { deferred: t.deferred, immediate: t.immediate, exclusive: t.exclusive });
  };
}

/** Runs recorded statements on `handle` as a synchronous store would: cached statements, a transaction per BEGIN. */
function replayer(handle: Database.Database): (calls: readonly Call[]) => void {
  const cache = new Map<string, Database.Statement>();
  const stmt = (text: string) => {
    let s = cache.get(text);
    if (s === undefined) {
      s = rawPrepare.call(handle, text);
      cache.set(text, s);
    }
    return s;
  };
  const one = (c: Call) => {
    if (!('text' in c)) return;
    const s = stmt(c.text);
    if (c.method === 'run' || !s.reader) s.run(...c.params);
    else if (c.method === 'get') s.get(...c.params);
    else s.all(...c.params);
  };
  const group = rawTransaction.call(handle, (calls: readonly Call[]) => { for (const c of calls) one(c); });
  return (calls) => {
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i]!;
      if (!('begin' in c)) {
        one(c);
        continue;
      }
      let depth = 1;
      let j = i + 1;
      for (; j < calls.length && depth > 0; j++) depth += 'begin' in calls[j]! ? 1 : 'commit' in calls[j]! ? -1 : 0;
      group(calls.slice(i + 1, j - 1));
      i = j - 1;
    }
  };
}


interface Operation {
  name: string;
  /** Per run: how many calls, and what each does on a database set up by `setup` (k counts on across runs). */
  calls: number;
  /** The call through the layer, and what the raw side does besides the statements (a store's own work, e.g. JSON). */
  setup(db: BenchDb): Promise<{ call: (k: number) => Promise<unknown>; own?: (k: number) => unknown }>;
}

type Repositories = ReturnType<typeof repositoriesOf>;

function operations(now: number, perCall: boolean): Operation[] {
  // The store calls of loadCycleSnapshot (snapshot.ts), with the arguments it passes, without its pure part.
  const cycleReads = (cars: number, calls: number): Operation => ({
    name: `a planning cycle's store calls, ${cars} cars`,
    calls,
    async setup(db) {
      const site = await depot(db.storage, cars, now);
      const r = repositoriesOf(db.storage);
      const stations = [...new Set(site.evses.map((e) => e.stationId))];
      const since = new Date(now - 30 * 60_000).toISOString();
      return {
        call: async () => {
          const [active] = await Promise.all([
            r.transactions.runningOnEvses(site.evses), r.profiles.complianceOf(stations), r.chargingNeeds.latestOnEvses(site.evses), r.plans.latest(site.id),
          ]);
          const refs = active.map((a) => ({ stationId: a.stationId, transactionId: a.transaction.transactionId }));
          const [, , , vehicles] = await Promise.all([
            r.meterValues.forTransactions(refs, since), r.meterValues.latestOf(refs, 'SoC'),
            r.profiles.pushedOf(active.map((a) => ({ stationId: a.stationId, evseId: a.evseId, transactionId: a.transaction.transactionId }))),
            r.vehicles.byIdTokens(active.flatMap((a) => (a.transaction.idToken ? [a.transaction.idToken] : []))),
          ]);
          await r.targets.many([...vehicles.values()].map((v) => v.id));
        },
      };
    },
  });
  // --per-call: each of the cycle's store calls alone, 10 cars (which one the layer or its row shaping weighs on).
  type Active = Awaited<ReturnType<Repositories['transactions']['runningOnEvses']>>;
  type Ref = { stationId: string; transactionId: string };
  const single = (name: string, f: (r: Repositories, site: Site, stations: string[], refs: Ref[], active: Active) => Promise<unknown>): Operation => ({
    name: `${name}, 10 cars`, calls: 5000,
    async setup(db) {
      const site = await depot(db.storage, 10, now);
      const r = repositoriesOf(db.storage);
      const stations = [...new Set(site.evses.map((e) => e.stationId))];
      const active = await r.transactions.runningOnEvses(site.evses);
      const refs = active.map((a) => ({ stationId: a.stationId, transactionId: a.transaction.transactionId }));
      const snapshot = await loadCycleSnapshot(site, now, { stores: r, prices, connected: () => true, caps: () => null });
      await r.plans.save(planSite(snapshot, ['bench'], { monotonicMs: () => performance.now() }).plan);
      return { call: () => f(r, site, stations, refs, active) };
    },
  });
  if (perCall) return [
    single('runningOnEvses', (r, site) => r.transactions.runningOnEvses(site.evses)),
    single('complianceOf', (r, _s, st) => r.profiles.complianceOf(st)),
    single('latestOnEvses', (r, site) => r.chargingNeeds.latestOnEvses(site.evses)),
    single('plans.latest', (r, site) => r.plans.latest(site.id)),
    single('forTransactions', (r, _s, _st, refs) => r.meterValues.forTransactions(refs, new Date(now - 1800000).toISOString())),
    single('latestOf', (r, _s, _st, refs) => r.meterValues.latestOf(refs, 'SoC')),
    single('pushedOf', (r, _s, _st, _refs, active) => r.profiles.pushedOf(active.map((a) => ({ stationId: a.stationId, evseId: a.evseId, transactionId: a.transaction.transactionId })))),
    single('byIdTokens', (r, _s, _st, _refs, active) => r.vehicles.byIdTokens(active.flatMap((a) => (a.transaction.idToken ? [a.transaction.idToken] : [])))),
    single('targets.many', (r) => r.targets.many(Array.from({ length: 10 }, (_, i) => `V${i}`))),
  ];
  return [
    cycleReads(10, 2000),
    cycleReads(1000, 3),
    {
      name: 'a plan of 10 cars stored (plans.save)',
      calls: 1000,
      async setup(db) {
        const site = await depot(db.storage, 10, now);
        const r = repositoriesOf(db.storage);
        const snapshot = await loadCycleSnapshot(site, now, { stores: r, prices, connected: () => true, caps: () => null });
        const plan = planSite(snapshot, ['bench'], { monotonicMs: () => performance.now() }).plan;
        const { slotStarts, endMs, prices: p, siteLimitKw, sessions, problem, triggers } = plan;
        // The plan's JSON, which a synchronous store wrote too.
        return { call: () => r.plans.save(plan), own: () => [JSON.stringify(triggers), JSON.stringify({ slotStarts, endMs, prices: p, siteLimitKw, sessions, problem })] };
      },
    },
    {
      name: 'TransactionEvent Updated + 4 meter values (applyEvent)',
      calls: 5000,
      async setup(db) {
        const r = repositoriesOf(db.storage);
        const at0 = new Date(now).toISOString();
        await r.stations.register({ id: 'TE', passwordHash: null, securityProfile: 0 }, at0);
        await r.transactions.applyEvent({
          stationId: 'TE', transactionId: 'TX', seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at0,
          offline: false, evseId: 1, connectorId: 1, meterValues: samples(at0, 0), payload: {},
        }, at0);
        return { call: (k) => {
          const at = new Date(now + (k + 1) * 60_000).toISOString();
          return r.transactions.applyEvent({
            stationId: 'TE', transactionId: 'TX', seqNo: k + 1, eventType: 'Updated', triggerReason: 'MeterValuePeriodic', timestamp: at,
            offline: false, evseId: 1, meterValues: samples(at, (k + 1) * 180), payload: { note: 'bench' },
          }, at);
        } };
      },
    },
    {
      name: 'a station\'s boot facts read (bootFacts: one row by key)',
      calls: 20000,
      async setup(db) {
        const r = repositoriesOf(db.storage);
        for (let i = 0; i < 100; i++) await r.stations.register({ id: `B${i}`, passwordHash: null, securityProfile: 0 }, new Date(now).toISOString());
        return { call: (k) => r.stations.bootFacts(`B${k % 100}`) };
      },
    },
    {
      name: 'a station boots (bootFacts + recordBoot)',
      calls: 5000,
      async setup(db) {
        const r = repositoriesOf(db.storage);
        const at0 = new Date(now).toISOString();
        for (let i = 0; i < 100; i++) await r.stations.register({ id: `B${i}`, passwordHash: null, securityProfile: 0 }, at0);
        return { call: async (k) => {
          const id = `B${k % 100}`;
          await r.stations.bootFacts(id);
          await r.stations.recordBoot(id, { reason: 'PowerUp', vendorName: 'V', model: 'M', serialNumber: `S${k}`, firmwareVersion: '1.0' }, 'Accepted', new Date(now + k * 1000).toISOString());
        } };
      },
    },
  ];
}

const checkpoint = (db: BenchDb) => db.storage.sqlite!.pragma('wal_checkpoint(PASSIVE)');

const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The table: per operation µs of CPU per call through the layer and raw, and their ratio. */
export async function layerVsRaw(now: number, runs: number, perCall = false): Promise<string> {
  installRecorder();
  const lines = ['| operation on SQLite | statements per call | layer µs per call | raw better-sqlite3 µs | layer / raw |', '|---|---:|---:|---:|---:|'];
  for (const op of operations(now, perCall)) {
    const layerDb = await openBenchDb('sqlite', 'layer');
    const rawDb = await openBenchDb('sqlite', 'raw');
    try {
      const { call, own } = await op.setup(layerDb);
      await op.setup(rawDb);
      const replay = replayer(rawDb.storage.sqlite!);
      const layer: number[] = [];
      const raw: number[] = [];
      let k = 0;
      let statements = 0;
      // One warm-up run each, then alternately.
      for (let r = 0; r <= runs; r++) {
        const recorded: Call[][] = [];
        const t0 = cpuUs();
        for (let i = 0; i < op.calls; i++) {
          recording = [];
          recorded.push(recording);
          await call(k++);
        }
        recording = null;
        // The product checkpoints the WAL on a timer (sqlite.ts), which fires between the layer's awaits and never
        // inside the replay's synchronous loop: each side ends its run with one, counted in its time.
        checkpoint(layerDb);
        const t1 = cpuUs();
        for (const [i, calls] of recorded.entries()) {
          own?.(k - op.calls + i);
          replay(calls);
        }
        checkpoint(rawDb);
        const t2 = cpuUs();
        if (r === 0) continue;
        layer.push((t1 - t0) / op.calls);
        raw.push((t2 - t1) / op.calls);
        statements = recorded[0]!.filter((c) => 'text' in c).length;
      }
      const l = median(layer);
      const w = median(raw);
      lines.push(`| ${op.name} | ${statements} | ${l.toFixed(1)} | ${w.toFixed(1)} | ${(l / w).toFixed(2)} |`);
    } finally {
      recording = null;
      await layerDb.close();
      await rawDb.close();
    }
  }
  return lines.join('\n');
}
