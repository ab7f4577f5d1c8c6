import type { Db } from './database.js';
import type { MeterSample, MeterValueStore } from '../domain/stations.js';

interface Row {
  evse_id: number;
  timestamp: string;
  measurand: string;
  phase: string;
  location: string;
  context: string | null;
  value: number;
  unit: string | null;
  multiplier: number;
}

/** Meter values as a time series: one row per sampled value, indexed by transaction and by EVSE. */
export class MeterValueRepository implements MeterValueStore {
  private readonly insert;
  private readonly byTx;
  private readonly byTxSince;
  private readonly latestStmt;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO meter_values (station_id, transaction_id, evse_id, timestamp, measurand, phase, location, context,
         value, unit, multiplier, source, received_at)
       VALUES (@stationId, @transactionId, @evseId, @timestamp, @measurand, @phase, @location, @context,
         @value, @unit, @multiplier, @source, @receivedAt)`,
    );
    this.byTx = db.prepare<[string, string], Row>(
      `SELECT evse_id, timestamp, measurand, phase, location, context, value, unit, multiplier FROM meter_values
       WHERE station_id = ? AND transaction_id = ? ORDER BY timestamp, id`,
    );
    this.byTxSince = db.prepare<[string, string, string], Row>(
      `SELECT evse_id, timestamp, measurand, phase, location, context, value, unit, multiplier FROM meter_values
       WHERE station_id = ? AND transaction_id = ? AND timestamp >= ? ORDER BY timestamp, id`,
    );
    this.latestStmt = db.prepare<[string, string, string], Row>(
      `SELECT evse_id, timestamp, measurand, phase, location, context, value, unit, multiplier FROM meter_values
       WHERE station_id = ? AND transaction_id = ? AND measurand = ? ORDER BY timestamp DESC, id DESC LIMIT 1`,
    );
  }

  append(stationId: string, evseId: number, transactionId: string | null, samples: MeterSample[], source: string, receivedAt: string): void {
    for (const s of samples) {
      this.insert.run({
        stationId,
        transactionId,
        evseId,
        timestamp: s.timestamp,
        measurand: s.measurand,
        phase: s.phase ?? '',
        location: s.location ?? '',
        context: s.context ?? null,
        value: s.value,
        unit: s.unit ?? null,
        multiplier: s.multiplier ?? 0,
        source,
        receivedAt,
      });
    }
  }

  latest(stationId: string, transactionId: string, measurand: string): MeterSample | undefined {
    const r = this.latestStmt.get(stationId, transactionId, measurand);
    return r ? toSample(r) : undefined;
  }

  forTransaction(stationId: string, transactionId: string, sinceIso?: string): (MeterSample & { evseId: number })[] {
    const rows = sinceIso === undefined ? this.byTx.all(stationId, transactionId) : this.byTxSince.all(stationId, transactionId, sinceIso);
    return rows.map((r) => ({ evseId: r.evse_id, ...toSample(r) }));
  }
}

function toSample(r: Row): MeterSample {
  return {
    timestamp: r.timestamp,
    measurand: r.measurand,
    ...(r.phase ? { phase: r.phase } : {}),
    ...(r.location ? { location: r.location } : {}),
    ...(r.context ? { context: r.context } : {}),
    value: r.value,
    ...(r.unit ? { unit: r.unit } : {}),
    multiplier: r.multiplier,
  };
}
