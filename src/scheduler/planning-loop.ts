import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { StationDirectory } from '../domain/ports.js';
import type { ChargerCompliance, ChargerGateway, DecisionRecord, DecisionStore, PlanRecord, PlanStore, PowerPeriod, ProfileStore } from '../domain/plans.js';
import type { CapacityLimitStore, SitePriceProvider } from '../domain/prices.js';
import type { Site } from '../domain/sites.js';
import { phrase } from '../domain/phrases.js';
import type { SessionAnnotationStore, TransactionRecord, TransactionStore } from '../domain/stations.js';
import type { AssignmentStore, TargetStore, VehicleStore } from '../domain/vehicles.js';
import { planSite, type CycleResult } from './planner.js';
import { SiteLoops } from './site-loops.js';
import type { SessionStores } from './sessions.js';
import { pushCycle, reconcileStation, type SchedulerEventSink } from './push-cycle.js';
import { mapLimit } from '../platform/map-limit.js';
import { checkMeter } from './verify.js';
import { SiteArrivals } from './arrivals.js';
import { expectedCarsSolver } from './arrivals-solver.js';
import { SiteDemandPeaks, type DemandChargeTerms } from './demand-peak.js';
import { loadCycleSnapshot, type SnapshotSources } from './snapshot.js';
import { KeyedSerial } from './serial.js';
import { KeptPlans } from './kept-plans.js';
import { boostKey } from './charge-now.js';
import { nextWake } from './wakes.js';
import { WarmSolver } from '../../solver/warm.js';
import { fewestShortSolver } from '../../solver/index.js';

/** Stations reconciled at once in a cycle (GetChargingProfiles and what follows, per station). */
const RECONCILE_CONCURRENCY = 16;

export interface SchedulerStores extends SessionStores {
  /** Also where the scheduler records a session's car and boost (migration 0005) and finds sessions by period. */
  transactions: Pick<TransactionStore, 'activeOnEvse' | 'activeOnEvses' | 'runningOnEvses' | 'active' | 'get' | 'between'> & SessionAnnotationStore;
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
export class PlanningLoop extends SiteLoops {
  /** Lower limits a charger reported through its composite schedule, per transaction. */
  private readonly caps = new Map<string, PowerPeriod[]>();
  /** The id token each active transaction was last seen with, to notice a car identified after it started. */
  private readonly tokens = new Map<string, string | null>();
  /** Sessions whose car stopped drawing while offered power (`${stationId}#${transactionId}`): done until it charges again. */
  private readonly stopped = new Set<string>();
  /** The chargingState each active transaction was last seen with, to notice a car that starts charging again. */
  private readonly chargingStates = new Map<string, string | null>();
  /** Each placed EVSE's connector statuses (G01), `${stationId}#${evseId}` -> connector -> status (issue 17). */
  private readonly connectorStatuses = new Map<string, Map<number, string>>();
  /** Read-then-write steps on one charger's status or one session's boost, one at a time. */
  protected readonly serial = new KeyedSerial();

  /** Each site's learned arrivals, relearned once a day from its stored sessions (issue 21). */
  private readonly arrivals: SiteArrivals;
  /** Each site's solver, kept between its cycles so that a re-plan starts from the last flow (solver/warm.ts). */
  private readonly solvers = new Map<string, WarmSolver>();
  /** Each site's peak so far in the billing period, measured once per completed quarter hour. */
  private readonly demandPeaks: SiteDemandPeaks;

  constructor(protected override readonly deps: SchedulerDeps) {
    super(deps);
    this.arrivals = new SiteArrivals(deps.stores.transactions);
    this.demandPeaks = new SiteDemandPeaks(deps.stores);
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

  /**
   * G01: a connector's status. An EVSE whose connectors are all Unavailable (G03/G04 ChangeAvailability Inoperative)
   * or Faulted is out of service: it leaves planning (its session gets no power and the site's limit goes to the
   * others) and returns when a connector is usable again (Available, Occupied, Reserved). Either change re-plans.
   */
  onConnectorStatus(e: { stationId: string; evseId: number; connectorId: number; status: string }): void {
    const placed = this.index.evse(e.stationId, e.evseId);
    if (!placed) return;
    const key = `${e.stationId}#${e.evseId}`;
    const before = this.outOfService(e.stationId, e.evseId);
    const statuses = this.connectorStatuses.get(key) ?? new Map<number, string>();
    statuses.set(e.connectorId, e.status);
    this.connectorStatuses.set(key, statuses);
    const after = this.outOfService(e.stationId, e.evseId);
    if (before !== after) this.trigger(placed.site.id, after ? 'evse-out-of-service' : 'evse-in-service');
  }

  /** Is the EVSE out of service by its connectors' latest statuses (unknown: in service)? */
  outOfService(stationId: string, evseId: number): boolean {
    const statuses = this.connectorStatuses.get(`${stationId}#${evseId}`);
    return statuses !== undefined && statuses.size > 0 && [...statuses.values()].every((s) => s === 'Unavailable' || s === 'Faulted');
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

  onStationOffline(stationId: string): void {
    this.index.sitesOfStation(stationId).forEach((s) => this.trigger(s.id, 'station-offline'));
  }

  // ---- what the cycle and people share ----

  /**
   * The site's latest plan, kept in memory after the first read: meter readings consult it on every sample. Only for
   * a site this node plans: in a cluster another node's plans reach only the database, and a kept copy would stay the
   * first one read for ever (the fleet table and the plan page of a node that does not own the site showed it).
   */
  private kept: KeptPlans | undefined;
  async latestPlan(siteId: string): Promise<PlanRecord | undefined> {
    if (!this.plans(siteId)) return (this.kept ??= new KeptPlans(this.deps.stores.plans)).latest(siteId);
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

  protected async cycle(site: Site, reasons: string[]): Promise<void> {
    const { deps } = this;
    if (reasons.includes('slot-boundary')) await this.retryTimedOut(site);
    const reconcile = [...this.reconcile].filter((s) => site.evses.some((e) => e.stationId === s));
    reconcile.forEach((s) => this.reconcile.delete(s));
    // Before planning: a reconciled station is steerable again, and what it lost must be pushed again.
    const forced = new Set<string>();
    const pushDeps = { gateway: deps.gateway, profiles: deps.stores.profiles, clock: deps.clock, logger: deps.logger };
    // Stations are reconciled side by side (a site taken over after a node died has all of them to check at once),
    // each its own round trips in order.
    const lost = await mapLimit(reconcile, RECONCILE_CONCURRENCY, (stationId) => reconcileStation(this, site, stationId, pushDeps));
    for (const tx of lost.flat()) forced.add(tx);
    const now = deps.clock.now();
    const snapshot = await loadCycleSnapshot(site, now, this.snapshotSources());
    // The cars still to come are planned at solve time and never leave the solver (arrivals-solver.ts, issue 21).
    // The warm solver's own plans go through the fewest-cars rule too (index.ts's solve applies it to cold ones).
    // With a minimum current, the expected cars' room comes from the relaxation, solved on a warm solver of its own.
    const solver = expectedCarsSolver(fewestShortSolver(this.solverOf(site.id)), site, snapshot.arrivals, snapshot.grid, this.solverOf(relaxationKey(site.id)));
    const result = planSite(snapshot, reasons, { monotonicMs: deps.monotonicMs, solver });
    await this.annotate(site, result);
    this.wakeAt(site.id, nextWake(result.plan, result.controlled.map((c) => c.stopAtMs), now));
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
      outOfService: (stationId, evseId) => this.outOfService(stationId, evseId),
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
        await this.decide(site, { kind: 'boost.done', stationId: b.stationId, evseId: b.evseId, transactionId: b.transactionId, planId: null, message: `${b.vehicleId}: charge now delivered, the plan continues`, phrase: phrase('decision.boostDone', { vehicle: b.vehicleId }), details: null });
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

  private solverOf(siteId: string): WarmSolver {
    let solver = this.solvers.get(siteId);
    if (!solver) this.solvers.set(siteId, (solver = new WarmSolver()));
    return solver;
  }

  /** The loop's onError: logged, recorded as a decision and reported; never rejects (a failure to record is logged). */
  protected async cycleFailed(site: Site, err: unknown, retryAt: number): Promise<void> {
    const e = err as Error & { code?: string };
    this.deps.logger.error({ site: site.id, err: e }, 'planning cycle failed');
    this.solvers.get(site.id)?.reset(); // the next cycle solves cold, whatever the failure left behind
    this.solvers.get(relaxationKey(site.id))?.reset();
    try {
      await this.decide(site, { kind: 'plan.failed', stationId: null, evseId: null, transactionId: null, planId: null, message: e.message, phrase: phrase('decision.planFailed', { code: e.code ?? 'INTERNAL', retryAt: new Date(retryAt).toISOString() }), details: { code: e.code ?? 'INTERNAL', retryAt: new Date(retryAt).toISOString() } });
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

/** The key of a site's second warm solver, the expected cars' relaxation (arrivals-solver.ts); no site id holds NUL. */
function relaxationKey(siteId: string): string {
  return `${siteId}\u0000relaxation`;
}
