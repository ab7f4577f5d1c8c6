/**
 * The whole product's bench:ocpp and bench:scheduler rows on SQLite before and after the async storage layer
 * (issue 15: it may cost at most 10 % there). The baseline is the last synchronous build (commit 6353e9d unless
 * --baseline names another), checked out into a temporary git worktree beside this one and run with the same
 * node_modules; the two builds run alternately, --rounds times each, so the machine's noise hits both alike. Prints
 * the median of each figure per build and the ratio after / before.
 */
import { execFileSync, spawnSync } from 'node:child_process';
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
function worktree(rev: string): string {
  const dir = join(tmpdir(), `chargeplan-baseline-${rev}`);
  if (!existsSync(dir)) {
    execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, rev], { stdio: 'ignore' });
  }
  baselineModules(dir);
  mkdirSync(join(dir, 'bench/storage'), { recursive: true });
  for (const f of ['bench/ocpp.bench.ts', 'bench/ocpp/client.ts', 'bench/ocpp/protocol.ts', 'bench/storage/cycle-cpu.ts']) copyFileSync(join(ROOT, f), join(dir, f));
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

function run(dir: string, script: string, args: string[]): Table {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', script, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} in ${dir} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return parseTable(r.stdout);
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
  { bench: 'ocpp', row: '1000', column: 'connect CPU ms', lowerIsBetter: true },
];

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
  const values = new Map<string, number[][]>(); // key -> [before[], after[]]
  const put = (key: string, b: number, v: number) => {
    if (!values.has(key)) values.set(key, [[], []]);
    values.get(key)![b]!.push(v);
  };
  for (let round = 0; round < rounds; round++) {
    for (let b = 0; b < builds.length; b++) {
      process.stderr.write(`  round ${round + 1}/${rounds}: ${builds[b]!.name} ...\n`);
      const ocpp = run(builds[b]!.dir, 'bench/ocpp.bench.ts', ['--sizes', '1000', '--seconds', '10']);
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
  if (argv.includes('--remove-worktree')) rmSync(base, { recursive: true, force: true });
}
