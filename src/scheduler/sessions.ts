import { deliveredKwh } from '../domain/meter.js';
import type { PlacedEvse } from '../domain/sites.js';
import type {
  ChargingNeedsRecord, ChargingNeedsStore, MeterSample, MeterValueStore, RunningTransaction, SessionBoost, TransactionStore,
} from '../domain/stations.js';
import type { AssignmentStore, TargetStore, Vehicle, VehicleStore } from '../domain/vehicles.js';
import { meterReadout, type MeterReadout } from './meter-state.js';

/** One car charging on one of the site's EVSEs, as the planner sees it. */
export interface ActiveSession {
  stationId: string;
  evseId: number;
  transactionId: string;
  startedMs: number;
  evse: PlacedEvse;
  vehicle: Vehicle | null;
  identifiedBy: 'id-token' | 'assignment' | null;
  /** Energy delivered so far: the latest register reading, plus what the planner extrapolates from power since. */
  deliveredKwh: number;
  /** The same by the latest register reading alone. */
  meteredKwh: number;
  socPercent: number | null;
  /** When the SoC was read (ms), to count the energy taken since. */
  socAtMs: number | null;
  /** The recent meter (power, register readings, chargingState): extrapolation and "stopped drawing" (meter-state.ts). */
  meter: MeterReadout;
  needs: ChargingNeedsRecord | undefined;
  /** The car the session record names (what the scheduler recorded last time), to notice a change. */
  recordedVehicleId: string | null;
  boost: SessionBoost | null;
}

/** What a cycle reads its sessions from: a site's at once (one query per kind, snapshot.ts), cars by token or id. */
export interface SessionStores {
  transactions: Pick<TransactionStore, 'runningOnEvses'>;
  /** `recent`: the newest power readings, for the compliance check on each meter value (verify.ts). */
  meterValues: Pick<MeterValueStore, 'forTransaction' | 'forTransactions' | 'latestOf' | 'recent'>;
  chargingNeeds: Pick<ChargingNeedsStore, 'latestOnEvses'>;
  vehicles: Pick<VehicleStore, 'byIdToken' | 'get'> & Partial<Pick<VehicleStore, 'list'>>;
  assignments: Pick<AssignmentStore, 'onEvse'>;
  targets: Pick<TargetStore, 'many'>;
}

/** How a session's car is found: by token or id, and a fleet manager's assignment to an EVSE. */
export type VehicleLookup = Pick<SessionStores, 'vehicles' | 'assignments'>;

/** From this many EVSEs on a site, one read of every vehicle per cycle costs less than two reads per session. */
export const LIST_VEHICLES_FROM = 64;

/** The vehicles looked up by token and id in memory, from one read of them all (when the store offers it). */
export async function cycleVehicles(stores: VehicleLookup): Promise<VehicleLookup> {
  const list = await stores.vehicles.list?.();
  if (!list) return stores;
  const byId = new Map(list.map((v) => [v.id, v]));
  const byToken = new Map(list.flatMap((v) => v.idTokens.map((t) => [t, v] as const)));
  return {
    assignments: stores.assignments,
    vehicles: { byIdToken: (t) => Promise.resolve(byToken.get(t)), get: (id) => Promise.resolve(byId.get(id)) },
  };
}

/** What the cycle read of one session besides its transaction (snapshot.ts), in memory. */
export interface SessionReads {
  car: Pick<ActiveSession, 'vehicle' | 'identifiedBy'>;
  /** The latest SoC sample of the session, if any. */
  soc: MeterSample | undefined;
  /** The EVSE's latest charging needs, whichever session they came with. */
  needs: ChargingNeedsRecord | undefined;
  /** Energy delivered so far by the register (deliveredOf). */
  meteredKwh: number;
  /** The session's samples of the last METER_WINDOW_MS (meter-state.ts). */
  recent: readonly MeterSample[];
}

/** One active session on `evse` as the planner sees it, from what the cycle read. Pure. */
export function activeSession(evse: PlacedEvse, tx: RunningTransaction, r: SessionReads): ActiveSession {
  // Needs from an earlier session on this EVSE do not apply (K15: they are sent per transaction).
  const needs = r.needs;
  const current = needs && (needs.transactionId === tx.transactionId || (needs.transactionId === null && needs.receivedAt >= tx.startedAt));
  return {
    stationId: evse.stationId,
    evseId: evse.evseId,
    transactionId: tx.transactionId,
    startedMs: Date.parse(tx.startedAt),
    evse,
    vehicle: r.car.vehicle,
    identifiedBy: r.car.identifiedBy,
    deliveredKwh: r.meteredKwh,
    meteredKwh: r.meteredKwh,
    socPercent: r.soc ? r.soc.value : null,
    socAtMs: r.soc ? Date.parse(r.soc.timestamp) : null,
    meter: meterReadout(r.recent, tx.chargingState),
    needs: current ? needs : undefined,
    recordedVehicleId: tx.vehicleId ?? null,
    boost: tx.boost ?? null,
  };
}

/**
 * The car of a running session: by its id token (TransactionEvent, or the Authorize before it stored it), else by a
 * fleet manager's assignment to the EVSE.
 */
export async function identifyVehicle(tx: Pick<RunningTransaction, 'stationId' | 'evseId' | 'idToken'>, stores: VehicleLookup): Promise<Pick<ActiveSession, 'vehicle' | 'identifiedBy'>> {
  const byToken = tx.idToken ? await stores.vehicles.byIdToken(tx.idToken) : undefined;
  if (byToken) return { vehicle: byToken, identifiedBy: 'id-token' };
  const assigned = tx.evseId === null ? undefined : await stores.assignments.onEvse(tx.stationId, tx.evseId);
  const v = assigned ? await stores.vehicles.get(assigned) : undefined;
  return v ? { vehicle: v, identifiedBy: 'assignment' } : { vehicle: null, identifiedBy: null };
}

/** Energy delivered in the session so far, kWh. */
export async function deliveredOf(tx: Pick<RunningTransaction, 'stationId' | 'transactionId' | 'energyWh' | 'meterStartWh'>, stores: Pick<SessionStores, 'meterValues'>): Promise<number> {
  // The transaction record keeps the first and latest register; the samples are read only when it lacks them.
  return tx.energyWh !== null && tx.meterStartWh !== null
    ? Math.max(0, (tx.energyWh - tx.meterStartWh) / 1000)
    : deliveredKwh(await stores.meterValues.forTransaction(tx.stationId, tx.transactionId), tx.meterStartWh);
}
