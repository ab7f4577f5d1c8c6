/**
 * One product node as its own operating-system process (issue 19's kill -9 test and bench:cluster): the parent forks
 * this file with `--import tsx` and the node's spec in CHARGEPLAN_NODE_SPEC, and talks to it over the IPC channel
 * (test/helpers/cluster-processes.ts). The node is the real product (`start` from src/main.ts) on the shared
 * PostgreSQL schema and the machine's NATS. With `startAt` it runs on a manual clock that only the parent moves, so
 * every node and the parent's simulated stations keep one lock-step time; without it, on the system clock.
 *
 * Requests (each `{ id, op }`, answered with `{ id, ok, value | error }`):
 *   advance {ms}  moves the manual clock
 *   settle        waits until the node is quiet: cluster work done, a NATS round trip, every planning cycle done;
 *                 answers whether a cycle still waits for the clock (a debounce), and `stalled` when work was still
 *                 under way after STALL_MS (a call waiting for its timeout on the manual clock)
 *   state         the cluster health and the fence checks of calls to the stations this node holds
 *   close         graceful stop (hands its sites over), then the process exits
 */
import { loadConfig } from '../../src/config.js';
import { start } from '../../src/main.js';
import { ManualClock, systemClock, type Clock } from '../../src/platform/clock.js';
import { createLogger, silentLogger } from '../../src/platform/logger.js';

/** How long `settle` waits for work that may be waiting on the manual clock (real ms). */
const STALL_MS = 1_000;

export interface NodeSpec {
  nodeId: string;
  /** The config overrides (sites, prices, limits...); database, cluster and ports are set from the fields below. */
  config: Record<string, unknown>;
  /** PostgreSQL (a cluster node), or an SQLite file (the single process, bench:cluster's reference). */
  database: { url: string; schema: string; poolSize?: number } | { path: string };
  /** Absent: no cluster (the single process on SQLite). */
  nats?: string;
  subjectPrefix?: string;
  leaseSeconds?: number;
  /** Manual clock from this instant (tests); absent: the system clock (benchmarks). */
  startAt?: string;
}

export type NodeRequest =
  | { id: number; op: 'advance'; ms: number }
  | { id: number; op: 'settle' }
  | { id: number; op: 'state' }
  | { id: number; op: 'close' };

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.CHARGEPLAN_NODE_SPEC ?? 'null') as NodeSpec | null;
  if (!spec || !process.send) throw new Error('node-process: fork me with CHARGEPLAN_NODE_SPEC and an IPC channel');
  const send = (m: unknown) => process.send!(m);
  const manual = spec.startAt ? new ManualClock(spec.startAt) : null;
  const clock: Clock = manual ?? systemClock;
  const config = loadConfig({}, {
    ...spec.config,
    http: { host: '127.0.0.1', port: 0 },
    ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0, ...((spec.config.ocpp as object | undefined) ?? {}) },
    database: 'url' in spec.database ? { poolSize: 4, ...spec.database } : spec.database,
    ...(spec.nats ? { cluster: { nats: spec.nats, nodeId: spec.nodeId, subjectPrefix: spec.subjectPrefix, leaseSeconds: spec.leaseSeconds } } : {}),
    log: { level: 'silent' },
  });
  const logger = process.env.TEST_LOG ? createLogger({ level: process.env.TEST_LOG as never }) : silentLogger();
  const running = await start(config, { clock, logger });
  const cluster = running.cluster;

  // The parent went away (its test ended or crashed): a node must not outlive it.
  process.on('disconnect', () => process.exit(0));

  const handle = async (r: NodeRequest): Promise<unknown> => {
    switch (r.op) {
      case 'advance':
        if (!manual) throw new Error('this node runs on the system clock');
        manual.advance(r.ms);
        return manual.now();
      case 'settle': {
        let at = 'cluster settled';
        const quiet = (async () => {
          await cluster?.settled();
          at = 'NATS round trip';
          await cluster?.health(); // a NATS round trip: what this node published has gone out
          at = 'planning cycles';
          await running.scheduler.done();
          at = 'cluster settled again';
          await cluster?.settled();
        })();
        // Work that waits for the clock never ends while the parent waits here: a call to a station whose node died
        // waits for its timeout on this manual clock. After STALL_MS of real time the parent moves the clock on.
        let timer: NodeJS.Timeout | undefined;
        const stalled = await Promise.race([
          quiet.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STALL_MS))),
        ]);
        clearTimeout(timer);
        if (stalled && process.env.CHARGEPLAN_NODE_DEBUG) process.stderr.write(`${spec.nodeId}: settle stalled at ${at}\n`);
        return { waiting: running.scheduler.waiting, stalled };
      }
      case 'state':
        return {
          health: cluster ? await cluster.health() : null,
          fences: cluster?.calls.fenceLog() ?? [],
          connected: running.ocpp.connectedCount(),
          cpuUs: process.cpuUsage().user + process.cpuUsage().system,
          rssMb: process.memoryUsage().rss / 2 ** 20,
        };
      case 'close':
        await running.close();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  process.on('message', (m: NodeRequest) => {
    if (process.env.CHARGEPLAN_NODE_DEBUG) process.stderr.write(`${spec.nodeId} <- ${m.op} ${m.id}\n`);
    handle(m).then(
      (value) => send({ id: m.id, ok: true, value }),
      (err: unknown) => send({ id: m.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
    );
  });
  send({ ready: true, ports: running.ports, path: running.config.ocpp.path, now: clock.now() });
}

main().catch((err: unknown) => {
  process.send?.({ ready: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exitCode = 1;
  setImmediate(() => process.exit(1));
});
