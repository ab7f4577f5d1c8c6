/**
 * The whole product's bench:ocpp and bench:scheduler rows on SQLite before and after the async storage layer
 * (issue 15: it may cost at most 10 % there). The baseline is the last synchronous build (commit 6353e9d unless
 * --baseline names another), checked out into a temporary git worktree beside this one and run with the same
 * node_modules; the two builds run alternately, --rounds times each, so the machine's noise hits both alike. Prints
 * the median of each figure per build and the ratio after / before.
 *
 * Each round also runs bench:ocpp and the cycle CPU probe once more per build under V8's sampling profiler (the
 * server process only: bench/storage/profile.ts) and prints a second table: the CPU time of the storage layer per
 * message, per connect and per planning cycle (its share of the profile's busy samples, attribution.ts, times the
 * process's CPU of the same profiled run) beside that whole-process CPU. --no-profile skips these runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { attribute, phase, readProfile, top, STORAGE_RULE_TEXT } from './attribution.js';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASELINE = '6353e9d';
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export type Table = Record<string, string>[];

/** The first markdown table in a bench's output, as rows of header -> cell. */
export function parseTable(out: string): Table {
  // Only the first table: a bench may print more (bench:scheduler's re-plan rows), whose head would read as data.
  const all = out.split('\n');
  const from = all.findIndex((l) => l.startsWith('|'));
  const end = all.findIndex((l, i) => i > from && !l.startsWith('|'));
  const lines = from < 0 ? [] : all.slice(from, end < 0 ? undefined : end);
  if (lines.length < 2) throw new Error(`no table in the output:\n${out.slice(-2000)}`);
  const cells = (l: string) => l.slice(1, -1).split('|').map((c) => c.trim());
  const head = cells(lines[0]!);
  return lines.slice(2).map((l) => Object.fromEntries(cells(l).map((c, i) => [head[i]!, c])));
}

/**
 * The baseline checked out beside this tree, with this tree's bench:ocpp files copied in: both builds then run the
 * same measuring code (the bench registers its fleet on either storage API, see registerFleet).
 */
export function worktree(rev: string): string {
  const dir = join(tmpdir(), `chargeplan-baseline-${rev}`);
  if (!existsSync(dir)) {
    execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, rev], { stdio: 'ignore' });
  }
  baselineModules(dir);
  mkdirSync(join(dir, 'bench/storage'), { recursive: true });
  for (const f of ['bench/ocpp.bench.ts', 'bench/ocpp/client.ts', 'bench/ocpp/protocol.ts', 'bench/storage/cycle-cpu.ts', 'bench/storage/profile.ts']) {
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  return dir;
}

/**
 * The baseline's node_modules: this tree's packages, each linked (so both builds run the same libraries), plus what
 * the baseline depends on and this tree has since dropped (@fastify/swagger-ui, dropped in 53aac4b), unpacked from
 * the registry at the baseline's locked version. Its own dependencies resolve to this tree's packages, as the
 * baseline's lock had them (it overrode swagger-ui's @fastify/static with the project's).
 */
function baselineModules(dir: string): void {
  const nm = join(dir, 'node_modules');
  if (existsSync(nm) && lstatSync(nm).isSymbolicLink()) unlinkSync(nm); // the earlier layout: one link to ours
  if (!existsSync(nm)) {
    mkdirSync(nm);
    const ours = join(ROOT, 'node_modules');
    for (const e of readdirSync(ours)) {
      if (!e.startsWith('@')) {
        symlinkSync(join(ours, e), join(nm, e));
        continue;
      }
      mkdirSync(join(nm, e));
      for (const p of readdirSync(join(ours, e))) symlinkSync(join(ours, e, p), join(nm, e, p));
    }
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const to = join(nm, name);
    if (existsSync(to)) continue;
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`the baseline depends on ${name}, which is neither installed here nor in its lock`);
    const tmp = mkdtempSync(join(tmpdir(), 'baseline-pack-'));
    const file = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', tmp], { encoding: 'utf8' }).trim().split('\n').pop()!;
    mkdirSync(to, { recursive: true });
    execFileSync('tar', ['-xzf', join(tmp, file), '-C', to, '--strip-components=1']);
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`  baseline: ${name}@${version} unpacked (not a dependency of this tree any more)\n`);
  }
}

function run(dir: string, script: string, args: string[], env: Record<string, string> = {}): Table {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script, ...args], {
    cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${script} in ${dir} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return parseTable(r.stdout);
}

/**
 * bench:ocpp's rows run the product as `npm start` does, from tsc's build (--built): through tsx every function
 * expression is wrapped by esbuild's keepNames (a defineProperty call and ~256 bytes per closure), which weighs on
 * the build that makes more closures. Both trees are built before the first round.
 */
const OCPP_ARGS = ['--sizes', '1000', '--seconds', '10', '--built'];

function build(dir: string): void {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build in ${dir} failed (${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`);
}

interface Figure { bench: string; row: string; column: string; lowerIsBetter: boolean }

const FIGURES: Figure[] = [
  { bench: 'ocpp', row: '1 (ping-pong)', column: 'msg/s', lowerIsBetter: false },
  { bench: 'ocpp', row: '1 (ping-pong)', column: 'p50 ms', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'p50 ms', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'p99 ms', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'connect s', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'heap MB', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'idle heap MB', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'heap KB/conn', lowerIsBetter: true },
  { bench: 'ocpp', row: '1 (ping-pong)', column: 'CPU µs/msg', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'CPU µs/msg', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'main µs/msg', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'connect CPU ms', lowerIsBetter: true },
  { bench: 'ocpp', row: '1000', column: 'connect main ms', lowerIsBetter: true },
];

/** A profiled row: the bench table's row and CPU column (µs per unit after `scale`), the profile and its phase. */
const PROFILED = [
  { name: 'ping-pong, per Heartbeat', bench: 'ocpp', row: '1 (ping-pong)', column: 'CPU µs/msg', scale: 1, file: 'ocpp-1ping-pong', phase: 'load' },
  { name: '1,000 stations, per message', bench: 'ocpp', row: '1000', column: 'CPU µs/msg', scale: 1, file: 'ocpp-1000', phase: 'load' },
  { name: '1,000 stations, per connect', bench: 'ocpp', row: '1000', column: 'connect CPU ms', scale: 1000, file: 'ocpp-1000', phase: 'connect' },
  { name: 'cycle, 10 cars', bench: 'cycle', row: '10 cars', column: 'CPU ms per cycle', scale: 1000, file: 'cycle-10', phase: 'all' },
  { name: 'cycle, 100 cars', bench: 'cycle', row: '100 cars', column: 'CPU ms per cycle', scale: 1000, file: 'cycle-100', phase: 'all' },
  { name: 'cycle, 1,000 cars', bench: 'cycle', row: '1,000 cars', column: 'CPU ms per cycle', scale: 1000, file: 'cycle-1000', phase: 'all' },
] as const;

/**
 * One build's profiled runs: per PROFILED row the whole process's CPU µs per unit (its table), the storage share of
 * the profile's busy samples in the row's phase, and their product; `tops` gets each profile's top storage calls.
 */
function profiledRound(dir: string, tops: Map<string, string[]>): { whole: number; share: number }[] {
  const out = mkdtempSync(join(tmpdir(), 'chargeplan-profiles-'));
  const env = { CHARGEPLAN_BENCH_CPU_PROFILE: out };
  const tables = {
    ocpp: run(dir, 'bench/ocpp.bench.ts', OCPP_ARGS, env),
    cycle: run(dir, 'bench/storage/cycle-cpu.ts', [], env),
  };
  const result = PROFILED.map((f) => {
    const row = tables[f.bench].find((r) => (r.stations ?? r.site) === f.row);
    const p = readProfile(join(out, `${f.file}.cpuprofile`));
    const a = attribute(p, ...phase(p, f.phase));
    tops.set(f.name, top(a.entry, 5, a.busyUs));
    return { whole: Number(row?.[f.column]) * f.scale, share: a.storageUs / a.busyUs };
  });
  rmSync(out, { recursive: true, force: true });
  return result;
}

/** Files outside src/storage that reach the database themselves (their work is not counted as storage). */
function storageOutside(dir: string): string[] {
  const r = spawnSync('grep', ['-rlE', "from '(kysely|better-sqlite3|pg)'|\\.prepare\\(|\\.pragma\\(", 'src', '--include=*.ts'], { cwd: dir, encoding: 'utf8' });
  return r.stdout.split('\n').filter((f) => f && !f.startsWith('src/storage/'));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function runBeforeAfter(argv: string[]): Promise<void> {
  const opt = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
  };
  const rev = opt('baseline', BASELINE);
  const loadAtStart = loadavg()[0]!;
  const rounds = Number(opt('rounds', '2'));
  const base = worktree(rev);
  const builds = [{ name: `before (${rev}, synchronous)`, dir: base }, { name: 'after (this tree, async)', dir: ROOT }];
  for (const b of builds) {
    process.stderr.write(`  building ${b.name} (npm run build: bench:ocpp runs tsc's output) ...\n`);
    build(b.dir);
  }
  const values = new Map<string, number[][]>(); // key -> [before[], after[]]
  const put = (key: string, b: number, v: number) => {
    if (!values.has(key)) values.set(key, [[], []]);
    values.get(key)![b]!.push(v);
  };
  const profiled: { whole: number; share: number }[][][] = [[], []]; // build -> round -> PROFILED row
  const tops: Map<string, string[]>[] = [new Map(), new Map()];
  for (let round = 0; round < rounds; round++) {
    for (let b = 0; b < builds.length; b++) {
      if (!argv.includes('--no-profile')) {
        process.stderr.write(`  round ${round + 1}/${rounds}: ${builds[b]!.name}, profiled ...\n`);
        profiled[b]!.push(profiledRound(builds[b]!.dir, tops[b]!));
      }
      process.stderr.write(`  round ${round + 1}/${rounds}: ${builds[b]!.name} ...\n`);
      const ocpp = run(builds[b]!.dir, 'bench/ocpp.bench.ts', OCPP_ARGS);
      for (const f of FIGURES) {
        const row = ocpp.find((r) => r.stations === f.row);
        if (row) put(`bench:ocpp | ${f.row} | ${f.column}`, b, Number(row[f.column]));
      }
      for (const row of run(builds[b]!.dir, 'bench/scheduler.bench.ts', [])) {
        put(`bench:scheduler | ${row.site} | cycle ms (median)`, b, Number(row['cycle ms (median)']));
        put(`bench:scheduler | ${row.site} | scheduler's own ms`, b, Number(row["scheduler's own ms"]));
      }
      // The same cycle's CPU time over many runs (cycle-cpu.ts): the wall-time median above moves with preemption.
      for (const row of run(builds[b]!.dir, 'bench/storage/cycle-cpu.ts', [])) {
        put(`cycle CPU probe | ${row.site} | CPU ms per cycle`, b, Number(row['CPU ms per cycle']));
        put(`cycle CPU probe | ${row.site} | cycle ms (p10)`, b, Number(row['cycle ms (p10)']));
        put(`cycle CPU probe | ${row.site} | planned kWh`, b, Number(row['planned kWh']));
      }
    }
  }
  console.log(`\n| bench | row | figure | before (${rev}) | after | after / before |`);
  console.log('|---|---|---|---:|---:|---:|');
  for (const [key, [before, after]] of values) {
    const b = median(before!);
    const a = median(after!);
    console.log(`| ${key} | ${b.toFixed(2)} | ${a.toFixed(2)} | ${(a / b).toFixed(3)} |`);
  }
  console.log(`\nMedians of ${rounds} alternating runs per build on this machine (1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, ${loadavg()[2]!.toFixed(1)} over 15 minutes); SQLite file, WAL, both builds with the same node_modules.`);
  console.log('CPU figures (µs/msg, connect CPU, cycle CPU probe) are the process\'s user + system time, which other load on the machine hardly moves; wall times (p50, p99, connect s, cycle ms) are preempted by it.');
  if (profiled[0]!.length) printProfiled(rev, profiled, tops, builds.map((x) => storageOutside(x.dir)));
  if (argv.includes('--remove-worktree')) rmSync(base, { recursive: true, force: true });
}

function printProfiled(rev: string, profiled: { whole: number; share: number }[][][], tops: Map<string, string[]>[], outside: string[][]): void {
  console.log(`\n| profiled row (server process) | whole CPU µs before (${rev}) | after | after / before | storage share before | after | storage CPU µs before | after | after / before |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  PROFILED.forEach((f, i) => {
    const of = (b: number, g: (r: { whole: number; share: number }) => number) => median(profiled[b]!.map((r) => g(r[i]!)));
    const [w0, w1] = [of(0, (r) => r.whole), of(1, (r) => r.whole)];
    const [s0, s1] = [of(0, (r) => r.whole * r.share), of(1, (r) => r.whole * r.share)];
    const d = (x: number) => x.toFixed(x < 100 ? 1 : 0);
    const pct = (b: number) => `${(100 * of(b, (r) => r.share)).toFixed(1)} %`;
    console.log(`| ${f.name} | ${d(w0)} | ${d(w1)} | ${(w1 / w0).toFixed(2)} | ${pct(0)} | ${pct(1)} | ${d(s0)} | ${d(s1)} | ${(s1 / s0).toFixed(2)} |`);
  });
  const n = profiled[0]!.length;
  console.log(`\nProfiled rows: one more run of bench:ocpp (--sizes 1000 --seconds 10) and of the cycle CPU probe per build and round (${n} each), under V8's sampling profiler (inspector Profiler in the server process, 1 ms interval; the load generator is not profiled), medians over the rounds. Whole CPU = the process's user + system time per unit in that profiled run (the profiler's own cost included, the same for both builds); storage share = storage samples / busy samples of the main thread in the row's phase (load phase per message, connect phase per connected station, the measured cycles); storage CPU = share x whole CPU.`);
  console.log(`Classification, the same for both builds: ${STORAGE_RULE_TEXT}; (idle) samples are dropped, (garbage collector) and (program) samples count as not storage (the garbage a query makes is not charged to it), background threads' CPU is shared out in proportion, and a caller's own code after its await (the resumption of src/ocpp or src/scheduler code) is not storage, so what the async layer costs its callers is in the whole-CPU column only.`);
  for (const [b, name] of [[0, `before (${rev})`], [1, 'after']] as const) {
    const files = outside[b]!;
    console.log(files.length
      ? `${name}: these files reach the database outside src/storage (their own frames are not storage unless they call into it): ${files.join(', ')}.`
      : `${name}: no file outside src/storage imports kysely, better-sqlite3 or pg or prepares a statement.`);
  }
  for (const row of ['ping-pong, per Heartbeat', '1,000 stations, per message']) {
    for (const [b, name] of [[0, `before (${rev})`], [1, 'after']] as const) {
      console.log(`Top storage calls, ${row}, ${name} (last round, % of busy samples):\n${tops[b]!.get(row)!.join('\n')}`);
    }
  }
}
