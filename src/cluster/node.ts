/**
 * One node of a cluster (issue 19): equal nodes on one PostgreSQL database and one NATS. This composes what a node
 * does for the others: it keeps its own lease `node:<id>` (other nodes see it alive while it renews), answers calls
 * for the stations whose sockets it holds, and tells the others when it accepts a station. Site ownership and events
 * across nodes build on it.
 */
import type { CallFailure, ClusterStatus, ClusterStatusSource, LocalStations, PresenceStore } from '../domain/cluster.js';
import type { LeaseStore } from '../domain/leases.js';
import type { OcppEvents } from '../domain/ocpp-events.js';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { LeaseKeeper } from './lease-keeper.js';
import { ClusterJobs, type ExclusiveJob } from './cluster-jobs.js';
import { ClusterPresence } from './presence.js';
import { ClusterCalls, type Fence } from './station-calls.js';
import { SITE_LEASE_PREFIX, SiteOwnership } from './site-ownership.js';
import type { ClusterTransport, Subjects } from './transport.js';

export const NODE_LEASE_PREFIX = 'node:';

type PresenceEvent = 'station.connected' | 'station.disconnected';

export interface ClusterNodeOptions {
  node: string;
  transport: ClusterTransport;
  subjects: Subjects;
  leases: LeaseStore;
  presence: PresenceStore;
  local: LocalStations;
  failure: (f: CallFailure) => Error;
  clock: Clock;
  /** How long a node counts as alive without renewing (its stations' rows and its sites are judged by it). */
  leaseTtlMs: number;
  /** The OCPP call timeout: a remote call waits this plus a margin for the trip. */
  callTimeoutMs: number;
  /** The node's own event bus (the OCPP server's station.connected / station.disconnected). */
  on: <K extends PresenceEvent>(event: K, fn: (e: OcppEvents[K]) => void) => () => void;
  logger: Logger;
}

/** What the node's scheduler gives the site ownership: every site there is, and where owned ones go. */
export interface OwnedSitesSink {
  /** Every site id there is now. */
  sites: () => readonly string[];
  /** The sites this node owns now (replaces the last set). */
  setOwned: (siteIds: ReadonlySet<string>) => void;
}

/** /health's view of the node (domain/cluster.ts ClusterStatus). */
export type ClusterHealth = ClusterStatus;

/** Margin over the station's call timeout for the trip to the holding node and back. */
const TRIP_MARGIN_MS = 2_000;

export class ClusterNode implements ClusterStatusSource {
  readonly calls: ClusterCalls;
  readonly presence: ClusterPresence;
  private readonly keeper: LeaseKeeper;
  private readonly offs: (() => void)[] = [];
  private stopped = false;
  private refreshTimer: TimerHandle | null = null;
  private ownership: SiteOwnership | null = null;
  private jobs: ClusterJobs | null = null;
  private readonly repeating = new Set<{ timer: TimerHandle | null; run: Promise<void> | null }>();
  private refreshing: Promise<void> | null = null;

  /** This node's name in leases, presence and logs. */
  get node(): string {
    return this.o.node;
  }

  private constructor(private readonly o: ClusterNodeOptions) {
    const onError = (err: unknown, where: string) => o.logger.warn({ err, where, node: o.node }, 'cluster: a step failed');
    this.calls = new ClusterCalls({
      transport: o.transport, subjects: o.subjects, node: o.node, local: o.local, leases: o.leases, failure: o.failure,
      remoteTimeoutMs: o.callTimeoutMs + TRIP_MARGIN_MS, clock: o.clock, onError,
    });
    this.presence = new ClusterPresence({
      transport: o.transport, subjects: o.subjects, node: o.node, local: o.local, calls: this.calls, store: o.presence, onError,
      onReplaced: (stationId, byNode) => o.logger.info({ station: stationId, node: byNode }, 'station reconnected to another node: closing the older connection here'),
    });
    this.keeper = new LeaseKeeper({
      store: o.leases, clock: o.clock, holder: o.node, ttlMs: o.leaseTtlMs,
      onLost: (name, epoch, reason) => { if (!this.stopped) o.logger.error({ lease: name, epoch, reason }, 'cluster: this node lost its own lease (paused too long, or the database is unreachable)'); },
      onError: (name, err) => o.logger.warn({ err, lease: name }, 'cluster: lease renewal failed (tried again at the next tick)'),
    });
  }

  /** Joins the cluster: rows this node left when it last stopped are cleared, then it keeps its lease and listens. */
  static async start(o: ClusterNodeOptions): Promise<ClusterNode> {
    const node = new ClusterNode(o);
    const stale = await o.presence.clearNode(o.node);
    if (stale > 0) o.logger.info({ node: o.node, stale }, 'cluster: cleared presence rows this node left behind');
    node.keeper.keep(NODE_LEASE_PREFIX + o.node);
    await node.presence.start(new Set(await node.nodes()));
    node.scheduleRefresh();
    node.offs.push(
      o.on('station.connected', (e) => node.presence.connected(e.stationId, e.at)),
      o.on('station.disconnected', (e) => node.presence.disconnected(e.stationId)),
    );
    return node;
  }

  /**
   * Starts owning sites (after the scheduler exists): this node plans the sites whose lease it holds, spread evenly
   * over the live nodes; a node that hands sites over or stops tells the others on NATS so they take them at once.
   */
  ownSites(sink: OwnedSitesSink): SiteOwnership {
    if (this.ownership) return this.ownership;
    const handover = this.o.subjects.event('sites.handover');
    const publish = () => this.o.transport.publish(handover, { node: this.o.node });
    const ownership = new SiteOwnership({
      node: this.o.node, leases: this.o.leases, clock: this.o.clock, ttlMs: this.o.leaseTtlMs,
      sites: sink.sites, liveNodes: () => this.nodes(),
      onOwned: () => sink.setOwned(new Set(ownership.owned().keys())),
      onReleased: () => sink.setOwned(new Set(ownership.owned().keys())),
      onHandover: publish,
      logger: this.o.logger,
    });
    this.ownership = ownership;
    sink.setOwned(new Set());
    this.offs.push(this.o.transport.subscribe(handover, (body) => {
      if ((body as { node?: unknown } | null)?.node === this.o.node) return;
      ownership.nudge();
      this.jobs?.nudge();
    }));
    ownership.start();
    // A node that joins makes the others rebalance now rather than at their next round.
    publish();
    return ownership;
  }

  /**
   * An event every node acts on (issue 19: scheduler triggers from the node that holds a station's socket reach the
   * node that plans its site): `deliver` runs for this node's own events as they happen and for the others' as they
   * arrive over NATS. The database stays the truth: an event lost on the way costs at most a re-plan at the next slot.
   */
  relay<T>(name: string, subscribeLocal: (fn: (e: T) => void) => unknown, deliver: (e: T) => void): void {
    const subject = this.o.subjects.event(name);
    subscribeLocal((e) => {
      deliver(e);
      this.o.transport.publish(subject, { from: this.o.node, e });
    });
    this.offs.push(this.o.transport.subscribe(subject, (body) => {
      const b = body as { from?: unknown; e?: unknown } | null;
      if (!b || b.from === this.o.node || typeof b.e !== 'object' || b.e === null) return;
      this.counts.relayed++;
      deliver(b.e as T);
    }));
  }

  /**
   * Another node's events of `name` (what it relays or mirrors), delivered here; with `publishLocal`, this node's own
   * events of that name go out too. For the live page stream: a fleet manager on node C sees plans made on node B.
   */
  mirror<T>(name: string, publishLocal: ((fn: (e: T) => void) => unknown) | null, deliverRemote: (e: T) => void): void {
    const subject = this.o.subjects.event(name);
    publishLocal?.((e) => this.o.transport.publish(subject, { from: this.o.node, e }));
    this.offs.push(this.o.transport.subscribe(subject, (body) => {
      const b = body as { from?: unknown; e?: unknown } | null;
      if (!b || b.from === this.o.node || typeof b.e !== 'object' || b.e === null) return;
      deliverRemote(b.e as T);
    }));
  }

  /** A re-plan asked for on this node (a person's change) of a site another node plans: sent to that node. */
  relayTrigger(siteId: string, reason: string, leading: boolean): void {
    this.o.transport.publish(this.o.subjects.event('site.trigger'), { from: this.o.node, siteId, reason, leading });
  }

  /** Re-plans other nodes asked for: delivered here whatever the site (the scheduler ignores sites it does not plan). */
  onTriggers(deliver: (siteId: string, reason: string, leading: boolean) => void): void {
    this.offs.push(this.o.transport.subscribe(this.o.subjects.event('site.trigger'), (body) => {
      const b = body as { from?: unknown; siteId?: unknown; reason?: unknown; leading?: unknown } | null;
      if (!b || b.from === this.o.node || typeof b.siteId !== 'string' || typeof b.reason !== 'string') return;
      this.counts.relayed++;
      deliver(b.siteId, b.reason.slice(0, 100), b.leading === true);
    }));
  }

  /**
   * Runs `task` every `everyMs` on the node's clock until the node stops (one run at a time; a failure is logged and
   * the next run comes at its time). For state every node keeps a copy of, read again from the database.
   */
  repeat(name: string, everyMs: number, task: () => Promise<void>): void {
    const job: { timer: TimerHandle | null; run: Promise<void> | null } = { timer: null, run: null };
    const next = () => {
      job.timer = this.o.clock.setTimer(everyMs, () => {
        job.timer = null;
        if (this.stopped) return;
        job.run = task()
          .catch((err: unknown) => this.o.logger.warn({ err, job: name }, 'cluster: a periodic step failed (tried again at its next time)'))
          .finally(() => {
            job.run = null;
            if (!this.stopped) next();
          });
      });
    };
    this.repeating.add(job);
    next();
  }

  /**
   * Runs `job` on one node of the cluster at a time (price pulls, clean-up): the node holding the lease `job:<name>`
   * starts it, and another takes it over when that node stops or dies.
   */
  exclusive(name: string, job: ExclusiveJob): void {
    this.jobs ??= new ClusterJobs({ node: this.o.node, leases: this.o.leases, clock: this.o.clock, ttlMs: this.o.leaseTtlMs, logger: this.o.logger });
    this.jobs.add(name, job);
  }

  /** Events received from other nodes, since start. */
  readonly counts = { relayed: 0 };

  /** The fence for a push to a charger of `siteId`: the site's lease and the epoch this node holds it under. */
  fenceFor(siteId: string): Fence | null {
    const epoch = this.ownership?.epochOf(siteId);
    return epoch === undefined ? null : { lease: SITE_LEASE_PREFIX + siteId, epoch };
  }

  /** Every half ttl: what nodes that died held is forgotten (their stations reconnect elsewhere and are announced). */
  private scheduleRefresh(): void {
    this.refreshTimer = this.o.clock.setTimer(Math.max(1, Math.floor(this.o.leaseTtlMs / 2)), () => {
      this.refreshTimer = null;
      if (this.stopped) return;
      this.refreshing = this.nodes()
        .then((live) => {
          const forgotten = this.presence.forgetNodesExcept(new Set(live));
          if (forgotten > 0) this.o.logger.info({ forgotten, live }, 'cluster: forgot the stations of nodes that are no longer alive');
        })
        .catch((err: unknown) => this.o.logger.warn({ err }, 'cluster: reading the live nodes failed (tried again at the next refresh)'))
        .finally(() => {
          this.refreshing = null;
          if (!this.stopped) this.scheduleRefresh();
        });
    });
  }

  /** Live nodes as the lease table says now. */
  async nodes(): Promise<string[]> {
    const now = this.o.clock.now();
    const leases = await this.o.leases.list();
    return leases
      .filter((l) => l.name.startsWith(NODE_LEASE_PREFIX) && l.holder !== null && Date.parse(l.expiresAt) > now)
      .map((l) => l.name.slice(NODE_LEASE_PREFIX.length))
      .sort();
  }

  async health(): Promise<ClusterHealth> {
    const epoch = this.keeper.epochOf(NODE_LEASE_PREFIX + this.o.node) ?? null;
    return {
      node: this.o.node,
      nodes: await this.nodes(),
      stationsHeld: this.presence.heldCount(),
      calls: { ...this.calls.counts },
      replaced: this.presence.replaced,
      natsRttMs: await this.o.transport.rtt(),
      lease: { held: epoch !== null, epoch },
      sites: {
        owned: Object.fromEntries(this.ownership?.owned() ?? []),
        acquired: this.ownership?.counts.acquired ?? 0,
        released: this.ownership?.counts.released ?? 0,
      },
      jobs: this.jobs?.held() ?? [],
    };
  }

  /** Resolves once presence writes and lease calls so far are done (tests, and before the database closes). */
  async settled(): Promise<void> {
    await this.presence.settled();
    await this.keeper.idle();
    await this.refreshing;
    await this.ownership?.settled();
    await this.jobs?.idle();
    for (const job of this.repeating) await job.run;
  }

  /**
   * Graceful stop, before the OCPP server closes its sockets: this node stops answering for its stations and removes
   * its rows, gives up its lease at once, and drains NATS (answers in flight are sent).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.refreshTimer?.cancel();
    await this.refreshing;
    for (const job of this.repeating) {
      job.timer?.cancel();
      await job.run;
    }
    // Jobs, then sites: handed over at once (released, then the others told) while this node can still answer.
    const hadJobs = (this.jobs?.held().length ?? 0) > 0;
    await this.jobs?.stop();
    if (hadJobs) this.o.transport.publish(this.o.subjects.event('sites.handover'), { node: this.o.node });
    await this.ownership?.stop();
    for (const off of this.offs.splice(0)) off();
    await this.presence.stop();
    await this.keeper.releaseAll();
    await this.o.transport.close();
  }
}
