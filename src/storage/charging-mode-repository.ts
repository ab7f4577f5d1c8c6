import type { ChargingMode, ChargingModeStore } from '../domain/charging-modes.js';
import type { Db } from './sql/dialect.js';

/**
 * The charging mode and the weekly rule's removal, on the departure_targets row (migration 0022). The row's other
 * columns are kept (updated_at too: it dates the targets, from which a minimumNow counts): a mode never touches the targets, and dropping the weekly rule keeps the one-off target.
 */
export class ChargingModeRepository implements ChargingModeStore {
  constructor(private readonly db: Db) {}

  async setMode(vehicleId: string, mode: ChargingMode | null, at: string): Promise<void> {
    const json = mode ? JSON.stringify(mode) : null;
    await this.db.insertInto('departure_targets')
      .values({ vehicle_id: vehicleId, once_json: null, weekly_json: null, mode_json: json, updated_at: at })
      .onConflict((oc) => oc.column('vehicle_id').doUpdateSet({ mode_json: json }))
      .execute();
  }

  async clearWeekly(vehicleId: string, at: string): Promise<void> {
    await this.db.updateTable('departure_targets').set({ weekly_json: null, updated_at: at }).where('vehicle_id', '=', vehicleId).execute();
  }
}
