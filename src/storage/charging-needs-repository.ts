import { sql, type Selectable } from 'kysely';
import type { Db } from './sql/dialect.js';
import { stringsOfJson } from './sql/json-params.js';
import { prepare } from './sql/prepared.js';
import type { ChargingNeedsTable } from './sql/schema.js';
import type { ChargingNeedsRecord, ChargingNeedsStore, EvseRef } from '../domain/stations.js';

const COLUMNS = [
  'station_id', 'evse_id', 'transaction_id', 'requested_energy_transfer', 'departure_time', 'energy_amount_wh',
  'ev_min_current_a', 'ev_max_current_a', 'ev_max_voltage_v', 'ev_max_power_w', 'max_schedule_tuples', 'received_at',
] as const;

/** Read by every planning cycle (latestOnEvses): compiled once (sql/prepared.ts). */
const latestOfStations = prepare('charging_needs.latestOfStations', (db: Db, p: { stations: string }) =>
  db.selectFrom('charging_needs').select(COLUMNS)
    .where('id', 'in', (eb) => eb.selectFrom('charging_needs').select((x) => x.fn.max('id').as('id'))
      .where(sql<boolean>`${sql.ref('station_id')} IN ${stringsOfJson(db, p.stations)}`).groupBy(['station_id', 'evse_id'])));

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
    const r = await this.db.selectFrom('charging_needs').select(COLUMNS)
      .where('station_id', '=', stationId).where('evse_id', '=', evseId)
      .orderBy('id', 'desc').limit(1)
      .executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  /** The latest of each EVSE of these stations in one query (the highest id per EVSE); the pairs asked for are picked. */
  async latestOnEvses(evses: readonly EvseRef[]): Promise<ChargingNeedsRecord[]> {
    if (evses.length === 0) return [];
    const rows = await latestOfStations.all(this.db, { stations: JSON.stringify([...new Set(evses.map((e) => e.stationId))]) });
    const wanted = new Set(evses.map((e) => `${e.stationId}#${e.evseId}`));
    return rows.filter((r) => wanted.has(`${r.station_id}#${r.evse_id}`)).map(toRecord);
  }
}

function toRecord(r: Pick<Selectable<ChargingNeedsTable>, (typeof COLUMNS)[number]>): ChargingNeedsRecord {
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
