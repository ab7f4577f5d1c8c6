import type { Db } from './sql/dialect.js';
import type { ChargingNeedsRecord, ChargingNeedsStore } from '../domain/stations.js';

/** ISO 15118 charging needs (K15-K17), every one kept; the latest per EVSE is what the scheduler uses. */
export class ChargingNeedsRepository implements ChargingNeedsStore {
  constructor(private readonly db: Db) {}

  async record(needs: ChargingNeedsRecord, payload: unknown): Promise<void> {
    await this.db.insertInto('charging_needs')
      .values({
        station_id: needs.stationId,
        evse_id: needs.evseId,
        transaction_id: needs.transactionId,
        requested_energy_transfer: needs.requestedEnergyTransfer,
        departure_time: needs.departureTime,
        energy_amount_wh: needs.energyAmountWh,
        ev_min_current_a: needs.evMinCurrentA,
        ev_max_current_a: needs.evMaxCurrentA,
        ev_max_voltage_v: needs.evMaxVoltageV,
        ev_max_power_w: needs.evMaxPowerW,
        max_schedule_tuples: needs.maxScheduleTuples,
        payload: JSON.stringify(payload),
        received_at: needs.receivedAt,
      })
      .execute();
  }

  async latest(stationId: string, evseId: number): Promise<ChargingNeedsRecord | undefined> {
    const r = await this.db.selectFrom('charging_needs')
      .select([
        'station_id', 'evse_id', 'transaction_id', 'requested_energy_transfer', 'departure_time', 'energy_amount_wh',
        'ev_min_current_a', 'ev_max_current_a', 'ev_max_voltage_v', 'ev_max_power_w', 'max_schedule_tuples', 'received_at',
      ])
      .where('station_id', '=', stationId).where('evse_id', '=', evseId)
      .orderBy('id', 'desc').limit(1)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      stationId: r.station_id,
      evseId: r.evse_id,
      transactionId: r.transaction_id,
      requestedEnergyTransfer: r.requested_energy_transfer,
      departureTime: r.departure_time,
      energyAmountWh: r.energy_amount_wh,
      evMinCurrentA: r.ev_min_current_a,
      evMaxCurrentA: r.ev_max_current_a,
      evMaxVoltageV: r.ev_max_voltage_v,
      evMaxPowerW: r.ev_max_power_w,
      maxScheduleTuples: r.max_schedule_tuples,
      receivedAt: r.received_at,
    };
  }
}
