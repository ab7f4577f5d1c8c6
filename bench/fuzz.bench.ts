/**
 * Fuzz benchmark: `npm run bench:fuzz [-- --frames 1000000 --connections 4 --seed 2026 --window 4000]`.
 *
 * The real product (start() from src/main.ts: SQLite WAL file, every schema compiled, the real handlers, system
 * clock) runs in this process; a forked sender (bench/fuzz/client.ts) sends `--frames` seeded hostile frames over
 * `--connections` compressed WebSockets, round robin over the fuzz categories of test/helpers/fuzz-frames.ts, and
 * checks every reply; a second forked process is a well-behaved station timing Heartbeat round trips the whole
 * time. A reference row times that station with the server idle, in the same run. Nothing is asserted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../src/config.js';
import { start, type Running } from '../src/main.js';
import { silentLogger } from '../src/platform/logger.js';
import type { FuzzOrder, FuzzReport } from './fuzz/client.js';

interface Args { frames: number; connections: number; seed: number; window: number; idleSeconds: number }

function parseArgs(argv: string[]): Args {
  const args: Args = { frames: 1_000_000, connections: 4, seed: 2026, window: 4000, idleSeconds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = Number((inline ?? argv[++i] ?? '').replace(/_/g, ''));
    const key = ({ '--frames': 'frames', '--connections': 'connections', '--seed': 'seed', '--window': 'window', '--idle-seconds': 'idleSeconds' } as const)[flag];
    if (!key || !Number.isFinite(value) || value < 1) throw new Error(`bad argument ${argv[i]}: use --frames N --connections N --seed N --window N --idle-seconds N`);
    args[key] = value;
  }
  return args;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rssMb = () => {
  gc();
  return process.memoryUsage().rss / 2 ** 20;
};

function child(): ChildProcess {
  return fork(fileURLToPath(new URL('./fuzz/client.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next<T extends FuzzReport['type']>(c: ChildProcess, type: T): Promise<Extract<FuzzReport, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FuzzReport) => {
      if (m.type !== type) return;
      c.off('message', onMessage);
      c.off('exit', onExit);
      resolve(m as Extract<FuzzReport, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`fuzz client exited with ${code} before "${type}"`));
    c.on('message', onMessage);
    c.once('exit', onExit);
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};

async function probeFor(base: string, id: string, during: () => Promise<void>): Promise<{ rtts: number[]; closed: boolean }> {
  const probe = child();
  try {
    const ready = next(probe, 'ready');
    probe.send({ type: 'probe', base, id, intervalMs: 10 } satisfies FuzzOrder);
    await ready;
    await during();
    const done = next(probe, 'probeDone');
    probe.send({ type: 'stop' } satisfies FuzzOrder);
    return await done;
  } finally {
    if (probe.exitCode === null) probe.kill();
  }
}

const args = parseArgs(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'chargeplan-fuzz-'));
const dbPath = join(dir, 'fuzz.sqlite');
let crashes = 0;
process.on('uncaughtException', (err) => {
  crashes += 1;
  process.stderr.write(`uncaught exception in the server: ${err.stack ?? String(err)}\n`);
});
const config = loadConfig({}, {
  database: { path: dbPath },
  http: { host: '127.0.0.1', port: 0 },
  // The product closes a station after 10 failures a minute; here the fuzzing stations stay connected so that
  // all frames reach the server (the close itself is tested in test/ocpp/fuzz.test.ts).
  // Likewise their byte budget (ocpp.limits.inboundBytesPerMinute; its refusal is tested in test/ocpp/frame-size.test.ts).
  ocpp: {
    host: '127.0.0.1', port: 0, pingIntervalSeconds: 0, maxBadMessages: 1_000_000_000, readCapabilitiesOnBoot: false,
    limits: { inboundBytesPerMinute: 1024 ** 4, inboundBurstBytes: 1024 ** 3 },
  },
  log: { level: 'silent' },
});
const running: Running = await start(config, { logger: silentLogger() });
const base = `ws://127.0.0.1:${running.ports.ocpp}${config.ocpp.path}`;
const ids = Array.from({ length: args.connections }, (_, i) => `FUZZ-${i + 1}`);
const at = new Date().toISOString();
for (const id of [...ids, 'PROBE-IDLE', 'PROBE']) await running.repositories.stations.register({ id, passwordHash: null, securityProfile: 0 }, at);
const cpu = cpus();
process.stdout.write(`bench:fuzz: node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}, ${args.frames} frames over ${args.connections} connections, seed ${args.seed}\n`);

process.stdout.write(`  reference: the probe station alone for ${args.idleSeconds} s ...\n`);
const idle = await probeFor(base, 'PROBE-IDLE', () => new Promise((r) => setTimeout(r, args.idleSeconds * 1000)));

const rssBefore = rssMb();
process.stdout.write(`  fuzz: ${args.frames} frames ...\n`);
const sender = child();
let result!: Extract<FuzzReport, { type: 'senderDone' }>;
const loaded = await probeFor(base, 'PROBE', async () => {
  const ready = next(sender, 'ready');
  sender.send({ type: 'sender', base, ids, frames: args.frames, seed: args.seed, window: args.window } satisfies FuzzOrder);
  await ready;
  result = await next(sender, 'senderDone');
});
if (sender.exitCode === null) sender.kill();
const rssAfter = rssMb();
const dbMb = statSync(dbPath).size / 2 ** 20 + (() => { try { return statSync(`${dbPath}-wal`).size / 2 ** 20; } catch { return 0; } })();

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const head = ['run', 'frames', 'seconds', 'frames/s', 'wrong replies', 'crashes', 'probe HBs', 'probe p50 ms', 'probe p99 ms', 'p99 ratio', 'RSS before MB', 'RSS after MB'];
const idleP99 = quantile(idle.rtts, 0.99);
const rows = [
  ['idle (reference)', '0', fmt(args.idleSeconds, 0), '-', '-', '0', String(idle.rtts.length), fmt(quantile(idle.rtts, 0.5), 2), fmt(idleP99, 2), '1.0', '-', '-'],
  ['fuzz', String(result.sent), fmt(result.ms / 1000), fmt(result.sent / (result.ms / 1000), 0), String(result.wrong + result.unexpected), String(crashes),
    String(loaded.rtts.length), fmt(quantile(loaded.rtts, 0.5), 2), fmt(quantile(loaded.rtts, 0.99), 2), fmt(quantile(loaded.rtts, 0.99) / idleP99, 1),
    fmt(rssBefore, 0), fmt(rssAfter, 0)],
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
process.stdout.write(`\n${[line(head), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n')}\n\n`);
const codes = Object.entries(result.byCode).sort((a, b) => b[1] - a[1]);
process.stdout.write(`| reply | count |\n|:--|--:|\n${codes.map(([c, n]) => `| ${c} | ${n} |`).join('\n')}\n\n`);
process.stdout.write([
  `wrong replies = frames whose replies differ from what test/helpers/fuzz-frames.ts expects (missing, extra, wrong code)${result.firstWrong ? `; first: ${result.firstWrong}` : ''},`,
  `plus replies to ids never sent (${result.unexpected}). Fuzz connections closed by the server: ${result.closed}; probe connection closed: ${loaded.closed}.`,
  `crashes = uncaught exceptions in this (the server's) process. Server = this process, the real product on the system clock;`,
  `sender and probe = two forked processes on the same ${cpu.length} cores, over loopback (the sender with permessage-deflate).`,
  `frames/s = WebSocket messages sent by the sender per second, until the last reply. probe = one station sending a Heartbeat`,
  `10 ms after each reply; round trip measured in the probe. RSS after a full GC, before the fuzz run (after start-up and the`,
  `reference) and after it. Database afterwards: ${fmt(dbMb)} MB (station log capped and budgeted per station).`,
].join('\n') + '\n');
await running.close();
rmSync(dir, { recursive: true, force: true });
