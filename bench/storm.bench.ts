/**
 * Reconnect-storm and wrong-password-flood benchmark (issue 20, findings 2 and 11):
 * `npm run bench:storm [-- --stations 5000 --addresses 10 --flood-rate 500 --flood-seconds 10 --restarts 1 --profile 0]`.
 *
 * The real product runs in its own process (bench/storm/server.ts: start() from src/main.ts, SQLite file, system
 * clock, default limits), so that it can be killed with SIGKILL and started again on the same database and ports.
 * Stations run in other processes (bench/storm/stations.ts), from several loopback source addresses (127.0.0.x) so
 * that the per-address limits see what a fleet on several sites would show them:
 * 1. the probe alone (reference): one station, a Heartbeat every 50 ms;
 * 2. the fleet's first connect, all stations at once;
 * 3. kill -9 of the server and an immediate restart: every station reconnects at once (`--restarts` times); with
 *    `--profile <us>` each restarted server is CPU-profiled at that sampling interval and the longest busy stretches of
 *    its event loop during the storm are printed with what they were made of (storm/busy-stretches.ts);
 * 4. one legitimate station connecting every 100 ms alone (reference), then while one address floods the server
 *    with handshakes carrying a wrong password for that same station.
 * Tables are printed; nothing is asserted (timing belongs in benchmarks, not in tests).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStorage } from '../src/storage/database.js';
import { StationRepository } from '../src/storage/station-repository.js';
import { hashPassword } from '../src/ocpp/auth/password.js';
import type { Latency, ServerMessage, StationOrder, StationReport } from './storm/protocol.js';
import { breakdown, busyStretches, formatStretches, type CpuProfile } from './storm/busy-stretches.js';

const PASSWORD = 'storm-bench-station-secret-01';
const WRONG = 'not-the-password-of-this-one';

interface Args {
  stations: number;
  addresses: number;
  floodRate: number;
  floodSeconds: number;
  restarts: number;
  /** CPU profile sampling interval of the restarted server (us); 0: none. */
  profile: number;
  /** `ocpp.limits` for every start (JSON), and for the odd restarts instead (`--compare`): before/after in one run. */
  limits: Record<string, number>;
  compare: Record<string, number> | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { stations: 5000, addresses: 10, floodRate: 500, floodSeconds: 10, restarts: 1, profile: 0, limits: {}, compare: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    if (flag === '--limits' || flag === '--compare') {
      const json = JSON.parse(inline ?? argv[++i] ?? '') as Record<string, number>;
      if (flag === '--limits') a.limits = json;
      else a.compare = json;
      continue;
    }
    const v = Number((inline ?? argv[++i] ?? '').replace(/_/g, ''));
    if (flag === '--stations') a.stations = v;
    else if (flag === '--addresses') a.addresses = v;
    else if (flag === '--flood-rate') a.floodRate = v;
    else if (flag === '--flood-seconds') a.floodSeconds = v;
    else if (flag === '--restarts') a.restarts = v;
    else if (flag === '--profile') a.profile = v;
    else throw new Error(`unknown argument ${flag}; use --stations N --addresses K --flood-rate R --flood-seconds S --restarts N --profile US --limits JSON --compare JSON`);
  }
  if (![a.stations, a.addresses, a.floodRate, a.floodSeconds, a.restarts].every((n) => Number.isInteger(n) && n > 0) || a.addresses > 200
    || !Number.isInteger(a.profile) || a.profile < 0 || a.restarts > 20) {
    throw new Error(`invalid arguments: ${JSON.stringify(a)}`);
  }
  return a;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function next<T extends { type: string }>(child: ChildProcess, type: T['type'], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`no "${type}" within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const on = (m: T) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const args = parseArgs(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'chargeplan-storm-'));
const logFile = join(dir, 'server.log');
const [ocppPort, httpPort] = [await freePort(), await freePort()];
const configFile = join(dir, 'config.json');
/** The server's configuration, with `ocpp.limits` overridden by `limits` (the rest: config/default.json). */
const writeConfig = (limits: Record<string, number>) => writeFileSync(configFile, JSON.stringify({
  database: { path: join(dir, 'storm.sqlite') },
  http: { host: '127.0.0.1', port: httpPort },
  ocpp: { host: '127.0.0.1', port: ocppPort, pingIntervalSeconds: 60, limits },
  log: { level: 'info' },
}));
writeConfig(args.limits);

// The fleet, registered once: one hash (of the product's format) shared by all, every station booted before.
const fleetIds = Array.from({ length: args.stations }, (_, i) => `STORM-${String(i + 1).padStart(5, '0')}`);
const PROBE = 'STORM-PROBE';
const VICTIM = 'STORM-VICTIM';
{
  const storage = await openStorage({ path: join(dir, 'storm.sqlite') });
  const hash = hashPassword(PASSWORD);
  const at = new Date().toISOString();
  await storage.db.transaction().execute(async (trx) => {
    const stations = new StationRepository(trx);
    for (const id of [...fleetIds, PROBE, VICTIM]) {
      await stations.register({ id, passwordHash: hash, securityProfile: 1 }, at);
      await stations.recordBoot(id, { reason: 'PowerUp', vendorName: 'Bench', model: 'Storm' }, 'Accepted', at);
    }
  });
  await storage.close();
}

let server: ChildProcess | undefined;
async function startServer(profileUs = 0): Promise<{ readyMs: number; startMs: number }> {
  const t = performance.now();
  const fd = openSync(logFile, 'a');
  const env = { ...process.env, CHARGEPLAN_CONFIG: configFile, CHARGEPLAN_STORM_PROFILE_US: String(profileUs) };
  server = fork(here('./storm/server.ts'), [], { env, stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  const ready = await next<Extract<ServerMessage, { type: 'ready' }>>(server, 'ready', 120_000);
  return { readyMs: performance.now() - t, startMs: ready.startMs };
}
const logLines = () => readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;

const stationProcess = () => fork(here('./storm/stations.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const order = (c: ChildProcess, o: StationOrder) => c.send(o);
const base = `ws://127.0.0.1:${ocppPort}/ocpp`;
const addr = (i: number) => `127.0.0.${10 + i}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const fdLimit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
const cpu = cpus();
if (Object.keys(args.limits).length > 0 || args.compare) {
  process.stdout.write(`ocpp.limits: ${JSON.stringify(args.limits)}${args.compare ? `; odd restarts: ${JSON.stringify(args.compare)}` : ''}\n`);
}
process.stdout.write(`storm bench: node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}, load average ${loadavg()[0]!.toFixed(1)}, ulimit -n ${fdLimit}, ` +
  `${args.stations} stations from ${args.addresses} addresses, flood ${args.floodRate}/s for ${args.floodSeconds} s\n`);

interface StormRow { phase: string; stations: number; backS: number | null; afterReadyS: number | null; attempts: number | null; load: number | null; other: number | null; errors: number | null; probe: Latency; lost: number; loop: LoopReport }
type LoopReport = Extract<ServerMessage, { type: 'loop' }>;
/** The server's longest event-loop block and its longest iterations (CPU, wall) since the last call. */
async function loopMax(): Promise<LoopReport> {
  server!.send({ type: 'loop' });
  return next<LoopReport>(server!, 'loop', 30_000);
}
const storm: StormRow[] = [];
/** `--profile`: per restart, the server's longest busy stretches from ready until every station was back. */
const profiles: string[] = [];
async function stretchesOfStorm(round: number, loop: LoopReport): Promise<string> {
  const file = join(dir, `restart-${round}.cpuprofile`);
  server!.send({ type: 'profile', file });
  const { readyUs } = await next<Extract<ServerMessage, { type: 'profile' }>>(server!, 'profile', 60_000);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  if (process.env.CHARGEPLAN_STORM_KEEP_PROFILE) copyFileSync(file, `${process.env.CHARGEPLAN_STORM_KEEP_PROFILE}-${round}.cpuprofile`);
  const longest = loop.iterations.slice(0, 3).map((it, i) => {
    const b = breakdown(profile, it.startUs, it.startUs + it.wallMs * 1000);
    const share = (xs: { frame: string; share: number }[]) => xs.map((x) => `      ${(x.share * 100).toFixed(0).padStart(3)} %  ${x.frame}`).join('\n');
    return `  #${i + 1}: ${it.cpuMs.toFixed(1)} ms CPU, ${it.waitMs.toFixed(1)} ms waiting for a core, ${it.wallMs.toFixed(1)} ms wall at +${((it.startUs - readyUs) / 1e6).toFixed(2)} s (${b.samples} samples)\n` +
      `    entered through:\n${share(b.entries)}\n    on the stack:\n${share(b.top)}`;
  });
  return `restart ${round}: the server's longest event-loop iterations by CPU time, ready to all back (CPU profile, ${args.profile} us sampling)\n` +
    `${longest.join('\n')}\n` +
    `restart ${round}: the longest stretches without an idle sample (the loop never waited for I/O; many iterations each)\n` +
    formatStretches(busyStretches(profile, 3, readyUs));
}
const fleetProc = stationProcess();
const probeProc = stationProcess();
const children = [fleetProc, probeProc];
let restart = { readyMs: NaN, startMs: NaN };
let firstStart = { readyMs: NaN, startMs: NaN };
try {
  firstStart = await startServer();
  process.stdout.write(`  server ready in ${(firstStart.readyMs / 1000).toFixed(1)} s\n  probe alone (reference) ...\n`);
  order(probeProc, { type: 'probe', base, id: PROBE, password: PASSWORD, address: '127.0.0.2', intervalMs: 50 });
  await sleep(1000);
  order(probeProc, { type: 'mark' });
  await loopMax();
  await sleep(5000);
  order(probeProc, { type: 'report' });
  const ref = await next<Extract<StationReport, { type: 'probe' }>>(probeProc, 'probe', 10_000);
  storm.push({ phase: 'probe alone (reference)', stations: 1, backS: null, afterReadyS: null, attempts: null, load: null, other: null, errors: null, probe: ref.rtt, lost: ref.lost, loop: await loopMax() });

  process.stdout.write(`  first connect of ${args.stations} stations, all at once ...\n`);
  order(probeProc, { type: 'mark' });
  order(fleetProc, { type: 'mark' });
  order(fleetProc, { type: 'fleet', base, ids: fleetIds, password: PASSWORD, addresses: Array.from({ length: args.addresses }, (_, i) => addr(i)) });
  const first = await next<Extract<StationReport, { type: 'allConnected' }>>(fleetProc, 'allConnected', 300_000);
  order(probeProc, { type: 'report' });
  const p1 = await next<Extract<StationReport, { type: 'probe' }>>(probeProc, 'probe', 10_000);
  if (first.refusedOther + first.refusedForLoad > 0) process.stdout.write(`  refusals: ${JSON.stringify(first.byStatus)}\n`);
  storm.push({ phase: 'first connect, all at once', stations: args.stations, backS: first.ms / 1000, afterReadyS: first.ms / 1000, attempts: first.attempts, load: first.refusedForLoad, other: first.refusedOther, errors: first.connectErrors, probe: p1.rtt, lost: p1.lost, loop: await loopMax() });

  for (let round = 1; round <= args.restarts; round++) {
    await sleep(3000);
    process.stdout.write(`  kill -9 of the server and an immediate restart${args.restarts > 1 ? ` (${round} of ${args.restarts})` : ''} ...\n`);
    order(fleetProc, { type: 'mark' });
    order(probeProc, { type: 'mark' });
    const killedAt = performance.now();
    server!.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
    // --compare: odd restarts run with those limits, even ones with the others, alternating in this one run.
    const compared = args.compare !== null && round % 2 === 1;
    writeConfig(compared ? { ...args.limits, ...args.compare } : args.limits);
    restart = await startServer(args.profile);
    const readyAfterKillMs = performance.now() - killedAt;
    const back = await next<Extract<StationReport, { type: 'allConnected' }>>(fleetProc, 'allConnected', 300_000);
    order(probeProc, { type: 'report' });
    const p2 = await next<Extract<StationReport, { type: 'probe' }>>(probeProc, 'probe', 10_000);
    process.stdout.write(`  failed attempts after the kill: ${JSON.stringify(back.byStatus)}\n`);
    const label = args.compare === null ? '' : compared ? ' (--compare limits)' : ' (limits)';
    storm.push({ phase: `kill -9 + restart${args.restarts > 1 ? ` ${round}` : ''}${label}`, stations: args.stations, backS: back.ms / 1000, afterReadyS: (back.ms - readyAfterKillMs) / 1000, attempts: back.attempts, load: back.refusedForLoad, other: back.refusedOther, errors: back.connectErrors, probe: p2.rtt, lost: p2.lost, loop: await loopMax() });
    if (args.profile > 0) profiles.push(await stretchesOfStorm(round, storm[storm.length - 1]!.loop));
  }
} finally {
  for (const c of children) if (c.exitCode === null) c.kill();
}

// The flood, with the fleet gone: one address sends handshakes with a wrong password for VICTIM, while VICTIM itself
// (from another address) connects every 100 ms with the right one.
interface FloodRow { phase: string; offered: number; sent: number; byStatus: Record<string, number>; floodErrors: number; legit: Latency; legitStatus: Record<string, number>; logLines: number }
const flood: FloodRow[] = [];
try {
  await sleep(10_000); // the fleet's 5,000 closes are handled before the reference is measured
  const legitProc = stationProcess();
  const before = logLines();
  order(legitProc, { type: 'legit', base, id: VICTIM, password: PASSWORD, address: '127.0.0.3', intervalMs: 100, seconds: 5 });
  const alone = await next<Extract<StationReport, { type: 'legit' }>>(legitProc, 'legit', 60_000);
  flood.push({ phase: 'legitimate station alone (reference)', offered: 0, sent: 0, byStatus: {}, floodErrors: 0, legit: alone.handshake, legitStatus: alone.byStatus, logLines: logLines() - before });
  process.stdout.write(`  wrong-password flood, ${args.floodRate}/s for ${args.floodSeconds} s ...\n`);
  const floodProc = stationProcess();
  const mid = logLines();
  order(floodProc, { type: 'flood', base, id: VICTIM, password: WRONG, address: '127.0.0.4', perSecond: args.floodRate, seconds: args.floodSeconds });
  order(legitProc, { type: 'legit', base, id: VICTIM, password: PASSWORD, address: '127.0.0.3', intervalMs: 100, seconds: args.floodSeconds });
  const [f, l] = await Promise.all([
    next<Extract<StationReport, { type: 'flood' }>>(floodProc, 'flood', 120_000),
    next<Extract<StationReport, { type: 'legit' }>>(legitProc, 'legit', 120_000),
  ]);
  await sleep(11_000); // the sampled log's summary line of the last window
  flood.push({ phase: 'legitimate station during the flood', offered: args.floodRate, sent: f.sent, byStatus: f.byStatus, floodErrors: f.errors, legit: l.handshake, legitStatus: l.byStatus, logLines: logLines() - mid });
  for (const c of [legitProc, floodProc]) c.kill();
} finally {
  server?.send({ type: 'stop' });
  await Promise.race([new Promise((r) => server!.once('exit', r)), sleep(10_000)]);
  if (server?.exitCode === null) server.kill('SIGKILL');
}

const fmt = (x: number | null, d = 1) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));
function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (i === 0 ? `:${'-'.repeat(n + 1)}` : `${'-'.repeat(n + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}
const ref = storm[0]?.probe.p99 ?? NaN;
process.stdout.write(`\n${table(
  ['phase', 'stations', 'all back s', 'after ready s', 'handshakes', '503 (load)', 'other refusals', 'connect errors', 'probe HB n', 'p50 ms', 'p99 ms', 'max ms', 'p99 / ref', 'lost', 'server loop max ms', 'longest iteration CPU ms', 'longest iteration wall ms'],
  storm.map((r) => [r.phase, String(r.stations), fmt(r.backS), fmt(r.afterReadyS), String(r.attempts ?? '-'), String(r.load ?? '-'), String(r.other ?? '-'), String(r.errors ?? '-'),
    String(r.probe.n), fmt(r.probe.p50, 2), fmt(r.probe.p99, 2), fmt(r.probe.max, 1), fmt(r.probe.p99 / ref, 1), String(r.lost), fmt(r.loop.maxMs, 0),
    fmt(r.loop.iterations[0]?.cpuMs ?? NaN, 1), fmt(r.loop.iterationMaxWallMs, 1)]),
)}\n\n`);
const legitRef = flood[0]?.legit.p50 ?? NaN;
process.stdout.write(`${storm.map((r) => `${r.phase}: longest iterations, ms CPU / waiting for a core / wall, at s after ready: ${
  r.loop.iterations.map((it) => `${it.cpuMs.toFixed(1)} / ${it.waitMs.toFixed(1)} / ${it.wallMs.toFixed(1)} at ${it.atS.toFixed(2)}`).join(', ')}`).join('\n')}\n\n`);
if (profiles.length > 0) process.stdout.write(`${profiles.join('\n\n')}\n\n`);
process.stdout.write(`${table(
  ['phase', 'flood offered/s', 'flood sent', 'answered 401', 'answered 503', 'legit handshakes', 'p50 ms', 'p99 ms', 'max ms', 'p50 / ref', 'legit refused', 'server log lines'],
  flood.map((r) => [r.phase, String(r.offered), String(r.sent), String(r.byStatus['401'] ?? 0), String(r.byStatus['503'] ?? 0), String(r.legit.n),
    fmt(r.legit.p50, 2), fmt(r.legit.p99, 2), fmt(r.legit.max, 1), fmt(r.legit.p50 / legitRef, 1),
    String(Object.entries(r.legitStatus).filter(([k]) => k !== '101').reduce((s, [, n]) => s + n, 0)), String(r.logLines)]),
)}\n\n`);
process.stdout.write([
  `Server: the product in its own process (start() from src/main.ts, SQLite WAL file, system clock, default ocpp.limits),`,
  `started in ${fmt(firstStart.readyMs / 1000)} s (start() itself ${fmt(firstStart.startMs / 1000)} s), restarted after kill -9 in`,
  `${fmt(restart.readyMs / 1000)} s (start() ${fmt(restart.startMs / 1000)} s). Stations: forked processes over loopback on the same`,
  `${cpu.length} cores (fleet from ${args.addresses} source addresses 127.0.0.10+, probe 127.0.0.2). all back s = from the kill (or the first`,
  `attempt) until every station has an open connection again, server start included (after ready s: from the moment the`,
  `restarted server was ready, i.e. the storm alone; under tsx most of the start is compiling TypeScript); a station retries 0.5-1 s after a`,
  `refused TCP connect, after Retry-After on a 503. probe HB = Heartbeat round trips every 50 ms over that period`,
  `(reference: the probe alone); server loop max = the server's longest event-loop block in the phase (perf_hooks);
longest iteration = the server's longest event-loop iteration by its loop thread's CPU time, and the longest by wall
time (a 1 ms timer, /proc/thread-self/schedstat, storm/iterations.ts): a station's frame waits for at most the rest of one
iteration and its own. Flood: one address sending handshakes with a wrong password for a known station while`,
  `that station connects every 100 ms from another address with the right one; server log lines = lines written meanwhile.`,
].join('\n') + '\n');
rmSync(dir, { recursive: true, force: true });
process.exit(0);
