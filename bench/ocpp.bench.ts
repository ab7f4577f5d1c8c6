/**
 * OCPP server benchmark: `npm run bench:ocpp [-- --sizes 100,1000,5000 --seconds 10 --rate 1000 --auth auto]`.
 *
 * The real product (start() from src/main.ts: SQLite file, WAL, every schema compiled, the real handlers) runs in
 * this process on the system clock; the simulated stations run in a child process (bench/ocpp/client.ts) so
 * that the RSS and heap printed are the server's alone. Both share the machine's cores, which the footnote says.
 * A table is printed; nothing is asserted (timing belongs in benchmarks, not tests).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { loadConfig as LoadConfig } from '../src/config.js';
import type { start as Start, Running } from '../src/main.js';
import type { silentLogger as SilentLogger } from '../src/platform/logger.js';
import type { hashPassword as HashPassword, hashPasswordScrypt as HashPasswordScrypt } from '../src/ocpp/auth/password.js';
import type { StationRepository as StationRepositoryClass } from '../src/storage/station-repository.js';
import type { LoadReport, RunOrder, ToClient, ToServer } from './ocpp/protocol.js';
import { profile } from './storage/profile.js';

const PASSWORD = 'bench-station-password-0001';
/**
 * prod: the product's station-password format (HMAC-SHA256, src/ocpp/auth/password.ts); scrypt: the former format
 * (N=16384), which the server still verifies once per station before it upgrades the hash.
 */
const SCRYPT_FORMER = { N: 16384, r: 8, p: 1 };
type AuthMode = 'prod' | 'scrypt' | 'none';

interface Args {
  sizes: number[];
  seconds: number;
  rate: number;
  concurrency: number;
  /** auto: the product's format for every size. */
  auth: AuthMode | 'auto';
  /** Stations connected (and held) before a load row's connect phase, at most as many as the row has: see measure(). */
  warm: number;
  /** The product as `npm start` runs it (tsc's build in dist/, see loadProduct) instead of src/ through tsx. */
  built: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [100, 1000, 5000], seconds: 10, rate: 1000, concurrency: 50, auth: 'auto', warm: 1000, built: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--built') {
      args.built = true;
      continue;
    }
    if (flag === '--sizes') args.sizes = value().split(',').map((s) => Number(s.replace(/_/g, '')));
    else if (flag === '--seconds') args.seconds = Number(value());
    else if (flag === '--rate') args.rate = Number(value());
    else if (flag === '--concurrency') args.concurrency = Number(value());
    else if (flag === '--auth') args.auth = value() as Args['auth'];
    else if (flag === '--warm') args.warm = Number(value());
    else throw new Error(`unknown argument ${flag}; use --sizes 100,1000 --seconds S --rate R --concurrency C --auth auto|prod|scrypt|none --warm W --built`);
  }
  const bad = args.sizes.some((n) => !Number.isInteger(n) || n < 1) || !(args.seconds > 0) || !(args.rate > 0) || !(args.concurrency >= 1)
    || !Number.isInteger(args.warm) || args.warm < 0
    || !['auto', 'prod', 'scrypt', 'none'].includes(args.auth);
  if (bad) throw new Error(`invalid arguments: ${JSON.stringify(args)}`);
  return args;
}

/** The open-files limit of this shell (each process holds one socket per station, plus its own files). */
function fdLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Infinity : Number(out) || 1024;
}

/** A full GC before reading the heap, so that "heap used" is what the connections keep alive. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Heap used after full GCs with event-loop turns between them, until it stops shrinking: what a closed server of an
 * earlier row still held (sockets closing, timers due) is released within a few turns, and is then not counted in
 * the next row's idle heap (which a single GC counted: the 200-station row's idle heap read more than its loaded one).
 */
async function settledHeap(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 64 * 1024) return Math.min(used, last);
    last = used;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return last;
}

/** What the bench uses of the product, from src/ (through tsx) or from tsc's build in dist/ (--built). */
interface Product {
  loadConfig: typeof LoadConfig;
  start: typeof Start;
  silentLogger: typeof SilentLogger;
  hashPassword: typeof HashPassword;
  hashPasswordScrypt: typeof HashPasswordScrypt;
  StationRepository: typeof StationRepositoryClass;
}

/**
 * The product's modules. tsx compiles with esbuild's keepNames, which wraps every function expression in
 * Object.defineProperty(fn, 'name', ...): each closure the server makes per connection or message then costs that
 * call and a dictionary of properties (~256 bytes: 6 per connection here, 1.5 KB of heap KB/conn). `npm start` runs
 * tsc's output, which has none of it; --built measures that (after `npm run build`; before-after.ts builds both trees).
 */
async function loadProduct(built: boolean): Promise<Product> {
  const root = built ? '../dist/src' : '../src';
  const from = async <T>(path: string): Promise<T> => (await import(new URL(`${root}/${path}`, import.meta.url).href)) as T;
  const [config, main, logger, password, stations] = await Promise.all([
    from<{ loadConfig: typeof LoadConfig }>('config.js'),
    from<{ start: typeof Start }>('main.js'),
    from<{ silentLogger: typeof SilentLogger }>('platform/logger.js'),
    from<{ hashPassword: typeof HashPassword; hashPasswordScrypt: typeof HashPasswordScrypt }>('ocpp/auth/password.js'),
    from<{ StationRepository: typeof StationRepositoryClass }>('storage/station-repository.js'),
  ]);
  return { ...config, ...main, ...logger, ...password, ...stations };
}

let product: Product;

/**
 * Registers the fleet in one transaction: on this build's async storage, or on the last synchronous build's
 * better-sqlite3 handle when bench:storage's before/after runs this same file against it (bench/storage).
 */
async function registerFleet(running: Running, ids: string[], passwordHash: string | null, at: string): Promise<void> {
  const input = (id: string) => ({ id, passwordHash, securityProfile: passwordHash ? 1 as const : 0 as const });
  if ('getExecutor' in running.db) {
    await running.db.transaction().execute(async (trx) => {
      const stations = new product.StationRepository(trx);
      for (const id of ids) await stations.register(input(id), at);
    });
    return;
  }
  const legacy = running as unknown as {
    db: { transaction(fn: () => void): () => void };
    repositories: { stations: { register(i: ReturnType<typeof input>, at: string): unknown } };
  };
  legacy.db.transaction(() => {
    for (const id of ids) legacy.repositories.stations.register(input(id), at);
  })();
}

/**
 * The ping-pong station sends ~45-byte Heartbeats back to back: at ~17,000 a second it spends the product's per-station
 * inbound byte budget (4 MiB burst, 4 MiB a minute: src/ocpp/frame-limits.ts) within the row's 5 s and is closed with
 * 1008. The bench measures the cost of a message, not that guard: its budget is raised where the build has one (the
 * last synchronous build has no such setting and refuses the key, so it starts without it). Likewise every station
 * connects from 127.0.0.1, whose handshakes per minute (1,200 by default, a guard against one address's storm) the
 * warm-up and the measured connects together exceed: raised too.
 */
const UNMETERED = { inboundBytesPerMinute: 1024 ** 3, inboundBurstBytes: 1024 ** 3 };
const ONE_ADDRESS = { handshakesPerAddressPerMinute: 1_000_000 };

async function startServer(dir: string): Promise<Running> {
  const overrides = (limits: object) => ({
    database: { path: join(dir, 'bench.sqlite') },
    http: { host: '127.0.0.1', port: 0 },
    ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0, ...limits },
    log: { level: 'silent' },
  });
  const { loadConfig, start, silentLogger } = product;
  let config: ReturnType<typeof LoadConfig>;
  try {
    config = loadConfig({}, overrides({ limits: { ...UNMETERED, ...ONE_ADDRESS } }));
  } catch {
    config = loadConfig({}, overrides({ limits: ONE_ADDRESS }));
  }
  return start(config, { logger: silentLogger() });
}

function message<T extends ToServer['type']>(child: ChildProcess, type: T): Promise<Extract<ToServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ToServer) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<ToServer, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`load client exited with ${code} before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** A thread's CPU time so far, ns (Linux: /proc/self/task/<tid>/schedstat); throws where it cannot be read. */
const taskCpuNs = (tid: number | string) => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);

/**
 * The main thread's CPU time so far, ns, or NaN where it cannot be read. process.cpuUsage() also counts V8's helper
 * threads (concurrent compilation and GC), which grow with how much code gets optimised in a phase: more code warming
 * up costs CPU there that no single message or connect pays again.
 */
function mainThreadCpuNs(): number {
  try {
    return taskCpuNs(process.pid);
  } catch {
    return NaN;
  }
}

/**
 * CPU time so far of each of this process's threads by name (/proc/self/task/<tid>/comm), ns; the main thread is
 * `main`. Empty where it cannot be read.
 */
function threadsCpuNs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const ns = taskCpuNs(tid);
        const name = Number(tid) === process.pid ? 'main' : readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, '');
        out.set(name, (out.get(name) ?? 0) + ns);
      } catch { /* a thread that ended */ }
    }
  } catch { /* not Linux */ }
  return out;
}

/** Per thread name, the CPU a phase spent (after - before), ns. */
function threadsDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0));
}

interface Row {
  label: string;
  auth: string;
  connectS: number;
  held: number;
  report: LoadReport;
  rssMb: number;
  heapMb: number;
  failed: number;
  loopMaxMs: number;
  /** Server CPU per connected station during the connect phase, ms; and of its main thread alone (NaN: unknown). */
  connectCpuMs: number;
  connectMainMs: number;
  /** Server CPU per answered message during the load phase, µs; and of its main thread alone (NaN: unknown). */
  cpuUsPerMsg: number;
  mainUsPerMsg: number;
  /** Heap (after a full GC) of the started server with its fleet registered, before any station connected, MB. */
  idleHeapMb: number;
  /** (heap with every connection open - idle heap) per held connection, KB: what a station costs, apart from the product's size. */
  heapKbPerConn: number;
}

async function measure(n: number, mode: RunOrder['mode'], auth: AuthMode, args: Args, label: string): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'chargeplan-bench-'));
  const running = await startServer(dir);
  const child = fork(fileURLToPath(new URL('./ocpp/client.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    // Register the fleet in one transaction. One hash is computed and shared: registering 5,000 stations must
    // not cost 5,000 password hashes, while every handshake still runs the Basic-auth verification.
    const hash = auth === 'none' ? null : auth === 'prod' ? product.hashPassword(PASSWORD) : await product.hashPasswordScrypt(PASSWORD, SCRYPT_FORMER);
    const ids = Array.from({ length: n }, (_, i) => `BENCH-${label.replace(/\W/g, '')}-${String(i + 1).padStart(5, '0')}`);
    // A load row first connects as many other stations (--warm, at most the row's size; held, sending nothing), so
    // that its connect phase measures code V8 has mostly compiled: what connects cost a server that has run a while
    // (a reconnect storm), not its first minute. Without it the row was half TurboFan compiling the connect path in
    // V8's helper threads, which grows with the amount of code warming up rather than with the work per connect.
    const warmIds = mode === 'load' ? Array.from({ length: Math.min(args.warm, n) }, (_, i) => `WARM-${label.replace(/\W/g, '')}-${String(i + 1).padStart(5, '0')}`) : [];
    const at = new Date().toISOString();
    await registerFleet(running, [...warmIds, ...ids], hash, at);
    // The idle server's heap, to tell what the connections keep from what the product itself holds (its modules,
    // compiled schemas and serialisers: the same for one station or ten thousand).
    const idleHeap = await settledHeap();
    const base = `ws://127.0.0.1:${running.ports.ocpp}${running.config.ocpp.path}`;
    const order: RunOrder = {
      type: 'run', base, ids, password: PASSWORD,
      mode, seconds: mode === 'pingpong' ? Math.min(args.seconds, 5) : args.seconds, rate: args.rate, concurrency: args.concurrency,
    };
    if (warmIds.length > 0) {
      const warmed = message(child, 'warmed');
      child.send({ type: 'warm', base, ids: warmIds, password: PASSWORD, concurrency: args.concurrency } satisfies ToClient);
      const w = await warmed;
      if (w.failed > 0) process.stderr.write(`  ${label}: ${w.failed} warm-up stations failed to connect (first: ${w.firstError})\n`);
    }
    const connected = message(child, 'connected');
    const done = message(child, 'loadDone');
    // The server's own CPU time (this process; the stations run in the child): unlike throughput and round trips it
    // hardly depends on what else the machine runs, so builds compare fairly on a busy machine.
    // CHARGEPLAN_BENCH_CPU_PROFILE=dir: this process's CPU profile of the connect and load phases (bench/storage).
    const stopProfile = await profile(`ocpp-${label}`);
    const cpuAtStart = process.cpuUsage();
    const mainAtStart = mainThreadCpuNs();
    const tConnect = process.hrtime.bigint();
    child.send(order satisfies ToClient);
    const c = await connected;
    const connectCpu = process.cpuUsage(cpuAtStart);
    const connectMainNs = mainThreadCpuNs() - mainAtStart;
    const cpuAtLoad = process.cpuUsage();
    const threadsAtLoad = threadsCpuNs();
    const tLoad = process.hrtime.bigint();
    if (c.failed > 0) process.stderr.write(`  ${label}: ${c.failed} stations failed to connect (first: ${c.firstError})\n`);
    // How long the server's event loop was blocked during the load phase: latency the server itself adds.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const report = await done;
    const loadCpu = process.cpuUsage(cpuAtLoad);
    const loadThreads = threadsDelta(threadsAtLoad, threadsCpuNs());
    // CHARGEPLAN_BENCH_THREADS=1: the load phase's CPU per message by thread (main, V8's compiler and GC helpers, libuv).
    if (process.env.CHARGEPLAN_BENCH_THREADS) {
      const per = [...loadThreads].sort((a, b) => b[1] - a[1]).map(([k, ns]) => `${k} ${(ns / 1000 / Math.max(1, report.replies)).toFixed(1)}`);
      process.stderr.write(`  ${label}: load CPU µs/msg by thread: ${per.join(', ')}\n`);
    }
    await stopProfile({ connect: Number(tConnect / 1000n), load: Number(tLoad / 1000n), end: Number(process.hrtime.bigint() / 1000n) });
    // The phases on the monotonic clock (µs, as --cpu-prof's timestamps), to cut a profile of the whole run.
    if (process.env.CHARGEPLAN_BENCH_PHASES) {
      process.stderr.write(`phases ${label.replace(/\W/g, '')} connect ${tConnect / 1000n} load ${tLoad / 1000n} end ${process.hrtime.bigint() / 1000n}\n`);
    }
    loop.disable();
    // Measured at the end of the load phase, with every connection still open.
    const held = running.ocpp.connectedCount();
    const heapUsed = await settledHeap();
    const mem = { ...process.memoryUsage(), heapUsed };
    // CHARGEPLAN_BENCH_HEAP_SNAPSHOT=dir: a heap snapshot per row, with every connection open (to diff two builds).
    const snapshots = process.env.CHARGEPLAN_BENCH_HEAP_SNAPSHOT;
    if (snapshots) writeHeapSnapshot(join(snapshots, `ocpp-${label.replace(/\W/g, '')}.heapsnapshot`));
    const closed = message(child, 'closed');
    child.send({ type: 'close' } satisfies ToClient);
    await closed;
    return {
      label, auth: auth === 'none' ? 'none' : auth === 'prod' ? 'hmac-sha256' : `scrypt N=${SCRYPT_FORMER.N}`,
      connectS: c.connectMs / 1000, held, report, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20, failed: c.failed,
      loopMaxMs: loop.max / 1e6,
      connectCpuMs: (connectCpu.user + connectCpu.system) / 1000 / Math.max(1, c.connected),
      connectMainMs: connectMainNs / 1e6 / Math.max(1, c.connected),
      cpuUsPerMsg: (loadCpu.user + loadCpu.system) / Math.max(1, report.replies),
      mainUsPerMsg: (loadThreads.get('main') ?? NaN) / 1000 / Math.max(1, report.replies),
      idleHeapMb: idleHeap / 2 ** 20,
      heapKbPerConn: (mem.heapUsed - idleHeap) / 1024 / Math.max(1, held),
    };
  } finally {
    if (child.exitCode === null) child.kill();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows: Row[]): string {
  const head = ['stations', 'auth', 'connect s', 'held', 'sent', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'skipped', 'loop max', 'RSS MB', 'heap MB', 'idle heap MB', 'heap KB/conn', 'CPU µs/msg', 'main µs/msg', 'connect CPU ms', 'connect main ms'];
  const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const lines = rows.map((r) => [
    r.label, r.auth, fmt(r.connectS), String(r.held), String(r.report.sent), fmt(r.report.replies / (r.report.durationMs / 1000), 0),
    fmt(r.report.p50, 2), fmt(r.report.p99, 2), fmt(r.report.max, 1), String(r.report.errors), String(r.report.skipped), fmt(r.loopMaxMs, 1),
    fmt(r.rssMb, 0), fmt(r.heapMb, 0), fmt(r.idleHeapMb, 0), fmt(r.heapKbPerConn, 1), fmt(r.cpuUsPerMsg, 1), fmt(r.mainUsPerMsg, 1), fmt(r.connectCpuMs, 2), fmt(r.connectMainMs, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [row(head), `|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...lines.map(row)].join('\n');
}

const args = parseArgs(process.argv.slice(2));
product = await loadProduct(args.built);
const limit = fdLimit();
const cpu = cpus();
process.stdout.write(
  `OCPP bench: node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}, ulimit -n ${limit}, ` +
  `sizes ${args.sizes.join(',')}, ${args.seconds} s per size, offered ${args.rate} msg/s, connect concurrency ${args.concurrency}, ` +
  `product ${args.built ? 'dist/ (tsc build, as npm start runs it)' : 'src/ through tsx'}\n`,
);
const rows: Row[] = [];
const t0 = performance.now();
process.stdout.write('  reference: 1 station, back-to-back Heartbeats ...\n');
rows.push(await measure(1, 'pingpong', 'prod', args, '1 (ping-pong)'));
for (const n of args.sizes) {
  // Each process holds one socket per station plus ~50 descriptors of its own (SQLite, pipes, tsx).
  if (n + 64 > limit) {
    process.stderr.write(`  skipping ${n} stations: ulimit -n is ${limit}; raise it (ulimit -n ${n + 1024}) to run this size\n`);
    continue;
  }
  const auth: AuthMode = args.auth === 'auto' ? 'prod' : args.auth;
  process.stdout.write(`  ${n} stations (${auth} auth) ...\n`);
  rows.push(await measure(n, 'load', auth, args, String(n)));
}
process.stdout.write(`\n${table(rows)}\n\n`);
process.stdout.write(
  [
    `Total ${((performance.now() - t0) / 1000).toFixed(0)} s. Server = this process (the real product via start(), SQLite WAL file, system clock);`,
    `stations = a forked child process (raw ws, no compression), on the same ${cpu.length}-core machine over loopback, so client and`,
    `server compete for the same cores. held = server connectedCount() at the end of the load phase. msg/s = CALLRESULTs`,
    `per second of load phase (offered: ${args.rate}/s in total, Heartbeat and TransactionEvent Updated alternately; the`,
    `ping-pong reference sends Heartbeats back to back). Round trip = CALL sent to CALLRESULT received, in the client.`,
    `skipped = ticks whose previous CALL was still unanswered (one CALL in flight per station). RSS and heap (after a`,
    `full GC) are the server process's alone, measured with all connections open; RSS is the process high-water mark`,
    `across rows run in order. idle heap = the started server's heap (after a full GC) with its fleet registered and no`,
    `station connected (the product's own size); heap KB/conn = (heap - idle heap) / held: what each connection keeps.`,
    `connect s = handshakes (Basic auth: one password verification each) + BootNotification +`,
    `GetVariables capability read + TransactionEvent Started, ${args.concurrency} at a time, after as many stations as`,
    `the row has (at most --warm ${args.warm}) connected the same way first and stayed (counted in held). loop max = the server's`,
    `longest event-loop block (ms) during the load phase; every message arriving meanwhile waits for it (SQLite`,
    `writes, including WAL checkpoints, run synchronously on the loop). CPU µs/msg = the server process's CPU time`,
    `(user + system) in the load phase per answered message; connect CPU ms = its CPU time in the connect phase per`,
    `connected station. Both hardly depend on the machine's other load, unlike msg/s and round trips. connect main ms =`,
    `the main thread's alone (Linux schedstat): without V8's helper threads, whose concurrent compilation of the code`,
    `the connect phase warms up is counted in connect CPU ms. main µs/msg = the load phase's main thread alone, per`,
    `message (CHARGEPLAN_BENCH_THREADS=1 prints every thread's share on stderr: V8's GC helpers grow with the heap).`,
  ].join('\n') + '\n',
);
