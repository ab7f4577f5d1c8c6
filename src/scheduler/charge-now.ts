import type { BoostRecord, DecisionRecord } from '../domain/plans.js';
import type { PlacedEvse, Site } from '../domain/sites.js';
import { phrase, tenth } from '../domain/phrases.js';
import type { SessionAnnotationStore, TransactionRecord, TransactionStore } from '../domain/stations.js';
import type { Vehicle } from '../domain/vehicles.js';
import { firstInOrder } from './in-order.js';
import type { KeyedSerial } from './serial.js';
import { deliveredOf, identifyVehicle, type SessionStores } from './sessions.js';
import type { SiteIndex } from './sites.js';

/**
 * A person's "charge now" (issue 6) as requests: which session it is for, what it asks, how far it has come. The
 * planner carries it out (boost.ts). A boost belongs to the car's running session and is stored with it
 * (migration 0005), so it ends when it is delivered (cleared by the next cycle), when it is cleared, or with the
 * session. Setting one for a car that is not plugged in is refused: "now" has nothing to charge.
 */
export interface ChargeNowDeps {
  index: SiteIndex;
  stores: Pick<SessionStores, 'meterValues' | 'vehicles' | 'assignments'> & {
    transactions: Pick<TransactionStore, 'activeOnEvses'> & SessionAnnotationStore;
  };
  iso(): string;
  decide(site: Site, entry: Omit<DecisionRecord, 'id' | 'siteId' | 'at'>): Promise<DecisionRecord>;
  trigger(siteId: string, reason: string): void;
  /** The scheduler's input error for a field (SchedulerInputError, TARGET_INVALID unless another code is given). */
  invalid(field: string, message: string, code?: 'VEHICLE_NOT_PLUGGED_IN'): Error;
  /** Boost writes queue per session with the cycle's "delivered: clear it" (planning-loop.ts), so neither undoes the other. */
  serial: KeyedSerial;
}

export const boostKey = (stationId: string, transactionId: string) => `boost:${stationId}#${transactionId}`;

export async function setBoost(deps: ChargeNowDeps, vehicle: Vehicle, energyKwh: unknown): Promise<BoostRecord> {
  const problem = boostAmountProblem(energyKwh, vehicle);
  if (problem) throw deps.invalid('energyKwh', problem);
  const found = await sessionOfVehicle(deps, vehicle.id);
  if (!found) throw deps.invalid('vehicleId', `vehicle "${vehicle.id}" is not plugged in on any site: "charge now" applies to a running session`, 'VEHICLE_NOT_PLUGGED_IN');
  const { site, tx } = found;
  const boost = { vehicleId: vehicle.id, energyKwh: energyKwh as number, fromDeliveredKwh: await deliveredOf(tx, deps.stores), setAt: deps.iso() };
  await deps.serial.run(boostKey(tx.stationId, tx.transactionId), () => deps.stores.transactions.setBoost(tx.stationId, tx.transactionId, boost));
  const record = boostRecord(site, { ...tx, boost }, boost.fromDeliveredKwh);
  await deps.decide(site, { kind: 'boost.set', stationId: tx.stationId, evseId: tx.evseId, transactionId: tx.transactionId, planId: null, message: `${vehicle.name}: charge now, ${boost.energyKwh} kWh at full power`, phrase: phrase('decision.boostSet', { vehicle: vehicle.name, kwh: boost.energyKwh }), details: record });
  deps.trigger(site.id, 'boost-set');
  return record;
}

export async function clearBoost(deps: ChargeNowDeps, vehicle: Vehicle): Promise<boolean> {
  const boost = await boostOfVehicle(deps, vehicle.id);
  if (!boost) return false;
  await deps.serial.run(boostKey(boost.stationId, boost.transactionId), () => deps.stores.transactions.setBoost(boost.stationId, boost.transactionId, null));
  const site = deps.index.site(boost.siteId)!;
  await deps.decide(site, { kind: 'boost.cleared', stationId: boost.stationId, evseId: boost.evseId, transactionId: boost.transactionId, planId: null, message: `${vehicle.name}: charge now cleared after ${boost.deliveredKwh.toFixed(1)} of ${boost.energyKwh} kWh`, phrase: phrase('decision.boostCleared', { vehicle: vehicle.name, deliveredKwh: tenth(boost.deliveredKwh), kwh: boost.energyKwh }), details: boost });
  deps.trigger(site.id, 'boost-cleared');
  return true;
}

/** At most what a target may ask (domain/vehicles.ts, Amount). */
export const MAX_BOOST_KWH = 1000;
/** A boost's rest under 50 Wh counts as done (a target's rest: planned-session.ts DONE_KWH). */
export const BOOST_DONE_KWH = 0.05;

export interface VehicleSession {
  site: Site;
  evse: PlacedEvse;
  tx: TransactionRecord;
}

/** The running session of a vehicle on one of our sites, identified the way the planner does (the first in site order). */
export async function sessionOfVehicle(deps: ChargeNowDeps, vehicleId: string): Promise<VehicleSession | undefined> {
  for (const site of deps.index.sites) {
    const active = new Map((await deps.stores.transactions.activeOnEvses(site.evses)).map((a) => [`${a.stationId}#${a.evseId}`, a.transaction]));
    const sessions = site.evses.flatMap((evse) => {
      const tx = active.get(`${evse.stationId}#${evse.evseId}`);
      return tx ? [{ site, evse, tx }] : [];
    });
    const found = await firstInOrder(sessions, async (s) => ((await identifyVehicle(s.tx, deps.stores)).vehicle?.id === vehicleId ? s : undefined));
    if (found) return found;
  }
  return undefined;
}

/** Checks the amount; returns the message for the field, or null when it is fine. */
export function boostAmountProblem(energyKwh: unknown, vehicle: Vehicle): string | null {
  if (typeof energyKwh !== 'number' || !Number.isFinite(energyKwh)) return 'energyKwh: must be a number of kWh';
  if (energyKwh <= 0 || energyKwh > MAX_BOOST_KWH) return `energyKwh: must be above 0 and at most ${MAX_BOOST_KWH} kWh`;
  if (vehicle.batteryKwh !== null && energyKwh > vehicle.batteryKwh) return `energyKwh: more than the battery of ${vehicle.name} holds (${vehicle.batteryKwh} kWh)`;
  return null;
}

/** The vehicle's boost with its progress, or undefined when it has none (or it is delivered). */
export async function boostOfVehicle(deps: ChargeNowDeps, vehicleId: string): Promise<BoostRecord | undefined> {
  for (const tx of await deps.stores.transactions.activeBoosted(vehicleId)) {
    if (tx.boost?.vehicleId !== vehicleId || tx.evseId === null) continue;
    const placed = deps.index.evse(tx.stationId, tx.evseId);
    if (!placed) continue;
    const record = boostRecord(placed.site, tx, await deliveredOf(tx, deps.stores));
    return record.remainingKwh < BOOST_DONE_KWH ? undefined : record;
  }
  return undefined;
}

export function boostRecord(site: Site, tx: TransactionRecord, deliveredKwh: number): BoostRecord {
  const b = tx.boost!;
  const since = Math.max(0, deliveredKwh - b.fromDeliveredKwh);
  return {
    vehicleId: b.vehicleId,
    siteId: site.id,
    stationId: tx.stationId,
    evseId: tx.evseId!,
    transactionId: tx.transactionId,
    energyKwh: b.energyKwh,
    deliveredKwh: round4(Math.min(since, b.energyKwh)),
    remainingKwh: round4(Math.max(0, b.energyKwh - since)),
    setAt: b.setAt,
  };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
