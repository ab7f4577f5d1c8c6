import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { StationDirectory } from '../domain/ports.js';
import type {
  BoostRecord, ChargerCompliance, ChargerGateway, DecisionRecord, DecisionStore, PlanRecord, PlanStore, PowerPeriod, ProfileStore,
  PushedProfileRecord, SessionCost,
} from '../domain/plans.js';
import type { CapacityLimitStore, SitePriceProvider } from '../domain/prices.js';
import type { Site } from '../domain/sites.js';
import type { SessionAnnotationStore, TransactionRecord, TransactionStore } from '../domain/stations.js';
import {
  type DepartureTarget, type AssignmentStore, type TargetRecord, type TargetStore, type Vehicle, type VehicleStore,
} from '../domain/vehicles.js';
import { planSite } from './planner.js';
import { SiteIndex } from './sites.js';
import { SiteLoop } from './site-loop.js';
import type { SessionStores } from './sessions.js';
import { pushCycle, reconcileStation, type SchedulerEventSink } from './push-cycle.js';
import { checkMeter } from './verify.js';
import { boostOfVehicle, clearBoost, setBoost, type ChargeNowDeps } from './charge-now.js';
import { nextDeparture, type NextDeparture } from './departures.js';
import { sessionCost, sessionCosts, type SessionCostQuery } from './session-costs.js';
import { SiteArrivals } from './arrivals.js';
import { checkTargetShape, checkVehicleInput, SchedulerInputError } from './input-checks.js';
import { SiteDemandPeaks, type DemandChargeTerms } from './demand-peak.js';

export interface SchedulerStores extends SessionStores {
  /** Also where the scheduler records a session's car and boost (migration 0005) and finds sessions by period. */
  transactions: Pick<TransactionStore, 'activeOnEvse' | 'active' | 'get' | 'between'> & SessionAnnotationStore;
  vehicles: VehicleStore;
  targets: TargetStore;
  assignments: AssignmentStore;
  plans: PlanStore;
  profiles: ProfileStore;
  decisions: DecisionStore;
}

export type { SchedulerEventSink } from './push-cycle.js';

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
 * The planning loop: events and people's changes become triggers, each site plans on its own loop, plans go to
 * the chargers through the gateway, and what the chargers really do comes back as compliance and re-plans.
 */
export class Scheduler {
  readonly index: SiteIndex;
  private readonly loops = new Map<string, SiteLoop>();
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

  /** Each site's learned arrivals, relearned once a day from its stored sessions (issue 21). */
  private readonly arrivals: SiteArrivals;
  /** Each site's peak so far in the billing period, measured once per completed quarter hour. */
  private readonly demandPeaks: SiteDemandPeaks;

  constructor(private readonly deps: SchedulerDeps) {
    this.index = new SiteIndex(deps.sites);
    this.arrivals = new SiteArrivals(deps.stores.transactions);
    this.demandPeaks = new SiteDemandPeaks(deps.stores);
  }

  start(): void {
    for (const site of this.index.sites) {
      const loop = new SiteLoop({
        clock: this.deps.clock,
        debounceMs: site.policy.debounceSeconds * 1000,
        slotMs: site.slotMinutes * 60_000,
        random: this.deps.random,
        cycle: (reasons) => this.cycle(site, reasons),
        onError: (err, retryAt) => this.cycleFailed(site, err, retryAt),
      });
      this.loops.set(site.id, loop);
      loop.start();
      // After a restart: plans and pushes are in the database; re-plan from them and reconcile as stations return.
      loop.trigger('start');
    }
  }

  stop(): void {
    for (const loop of this.loops.values()) loop.stop();
  }

  /** Resolves when no site's cycle is running. */
  async done(): Promise<void> {
    await Promise.all([...this.loops.values()].map((l) => l.done()));
  }

  /** True when some site has a cycle due after its debounce or retry timer. */
  get waiting(): boolean {
    return [...this.loops.values()].some((l) => l.waiting);
  }

  /** `leading`: plan at once when the loop is free rather than after the debounce (a new session's first plan). */
  trigger(siteId: string, reason: string, opts: { leading?: boolean } = {}): void {
    this.loops.get(siteId)?.trigger(reason, opts);
  }

  // ---- events from the adapters (main.ts wires them) ----

  onTransaction(e: { stationId: string; transaction: TransactionRecord; eventType: string; duplicate: boolean }): void {
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
    else this.checkMeter(placed.site, e.stationId, tx.evseId!, tx.transactionId);
  }

  onMeterValues(e: { stationId: string; evseId: number; transactionId: string | null }): void {
    const placed = this.index.evse(e.stationId, e.evseId);
    if (placed && e.transactionId) this.checkMeter(placed.site, e.stationId, e.evseId, e.transactionId);
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

  onStationOffline(stationId: string): void {
    this.index.sitesOfStation(stationId).forEach((s) => this.trigger(s.id, 'station-offline'));
  }

  // ---- the public surface for people (issue 6's API builds on these) ----

  upsertVehicle(input: unknown): Vehicle {
    const i = checkVehicleInput(input);
    const v: Vehicle = {
      id: i.id, name: i.name, fleet: i.fleet ?? null, batteryKwh: i.batteryKwh ?? null, maxAcKw: i.maxAcKw,
      phases: i.phases, minCurrentA: i.minCurrentA ?? null, idTokens: i.idTokens ?? [],
    };
    this.deps.stores.vehicles.upsert(v, this.iso());
    this.triggerForVehicle('vehicle-changed');
    return v;
  }

  setTarget(vehicleId: string, target: unknown): TargetRecord {
    const record = this.deps.stores.targets.set(vehicleId, this.checkedTarget(vehicleId, target), this.iso());
    this.triggerForVehicle('target-changed');
    return record;
  }

  /** Many targets, all or none: every entry is checked before anything is stored, then stored in one transaction. */
  setTargets(entries: readonly { vehicleId: string; target: unknown }[]): TargetRecord[] {
    const checked = entries.map((e) => ({ vehicleId: e.vehicleId, target: this.checkedTarget(e.vehicleId, e.target) }));
    const records = this.deps.stores.targets.setMany(checked, this.iso());
    if (records.length > 0) this.triggerForVehicle('target-changed');
    return records;
  }

  private checkedTarget(vehicleId: string, target: unknown): DepartureTarget {
    if (!this.deps.stores.vehicles.get(vehicleId)) throw new SchedulerInputError('VEHICLE_UNKNOWN', 'vehicleId', `no vehicle "${vehicleId}"`);
    return checkTargetShape(target);
  }

  assignVehicle(vehicleId: string, stationId: string, evseId: number): void {
    if (!this.deps.stores.vehicles.get(vehicleId)) throw new SchedulerInputError('VEHICLE_UNKNOWN', 'vehicleId', `no vehicle "${vehicleId}"`);
    const placed = this.index.evse(stationId, evseId);
    if (!placed) throw new SchedulerInputError('EVSE_UNKNOWN', 'evseId', `EVSE ${evseId} of station "${stationId}" is on no site`);
    this.deps.stores.assignments.assign(vehicleId, stationId, evseId, this.iso());
    this.trigger(placed.site.id, 'assignment-changed');
  }

  latestPlan(siteId: string): PlanRecord | undefined {
    return this.latestOf(siteId);
  }

  decisions(siteId: string, options?: { limit?: number; beforeId?: number }): DecisionRecord[] {
    return this.deps.stores.decisions.list(siteId, options);
  }

  compliance(stationId: string, evseId: number): ChargerCompliance {
    if (!this.deps.stations.isConnected(stationId)) return 'unreachable';
    return this.deps.stores.profiles.compliance(stationId, evseId)?.compliance ?? 'unknown';
  }

  /**
   * "Charge now": full power from now, ahead of price and of the other cars' plans, until `energyKwh` more is in;
   * then the plan continues (boost.ts). Replaces the vehicle's boost; the car must be plugged in on one of our sites.
   */
  setBoost(vehicleId: string, energyKwh: unknown): BoostRecord {
    return setBoost(this.chargeNow(), this.vehicleOrThrow(vehicleId), energyKwh);
  }

  /** Ends the vehicle's boost (the plan takes over again); false when it had none. */
  clearBoost(vehicleId: string): boolean {
    return clearBoost(this.chargeNow(), this.vehicleOrThrow(vehicleId));
  }

  /** The vehicle's running boost with its progress; undefined when none (or it is delivered or its session ended). */
  boost(vehicleId: string): BoostRecord | undefined {
    return boostOfVehicle(this.chargeNow(), vehicleId);
  }

  /** Removes the one-off target (the weekly rule, if any, applies again) and re-plans. */
  clearOnceTarget(vehicleId: string): TargetRecord | undefined {
    this.vehicleOrThrow(vehicleId);
    this.deps.stores.targets.clearOnce(vehicleId, this.iso());
    this.triggerForVehicle('target-changed');
    return this.deps.stores.targets.get(vehicleId);
  }

  // ---- reads for people (the API's views) ----

  sites(): readonly Site[] {
    return this.index.sites;
  }

  site(siteId: string): Site | undefined {
    return this.index.site(siteId);
  }

  vehicles(): Vehicle[] {
    return this.deps.stores.vehicles.list();
  }

  vehicle(vehicleId: string): Vehicle | undefined {
    return this.deps.stores.vehicles.get(vehicleId);
  }

  target(vehicleId: string): TargetRecord | undefined {
    return this.deps.stores.targets.get(vehicleId);
  }

  /** The departure the plan would use for the vehicle now (the form's default), in the zone of the site it is planned at. */
  nextDeparture(vehicleId: string, siteId?: string): NextDeparture | undefined {
    const vehicle = this.deps.stores.vehicles.get(vehicleId);
    if (!vehicle) return undefined;
    // Where the car is planned (the in-memory latest plans: no SQL per EVSE on every target view), else its fleet's site.
    const planned = this.index.sites.find((s) => this.latestPlan(s.id)?.sessions.some((x) => x.vehicleId === vehicleId));
    const at = siteId ? this.index.site(siteId) : planned ?? this.index.sites.find((s) => s.fleet !== null && s.fleet === vehicle.fleet);
    return at ? nextDeparture(at, this.deps.clock.now(), vehicle, this.deps.stores.targets.get(vehicleId)) : undefined;
  }

  /** What we last pushed to a transaction's charger (the plan view shows its state). */
  pushedProfile(stationId: string, evseId: number, transactionId: string): PushedProfileRecord | undefined {
    return this.deps.stores.profiles.pushed(stationId, evseId, transactionId);
  }

  /** Costs of the sessions that started in the period (costs.ts; docs/scheduler.md, Costs), oldest first. */
  sessionCosts(q: SessionCostQuery): SessionCost[] {
    return sessionCosts(this.costDeps(), q);
  }

  /** One session's cost with its slots; undefined when it is unknown or not on one of our sites. */
  sessionCost(stationId: string, transactionId: string): SessionCost | undefined {
    return sessionCost(this.costDeps(), stationId, transactionId);
  }

  // ---- internals ----

  private iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  private vehicleOrThrow(vehicleId: string): Vehicle {
    const v = this.deps.stores.vehicles.get(vehicleId);
    if (!v) throw new SchedulerInputError('VEHICLE_UNKNOWN', 'vehicleId', `no vehicle "${vehicleId}"`);
    return v;
  }

  private chargeNow(): ChargeNowDeps {
    return {
      index: this.index,
      stores: this.deps.stores,
      iso: () => this.iso(),
      decide: (site, entry) => this.decide(site, entry),
      trigger: (siteId, reason) => this.trigger(siteId, reason),
      invalid: (field, message, code) => new SchedulerInputError(code ?? 'TARGET_INVALID', field, message),
    };
  }

  private costDeps() {
    return { index: this.index, stores: this.deps.stores, prices: this.deps.prices, now: this.deps.clock.now() };
  }

  /**
   * Re-plans every site with a car plugged in: the vehicle may be one of them, or be recognised as one now (a
   * token added to it). A target of a car that is not plugged in changes no plan yet.
   */
  private triggerForVehicle(reason: string): void {
    for (const site of this.index.sites) {
      if (site.evses.some((e) => this.deps.stores.transactions.activeOnEvse(e.stationId, e.evseId))) this.trigger(site.id, reason);
    }
  }

  /** The site's latest plan, kept in memory after the first read: meter readings consult it on every sample. */
  private latestOf(siteId: string): PlanRecord | undefined {
    let plan = this.latest.get(siteId);
    if (!plan) {
      plan = this.deps.stores.plans.latest(siteId);
      if (plan) this.latest.set(siteId, plan);
    }
    return plan;
  }

  decide(site: Site, entry: Omit<DecisionRecord, 'id' | 'siteId' | 'at'>): DecisionRecord {
    const record = this.deps.stores.decisions.append({ ...entry, siteId: site.id, at: this.iso() });
    this.deps.events.emit('decision', record);
    return record;
  }

  setCompliance(stationId: string, evseId: number, compliance: ChargerCompliance, detail: string | null): boolean {
    const before = this.deps.stores.profiles.compliance(stationId, evseId);
    if (before?.compliance === compliance && before.detail === detail) return false;
    const status = { stationId, evseId, compliance, detail, since: this.iso() };
    this.deps.stores.profiles.setCompliance(status);
    this.deps.events.emit('charger.status', status);
    return before?.compliance !== compliance;
  }

  private async cycle(site: Site, reasons: string[]): Promise<void> {
    const { deps } = this;
    if (reasons.includes('slot-boundary')) this.retryTimedOut(site);
    const reconcile = [...this.reconcile].filter((s) => site.evses.some((e) => e.stationId === s));
    reconcile.forEach((s) => this.reconcile.delete(s));
    // Before planning: a reconciled station is steerable again, and what it lost must be pushed again.
    const forced = new Set<string>();
    const pushDeps = { gateway: deps.gateway, profiles: deps.stores.profiles, clock: deps.clock, logger: deps.logger };
    for (const stationId of reconcile) for (const tx of await reconcileStation(this, site, stationId, pushDeps)) forced.add(tx);
    const now = deps.clock.now();
    const result = planSite(site, now, reasons, {
      stores: deps.stores,
      prices: deps.prices,
      capacity: deps.capacity,
      compliance: (stationId, evseId) => this.compliance(stationId, evseId),
      pushed: (stationId, evseId, tx) => deps.stores.profiles.pushed(stationId, evseId, tx),
      caps: (tx) => this.caps.get(tx) ?? null,
      stopped: (stationId, tx) => this.stopped.has(`${stationId}#${tx}`),
      monotonicMs: deps.monotonicMs,
      arrivals: (s, at) => this.arrivals.model(s, at),
      demand: (s, at) => this.demandPeaks.forSite(s, at, deps.tariffDemand?.(s.tariff)),
    });
    this.annotate(site, result);
    const previous = this.latestOf(site.id);
    if (result.plan.status === 'empty' && (!previous || previous.status === 'empty') && reconcile.length === 0) return;
    const planId = deps.stores.plans.save(result.plan);
    this.latest.set(site.id, { ...result.plan, id: planId });
    deps.events.emit('plan.created', { siteId: site.id, planId, triggers: reasons });
    await pushCycle(this, site, planId, result, forced, {
      ...pushDeps,
      caps: this.caps,
      events: deps.events,
      quiet: reasons.every((r) => r === 'slot-boundary'),
    });
  }

  /** Records which car each session is for, and ends the boosts that are delivered. */
  private annotate(site: Site, result: ReturnType<typeof planSite>): void {
    const tx = this.deps.stores.transactions;
    for (const s of result.identified) tx.setVehicle(s.stationId, s.transactionId, s.vehicleId);
    for (const s of result.stopped) this.stopped.add(`${s.stationId}#${s.transactionId}`);
    for (const b of result.boostsDone) {
      tx.setBoost(b.stationId, b.transactionId, null);
      this.decide(site, { kind: 'boost.done', stationId: b.stationId, evseId: b.evseId, transactionId: b.transactionId, planId: null, message: `${b.vehicleId}: charge now delivered, the plan continues`, details: null });
    }
  }

  /**
   * A push that timed out on a connected station marks it unreachable; at each slot boundary such a station gets
   * another chance (reconciled like a reconnect) instead of staying unsteered until it reconnects.
   */
  private retryTimedOut(site: Site): void {
    for (const e of site.evses) {
      const stored = this.deps.stores.profiles.compliance(e.stationId, e.evseId);
      if (stored?.compliance === 'unreachable' && this.deps.stations.isConnected(e.stationId)) this.reconcile.add(e.stationId);
    }
  }

  private cycleFailed(site: Site, err: unknown, retryAt: number): void {
    const e = err as Error & { code?: string };
    this.deps.logger.error({ site: site.id, err: e }, 'planning cycle failed');
    this.decide(site, { kind: 'plan.failed', stationId: null, evseId: null, transactionId: null, planId: null, message: e.message, details: { code: e.code ?? 'INTERNAL', retryAt: new Date(retryAt).toISOString() } });
    this.deps.events.emit('plan.failed', { siteId: site.id, code: e.code ?? 'INTERNAL', message: e.message, retryAt });
  }

  private checkMeter(site: Site, stationId: string, evseId: number, transactionId: string): void {
    checkMeter({
      stores: this.deps.stores,
      now: this.deps.clock.now(),
      plan: () => this.latestOf(site.id),
      setCompliance: (...a) => this.setCompliance(...a),
      decide: (entry) => this.decide(site, entry),
      trigger: (reason) => this.trigger(site.id, reason),
    }, site, stationId, evseId, transactionId);
  }
}
