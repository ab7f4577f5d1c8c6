/**
 * One owner per site (issue 19): each site is planned by exactly one node, the holder of the lease `site:<id>` in
 * PostgreSQL, whose fencing epoch rises with every takeover (a stale owner's pushes and plan writes are refused under
 * its old epoch). Sites spread evenly: every rebalance (each third of the lease's ttl, and at once when a node joins
 * or hands over) a node aims at ceil(sites / live nodes); it takes free sites (never taken, released, or expired with
 * their node) while it has fewer, and hands the surplus over while it has more and another node has room. A node that
 * dies loses its sites when their leases expire: within ttl plus one rebalance another node owns them. The same works
 * for jobs that must run once per cluster (`job:<name>`), kept by whichever node takes them.
 */
import type { LeaseStore } from '../domain/leases.js';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { LeaseKeeper, type LeaseLossReason } from './lease-keeper.js';

export const SITE_LEASE_PREFIX = 'site:';

export interface SiteOwnershipOptions {
  node: string;
  leases: LeaseStore;
  clock: Clock;
  ttlMs: number;
  /** Every site id there is now (read at each rebalance). */
  sites: () => readonly string[];
  /** Live nodes, this one included (ClusterNode.nodes). */
  liveNodes: () => Promise<string[]>;
  /** This node now owns the site under `epoch`: plan it, push under this epoch. */
  onOwned: (siteId: string, epoch: number) => void;
  /** This node no longer owns the site (handed over, lost, or the site is gone): stop planning and pushing it. */
  onReleased: (siteId: string, epoch: number, reason: LeaseLossReason) => void;
  /** This node handed sites over (or stopped): tell the others to rebalance now (ClusterNode publishes it on NATS). */
  onHandover?: () => void;
  logger: Logger;
}

export class SiteOwnership {
  private readonly keeper: LeaseKeeper;
  /** Sites this node is trying to take or holds (the keeper's names, without the prefix). */
  private readonly wanted = new Set<string>();
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Takeovers and handovers since start (for /health). */
  readonly counts = { acquired: 0, released: 0, rebalances: 0 };

  constructor(private readonly o: SiteOwnershipOptions) {
    this.keeper = new LeaseKeeper({
      store: o.leases, clock: o.clock, holder: o.node, ttlMs: o.ttlMs,
      onAcquired: (name, epoch) => {
        this.counts.acquired++;
        o.logger.info({ site: siteOf(name), epoch }, 'cluster: this node now plans the site');
        o.onOwned(siteOf(name), epoch);
      },
      onLost: (name, epoch, reason) => {
        this.counts.released++;
        if (reason !== 'released') o.logger.warn({ site: siteOf(name), epoch, reason }, 'cluster: this node lost a site it planned');
        o.onReleased(siteOf(name), epoch, reason);
      },
      onError: (name, err) => o.logger.warn({ err, lease: name }, 'cluster: a site lease call failed (tried again at the next tick)'),
    });
  }

  start(): void {
    this.schedule(0);
  }

  /** The sites this node owns now, with their epochs. */
  owned(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, epoch] of this.keeper.held()) if (name.startsWith(SITE_LEASE_PREFIX)) out.set(siteOf(name), epoch);
    return out;
  }

  /** The epoch under which this node owns the site, or undefined (the fence for its pushes and plan writes). */
  epochOf(siteId: string): number | undefined {
    return this.keeper.epochOf(SITE_LEASE_PREFIX + siteId);
  }

  /** Rebalances now (a node joined or handed its sites over); coalesces with one under way. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer?.cancel();
    this.schedule(0);
  }

  /** Resolves once no rebalance and no lease call is under way (tests after moving the clock). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
    await this.keeper.idle();
  }

  /** Graceful stop: every site is handed over at once (released, so another node takes it without waiting for the ttl). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
    const had = this.owned().size;
    await this.keeper.releaseAll();
    if (had > 0) this.o.onHandover?.();
  }

  private schedule(ms: number): void {
    this.timer = this.o.clock.setTimer(ms, () => {
      this.timer = null;
      if (this.stopped) return;
      this.running = this.rebalance()
        .catch((err: unknown) => this.o.logger.warn({ err }, 'cluster: rebalancing sites failed (tried again at the next round)'))
        .finally(() => {
          this.running = null;
          if (this.stopped) return;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : Math.max(1, Math.floor(this.o.ttlMs / 3)));
        });
    });
  }

  private async rebalance(): Promise<void> {
    this.counts.rebalances++;
    // A few passes: a free site another node took in the same moment is given up and the next free one tried.
    for (let pass = 0; pass < 3; pass++) if (!(await this.pass())) return;
  }

  /** One look at the lease table and the moves it calls for; true when another pass could take more. */
  private async pass(): Promise<boolean> {
    const now = this.o.clock.now();
    const all = [...new Set(this.o.sites())].sort();
    const exists = new Set(all);
    const live = new Set(await this.o.liveNodes());
    live.add(this.o.node);
    const records = new Map((await this.o.leases.list()).filter((l) => l.name.startsWith(SITE_LEASE_PREFIX)).map((l) => [siteOf(l.name), l]));
    // Sites that are gone: stop at once.
    for (const site of [...this.wanted]) if (!exists.has(site)) await this.letGo(site);
    const heldBy = (site: string): string | null => {
      const r = records.get(site);
      return r && r.holder !== null && Date.parse(r.expiresAt) > now && live.has(r.holder) ? r.holder : null;
    };
    // Attempts at sites that another live node holds now are given up (they would only wait for its death).
    for (const site of [...this.wanted]) {
      const holder = heldBy(site);
      if (holder !== null && holder !== this.o.node && this.epochOf(site) === undefined) await this.letGo(site);
    }
    const owned = [...this.owned().keys()].filter((s) => exists.has(s));
    const perNode = new Map<string, number>([...live].map((n) => [n, 0]));
    for (const s of all) {
      const h = heldBy(s);
      if (h !== null) perNode.set(h, (perNode.get(h) ?? 0) + 1);
    }
    perNode.set(this.o.node, owned.length);
    // Every node ends with floor or ceil of sites / nodes.
    const low = Math.floor(all.length / live.size);
    const high = Math.ceil(all.length / live.size);
    const others = [...live].filter((n) => n !== this.o.node);
    const room = others.reduce((sum, n) => sum + Math.max(0, high - (perNode.get(n) ?? 0)), 0);
    const starving = others.some((n) => (perNode.get(n) ?? 0) < low);
    let surplus = Math.min(owned.length - high, room);
    if (surplus <= 0 && owned.length === high && high > low && starving) surplus = 1;
    if (surplus > 0) {
      // Hand over the last ones in this node's order (others take them at their next rebalance, or at once when nudged).
      for (const site of owned.slice(owned.length - surplus)) await this.letGo(site);
      this.o.onHandover?.();
      return false;
    }
    const pending = [...this.wanted].filter((s) => this.epochOf(s) === undefined).length;
    let deficit = high - owned.length - pending;
    // Free sites in a node-specific order, so that nodes starting together seldom race for the same one.
    const free = all.filter((s) => heldBy(s) === null && !this.wanted.has(s));
    free.sort((a, b) => hashOrder(this.o.node, a) - hashOrder(this.o.node, b));
    let tried = 0;
    for (const site of free) {
      if (deficit <= 0) break;
      this.wanted.add(site);
      this.keeper.keep(SITE_LEASE_PREFIX + site);
      deficit--;
      tried++;
    }
    await this.keeper.idle();
    return tried > 0 && [...this.wanted].some((s) => this.epochOf(s) === undefined);
  }

  private async letGo(site: string): Promise<void> {
    this.wanted.delete(site);
    await this.keeper.drop(SITE_LEASE_PREFIX + site);
  }
}

function siteOf(name: string): string {
  return name.slice(SITE_LEASE_PREFIX.length);
}

/** A stable per-node order of site ids (FNV-1a of node and site). */
function hashOrder(node: string, site: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${node}\u0000${site}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
