import type { AuditEntry } from './audit.js';
import type { IdTokenTransfer, VehicleStore } from './vehicles.js';

/**
 * People's edits of vehicles (issue 16: the fleet page's vehicles, cards and chargers; a homeowner's own car), each
 * one transaction with its audit entry: the entry, the assignment change and the vehicle's write commit together
 * or not at all, so the log never shows a change that did not happen nor misses one that did.
 */

/** "This van is on that charger" (a fleet manager's assignment when no id token says so). */
export interface EvseRef {
  stationId: string;
  evseId: number;
}

export interface VehicleAssignment extends EvseRef {
  vehicleId: string;
}

export interface VehicleChange {
  audit: AuditEntry;
  /**
   * Absent: the assignments stay. An EVSE: the vehicle is put on it and taken off every other (a van is in one
   * place), and a van on that EVSE before is taken off it. null: the vehicle is taken off every EVSE.
   */
  assign?: EvseRef | null;
}

export interface VehicleChanges {
  /**
   * One transaction: the audit entry, the assignment change, then `write`, which must store through the store it
   * is given (the scheduler's upsert inside it; IdTokenTransfer for an explicit token move) and nothing else.
   */
  changing<T>(change: VehicleChange, write: (vehicles: VehicleStore & IdTokenTransfer) => Promise<T>): Promise<T>;
  /** The EVSEs the given vehicles are assigned to (at most one per EVSE, so bounded by the sites' EVSEs). */
  assignmentsOf(vehicleIds: readonly string[]): Promise<VehicleAssignment[]>;
}
