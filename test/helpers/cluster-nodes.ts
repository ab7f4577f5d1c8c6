/**
 * Several real product nodes in one test process (issue 19): one fresh database (a PostgreSQL schema under
 * `npm run test:postgres`), one manual clock, the machine's NATS under a subject prefix of this cluster, and the
 * stations the test connects; `close()` ends them all and drops the database.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestServer, type TestServer } from './test-server.js';
import { testDatabase, type TestDatabase } from './test-database.js';
import { ManualClock } from '../../src/platform/clock.js';

export const NATS = process.env.CHARGEPLAN_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export class ClusterNodes {
  nodes: TestServer[] = [];
  readonly clock: ManualClock;
  readonly subjectPrefix = `test_${randomBytes(4).toString('hex')}`;
  private readonly sockets: { terminate(): void }[] = [];

  private constructor(readonly database: TestDatabase, start: string) {
    this.clock = new ManualClock(start);
  }

  static async create(start = '2026-12-06T12:00:00Z'): Promise<ClusterNodes> {
    return new ClusterNodes(await testDatabase(), start);
  }

  /** Starts a node on the shared database and clock; `config` is merged under its cluster settings. */
  async start(nodeId: string, config: Record<string, unknown> = {}, leaseSeconds = 10): Promise<TestServer> {
    const node = await startTestServer(
      { ...config, cluster: { nats: NATS, nodeId, subjectPrefix: this.subjectPrefix, leaseSeconds } } as never,
      { database: this.database, clock: this.clock },
    );
    this.nodes.push(node);
    return node;
  }

  /**
   * Moves the shared clock in 2 s steps, `rounds` times, each time until every node is quiet: cycles done, lease and
   * presence work done, NATS flushed (a health call is a NATS round trip: what was published has arrived).
   */
  async settle(rounds = 3): Promise<void> {
    for (let k = 0; k < rounds; k++) {
      this.clock.advance(2_000);
      for (let i = 0; i < 2; i++) {
        for (const n of this.nodes) {
          const node = n.running.cluster!.node;
          await bounded(`${node}: cluster.settled()`, n.running.cluster!.settled());
          await bounded(`${node}: cluster.health()`, n.running.cluster!.health());
          await bounded(`${node}: scheduler.done()`, n.running.scheduler.done());
        }
      }
    }
  }

  /** A station socket (or anything with terminate()) that close() cuts. */
  track<T extends { terminate(): void }>(socket: T): T {
    this.sockets.push(socket);
    return socket;
  }

  /** The node stops gracefully and is no longer one of the cluster's. */
  async stop(node: TestServer): Promise<void> {
    await node.running.close();
    this.nodes = this.nodes.filter((n) => n !== node);
  }

  async close(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.terminate();
    for (const n of this.nodes.splice(0).reverse()) await n.running.close();
    await this.database.drop();
  }
}

/**
 * Waits for `work`, failing after 30 s with what it waited for: a cluster test that hangs (CI, stop 28: the alerts
 * test sat 180 s at its timeout with no PostgreSQL session waiting) then says which node and which wait held it.
 * A bound on real time, not a sleep: the timer is cleared as soon as the work resolves.
 */
export async function bounded<T>(what: string, work: Promise<T>, ms = 30_000): Promise<T> {
  const ac = new AbortController();
  try {
    return await Promise.race([
      work,
      delay(ms, undefined, { signal: ac.signal, ref: false }).then(() => { throw new Error(`still waiting after ${ms / 1000} s for ${what}`); }),
    ]);
  } finally {
    ac.abort();
  }
}

export { callFailure } from './call-failure.js';
