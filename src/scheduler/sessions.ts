import { deliveredKwh } from '../domain/meter.js';
import type { PlacedEvse, Site } from '../domain/sites.js';
import type { ChargingNeedsRecord, ChargingNeedsStore, MeterValueStore, TransactionStore } from '../domain/stations.js';
import type { AssignmentStore, TargetStore, Vehicle, VehicleStore } from '../domain/vehicles.js';

/** One car charging on one of the site's EVSEs, as the planner sees it. */
export interface ActiveSession {
  stationId: string;
  evseId: number;
  transactionId: string;
  startedMs: number;
  evse: PlacedEvse;
  vehicle: Vehicle | null;
  identifiedBy: 'id-token' | 'assignment' | null;
  deliveredKwh: number;
  socPercent: number | null;
  needs: ChargingNeedsRecord | undefined;
}

export interface SessionStores {
  transactions: Pick<TransactionStore, 'activeOnEvse'>;
  meterValues: Pick<MeterValueStore, 'forTransaction' | 'latest'>;
  chargingNeeds: Pick<ChargingNeedsStore, 'latest'>;
  vehicles: Pick<VehicleStore, 'byIdToken' | 'get'>;
  assignments: Pick<AssignmentStore, 'onEvse'>;
  targets: Pick<TargetStore, 'get'>;
}

/**
 * The site's sessions: an active transaction on each placed EVSE. The car is identified by its id token in the
 * transaction (TransactionEvent or the Authorize before it stored it), else by a fleet manager's assignment.
 */
export function activeSessions(site: Site, stores: SessionStores): ActiveSession[] {
  const out: ActiveSession[] = [];
  for (const evse of site.evses) {
    const tx = stores.transactions.activeOnEvse(evse.stationId, evse.evseId);
    if (!tx) continue;
    let vehicle: Vehicle | null = null;
    let identifiedBy: ActiveSession['identifiedBy'] = null;
    const byToken = tx.idToken ? stores.vehicles.byIdToken(tx.idToken) : undefined;
    if (byToken) {
      vehicle = byToken;
      identifiedBy = 'id-token';
    } else {
      const assigned = stores.assignments.onEvse(evse.stationId, evse.evseId);
      const v = assigned ? stores.vehicles.get(assigned) : undefined;
      if (v) {
        vehicle = v;
        identifiedBy = 'assignment';
      }
    }
    // The transaction record keeps the first and latest register; the samples are read only when it lacks them.
    const delivered = tx.energyWh !== null && tx.meterStartWh !== null
      ? Math.max(0, (tx.energyWh - tx.meterStartWh) / 1000)
      : deliveredKwh(stores.meterValues.forTransaction(evse.stationId, tx.transactionId), tx.meterStartWh);
    const soc = stores.meterValues.latest(evse.stationId, tx.transactionId, 'SoC');
    const needs = stores.chargingNeeds.latest(evse.stationId, evse.evseId);
    // Needs from an earlier session on this EVSE do not apply (K15: they are sent per transaction).
    const current = needs && (needs.transactionId === tx.transactionId || (needs.transactionId === null && needs.receivedAt >= tx.startedAt));
    out.push({
      stationId: evse.stationId,
      evseId: evse.evseId,
      transactionId: tx.transactionId,
      startedMs: Date.parse(tx.startedAt),
      evse,
      vehicle,
      identifiedBy,
      deliveredKwh: delivered,
      socPercent: soc ? soc.value : null,
      needs: current ? needs : undefined,
    });
  }
  return out;
}
