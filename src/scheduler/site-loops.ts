/**
 * The set of sites and one planning loop per site planned here (issue 16: sites change at run time; issue 19: in a
 * cluster only the sites this node owns are planned): loops start, re-plan with new timing, stop, and triggers reach
 * the loop of their site, or its owner on another node. What a cycle does is PlanningLoop's (planning-loop.ts).
 */
import type { StationDirectory } from '../domain/ports.js';
import type { PlanRecord } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import type { Clock } from '../platform/clock.js';
import { SiteIndex } from './sites.js';
import { SiteLoop } from './site-loop.js';

export interface SiteLoopsDeps {
  sites: readonly Site[];
  stations: StationDirectory;
  clock: Clock;
  random: () => number;
}

export abstract class SiteLoops {
  private siteIndex: SiteIndex;
  private readonly loops = new Map<string, SiteLoop>();
  /** Loops of removed sites until their running cycle has finished (done() waits for them too). */
  private readonly retiring = new Set<SiteLoop>();
  private started = false;
  /** Stations to reconcile (GetChargingProfiles, re-push, default profile) in their site's next cycle. */
  protected readonly reconcile = new Set<string>();
  /** Each site's latest plan as this process made or read it. */
  protected readonly latest = new Map<string, PlanRecord>();
  /** Event handling still under way (its store reads): done() waits for it as for the cycles. */
  protected readonly pending = new Set<Promise<void>>();

  constructor(protected readonly deps: SiteLoopsDeps) {
    this.siteIndex = new SiteIndex(deps.sites);
  }

  /** One planning cycle of the site (snapshot, plan, store, push). */
  protected abstract cycle(site: Site, reasons: string[]): Promise<void>;
  /** A cycle failed; the loop retries at `retryAt`. */
  protected abstract cycleFailed(site: Site, err: unknown, retryAt: number): Promise<void>;

  /** The sites planned now (replaced whole by setSites: hold on to it only for one step). */
  get index(): SiteIndex {
    return this.siteIndex;
  }

  start(): void {
    this.started = true;
    // After a restart: plans and pushes are in the database; re-plan from them and reconcile as stations return.
    for (const site of this.index.sites) if (this.plans(site.id)) this.startLoop(site, 'start');
  }

  // ---- which sites this process plans (issue 19): all of them alone, the ones it owns in a cluster ----

  /** null: every site (one process); otherwise only these (the sites whose lease this node holds). */
  private ownedSites: ReadonlySet<string> | null = null;

  protected plans(siteId: string): boolean {
    return this.ownedSites === null || this.ownedSites.has(siteId);
  }

  /**
   * Plans only `ids` from now on (null: every site). A site that became ours starts its loop, plans at once and
   * reconciles its connected chargers (another node planned it until now); one that is no longer ours stops planning
   * (a cycle under way finishes; its pushes are refused by the charger's node under the old epoch anyway).
   */
  setOwned(ids: ReadonlySet<string> | null): { gained: string[]; lost: string[] } {
    this.ownedSites = ids === null ? null : new Set(ids);
    const gained: string[] = [];
    const lost: string[] = [];
    for (const site of this.index.sites) {
      const loop = this.loops.get(site.id);
      if (this.plans(site.id) && !loop) {
        gained.push(site.id);
        if (!this.started) continue;
        for (const e of site.evses) if (this.deps.stations.isConnected(e.stationId)) this.reconcile.add(e.stationId);
        this.startLoop(site, 'site-owned');
      } else if (!this.plans(site.id) && loop) {
        lost.push(site.id);
        this.retire(site.id);
      }
    }
    return { gained, lost };
  }

  private retire(siteId: string): void {
    const loop = this.loops.get(siteId);
    this.loops.delete(siteId);
    this.latest.delete(siteId);
    if (!loop) return;
    loop.stop();
    this.retiring.add(loop);
    void loop.done().then(() => this.retiring.delete(loop));
  }

  stop(): void {
    this.started = false;
    for (const loop of this.loops.values()) loop.stop();
  }

  // ---- the set of sites (issue 16): a replaceable input, loaded once per change, never read during planning ----

  /**
   * Replaces the set of sites planned here (checked sites: resolveSites/checkSite; the caller makes sure each EVSE is
   * on one site). A new site starts its loop and plans; a changed one (any field) re-plans with its new limits and
   * timing; a removed one stops planning (a cycle under way finishes). The connected stations of a new or changed
   * site are reconciled in its next cycle (its default profile, what they hold). What changed is returned.
   */
  setSites(sites: readonly Site[]): { added: string[]; changed: string[]; removed: string[] } {
    const before = this.siteIndex;
    this.siteIndex = new SiteIndex(sites);
    const added: string[] = [];
    const changed: string[] = [];
    const removed = before.sites.filter((s) => !this.siteIndex.site(s.id)).map((s) => s.id);
    for (const id of removed) this.retire(id);
    for (const site of sites) {
      const old = before.site(site.id);
      if (old && JSON.stringify(old) === JSON.stringify(site)) continue;
      (old ? changed : added).push(site.id);
      if (!this.started || !this.plans(site.id)) continue;
      for (const e of site.evses) if (this.deps.stations.isConnected(e.stationId)) this.reconcile.add(e.stationId);
      const loop = this.loops.get(site.id);
      if (loop) {
        loop.reconfigure({ debounceMs: site.policy.debounceSeconds * 1000, slotMs: site.slotMinutes * 60_000 });
        loop.trigger('site-changed', { leading: true });
      } else {
        this.startLoop(site, 'site-added');
      }
    }
    return { added, changed, removed };
  }

  /** Adds or replaces one site (setSites with the others unchanged). */
  upsertSite(site: Site): ReturnType<SiteLoops['setSites']> {
    const sites = this.index.sites;
    const k = sites.findIndex((s) => s.id === site.id);
    return this.setSites(k < 0 ? [...sites, site] : sites.map((s, i) => (i === k ? site : s)));
  }

  /** Stops planning the site (setSites without it); false when it was not planned here. */
  removeSite(siteId: string): boolean {
    return this.setSites(this.index.sites.filter((s) => s.id !== siteId)).removed.length > 0;
  }

  private startLoop(site: Site, reason: string): void {
    const id = site.id;
    // Each cycle plans the site as it is then (an edit replaces it in the index between cycles).
    const current = () => this.index.site(id);
    const loop = new SiteLoop({
      clock: this.deps.clock,
      debounceMs: site.policy.debounceSeconds * 1000,
      slotMs: site.slotMinutes * 60_000,
      random: this.deps.random,
      cycle: async (reasons) => {
        const now = current();
        if (now) await this.cycle(now, reasons);
      },
      onError: (err, retryAt) => this.cycleFailed(current() ?? site, err, retryAt),
    });
    this.loops.set(id, loop);
    loop.start();
    loop.trigger(reason, reason === 'start' ? {} : { leading: true });
  }

  /** A trigger for the site at `wake.atMs` (SiteLoop.wakeAt); null clears it. */
  protected wakeAt(siteId: string, wake: { atMs: number; reason: string } | null): void {
    this.loops.get(siteId)?.wakeAt(wake);
  }

  /** Resolves when no site's cycle is running and no event is being handled (work either starts meanwhile is awaited too). */
  async done(): Promise<void> {
    const loops = () => [...this.loops.values(), ...this.retiring];
    while (this.pending.size > 0 || loops().some((l) => l.busy)) {
      await Promise.all([...this.pending, ...loops().map((l) => l.done())]);
    }
  }

  /** True when some site has a cycle due after its debounce or retry timer. */
  get waiting(): boolean {
    return [...this.loops.values()].some((l) => l.waiting);
  }

  /** `leading`: plan at once when the loop is free rather than after the debounce (a new session's first plan). */
  trigger(siteId: string, reason: string, opts: { leading?: boolean; relayed?: boolean } = {}): void {
    const loop = this.loops.get(siteId);
    if (loop) loop.trigger(reason, opts.leading ? { leading: true } : {});
    // A trigger that came from another node is never sent on again (no ping-pong while a site has no owner).
    else if (!opts.relayed && this.siteIndex.site(siteId)) this.elsewhere?.(siteId, reason, opts);
  }

  /** Where a trigger for a site planned by another node goes (issue 19: NATS to its owner); none on one process. */
  private elsewhere: ((siteId: string, reason: string, opts: { leading?: boolean }) => void) | null = null;

  relayTriggers(to: (siteId: string, reason: string, opts: { leading?: boolean }) => void): void {
    this.elsewhere = to;
  }
}
