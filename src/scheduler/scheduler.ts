import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BoostRecord, DecisionRecord, PushedProfileRecord, SessionCost } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import type { DepartureTarget, TargetRecord, Vehicle, VehicleStore } from '../domain/vehicles.js';
import { boostOfVehicle, clearBoost, setBoost, type ChargeNowDeps } from './charge-now.js';
import { nextDeparture, type NextDeparture } from './departures.js';
import { checkTargetShape, checkVehicleInput, SchedulerInputError } from './input-checks.js';
import { PlanningLoop } from './planning-loop.js';
import { sessionCost, sessionCosts, type SessionCostQuery } from './session-costs.js';

const unknownVehicle = (vehicleId: string) => new SchedulerInputError('VEHICLE_UNKNOWN', 'vehicleId', `no vehicle "${vehicleId}"`);

export type { SchedulerDeps, SchedulerStores } from './planning-loop.js';
export type { SchedulerEventSink } from './push-cycle.js';

/**
 * The scheduler: the planning loop (planning-loop.ts) and the surface for people (issue 6's API builds on these).
 * Every method that reads or writes a store resolves once it has; a change re-plans the sites it concerns.
 */
export class Scheduler extends PlanningLoop {
  // ---- changes people make ----

  /**
   * `within`, when given, runs the write in the caller's transaction and hands it the vehicle store to write through
   * (the API's explicit id-token move: IdTokenTransfer.transferring); the re-plan follows once it has committed.
   */
  async upsertVehicle(input: unknown, within?: (write: (vehicles: Pick<VehicleStore, 'upsert'>) => Promise<void>) => Promise<void>): Promise<Vehicle> {
    const i = checkVehicleInput(input);
    const v: Vehicle = {
      id: i.id, name: i.name, fleet: i.fleet ?? null, batteryKwh: i.batteryKwh ?? null, maxAcKw: i.maxAcKw,
      phases: i.phases, minCurrentA: i.minCurrentA ?? null, idTokens: i.idTokens ?? [],
    };
    const write = (vehicles: Pick<VehicleStore, 'upsert'>) => vehicles.upsert(v, this.iso());
    await (within ? within(write) : write(this.deps.stores.vehicles));
    await this.triggerForVehicle('vehicle-changed');
    return v;
  }

  async setTarget(vehicleId: string, target: unknown): Promise<TargetRecord> {
    const record = await this.deps.stores.targets.set(vehicleId, await this.checkedTarget(vehicleId, target), this.iso());
    await this.triggerForVehicle('target-changed');
    return record;
  }

  /** Many targets, all or none: every entry is checked before anything is stored, then stored in one transaction. */
  async setTargets(entries: readonly { vehicleId: string; target: unknown }[]): Promise<TargetRecord[]> {
    const known = await this.knownVehicles(entries.map((e) => e.vehicleId));
    // In order, so the first bad entry is the one reported; 500 at a time, the event loop turning between them
    // (issue 20, finding 6: 10,000 checks at once were one long stall).
    const checked: { vehicleId: string; target: DepartureTarget }[] = [];
    for (const e of entries) {
      if (checked.length > 0 && checked.length % 500 === 0) await nextTurn();
      if (!known.has(e.vehicleId)) throw unknownVehicle(e.vehicleId);
      checked.push({ vehicleId: e.vehicleId, target: checkTargetShape(e.target) });
    }
    const records = await this.deps.stores.targets.setMany(checked, this.iso());
    if (records.length > 0) await this.triggerForVehicle('target-changed');
    return records;
  }

  async assignVehicle(vehicleId: string, stationId: string, evseId: number): Promise<void> {
    await this.vehicleOrThrow(vehicleId);
    const placed = this.index.evse(stationId, evseId);
    if (!placed) throw new SchedulerInputError('EVSE_UNKNOWN', 'evseId', `EVSE ${evseId} of station "${stationId}" is on no site`);
    await this.deps.stores.assignments.assign(vehicleId, stationId, evseId, this.iso());
    this.trigger(placed.site.id, 'assignment-changed');
  }

  /**
   * "Charge now": full power from now, ahead of price and of the other cars' plans, until `energyKwh` more is in;
   * then the plan continues (boost.ts). Replaces the vehicle's boost; the car must be plugged in on one of our sites.
   */
  async setBoost(vehicleId: string, energyKwh: unknown): Promise<BoostRecord> {
    return setBoost(this.chargeNow(), await this.vehicleOrThrow(vehicleId), energyKwh);
  }

  /** Ends the vehicle's boost (the plan takes over again); false when it had none. */
  async clearBoost(vehicleId: string): Promise<boolean> {
    return clearBoost(this.chargeNow(), await this.vehicleOrThrow(vehicleId));
  }

  /** Removes the one-off target (the weekly rule, if any, applies again) and re-plans. */
  async clearOnceTarget(vehicleId: string): Promise<TargetRecord | undefined> {
    await this.vehicleOrThrow(vehicleId);
    await this.deps.stores.targets.clearOnce(vehicleId, this.iso());
    await this.triggerForVehicle('target-changed');
    return this.deps.stores.targets.get(vehicleId);
  }

  // ---- reads for people (the API's views) ----

  sites(): readonly Site[] {
    return this.index.sites;
  }

  site(siteId: string): Site | undefined {
    return this.index.site(siteId);
  }

  vehicles(): Promise<Vehicle[]> {
    return this.deps.stores.vehicles.list();
  }

  vehicle(vehicleId: string): Promise<Vehicle | undefined> {
    return this.deps.stores.vehicles.get(vehicleId);
  }

  target(vehicleId: string): Promise<TargetRecord | undefined> {
    return this.deps.stores.targets.get(vehicleId);
  }

  decisions(siteId: string, options?: { limit?: number; beforeId?: number }): Promise<DecisionRecord[]> {
    return this.deps.stores.decisions.list(siteId, options);
  }

  /** The vehicle's running boost with its progress; undefined when none (or it is delivered or its session ended). */
  boost(vehicleId: string): Promise<BoostRecord | undefined> {
    return boostOfVehicle(this.chargeNow(), vehicleId);
  }

  /** The departure the plan would use for the vehicle now (the form's default), in the zone of the site it is planned at. */
  async nextDeparture(vehicleId: string, siteId?: string): Promise<NextDeparture | undefined> {
    const [vehicle, targets] = await Promise.all([this.deps.stores.vehicles.get(vehicleId), this.deps.stores.targets.get(vehicleId)]);
    if (!vehicle) return undefined;
    // Where the car is planned (the latest plans, kept in memory: no SQL per EVSE on every target view), else its fleet's site.
    const plans = siteId ? [] : await Promise.all(this.index.sites.map((s) => this.latestPlan(s.id)));
    const planned = this.index.sites.find((_, k) => plans[k]?.sessions.some((x) => x.vehicleId === vehicleId));
    const at = siteId ? this.index.site(siteId) : planned ?? this.index.sites.find((s) => s.fleet !== null && s.fleet === vehicle.fleet);
    return at ? nextDeparture(at, this.deps.clock.now(), vehicle, targets) : undefined;
  }

  /** What we last pushed to a transaction's charger (the plan view shows its state). */
  pushedProfile(stationId: string, evseId: number, transactionId: string): Promise<PushedProfileRecord | undefined> {
    return this.deps.stores.profiles.pushed(stationId, evseId, transactionId);
  }

  /** Costs of the sessions that started in the period (costs.ts; docs/scheduler.md, Costs), oldest first. */
  sessionCosts(q: SessionCostQuery): Promise<SessionCost[]> {
    return sessionCosts(this.costDeps(), q);
  }

  /** One session's cost with its slots; undefined when it is unknown or not on one of our sites. */
  sessionCost(stationId: string, transactionId: string): Promise<SessionCost | undefined> {
    return sessionCost(this.costDeps(), stationId, transactionId);
  }

  // ---- internals ----

  private async checkedTarget(vehicleId: string, target: unknown): Promise<DepartureTarget> {
    await this.vehicleOrThrow(vehicleId);
    return checkTargetShape(target);
  }

  private async vehicleOrThrow(vehicleId: string): Promise<Vehicle> {
    const v = await this.deps.stores.vehicles.get(vehicleId);
    if (!v) throw unknownVehicle(vehicleId);
    return v;
  }

  /** Which of these vehicles exist: read in steps with the event loop turning between them (a bulk upload names a depot). */
  private async knownVehicles(ids: readonly string[]): Promise<Set<string>> {
    return new Set((await this.deps.stores.vehicles.many(ids)).keys());
  }

  private chargeNow(): ChargeNowDeps {
    return {
      index: this.index,
      stores: this.deps.stores,
      iso: () => this.iso(),
      decide: (site, entry) => this.decide(site, entry),
      trigger: (siteId, reason) => this.trigger(siteId, reason),
      invalid: (field, message, code) => new SchedulerInputError(code ?? 'TARGET_INVALID', field, message),
      serial: this.serial,
    };
  }

  private costDeps() {
    return { index: this.index, stores: this.deps.stores, prices: this.deps.prices, now: this.deps.clock.now() };
  }

  /**
   * Re-plans every site with a car plugged in: the vehicle may be one of them, or be recognised as one now (a
   * token added to it). A target of a car that is not plugged in changes no plan yet.
   */
  private async triggerForVehicle(reason: string): Promise<void> {
    for (const site of this.index.sites) if (await this.anyActive(site)) this.trigger(site.id, reason);
  }

  /** Whether a car is plugged in on the site: its EVSEs read a chunk at a time, stopping at the first chunk with one. */
  private async anyActive(site: Site): Promise<boolean> {
    for (let i = 0; i < site.evses.length; i += ACTIVE_CHUNK) {
      if ((await this.deps.stores.transactions.activeOnEvses(site.evses.slice(i, i + ACTIVE_CHUNK))).length > 0) return true;
    }
    return false;
  }
}

/** EVSEs per read when looking for any session: a fleet site with cars in reads one chunk, not all 1,000 sessions. */
const ACTIVE_CHUNK = 64;
