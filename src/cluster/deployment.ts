/**
 * What may share one PostgreSQL database (issue 19): either one node without NATS (today's single process on a
 * server database), or any number of nodes that all have `cluster.nats`. Two nodes without NATS would each plan every
 * site and push to chargers they cannot reach, so the second is refused at start, as is a mix of the two kinds. The
 * single node proves it is alone with a lease of its own ('deployment:single-node'), renewed while it runs, so a
 * node that died frees the database within the lease's ttl.
 */
import type { LeaseStore } from '../domain/leases.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { LeaseKeeper } from './lease-keeper.js';
import { NODE_LEASE_PREFIX } from './node.js';

export const SINGLE_NODE_LEASE = 'deployment:single-node';

/** The database is in use by a node of the other kind, or by another single node; the message says what to set. */
export class DeploymentError extends Error {
  override readonly name = 'DeploymentError';
}

export interface DeploymentCheck {
  leases: LeaseStore;
  clock: Clock;
  /** This node's name (the lease's holder). */
  node: string;
  /** Whether this node runs with cluster.nats. */
  clustered: boolean;
  ttlMs: number;
  logger: Logger;
}

/**
 * Refuses a start that would break the rule above. A single node gets back the keeper of its lease (stop it with
 * releaseAll on a graceful stop); a clustered node gets null (its own node lease is kept by ClusterNode).
 */
export async function claimDeployment(c: DeploymentCheck): Promise<LeaseKeeper | null> {
  const now = c.clock.now();
  const live = (await c.leases.list()).filter((l) => l.holder !== null && Date.parse(l.expiresAt) > now);
  const nodes = live.filter((l) => l.name.startsWith(NODE_LEASE_PREFIX) && l.holder !== c.node);
  const single = live.find((l) => l.name === SINGLE_NODE_LEASE && l.holder !== c.node);
  const waitS = (iso: string) => Math.ceil((Date.parse(iso) - now) / 1000);
  if (c.clustered) {
    if (single) {
      throw new DeploymentError(`database: a node without cluster.nats (${single.holder}) runs on this database; ` +
        `set cluster.nats on every node to run several, or stop that one (its claim ends within ${waitS(single.expiresAt)} s of its stop)`);
    }
    return null;
  }
  if (nodes.length > 0) {
    throw new DeploymentError(`database: a cluster runs on this database (nodes ${nodes.map((l) => l.holder).join(', ')}); ` +
      'set cluster.nats to join it: PostgreSQL without NATS serves one node only');
  }
  const lease = await c.leases.acquire(SINGLE_NODE_LEASE, c.node, c.ttlMs, now);
  if (!lease) {
    const holder = await c.leases.current(SINGLE_NODE_LEASE);
    throw new DeploymentError(`database: another node without cluster.nats (${holder?.holder ?? 'unknown'}) runs on this database; ` +
      `PostgreSQL without NATS serves one node only: set cluster.nats on every node to run several (if that node died, its claim ends within ${holder ? waitS(holder.expiresAt) : c.ttlMs / 1000} s)`);
  }
  const keeper = new LeaseKeeper({
    store: c.leases, clock: c.clock, holder: c.node, ttlMs: c.ttlMs,
    onLost: (name, epoch, reason) => { if (reason !== 'released') c.logger.error({ lease: name, epoch, reason }, 'deployment: this node lost its single-node claim on the database'); },
    onError: (name, err) => c.logger.warn({ err, lease: name }, 'deployment: renewing the single-node claim failed (tried again at the next tick)'),
  });
  keeper.keep(SINGLE_NODE_LEASE); // its first attempt extends the lease just taken (same holder, same epoch)
  await keeper.idle();
  if (keeper.epochOf(SINGLE_NODE_LEASE) === undefined) {
    await keeper.releaseAll();
    throw new DeploymentError('database: another node without cluster.nats claimed this database at the same moment; PostgreSQL without NATS serves one node only');
  }
  return keeper;
}
