import type { AuditEntry } from './audit.js';
import type { IdTokenTransfer, Vehicle, VehicleStore } from './vehicles.js';

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
  /**
   * The vehicle as the edit read it. The change goes through only if the stored vehicle is still this one (its row
   * locked for the check on PostgreSQL); otherwise VehicleChangedError and nothing is written. An edit is computed
   * from what it read and stores the whole vehicle, so without the check a rename beside a card added a moment
   * earlier would store the card list from before and drop the new card.
   */
  expected?: Vehicle;
}

/** The vehicle changed (or went) between an edit's read and its write: `fields` name what differs. */
export class VehicleChangedError extends Error {
  override readonly name = 'VehicleChangedError';
  readonly code = 'VEHICLE_CHANGED';
  constructor(readonly vehicleId: string, readonly fields: readonly string[]) {
    super(`vehicle "${vehicleId}" was changed by someone else since it was read (${fields.join(', ')})`);
  }
}

/** The fields in which two states of a vehicle differ (id tokens as a set). */
export function vehicleDifferences(a: Vehicle, b: Vehicle): string[] {
  const fields = (['name', 'fleet', 'batteryKwh', 'maxAcKw', 'phases', 'minCurrentA'] as const).filter((k) => a[k] !== b[k]);
  const ta = [...a.idTokens].sort().join('\u0000');
  const tb = [...b.idTokens].sort().join('\u0000');
  return ta === tb ? [...fields] : [...fields, 'idTokens'];
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
