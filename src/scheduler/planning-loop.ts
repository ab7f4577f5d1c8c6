import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { StationDirectory } from '../domain/ports.js';
import type { ChargerCompliance, ChargerGateway, DecisionRecord, DecisionStore, PlanRecord, PlanStore, PowerPeriod, ProfileStore } from '../domain/plans.js';
import type { CapacityLimitStore, SitePriceProvider } from '../domain/prices.js';
import type { Site } from '../domain/sites.js';
import type { SessionAnnotationStore, TransactionRecord, TransactionStore } from '../domain/stations.js';
import type { AssignmentStore, TargetStore, VehicleStore } from '../domain/vehicles.js';
import { planSite, type CycleResult } from './planner.js';
import { SiteIndex } from './sites.js';
import { SiteLoop } from './site-loop.js';
import type { SessionStores } from './sessions.js';
import { pushCycle, reconcileStation, type SchedulerEventSink } from './push-cycle.js';
import { checkMeter } from './verify.js';
import { SiteArrivals } from './arrivals.js';
import { SiteDemandPeaks, type DemandChargeTerms } from './demand-peak.js';
import { loadCycleSnapshot, type SnapshotSources } from './snapshot.js';
import { KeyedSerial } from './serial.js';
import { boostKey } from './charge-now.js';

export interface SchedulerStores extends SessionStores {
  /** Also where the scheduler records a session's car and boost (migration 0005) and finds sessions by period. */
  transactions: Pick<TransactionStore, 'activeOnEvse' | 'activeOnEvses' | 'active' | 'get' | 'between'> & SessionAnnotationStore;
  vehicles: VehicleStore;
  targets: TargetStore;
  assignments: AssignmentStore;
  plans: PlanStore;
  profiles: ProfileStore;
  decisions: DecisionStore;
}

export interface SchedulerDeps {
  sites: readonly Site[];
  stores: SchedulerStores;
  gateway: ChargerGateway;
  prices: SitePriceProvider;
  capacity?: Pick<CapacityLimitStore, 'limits'> | undefined;
  stations: StationDirectory;
  events: SchedulerEventSink;
  clock: Clock;
  logger: Logger;
  random: () => number;
  monotonicMs: () => number;
  /** The price zone a tariff reads, so new prices re-plan only the sites they concern (null: a static tariff). */
  tariffZone?: ((tariff: string) => string | null) | undefined;
  /** A tariff's demand charge (prices.tariffs.*.demandCharge), null when it has none (issue 21). */
  tariffDemand?: ((tariff: string) => DemandChargeTerms | null) | undefined;
}

/**
 * The planning loop: events become triggers, each site plans on its own loop (one cycle at a time), a cycle reads
 * its snapshot once (snapshot.ts), plans with pure functions (planner.ts), stores the plan and pushes it to the
 * chargers; what the chargers really do comes back as compliance and re-plans. Scheduler (scheduler.ts) adds the
 * surface people use.
 */
export class PlanningLoop {
  private siteIndex: SiteIndex;
  private readonly loops = new Map<string, SiteLoop>();
  /** Loops of removed sites until their running cycle has finished (done() waits for them too). */
  private readonly retiring = new Set<SiteLoop>();
  private started = false;
  /** Stations to reconcile (GetChargingProfiles, re-push, default profile) in their site's next cycle. */
  private readonly reconcile = new Set<string>();
  /** Lower limits a charger reported through its composite schedule, per transaction. */
  private readonly caps = new Map<string, PowerPeriod[]>();
  /** The id token each active transaction was last seen with, to notice a car identified after it started. */
  private readonly tokens = new Map<string, string | null>();
  private readonly latest = new Map<string, PlanRecord>();
  /** Sessions whose car stopped drawing while offered power (`${stationId}#${transactionId}`): done until it charges again. */
  private readonly stopped = new Set<string>();
  /** The chargingState each active transaction was last seen with, to notice a car that starts charging again. */
  private readonly chargingStates = new Map<string, string | null>();
  /** Event handling still under way (its store reads): done() waits for it as for the cycles. */
  private readonly pending = new Set<Promise<void>>();
  /** Read-then-write steps on one charger's status or one session's boost, one at a time. */
  protected readonly serial = new KeyedSerial();

  /** Each site's learned arrivals, relearned once a day from its stored sessions (issue 21). */
  private readonly arrivals: SiteArrivals;
  /** Each site's peak so far in the billing period, measured once per completed quarter hour. */
  private readonly demandPeaks: SiteDemandPeaks;

  constructor(protected readonly deps: SchedulerDeps) {
    this.siteIndex = new SiteIndex(deps.sites);
    this.arrivals = new SiteArrivals(deps.stores.transactions);
    this.demandPeaks = new SiteDemandPeaks(deps.stores);
  }

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

  private plans(siteId: string): boolean {
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
  upsertSite(site: Site): ReturnType<PlanningLoop['setSites']> {
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

  // ---- events from the adapters (main.ts wires them) ----
  // Each resolves once handled and never rejects: a failed read is logged here (an event has nobody to answer).

  onTransaction(e: { stationId: string; transaction: TransactionRecord; eventType: string; duplicate: boolean }): Promise<void> {
    return this.handle('transaction event', e.stationId, async () => {
      if (e.duplicate || e.transaction.evseId === null) return;
      const placed = this.index.evse(e.stationId, e.transaction.evseId);
      if (!placed) return;
      const tx = e.transaction;
      const key = `${e.stationId}#${tx.transactionId}`;
      const tokenBefore = this.tokens.get(key);
      const stateBefore = this.chargingStates.get(key);
      if (e.eventType === 'Ended') {
        this.tokens.delete(key);
        this.stopped.delete(key);
        this.chargingStates.delete(key);
      } else {
        this.tokens.set(key, tx.idToken);
        this.chargingStates.set(key, tx.chargingState);
      }
      // A car counted as done (planned-session.ts) whose state turns to Charging again (it had only paused) is planned again.
      if (e.eventType === 'Updated' && stateBefore !== 'Charging' && tx.chargingState === 'Charging' && this.stopped.delete(key)) this.trigger(placed.site.id, 'car-resumed');
      // A new session's first TxProfile goes out as soon as it is computed (issue 21): until then the car charges at
      // the TxDefaultProfile, whatever the plan would give it.
      if (e.eventType !== 'Updated') this.trigger(placed.site.id, `transaction-${e.eventType.toLowerCase()}`, { leading: e.eventType === 'Started' });
      // A transaction that started before authorisation (TxStartPoint EVConnected) names its car in a later Updated.
      else if (tokenBefore !== undefined && tokenBefore !== tx.idToken) this.trigger(placed.site.id, 'vehicle-identified');
      else await this.checkMeter(placed.site, e.stationId, tx.evseId!, tx.transactionId);
    });
  }

  onMeterValues(e: { stationId: string; evseId: number; transactionId: string | null }): Promise<void> {
    return this.handle('meter values', e.stationId, async () => {
      const placed = this.index.evse(e.stationId, e.evseId);
      if (placed && e.transactionId) await this.checkMeter(placed.site, e.stationId, e.evseId, e.transactionId);
    });
  }

  onChargingNeeds(e: { stationId: string; evseId: number }): void {
    const placed = this.index.evse(e.stationId, e.evseId);
    if (placed) this.trigger(placed.site.id, 'charging-needs');
  }

  onPricesUpdated(zone: string): void {
    for (const site of this.index.sites) {
      const z = this.deps.tariffZone?.(site.tariff);
      if (z === undefined || z === zone) this.trigger(site.id, 'prices-updated');
    }
  }

  /** A station (re)connected, booted or reported its capabilities: reconcile what it holds in the next cycle. */
  onStationOnline(stationId: string, reason: string): void {
    const sites = this.index.sitesOfStation(stationId);
    if (sites.length) this.reconcile.add(stationId);
    sites.forEach((s) => this.trigger(s.id, reason));
  }

  /**
   * A station connected without booting: it is reconciled as online once `wasAccepted` (a store read) says it was
   * accepted before (B03.FR.03: never call a rejected one). Tracked like the other events, so done() waits for it.
   */
  onStationConnected(stationId: string, wasAccepted: () => Promise<boolean>): Promise<void> {
    return this.handle('station connected', stationId, async () => {
      if (await wasAccepted()) this.onStationOnline(stationId, 'station-connected');
    });
  }

  onStationOffline(stationId: string): void {
    this.index.sitesOfStation(stationId).forEach((s) => this.trigger(s.id, 'station-offline'));
  }

  // ---- what the cycle and people share ----

  /** The site's latest plan, kept in memory after the first read: meter readings consult it on every sample. */
  async latestPlan(siteId: string): Promise<PlanRecord | undefined> {
    const cached = this.latest.get(siteId);
    if (cached) return cached;
    const plan = await this.deps.stores.plans.latest(siteId);
    // A cycle may have stored a newer plan while this read was under way: that one stays.
    if (plan && !this.latest.has(siteId)) this.latest.set(siteId, plan);
    return this.latest.get(siteId) ?? plan;
  }

  /** How the EVSE's charger follows our profiles: 'unreachable' while its station is offline. */
  async compliance(stationId: string, evseId: number): Promise<ChargerCompliance> {
    if (!this.deps.stations.isConnected(stationId)) return 'unreachable';
    return (await this.deps.stores.profiles.compliance(stationId, evseId))?.compliance ?? 'unknown';
  }

  async decide(site: Pick<Site, 'id'>, entry: Omit<DecisionRecord, 'id' | 'siteId' | 'at'>): Promise<DecisionRecord> {
    const record = await this.deps.stores.decisions.append({ ...entry, siteId: site.id, at: this.iso() });
    this.deps.events.emit('decision', record);
    return record;
  }

  /** Stores a charger's status; true when its compliance changed. One at a time per EVSE: read, compare, store. */
  setCompliance(stationId: string, evseId: number, compliance: ChargerCompliance, detail: string | null): Promise<boolean> {
    return this.serial.run(`status:${stationId}#${evseId}`, async () => {
      const before = await this.deps.stores.profiles.compliance(stationId, evseId);
      if (before?.compliance === compliance && before.detail === detail) return false;
      const status = { stationId, evseId, compliance, detail, since: this.iso() };
      await this.deps.stores.profiles.setCompliance(status);
      this.deps.events.emit('charger.status', status);
      return before?.compliance !== compliance;
    });
  }

  protected iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  // ---- the cycle ----

  private async cycle(site: Site, reasons: string[]): Promise<void> {
    const { deps } = this;
    if (reasons.includes('slot-boundary')) await this.retryTimedOut(site);
    const reconcile = [...this.reconcile].filter((s) => site.evses.some((e) => e.stationId === s));
    reconcile.forEach((s) => this.reconcile.delete(s));
    // Before planning: a reconciled station is steerable again, and what it lost must be pushed again.
    const forced = new Set<string>();
    const pushDeps = { gateway: deps.gateway, profiles: deps.stores.profiles, clock: deps.clock, logger: deps.logger };
    for (const stationId of reconcile) for (const tx of await reconcileStation(this, site, stationId, pushDeps)) forced.add(tx);
    const now = deps.clock.now();
    const snapshot = await loadCycleSnapshot(site, now, this.snapshotSources());
    const result = planSite(snapshot, reasons, { monotonicMs: deps.monotonicMs });
    await this.annotate(site, result);
    const previous = snapshot.previousPlan;
    if (result.plan.status === 'empty' && (!previous || previous.status === 'empty') && reconcile.length === 0) return;
    const planId = await deps.stores.plans.save(result.plan);
    this.latest.set(site.id, { ...result.plan, id: planId });
    deps.events.emit('plan.created', { siteId: site.id, planId, triggers: reasons });
    await pushCycle(this, site, planId, result, forced, {
      ...pushDeps,
      caps: this.caps,
      events: deps.events,
      quiet: reasons.every((r) => r === 'slot-boundary'),
    });
  }

  private snapshotSources(): SnapshotSources {
    const { deps } = this;
    return {
      stores: deps.stores,
      prices: deps.prices,
      capacity: deps.capacity,
      connected: (stationId) => deps.stations.isConnected(stationId),
      caps: (tx) => this.caps.get(tx) ?? null,
      stopped: (stationId, tx) => this.stopped.has(`${stationId}#${tx}`),
      arrivals: (s, at) => this.arrivals.model(s, at),
      demand: (s, at) => this.demandPeaks.forSite(s, at, deps.tariffDemand?.(s.tariff)),
      latestPlan: (siteId) => this.latestPlan(siteId),
    };
  }

  /** Records which car each session is for, and ends the boosts that are delivered, in order. */
  private async annotate(site: Site, result: CycleResult): Promise<void> {
    const tx = this.deps.stores.transactions;
    for (const s of result.identified) await tx.setVehicle(s.stationId, s.transactionId, s.vehicleId);
    for (const s of result.stopped) this.stopped.add(`${s.stationId}#${s.transactionId}`);
    for (const b of result.boostsDone) {
      await this.serial.run(boostKey(b.stationId, b.transactionId), async () => {
        // A person may have set a new boost while this cycle planned: that one is not delivered yet.
        if ((await tx.get(b.stationId, b.transactionId))?.boost?.setAt !== b.setAt) return;
        await tx.setBoost(b.stationId, b.transactionId, null);
        await this.decide(site, { kind: 'boost.done', stationId: b.stationId, evseId: b.evseId, transactionId: b.transactionId, planId: null, message: `${b.vehicleId}: charge now delivered, the plan continues`, details: null });
      });
    }
  }

  /**
   * A push that timed out on a connected station marks it unreachable; at each slot boundary such a station gets
   * another chance (reconciled like a reconnect) instead of staying unsteered until it reconnects.
   */
  private async retryTimedOut(site: Site): Promise<void> {
    const stored = await this.deps.stores.profiles.complianceOf([...new Set(site.evses.map((e) => e.stationId))]);
    const unreachable = new Set(stored.filter((c) => c.compliance === 'unreachable').map((c) => `${c.stationId}#${c.evseId}`));
    for (const e of site.evses) {
      if (unreachable.has(`${e.stationId}#${e.evseId}`) && this.deps.stations.isConnected(e.stationId)) this.reconcile.add(e.stationId);
    }
  }

  /** The loop's onError: logged, recorded as a decision and reported; never rejects (a failure to record is logged). */
  private async cycleFailed(site: Site, err: unknown, retryAt: number): Promise<void> {
    const e = err as Error & { code?: string };
    this.deps.logger.error({ site: site.id, err: e }, 'planning cycle failed');
    try {
      await this.decide(site, { kind: 'plan.failed', stationId: null, evseId: null, transactionId: null, planId: null, message: e.message, details: { code: e.code ?? 'INTERNAL', retryAt: new Date(retryAt).toISOString() } });
    } catch (recordErr) {
      this.deps.logger.error({ site: site.id, err: recordErr }, 'planning cycle failed and its decision could not be stored');
    }
    this.deps.events.emit('plan.failed', { siteId: site.id, code: e.code ?? 'INTERNAL', message: e.message, retryAt });
  }

  private checkMeter(site: Site, stationId: string, evseId: number, transactionId: string): Promise<void> {
    return checkMeter({
      stores: this.deps.stores,
      now: this.deps.clock.now(),
      plan: () => this.latestPlan(site.id),
      setCompliance: (...a) => this.setCompliance(...a),
      decide: (entry) => this.decide(site, entry),
      trigger: (reason) => this.trigger(site.id, reason),
    }, site, stationId, evseId, transactionId);
  }

  /** Runs an event's handling, tracked for done(); a failure is logged with the event, never rejected. */
  private handle(event: string, stationId: string, work: () => Promise<void>): Promise<void> {
    const handled = work().catch((err: unknown) => {
      this.deps.logger.error({ station: stationId, err }, `${event}: handling failed`);
    });
    this.pending.add(handled);
    void handled.then(() => this.pending.delete(handled));
    return handled;
  }
}
