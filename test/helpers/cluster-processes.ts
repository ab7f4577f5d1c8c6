/**
 * Product nodes as separate processes (issue 19): each a real `start()` in its own Node.js process
 * (test/helpers/node-process.ts), all on one PostgreSQL schema and the machine's NATS under a subject prefix of
 * their own. `kill()` is kill -9: no graceful stop, no goodbye on NATS, its rows and leases left as a crash leaves
 * them. On a manual clock the parent moves every node's clock in lock step with its own (the simulated stations').
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { NodeRequest, NodeSpec } from './node-process.js';
import type { ClusterHealth } from '../../src/cluster/node.js';
import type { FenceCheck } from '../../src/cluster/station-calls.js';

const ENTRY = fileURLToPath(new URL('./node-process.ts', import.meta.url));
/** A guard against a node that never comes up (a broken build), not a measurement. */
const READY_TIMEOUT_MS = 300_000;

export interface NodeState {
  /** The node's cluster health (as /health shows it); null on the single process. */
  health: ClusterHealth;
  /** Fence checks of calls to the stations it holds, oldest first. */
  fences: FenceCheck[];
  /** Stations connected to this node. */
  connected: number;
  /** The process's CPU time so far (user + system), µs. */
  cpuUs: number;
  rssMb: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

export class NodeProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Promise<number | null>;
  alive = true;

  private constructor(
    readonly nodeId: string,
    private readonly child: ChildProcess,
    readonly ports: { http: number; ocpp: number | null },
    readonly ocppPath: string,
  ) {
    child.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      if (typeof m.id !== 'number') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`node ${nodeId}: ${m.error}`));
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      this.alive = false;
      for (const p of this.pending.values()) p.reject(new Error(`node ${nodeId} exited (code ${code})`));
      this.pending.clear();
      resolve(code);
    }));
  }

  static async fork(spec: NodeSpec): Promise<NodeProcess> {
    const child = fork(ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, CHARGEPLAN_NODE_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ ports: NodeProcess['ports']; path: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`node ${spec.nodeId} did not start within ${READY_TIMEOUT_MS} ms`));
      }, READY_TIMEOUT_MS);
      child.once('message', (m: { ready?: boolean; error?: string; ports: NodeProcess['ports']; path: string }) => {
        clearTimeout(timer);
        if (m.ready) resolve(m);
        else {
          child.kill('SIGKILL');
          reject(new Error(`node ${spec.nodeId} failed to start: ${m.error}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node ${spec.nodeId} exited with ${code} before it was ready`));
      });
    });
    return new NodeProcess(spec.nodeId, child, ready.ports, ready.path);
  }

  request<T = unknown>(r: Distribute<NodeRequest>): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`node ${this.nodeId} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...r, id });
    });
  }

  async state(): Promise<NodeState> {
    return this.request({ op: 'state' });
  }

  /** kill -9: the process ends at once, its sockets are closed by the kernel. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** A graceful stop: the node hands its sites over and closes its stations' sockets. */
  async close(): Promise<void> {
    if (!this.alive) return;
    await this.request({ op: 'close' }).catch(() => {});
    await this.exited;
  }
}

export interface ClusterProcessesOptions {
  database: { url: string; schema: string };
  nats: string;
  leaseSeconds: number;
  config: Record<string, unknown>;
  /** Manual clock from this instant (tests); absent: the system clock. */
  startAt?: string;
}

export class ClusterProcesses {
  readonly subjectPrefix = `test_${randomBytes(4).toString('hex')}`;
  nodes: NodeProcess[] = [];

  constructor(private readonly o: ClusterProcessesOptions) {}

  async start(nodeId: string): Promise<NodeProcess> {
    const node = await NodeProcess.fork({
      nodeId, config: this.o.config, database: this.o.database, nats: this.o.nats, subjectPrefix: this.subjectPrefix,
      leaseSeconds: this.o.leaseSeconds, ...(this.o.startAt ? { startAt: this.o.startAt } : {}),
    });
    this.nodes.push(node);
    return node;
  }

  get alive(): NodeProcess[] {
    return this.nodes.filter((n) => n.alive);
  }

  async advance(ms: number): Promise<void> {
    await Promise.all(this.alive.map((n) => n.request({ op: 'advance', ms })));
  }

  /** Every live node quiet; true when a planning cycle still waits for the clock on one of them. */
  async settle(): Promise<boolean> {
    const answers = await Promise.all(this.alive.map((n) => n.request<{ waiting: boolean }>({ op: 'settle' })));
    return answers.some((a) => a.waiting);
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}
