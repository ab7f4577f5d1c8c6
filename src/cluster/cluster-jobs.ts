/**
 * Work that runs once per cluster (issue 19): price pulls and the clean-up passes. Every node keeps trying the job's
 * lease `job:<name>`; the node that holds it runs the job (start on acquiring, stop on losing), so a job runs on one
 * node at a time and moves to another within a lease period when its node dies, or at once when it stops gracefully
 * (releaseAll). A job must be restartable: started again after a stop, it carries on from the database.
 */
import type { LeaseStore } from '../domain/leases.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { LeaseKeeper } from './lease-keeper.js';

export const JOB_LEASE_PREFIX = 'job:';

export interface ExclusiveJob {
  start(): void;
  stop(): void | Promise<void>;
}

export class ClusterJobs {
  private readonly keeper: LeaseKeeper;
  private readonly jobs = new Map<string, ExclusiveJob>();
  private readonly running = new Set<string>();
  private readonly stopping = new Set<Promise<void>>();
  /** Takeovers and losses since start (for /health). */
  readonly counts = { acquired: 0, lost: 0 };

  constructor(o: { node: string; leases: LeaseStore; clock: Clock; ttlMs: number; logger: Logger }) {
    this.keeper = new LeaseKeeper({
      store: o.leases, clock: o.clock, holder: o.node, ttlMs: o.ttlMs,
      onAcquired: (lease, epoch) => {
        const name = lease.slice(JOB_LEASE_PREFIX.length);
        const job = this.jobs.get(name);
        if (!job || this.running.has(name)) return;
        this.counts.acquired++;
        this.running.add(name);
        o.logger.info({ job: name, epoch }, 'cluster: this node runs the job now');
        job.start();
      },
      onLost: (lease, epoch, reason) => {
        const name = lease.slice(JOB_LEASE_PREFIX.length);
        if (!this.running.delete(name)) return;
        this.counts.lost++;
        if (reason !== 'released') o.logger.warn({ job: name, epoch, reason }, 'cluster: this node lost a job; another takes it');
        const stopped = Promise.resolve(this.jobs.get(name)?.stop()).catch((err: unknown) => o.logger.warn({ err, job: name }, 'cluster: stopping a job failed'));
        this.stopping.add(stopped);
        void stopped.finally(() => this.stopping.delete(stopped));
      },
      onError: (lease, err) => o.logger.warn({ err, lease }, 'cluster: job lease call failed (tried again at the next tick)'),
    });
  }

  /** Runs `job` whenever this node holds its lease. */
  add(name: string, job: ExclusiveJob): void {
    if (this.jobs.has(name)) throw new Error(`cluster job ${name} is already added`);
    this.jobs.set(name, job);
    this.keeper.keep(JOB_LEASE_PREFIX + name);
  }

  /** Another node let go of leases: try the free jobs now. */
  nudge(): void {
    this.keeper.tryFree();
  }

  /** The jobs this node runs now. */
  held(): string[] {
    return [...this.running].sort();
  }

  async idle(): Promise<void> {
    await this.keeper.idle();
    while (this.stopping.size > 0) await Promise.all([...this.stopping]);
  }

  /** Graceful stop: every job stops here and its lease is freed at once, for another node to take. */
  async stop(): Promise<void> {
    await this.keeper.releaseAll();
    await this.idle();
  }
}
