/**
 * Everything one planning cycle of one site needs, read once (issue 15): the planner (planner.ts) then works on this
 * snapshot with pure functions and never awaits a store. A site's sessions are read with one query per kind for all
 * of them (active transactions, recent meter samples, SoC, charging needs, targets, held profiles, charger statuses),
 * not per session: at 1,000 cars a query each was 6,000 queries, several times the plan's own time. The reads run
 * together (Promise.all) in a few rounds: the transactions with everything keyed by EVSE or site (statuses, pushes,
 * needs, arrivals, demand peak, latest plan); then the sessions' samples and cars; then their targets; and once the
 * sessions say how far the plan reaches (the grid), the prices and capacity limits over exactly that grid.
 */
import type { ChargerCompliance, PlanRecord, PowerPeriod, ProfileStore, PushedProfileRecord } from '../domain/plans.js';
import type { CapacityLimitInterval, CapacityLimitStore, EffectiveSlot, SitePriceProvider } from '../domain/prices.js';
import type { Site } from '../domain/sites.js';
import type { TargetRecord, Vehicle } from '../domain/vehicles.js';
import type { ArrivalModel } from './arrivals-model.js';
import type { SiteDemand } from './demand-peak.js';
import { plannedSession, type NeedSession } from './planned-session.js';
import { lastWattHoursEnd, slotGrid, type PlannedSession, type SlotGrid } from './problem.js';
import { METER_WINDOW_MS } from './meter-state.js';
import {
  activeSession, cycleVehicles, deliveredOf, identifyVehicle, LIST_VEHICLES_FROM, type ActiveSession, type SessionStores, type VehicleLookup,
} from './sessions.js';

/** A session of the cycle: planned (planned-session.ts), with what its charger holds and how it follows profiles. */
export interface CycleSession extends NeedSession {
  compliance: ChargerCompliance;
  /** What we last pushed to this transaction (for chargers that hold it while we cannot reach them, and the push step). */
  pushed: PushedProfileRecord | undefined;
  /** Counted done before this cycle (the scheduler keeps it per session); `stopped` without this is found now. */
  stoppedBefore: boolean;
}

/** The site's effective prices over the grid, or why there are none (planned earliest first then). */
export type CyclePrices = { slots: EffectiveSlot[]; error: null } | { slots: null; error: string };

export interface CycleSnapshot {
  site: Site;
  now: number;
  /** The active session of each of the site's EVSEs that has one, in the site's EVSE order. */
  sessions: CycleSession[];
  /** The planning grid: from now until the last departure (or boost), cut at the steered cars' departures. */
  grid: SlotGrid;
  prices: CyclePrices;
  /** The site's import capacity limits overlapping the grid; null when the site has none configured. */
  capacityLimits: CapacityLimitInterval[] | null;
  /** The site's learned arrivals (arrivals.ts); undefined: plan the cars that are here. */
  arrivals: ArrivalModel | undefined;
  /** The site's demand charge and the billing period's peak so far (demand-peak.ts); undefined: energy only. */
  demand: SiteDemand | undefined;
  /** The site's latest stored plan, to skip storing an empty plan after an empty one. */
  previousPlan: PlanRecord | undefined;
}

/**
 * A vehicle store that finds many cars by their tokens at once (the storage's VehicleRepository.byIdTokens): a small
 * site's cycle then reads its sessions' cars in one query instead of one per session (issue 15). Optional: a store
 * without it is asked per session, as identifyVehicle does.
 */
export interface TokenLookup {
  vehicles: { byIdTokens?: ((idTokens: readonly string[]) => Promise<Map<string, Vehicle>>) | undefined };
}

/** Where a snapshot is read from: the store ports, plus what the scheduler keeps in memory (read, never awaited). */
export interface SnapshotSources {
  stores: SessionStores & TokenLookup & { profiles: Pick<ProfileStore, 'pushedOf' | 'complianceOf'> };
  prices: SitePriceProvider;
  capacity?: Pick<CapacityLimitStore, 'limits'> | undefined;
  /** Whether a station is connected now: a charger we cannot reach is 'unreachable', whatever its stored status. */
  connected(stationId: string): boolean;
  /** Lower limits a charger reported through its composite schedule, per transaction. */
  caps(transactionId: string): PowerPeriod[] | null;
  /** A car found to have stopped drawing earlier in this session: it stays done (planned-session.ts). */
  stopped?: ((stationId: string, transactionId: string) => boolean) | undefined;
  /** The site's learned arrivals (relearned once a day); absent: plan the cars that are here. */
  arrivals?: ((site: Site, now: number) => Promise<ArrivalModel | undefined>) | undefined;
  /** The site's demand charge and peak so far (measured once per quarter hour); absent: energy only. */
  demand?: ((site: Site, now: number) => Promise<SiteDemand | undefined>) | undefined;
  latestPlan?: ((siteId: string) => Promise<PlanRecord | undefined>) | undefined;
  /** An EVSE out of service (its connectors Unavailable or Faulted, issue 17): its session is not planned. */
  outOfService?: ((stationId: string, evseId: number) => boolean) | undefined;
}

/** Chargers we cannot steer: planned as they really draw, and the others planned around them. */
const UNCONTROLLED: readonly ChargerCompliance[] = ['ignores-profiles', 'rejects-profiles', 'unreachable'];

export const isSteered = (s: Pick<CycleSession, 'compliance'>) => !UNCONTROLLED.includes(s.compliance);

interface SessionRead {
  session: ActiveSession;
  targets: TargetRecord | undefined;
  pushed: PushedProfileRecord | undefined;
  compliance: ChargerCompliance;
}

const evseKey = (stationId: string, evseId: number) => `${stationId}#${evseId}`;
const pushKey = (stationId: string, evseId: number, transactionId: string) => `${stationId}#${evseId}#${transactionId}`;

/** Reads the cycle's snapshot of `site` at `now`. */
export async function loadCycleSnapshot(site: Site, now: number, src: SnapshotSources): Promise<CycleSnapshot> {
  const connected = [...new Set(site.evses.map((e) => e.stationId))].filter((id) => src.connected(id));
  const [reads, arrivals, demand, previousPlan] = await Promise.all([
    readSessions(site, now, src, connected),
    src.arrivals?.(site, now),
    src.demand?.(site, now),
    src.latestPlan?.(site.id),
  ]);
  const sessions = reads.map((r): CycleSession => {
    const { session } = r;
    const stoppedBefore = src.stopped?.(session.stationId, session.transactionId) === true;
    const planned = plannedSession(site, now, session, { targets: r.targets, pushed: r.pushed, caps: src.caps(session.transactionId), stoppedBefore });
    return { ...planned, compliance: r.compliance, pushed: r.pushed, stoppedBefore };
  });
  const grid = cycleGrid(site, now, sessions);
  const [prices, capacityLimits] = await Promise.all([loadPrices(site, grid, src.prices), loadCapacity(site, grid, src.capacity)]);
  return { site, now, sessions, grid, prices, capacityLimits, arrivals, demand, previousPlan };
}

/** The site's active sessions, in its EVSE order, with all they need. */
async function readSessions(site: Site, now: number, src: SnapshotSources, connected: readonly string[]): Promise<SessionRead[]> {
  const { stores } = src;
  const lookup = site.evses.length >= LIST_VEHICLES_FROM ? cycleVehicles(stores) : Promise.resolve<VehicleLookup>(stores);
  const [active, statuses, needs] = await Promise.all([
    stores.transactions.runningOnEvses(site.evses),
    stores.profiles.complianceOf(connected),
    stores.chargingNeeds.latestOnEvses(site.evses),
    lookup,
  ]);
  const txOf = new Map(active.map((a) => [evseKey(a.stationId, a.evseId), a.transaction]));
  const found = site.evses.flatMap((evse) => {
    const tx = txOf.get(evseKey(evse.stationId, evse.evseId));
    return tx && !src.outOfService?.(evse.stationId, evse.evseId) ? [{ evse, tx }] : [];
  });
  const refs = found.map(({ evse, tx }) => ({ stationId: evse.stationId, transactionId: tx.transactionId }));
  const listed = await lookup;
  const [recent, socs, held, delivered, vehicles] = await Promise.all([
    stores.meterValues.forTransactions(refs, new Date(now - METER_WINDOW_MS).toISOString()),
    stores.meterValues.latestOf(refs, 'SoC'),
    stores.profiles.pushedOf(found.map(({ evse, tx }) => ({ stationId: evse.stationId, evseId: evse.evseId, transactionId: tx.transactionId }))),
    Promise.all(found.map(({ tx }) => deliveredOf(tx, stores))),
    listed === stores ? byTokens(stores, found.map(({ tx }) => tx.idToken)) : listed,
  ]);
  const cars = await Promise.all(found.map(({ tx }) => identifyVehicle(tx, vehicles)));
  const targets = await stores.targets.many([...new Set(cars.flatMap((c) => (c.vehicle ? [c.vehicle.id] : [])))]);
  const pushes = new Map(held.map((p) => [pushKey(p.stationId, p.evseId, p.transactionId), p]));
  const online = new Set(connected);
  const samplesOf = groupBy(recent, (s) => `${s.stationId}#${s.transactionId}`);
  const socOf = new Map(socs.map((s) => [`${s.stationId}#${s.transactionId}`, s]));
  const needsOf = new Map(needs.map((n) => [evseKey(n.stationId, n.evseId), n]));
  const statusOf = new Map(statuses.map((c) => [evseKey(c.stationId, c.evseId), c.compliance]));
  return found.map(({ evse, tx }, k) => {
    const key = `${evse.stationId}#${tx.transactionId}`;
    const car = cars[k]!;
    const session = activeSession(evse, tx, {
      car, soc: socOf.get(key), needs: needsOf.get(evseKey(evse.stationId, evse.evseId)), meteredKwh: delivered[k]!, recent: samplesOf.get(key) ?? [],
    });
    const compliance = online.has(evse.stationId) ? statusOf.get(evseKey(evse.stationId, evse.evseId)) ?? 'unknown' : 'unreachable';
    return { session, targets: car.vehicle ? targets.get(car.vehicle.id) : undefined, pushed: pushes.get(pushKey(evse.stationId, evse.evseId, tx.transactionId)), compliance };
  });
}

/**
 * The sessions' cars by token in one read when the store offers it (TokenLookup), as a lookup that answers those
 * tokens from memory (a token no vehicle holds: undefined, as the store would say) and asks the store for the rest
 * (the assignment and the assigned car of a session no token identifies).
 */
async function byTokens(stores: SessionStores & TokenLookup, tokens: readonly (string | null)[]): Promise<VehicleLookup> {
  const read = stores.vehicles.byIdTokens;
  if (read === undefined) return stores;
  const found = await read.call(stores.vehicles, tokens.flatMap((t) => (t ? [t] : [])));
  return {
    assignments: stores.assignments,
    vehicles: { byIdToken: (t) => Promise.resolve(found.get(t)), get: (id) => stores.vehicles.get(id) },
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * The grid a cycle plans on: from now until the last departure, at most the site's horizon. A boost may outlast the
 * departure (the car stays plugged in): the grid reaches at least its end at full power. A steered car is planned
 * until it leaves, to the minute: its departure (and an intermediate target) cuts the grid, and so does the end of
 * a car's last watt-hours (lastWattHoursEnd).
 */
export function cycleGrid(site: Site, now: number, sessions: readonly CycleSession[]): SlotGrid {
  const horizonEnd = now + site.policy.maxHorizonHours * 3_600_000;
  const boostEnd = (s: PlannedSession) => (s.boostKwh > 0 && s.maxKw > 0 ? now + (s.boostKwh / s.maxKw) * 3_600_000 + site.slotMinutes * 60_000 : 0);
  const until = Math.min(horizonEnd, Math.max(now + 1, ...sessions.map((s) => Math.max(s.target.departureMs, boostEnd(s)))));
  const cuts = sessions.filter((s) => isSteered(s) && s.requestedKwh > 0).flatMap((s) => {
    const last = lastWattHoursEnd(now, s);
    return [s.target.departureMs, ...(s.target.minimum ? [s.target.minimum.byMs] : []), ...(last !== null ? [last] : [])];
  });
  return slotGrid(now, site.slotMinutes, until, cuts);
}

async function loadPrices(site: Site, grid: SlotGrid, prices: SitePriceProvider): Promise<CyclePrices> {
  const start = Math.floor(grid.starts[0]! / grid.slotMs) * grid.slotMs;
  try {
    return { slots: await prices.effective(site.tariff, { start, end: grid.endMs }, grid.slotMs), error: null };
  } catch (err) {
    // No price at all (a zone that never received data and has no fallback tariff): the planner still plans
    // within the limits, earliest first, and says so.
    return { slots: null, error: (err as Error).message };
  }
}

async function loadCapacity(site: Site, grid: SlotGrid, capacity: SnapshotSources['capacity']): Promise<CapacityLimitInterval[] | null> {
  if (!site.capacityLimitTarget || !capacity) return null;
  const limits = await capacity.limits(site.capacityLimitTarget, { start: grid.starts[0]!, end: grid.endMs });
  return limits.filter((l) => l.direction === 'import');
}
