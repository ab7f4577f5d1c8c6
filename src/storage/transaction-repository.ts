import { energyRegisterWh } from '../domain/meter.js';
import type { Db } from './database.js';
import type {
  MeterSample, SessionAnnotationStore, SessionBoost, TransactionEventRecord, TransactionRecord, TransactionStore,
} from '../domain/stations.js';
import { MeterValueRepository } from './meter-value-repository.js';

interface Row {
  station_id: string;
  transaction_id: string;
  evse_id: number | null;
  connector_id: number | null;
  id_token: string | null;
  id_token_type: string | null;
  id_token_status: string | null;
  state: 'Started' | 'Ended';
  charging_state: string | null;
  remote_start_id: number | null;
  started_at: string;
  ended_at: string | null;
  stopped_reason: string | null;
  last_seq_no: number;
  last_event_at: string;
  meter_start_wh: number | null;
  energy_wh: number | null;
  offline: number;
  vehicle_id: string | null;
  boost_vehicle_id: string | null;
  boost_kwh: number | null;
  boost_from_kwh: number | null;
  boost_set_at: string | null;
}

function toRecord(r: Row): TransactionRecord {
  return {
    stationId: r.station_id,
    transactionId: r.transaction_id,
    evseId: r.evse_id,
    connectorId: r.connector_id,
    idToken: r.id_token,
    idTokenType: r.id_token_type,
    idTokenStatus: r.id_token_status,
    state: r.state,
    chargingState: r.charging_state,
    remoteStartId: r.remote_start_id,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    stoppedReason: r.stopped_reason,
    lastSeqNo: r.last_seq_no,
    meterStartWh: r.meter_start_wh,
    energyWh: r.energy_wh,
    offline: r.offline === 1,
    vehicleId: r.vehicle_id,
    boost: r.boost_kwh === null ? null : {
      vehicleId: r.boost_vehicle_id ?? '',
      energyKwh: r.boost_kwh,
      fromDeliveredKwh: r.boost_from_kwh ?? 0,
      setAt: r.boost_set_at ?? '',
    },
  };
}

export class TransactionRepository implements TransactionStore, SessionAnnotationStore {
  private readonly meters: MeterValueRepository;
  private readonly getStmt;
  private readonly insertEvent;
  private readonly insertTx;
  private readonly updateTx;
  private readonly setEvseTx;
  private readonly clearEvseTx;
  private readonly activeOnEvseStmt;
  private readonly applyTx;
  private readonly activeAll;
  private readonly activeOfStation;
  private readonly betweenAll;
  private readonly betweenOf;
  private readonly boostedStmt;
  private readonly setVehicleStmt;
  private readonly setBoostStmt;

  constructor(db: Db) {
    this.meters = new MeterValueRepository(db);
    this.getStmt = db.prepare<[string, string], Row>(
      'SELECT * FROM transactions WHERE station_id = ? AND transaction_id = ?',
    );
    // The primary key (station, transaction, seqNo) makes a retransmitted event a no-op (E01/E06 retries).
    this.insertEvent = db.prepare(
      `INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type, trigger_reason, timestamp,
         offline, payload, received_at)
       VALUES (@stationId, @transactionId, @seqNo, @eventType, @triggerReason, @timestamp, @offline, @payload, @receivedAt)
       ON CONFLICT DO NOTHING`,
    );
    this.insertTx = db.prepare(
      `INSERT INTO transactions (station_id, transaction_id, state, started_at, last_seq_no, last_event_at, updated_at)
       VALUES (?, ?, 'Started', ?, -1, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.updateTx = db.prepare(
      `UPDATE transactions SET
         evse_id = COALESCE(@evseId, evse_id),
         connector_id = COALESCE(@connectorId, connector_id),
         id_token = COALESCE(@idToken, id_token),
         id_token_type = COALESCE(@idTokenType, id_token_type),
         id_token_status = COALESCE(@idTokenStatus, id_token_status),
         remote_start_id = COALESCE(@remoteStartId, remote_start_id),
         charging_state = CASE WHEN @newer THEN COALESCE(@chargingState, charging_state) ELSE charging_state END,
         started_at = CASE WHEN @eventType = 'Started' THEN @timestamp ELSE MIN(started_at, @timestamp) END,
         state = CASE WHEN @eventType = 'Ended' OR state = 'Ended' THEN 'Ended' ELSE 'Started' END,
         ended_at = CASE WHEN @eventType = 'Ended' THEN @timestamp ELSE ended_at END,
         stopped_reason = COALESCE(@stoppedReason, stopped_reason),
         last_seq_no = MAX(last_seq_no, @seqNo),
         last_event_at = MAX(last_event_at, @timestamp),
         meter_start_wh = CASE WHEN @eventType = 'Started' AND @energyWh IS NOT NULL THEN @energyWh
                               ELSE COALESCE(meter_start_wh, @energyWh) END,
         energy_wh = CASE WHEN @energyWh IS NOT NULL AND (energy_wh IS NULL OR @newerEnergy) THEN @energyWh ELSE energy_wh END,
         offline = MAX(offline, @offline),
         updated_at = @receivedAt
       WHERE station_id = @stationId AND transaction_id = @transactionId`,
    );
    this.setEvseTx = db.prepare(
      `INSERT INTO evses (station_id, evse_id, current_transaction_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (station_id, evse_id) DO UPDATE SET current_transaction_id = excluded.current_transaction_id,
         updated_at = excluded.updated_at`,
    );
    this.clearEvseTx = db.prepare(
      `UPDATE evses SET current_transaction_id = NULL, updated_at = ?
       WHERE station_id = ? AND current_transaction_id = ?`,
    );
    this.activeOnEvseStmt = db.prepare<[string, number], Row>(
      `SELECT t.* FROM evses e JOIN transactions t
         ON t.station_id = e.station_id AND t.transaction_id = e.current_transaction_id
       WHERE e.station_id = ? AND e.evse_id = ? AND t.state = 'Started'`,
    );
    this.activeAll = db.prepare<[], Row>(`SELECT * FROM transactions WHERE state = 'Started' ORDER BY station_id, started_at`);
    this.activeOfStation = db.prepare<[string], Row>(
      `SELECT * FROM transactions WHERE state = 'Started' AND station_id = ? ORDER BY started_at`,
    );
    // Compared as instants through the expression index of migration 0005 (the same expression, so it is used).
    const period = 'julianday(started_at) >= julianday(?) AND julianday(started_at) < julianday(?)';
    this.betweenAll = db.prepare<[string, string], Row>(`SELECT * FROM transactions WHERE ${period} ORDER BY julianday(started_at), station_id`);
    this.betweenOf = db.prepare<[string, string, string], Row>(
      `SELECT * FROM transactions WHERE ${period} AND station_id IN (SELECT value FROM json_each(?)) ORDER BY julianday(started_at), station_id`,
    );
    this.boostedStmt = db.prepare<[string], Row>(
      `SELECT * FROM transactions WHERE boost_vehicle_id = ? AND boost_kwh IS NOT NULL AND state = 'Started'`,
    );
    this.setVehicleStmt = db.prepare<[string | null, string, string]>('UPDATE transactions SET vehicle_id = ? WHERE station_id = ? AND transaction_id = ?');
    this.setBoostStmt = db.prepare(
      `UPDATE transactions SET boost_vehicle_id = @vehicleId, boost_kwh = @energyKwh, boost_from_kwh = @fromDeliveredKwh, boost_set_at = @setAt
       WHERE station_id = @stationId AND transaction_id = @transactionId`,
    );
    this.applyTx = db.transaction((event: TransactionEventRecord, receivedAt: string) => this.applyInside(event, receivedAt));
  }

  applyEvent(event: TransactionEventRecord, receivedAt: string): { duplicate: boolean; transaction: TransactionRecord } {
    return this.applyTx(event, receivedAt);
  }

  private applyInside(e: TransactionEventRecord, receivedAt: string): { duplicate: boolean; transaction: TransactionRecord } {
    // An Updated or Ended whose Started was lost (or is still queued offline) still creates the record.
    this.insertTx.run(e.stationId, e.transactionId, e.timestamp, e.timestamp, receivedAt);
    const inserted = this.insertEvent.run({
      stationId: e.stationId,
      transactionId: e.transactionId,
      seqNo: e.seqNo,
      eventType: e.eventType,
      triggerReason: e.triggerReason,
      timestamp: e.timestamp,
      offline: e.offline ? 1 : 0,
      payload: JSON.stringify(e.payload),
      receivedAt,
    });
    if (inserted.changes === 0) {
      return { duplicate: true, transaction: toRecord(this.getStmt.get(e.stationId, e.transactionId)!) };
    }
    const before = this.getStmt.get(e.stationId, e.transactionId)!;
    const register = energyRegisterWh(e.meterValues);
    this.updateTx.run({
      stationId: e.stationId,
      transactionId: e.transactionId,
      evseId: e.evseId ?? null,
      connectorId: e.connectorId ?? null,
      idToken: e.idToken?.idToken ?? null,
      idTokenType: e.idToken?.type ?? null,
      idTokenStatus: e.idToken?.status ?? null,
      remoteStartId: e.remoteStartId ?? null,
      chargingState: e.chargingState ?? null,
      // Offline-queued events can arrive out of order: only the newest event sets the live state.
      newer: e.seqNo >= before.last_seq_no ? 1 : 0,
      newerEnergy: register && register.at >= before.last_event_at ? 1 : 0,
      eventType: e.eventType,
      timestamp: e.timestamp,
      stoppedReason: e.stoppedReason ?? null,
      seqNo: e.seqNo,
      energyWh: register?.wh ?? null,
      offline: e.offline ? 1 : 0,
      receivedAt,
    });
    const after = toRecord(this.getStmt.get(e.stationId, e.transactionId)!);
    if (after.state === 'Ended') {
      this.clearEvseTx.run(receivedAt, e.stationId, e.transactionId);
    } else if (after.evseId !== null) {
      this.setEvseTx.run(e.stationId, after.evseId, e.transactionId, receivedAt);
    }
    if (e.meterValues.length > 0) {
      this.meters.append(e.stationId, after.evseId ?? 0, e.transactionId, e.meterValues, 'TransactionEvent', receivedAt);
    }
    return { duplicate: false, transaction: after };
  }

  get(stationId: string, transactionId: string): TransactionRecord | undefined {
    const row = this.getStmt.get(stationId, transactionId);
    return row ? toRecord(row) : undefined;
  }

  activeOnEvse(stationId: string, evseId: number): TransactionRecord | undefined {
    const row = this.activeOnEvseStmt.get(stationId, evseId);
    return row ? toRecord(row) : undefined;
  }

  active(stationId?: string): TransactionRecord[] {
    return (stationId ? this.activeOfStation.all(stationId) : this.activeAll.all()).map(toRecord);
  }

  between(fromIso: string, toIso: string, stationIds?: readonly string[]): TransactionRecord[] {
    const rows = stationIds === undefined ? this.betweenAll.all(fromIso, toIso) : this.betweenOf.all(fromIso, toIso, JSON.stringify(stationIds));
    return rows.map(toRecord);
  }

  activeBoosted(vehicleId: string): TransactionRecord[] {
    return this.boostedStmt.all(vehicleId).map(toRecord);
  }

  setVehicle(stationId: string, transactionId: string, vehicleId: string | null): void {
    this.setVehicleStmt.run(vehicleId, stationId, transactionId);
  }

  setBoost(stationId: string, transactionId: string, boost: SessionBoost | null): void {
    this.setBoostStmt.run({
      stationId,
      transactionId,
      vehicleId: boost?.vehicleId ?? null,
      energyKwh: boost?.energyKwh ?? null,
      fromDeliveredKwh: boost?.fromDeliveredKwh ?? null,
      setAt: boost?.setAt ?? null,
    });
  }
}
