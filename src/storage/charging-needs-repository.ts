import type { Db } from './database.js';
import type { ChargingNeedsRecord, ChargingNeedsStore } from '../domain/stations.js';

interface Row {
  station_id: string;
  evse_id: number;
  transaction_id: string | null;
  requested_energy_transfer: string;
  departure_time: string | null;
  energy_amount_wh: number | null;
  ev_min_current_a: number | null;
  ev_max_current_a: number | null;
  ev_max_voltage_v: number | null;
  ev_max_power_w: number | null;
  max_schedule_tuples: number | null;
  received_at: string;
}

/** ISO 15118 charging needs (K15-K17), every one kept; the latest per EVSE is what the scheduler uses. */
export class ChargingNeedsRepository implements ChargingNeedsStore {
  private readonly insert;
  private readonly latestStmt;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO charging_needs (station_id, evse_id, transaction_id, requested_energy_transfer, departure_time,
         energy_amount_wh, ev_min_current_a, ev_max_current_a, ev_max_voltage_v, ev_max_power_w, max_schedule_tuples,
         payload, received_at)
       VALUES (@stationId, @evseId, @transactionId, @requestedEnergyTransfer, @departureTime, @energyAmountWh,
         @evMinCurrentA, @evMaxCurrentA, @evMaxVoltageV, @evMaxPowerW, @maxScheduleTuples, @payload, @receivedAt)`,
    );
    this.latestStmt = db.prepare<[string, number], Row>(
      'SELECT * FROM charging_needs WHERE station_id = ? AND evse_id = ? ORDER BY id DESC LIMIT 1',
    );
  }

  record(needs: ChargingNeedsRecord, payload: unknown): void {
    this.insert.run({ ...needs, payload: JSON.stringify(payload) });
  }

  latest(stationId: string, evseId: number): ChargingNeedsRecord | undefined {
    const r = this.latestStmt.get(stationId, evseId);
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
