/**
 * Cluster benchmark (issue 19): `npm run bench:cluster [-- --nodes 1,2,3 --stations 300 --seconds 10 --rate 600 --lease 6 --failover-stations 60]`.
 *
 * Each row runs the real product as separate node processes (test/helpers/node-process.ts) on the system clock,
 * behind the test load balancer (test/helpers/tcp-balancer.ts), on a fresh PostgreSQL schema and the machine's NATS;
 * the reference row is one process on an SQLite file, behind the same balancer, in the same run. The stations are
 * bench:ocpp's load client (bench/ocpp/client.ts, a forked process): each boots, starts a transaction, then sends
 * Heartbeat and TransactionEvent Updated alternately at a fixed aggregate rate, one CALL in flight. Then, for two
 * nodes or more, 60 simulated stations over three sites (src/simulator, reconnecting 0.5 s after a drop) run
 * while the node that holds most of them is killed with SIGKILL; failover = from the kill until every station is
 * connected again and the victim's site has a new owner. A table is printed; nothing is asserted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NodeProcess, type NodeState } from '../test/helpers/cluster-processes.js';
import { TcpBalancer } from '../test/helpers/tcp-balancer.js';
import type { NodeSpec } from '../test/helpers/node-process.js';
import { openStorage, createOcppRepositories, type DatabaseOptions } from '../src/storage/index.js';
import { hashPassword } from '../src/ocpp/auth/password.js';
import { systemClock } from '../src/platform/clock.js';
import { Fleet } from '../src/simulator/fleet.js';
import type { LoadReport, RunOrder, ToClient, ToServer } from './ocpp/protocol.js';

const PASSWORD = 'bench-cluster-password-01';
const SITES = ['north', 'south', 'east'];

interface Args {
  nodes: number[];
  stations: number;
  seconds: number;
  rate: number;
  lease: number;
  failoverStations: number;
  database: string;
  nats: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    nodes: [1, 2, 3], stations: 300, seconds: 10, rate: 600, lease: 6, failoverStations: 60,
    database: process.env.CHARGEPLAN_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    nats: process.env.CHARGEPLAN_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--nodes') args.nodes = value().split(',').map(Number);
    else if (flag === '--stations') args.stations = Number(value());
    else if (flag === '--seconds') args.seconds = Number(value());
    else if (flag === '--rate') args.rate = Number(value());
    else if (flag === '--lease') args.lease = Number(value());
    else if (flag === '--failover-stations') args.failoverStations = Number(value());
    else throw new Error(`unknown argument ${flag}; use --nodes 1,2,3 --stations N --seconds S --rate R --lease S --failover-stations N`);
  }
  const bad = args.nodes.some((n) => !Number.isInteger(n) || n < 1 || n > 8) || !(args.stations >= 1) || !(args.seconds > 0)
    || !(args.rate > 0) || !(args.lease >= 3) || !(args.failoverStations >= 3);
  if (bad) throw new Error(`invalid arguments: ${JSON.stringify(args)}`);
  return args;
}

const stationOf = (site: string, i: number) => `${site.toUpperCase()}-${i + 1}`;

/** The failover fleet's three sites; the load client's stations belong to none (they only send). */
function siteConfig(failoverStations: number) {
  const per = Math.ceil(failoverStations / SITES.length);
  return {
    ocpp: { acceptUnknownIdTokens: true, limits: { handshakesPerAddressPerMinute: 100_000, failuresPerAddressPerMinute: 100_000 } },
    prices: { tariffs: { flat: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.25 }] } } } },
    sites: SITES.map((id) => ({
      id, timeZone: 'Europe/Copenhagen', tariff: 'flat', gridLimitKw: 150, slotMinutes: 15, circuits: [],
      evses: Array.from({ length: per }, (_, i) => ({ stationId: stationOf(id, i), evseId: 1, maxKw: 11 })),
      policy: { debounceSeconds: 1, defaultDeparture: '07:00', defaultEnergyKwh: 20 },
    })),
  };
}

async function admin(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

interface Row {
  label: string;
  held: number;
  report: LoadReport;
  connectS: number;
  cpuUsPerMsg: number;
  rssMb: number;
  natsRttMs: number | null;
  failoverS: number | null;
  failoverNote: string;
}

function message<T extends ToServer['type']>(child: ChildProcess, type: T): Promise<Extract<ToServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ToServer) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m as Extract<ToServer, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`load client exited with ${code} before "${type}"`)));
  });
}

async function until(check: () => boolean | Promise<boolean>, limitMs: number): Promise<boolean> {
  const end = performance.now() + limitMs;
  while (performance.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

async function measure(args: Args, nodeCount: number, sqlite: boolean): Promise<Row> {
  const label = sqlite ? '1 (SQLite, reference)' : String(nodeCount);
  const dir = mkdtempSync(join(tmpdir(), 'chargeplan-cluster-bench-'));
  const schema = `bench_cluster_${randomBytes(4).toString('hex')}`;
  const database: NodeSpec['database'] = sqlite ? { path: join(dir, 'bench.sqlite') } : { url: args.database, schema };
  if (!sqlite) await admin(args.database, `CREATE SCHEMA ${schema}`);
  const subjectPrefix = `bench_${randomBytes(4).toString('hex')}`;
  const nodes: NodeProcess[] = [];
  let lb: TcpBalancer | null = null;
  let client: ChildProcess | null = null;
  let fleet: Fleet[] = [];
  try {
    const loadIds = Array.from({ length: args.stations }, (_, i) => `LOAD-${String(i + 1).padStart(5, '0')}`);
    const per = Math.ceil(args.failoverStations / SITES.length);
    const fleetIds = SITES.flatMap((s) => Array.from({ length: per }, (_, i) => stationOf(s, i)));
    // Register every station in one transaction, before the nodes start (one hash, shared).
    const storage = await openStorage(database as DatabaseOptions);
    const hash = hashPassword(PASSWORD);
    const at = new Date().toISOString();
    await storage.db.transaction().execute(async (trx) => {
      const repos = createOcppRepositories(trx);
      for (const id of [...loadIds, ...fleetIds]) await repos.stations.register({ id, passwordHash: hash, securityProfile: 1 }, at);
    });
    await storage.close();

    const config = siteConfig(args.failoverStations);
    const specs: NodeSpec[] = Array.from({ length: nodeCount }, (_, i) => ({
      nodeId: `node-${i + 1}`, config, database,
      ...(sqlite ? {} : { nats: args.nats, subjectPrefix, leaseSeconds: args.lease }),
    }));
    nodes.push(...(await Promise.all(specs.map((s) => NodeProcess.fork(s)))));
    lb = await TcpBalancer.listen(nodes.map((n) => n.ports.ocpp!));
    const base = `ws://127.0.0.1:${lb.port}${nodes[0]!.ocppPath}`;

    // Throughput: the load client's stations, spread over the nodes by the balancer.
    client = fork(fileURLToPath(new URL('./ocpp/client.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const order: RunOrder = { type: 'run', base, ids: loadIds, password: PASSWORD, mode: 'load', seconds: args.seconds, rate: args.rate, concurrency: 50 };
    const connected = message(client, 'connected');
    const done = message(client, 'loadDone');
    client.send(order satisfies ToClient);
    const c = await connected;
    if (c.failed > 0) process.stderr.write(`  ${label}: ${c.failed} load stations failed to connect (first: ${c.firstError})\n`);
    const cpuBefore = await Promise.all(nodes.map((n) => n.state()));
    const report = await done;
    const after: NodeState[] = await Promise.all(nodes.map((n) => n.state()));
    const held = after.reduce((s, n) => s + n.connected, 0);
    const cpuUs = after.reduce((s, n, i) => s + n.cpuUs - cpuBefore[i]!.cpuUs, 0);
    const rtts = after.map((n) => n.health?.natsRttMs).filter((x): x is number => typeof x === 'number');
    const closed = message(client, 'closed');
    client.send({ type: 'close' } satisfies ToClient);
    await closed;

    let failoverS: number | null = null;
    let failoverNote = sqlite ? 'single process: a restart is the recovery' : nodeCount === 1 ? 'no other node' : '';
    if (!sqlite && nodeCount >= 2) {
      fleet = SITES.map((site) => new Fleet({
        url: base, clock: systemClock, stations: per, evsesPerStation: 1, idPrefix: `${site.toUpperCase()}-`,
        password: () => PASSWORD, common: { reconnectDelayMs: 500, txUpdatedIntervalS: 10 },
      }));
      const stations = fleet.flatMap((f) => f.stations);
      for (const f of fleet) f.start();
      const online = await until(() => stations.every((s) => s.isOnline), 60_000);
      const owned = await until(async () => {
        const states = await Promise.all(nodes.map((n) => n.state()));
        return states.reduce((k, s) => k + Object.keys(s.health.sites.owned).length, 0) === SITES.length;
      }, 60_000);
      if (!online || !owned) throw new Error(`${label}: the failover fleet did not come up (online ${online}, sites owned ${owned})`);
      const states = await Promise.all(nodes.map((n) => n.state()));
      const victimIndex = states.reduce((best, s, i) => (s.health.stationsHeld > states[best]!.health.stationsHeld ? i : best), 0);
      const victim = nodes[victimIndex]!;
      const victimSites = Object.keys(states[victimIndex]!.health.sites.owned);
      const moved = states[victimIndex]!.health.stationsHeld;
      const survivors = nodes.filter((n) => n !== victim);
      const t = performance.now();
      await victim.kill();
      lb.setBackends(survivors.map((n) => n.ports.ocpp!));
      let back: number | null = null;
      let takenOver: number | null = victimSites.length === 0 ? 0 : null;
      await until(async () => {
        if (back === null && stations.every((s) => s.isOnline)) back = performance.now() - t;
        if (takenOver === null) {
          const st = await Promise.all(survivors.map((n) => n.state()));
          if (victimSites.every((site) => st.some((s) => s.health.sites.owned[site] !== undefined))) takenOver = performance.now() - t;
        }
        return back !== null && takenOver !== null;
      }, 120_000);
      failoverS = back !== null && takenOver !== null ? Math.max(back, takenOver) / 1000 : null;
      failoverNote = `${moved} stations back ${back === null ? '-' : ((back as number) / 1000).toFixed(1)} s, ` +
        `${victimSites.length} site(s) owned again ${takenOver === null ? '-' : ((takenOver as number) / 1000).toFixed(1)} s`;
    }
    return {
      label, held, report, connectS: c.connectMs / 1000, cpuUsPerMsg: cpuUs / Math.max(1, report.replies),
      rssMb: after.reduce((s, n) => s + n.rssMb, 0), natsRttMs: rtts.length ? Math.max(...rtts) : null, failoverS, failoverNote,
    };
  } finally {
    for (const f of fleet) await f.stop();
    if (client && client.exitCode === null) client.kill();
    await lb?.close();
    await Promise.all(nodes.map((n) => n.close()));
    if (!sqlite) await admin(args.database, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(rows: Row[]): string {
  const head = ['nodes', 'held', 'connect s', 'sent', 'msg/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'skipped', 'CPU µs/msg', 'RSS MB', 'NATS rtt ms', 'failover s', 'failover'];
  const fmt = (x: number | null, d = 1) => (x !== null && Number.isFinite(x) ? x.toFixed(d) : '-');
  const lines = rows.map((r) => [
    r.label, String(r.held), fmt(r.connectS), String(r.report.sent), fmt(r.report.replies / (r.report.durationMs / 1000), 0),
    fmt(r.report.p50, 2), fmt(r.report.p99, 2), fmt(r.report.max, 1), String(r.report.errors), String(r.report.skipped),
    fmt(r.cpuUsPerMsg, 0), fmt(r.rssMb, 0), fmt(r.natsRttMs, 2), fmt(r.failoverS), r.failoverNote,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const left = (i: number) => i === 0 || i === head.length - 1;
  const row = (cells: string[]) => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [row(head), `|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...lines.map(row)].join('\n');
}

const args = parseArgs(process.argv.slice(2));
const cpu = cpus();
process.stdout.write(
  `Cluster bench: node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}; ${args.stations} load stations, ` +
  `${args.rate} msg/s offered for ${args.seconds} s; failover fleet ${args.failoverStations} stations over ${SITES.length} sites, lease ${args.lease} s\n`,
);
const t0 = performance.now();
const rows: Row[] = [];
process.stdout.write('  reference: one process on SQLite ...\n');
rows.push(await measure(args, 1, true));
for (const n of args.nodes) {
  process.stdout.write(`  ${n} node(s) on PostgreSQL + NATS ...\n`);
  rows.push(await measure(args, n, false));
}
process.stdout.write(`\n${table(rows)}\n\n`);
process.stdout.write(
  [
    `Total ${((performance.now() - t0) / 1000).toFixed(0)} s, on ${cpu.length} cores shared by every node process, PostgreSQL, NATS, the balancer and the`,
    `load client. held = stations connected over all nodes at the end of the load phase. msg/s = CALLRESULTs per second`,
    `(offered ${args.rate}/s); round trips are measured in the load client, through the balancer. CPU µs/msg = all node`,
    `processes' CPU time in the load phase per answered message (the cost a message adds wherever it lands); RSS = the`,
    `nodes' sum. NATS rtt = the largest of the nodes' NATS round trips (/health). failover = SIGKILL of the node holding`,
    `the most simulated stations until every station is connected again (reconnect 0.5 s after the drop) and the`,
    `victim's site has a new owner (bound: lease ${args.lease} s + its refresh ${(args.lease / 3).toFixed(1)} s).`,
  ].join('\n') + '\n',
);
