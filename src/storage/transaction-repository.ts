import { sql, type Insertable, type QueryResult, type Selectable, type Updateable } from 'kysely';
import { energyRegisterWh } from '../domain/meter.js';
import { dialectOf, inTransaction, instant, jsonPairs, jsonStrings, type Db, type DialectName } from './sql/dialect.js';
import { prepare, runSteps, runStepsNow, type Steps } from './sql/prepared.js';
import { groupFor } from './turn-group.js';
import { stringsOfJson } from './sql/json-params.js';
import type { TransactionEventsTable, TransactionsTable } from './sql/schema.js';
import type {
  EvseRef, RunningTransaction, SessionAnnotationStore, SessionBoost, TransactionEventRecord, TransactionRecord, TransactionStore,
} from '../domain/stations.js';
import { sampleSteps } from './meter-value-repository.js';
import type { MeterThinning } from './meter-thinning.js';
import type { Prunable } from './retention.js';

type Row = Selectable<TransactionsTable>;

function boostOf(r: Pick<Row, 'boost_vehicle_id' | 'boost_kwh' | 'boost_from_kwh' | 'boost_set_at'>): SessionBoost | null {
  return r.boost_kwh === null ? null : {
    vehicleId: r.boost_vehicle_id ?? '',
    energyKwh: r.boost_kwh,
    fromDeliveredKwh: r.boost_from_kwh ?? 0,
    setAt: r.boost_set_at ?? '',
  };
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
    state: r.state as TransactionRecord['state'],
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
    boost: boostOf(r),
  };
}

/** Orders two instants as instants (stations send any offset); text order for what does not parse. */
function compareInstants(a: string, b: string): number {
  const x = Date.parse(a);
  const y = Date.parse(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Guards the lists against a runaway; a period's or a fleet's sessions stay far below it. */
const MAX_ROWS = 1_000_000;

/** What applyEvent answers. */
type Applied = { duplicate: boolean; transaction: TransactionRecord };

export class TransactionRepository implements TransactionStore, SessionAnnotationStore, Prunable {
  /** `thinning`: the meter values' intake limits, shared with the MeterValueRepository of MeterValues (meter-thinning.ts). */
  constructor(private readonly db: Db, private readonly thinning?: MeterThinning) {}

  /**
   * One database transaction: the event, the transaction, the EVSE's current transaction and the meter values. The
   * transaction's row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one transaction at a time) before
   * the event is inserted, so the same event applied twice at once is applied once (the other finds its seqNo, a
   * duplicate) and two events of one transaction at once merge one after the other, never from the same old row.
   *
   * On SQLite the events that arrive in one event-loop turn are applied together after it (the turn group,
   * turn-group.ts), in the order they came, in one transaction with a savepoint each (sql/sqlite.ts runEachNow): an event
   * that fails is undone alone and rejects alone, and each resolves only once the transaction holding it is
   * committed. A commit writes every page the transaction touched to the WAL and most of a turn's events touch the
   * same pages (the transactions' and the events' tables and indexes), so a turn of several events costs about one
   * commit instead of one each.
   */
  applyEvent(event: TransactionEventRecord, receivedAt: string): Promise<Applied> {
    const group = groupFor(this.db);
    if (group === undefined) return this.applyAlone(event, receivedAt);
    const dialect = dialectOf(this.db);
    return group.write(
      () => applySteps(dialect, event, receivedAt, this.thinning),
      () => this.applyAlone(event, receivedAt),
      // Rolled back: rows the thinning was told of may not exist.
      () => this.thinning?.forget(event.stationId),
    );
  }

  /** One event in a transaction of its own. */
  private async applyAlone(event: TransactionEventRecord, receivedAt: string): Promise<Applied> {
    const dialect = dialectOf(this.db);
    const steps = () => applySteps(dialect, event, receivedAt, this.thinning);
    try {
      // On SQLite all at once in one synchronous transaction where that is safe (sql/sqlite.ts runNow), else statement
      // by statement in a transaction of the executor: the same statements, the same result.
      const now = runStepsNow(this.db, steps);
      return now !== undefined ? now.value : await inTransaction(this.db, (trx) => runSteps(trx, steps()));
    } catch (err) {
      // Rolled back: rows the thinning was told of may not exist.
      this.thinning?.forget(event.stationId);
      throw err;
    }
  }

  /**
   * Retention of finished transactions (issue 20): those Ended and started before `before`, oldest first through
   * the started_at index of migration 0005, with their meter values and events. A running transaction is never
   * touched, nor anything of it. One short transaction per step: up to `batch` meter values of the oldest such
   * transactions, and once those have none left, the transactions themselves (their events with them). `maxRows` is
   * not used: transactions are billing records, pruned by age only.
   */
  async pruneStep(before: string, _maxRows: number, batch: number): Promise<number> {
    return inTransaction(this.db, async (trx) => {
      const started = instant(trx, sql.ref('started_at'));
      const old = await trx.selectFrom('transactions').select(['station_id', 'transaction_id'])
        .where('state', '=', 'Ended').where(started, '<', instant(trx, before))
        .orderBy(started).limit(batch)
        .execute();
      if (old.length === 0) return 0;
      const pairs = old.map((r) => [r.station_id, r.transaction_id] as const);
      const samples = await trx.deleteFrom('meter_values')
        .where('id', 'in', (eb) => eb.selectFrom('meter_values as m')
          .innerJoin(jsonPairs(trx, pairs).as('k'), (j) => j.onRef('k.a', '=', 'm.station_id').onRef('k.b', '=', 'm.transaction_id'))
          .select('m.id').limit(batch))
        .executeTakeFirst();
      const deleted = Number(samples.numDeletedRows);
      if (deleted >= batch) return deleted;
      const ofThem = sql<boolean>`(${sql.ref('station_id')}, ${sql.ref('transaction_id')}) IN ${jsonPairs(trx, pairs)}`;
      await trx.deleteFrom('transaction_events').where(ofThem).execute();
      const txs = await trx.deleteFrom('transactions').where(ofThem).where('state', '=', 'Ended').executeTakeFirst();
      return deleted + Number(txs.numDeletedRows);
    });
  }

  async get(stationId: string, transactionId: string): Promise<TransactionRecord | undefined> {
    const row = await this.db.selectFrom('transactions').selectAll()
      .where('station_id', '=', stationId).where('transaction_id', '=', transactionId).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async activeOnEvse(stationId: string, evseId: number): Promise<TransactionRecord | undefined> {
    const row = await this.db.selectFrom('evses as e')
      .innerJoin('transactions as t', (j) => j.onRef('t.station_id', '=', 'e.station_id').onRef('t.transaction_id', '=', 'e.current_transaction_id'))
      .selectAll('t')
      .where('e.station_id', '=', stationId).where('e.evse_id', '=', evseId).where('t.state', '=', 'Started')
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /**
   * The EVSEs' stations in one query (one parameter however many, prepared: a planning cycle runs it every time);
   * the pairs asked for are picked from their rows.
   */
  async activeOnEvses(evses: readonly EvseRef[]): Promise<{ stationId: string; evseId: number; transaction: TransactionRecord }[]> {
    return onEvses(evses, (stations) => activeOfStations.all(this.db, { stations }), (r) => toRecord(r));
  }

  async runningOnEvses(evses: readonly EvseRef[]): Promise<{ stationId: string; evseId: number; transaction: RunningTransaction }[]> {
    return onEvses(evses, (stations) => runningOfStations.all(this.db, { stations }), (r) => ({
      stationId: r.station_id, transactionId: r.transaction_id, evseId: r.evse_id, idToken: r.id_token, startedAt: r.started_at,
      chargingState: r.charging_state, meterStartWh: r.meter_start_wh, energyWh: r.energy_wh, vehicleId: r.vehicle_id, boost: boostOf(r),
    }));
  }

  async active(stationId?: string): Promise<TransactionRecord[]> {
    const rows = await this.db.selectFrom('transactions').selectAll()
      .where('state', '=', 'Started')
      .$if(stationId !== undefined, (q) => q.where('station_id', '=', stationId!))
      .$if(stationId === undefined, (q) => q.orderBy('station_id'))
      .orderBy('started_at')
      .limit(MAX_ROWS)
      .execute();
    return rows.map(toRecord);
  }

  async between(fromIso: string, toIso: string, stationIds?: readonly string[]): Promise<TransactionRecord[]> {
    if (stationIds !== undefined && stationIds.length === 0) return [];
    const db = this.db;
    // Compared as instants through the index of migration 0005 (julianday(started_at) in SQLite: the same expression).
    const started = instant(db, sql.ref('started_at'));
    const rows = await db.selectFrom('transactions').selectAll()
      .where(started, '>=', instant(db, fromIso))
      .where(started, '<', instant(db, toIso))
      .$if(stationIds !== undefined, (q) => q.where(sql<boolean>`${sql.ref('station_id')} IN ${jsonStrings(db, stationIds!)}`))
      // Sessions that started at the same instant at one station (two EVSEs) in a fixed order on both databases: by
      // EVSE, then id (a CSV export's rows came in either order on PostgreSQL).
      .orderBy(started).orderBy('station_id').orderBy(sql`coalesce(${sql.ref('evse_id')}, 0)`).orderBy('transaction_id')
      .limit(MAX_ROWS)
      .execute();
    return rows.map(toRecord);
  }

  async activeBoosted(vehicleId: string): Promise<TransactionRecord[]> {
    const rows = await this.db.selectFrom('transactions').selectAll()
      .where('boost_vehicle_id', '=', vehicleId).where('boost_kwh', 'is not', null).where('state', '=', 'Started')
      .limit(MAX_ROWS)
      .execute();
    return rows.map(toRecord);
  }

  async setVehicle(stationId: string, transactionId: string, vehicleId: string | null): Promise<void> {
    await this.db.updateTable('transactions').set({ vehicle_id: vehicleId })
      .where('station_id', '=', stationId).where('transaction_id', '=', transactionId).execute();
  }

  async setBoost(stationId: string, transactionId: string, boost: SessionBoost | null): Promise<void> {
    await this.db.updateTable('transactions')
      .set({
        boost_vehicle_id: boost?.vehicleId ?? null,
        boost_kwh: boost?.energyKwh ?? null,
        boost_from_kwh: boost?.fromDeliveredKwh ?? null,
        boost_set_at: boost?.setAt ?? null,
      })
      .where('station_id', '=', stationId).where('transaction_id', '=', transactionId)
      .execute();
  }
}

/**
 * The running transactions of the EVSEs' stations in one query (one parameter however many, prepared: a planning
 * cycle runs it every time); the pairs asked for are picked from their rows.
 */
async function onEvses<R extends { station_id: string; current_evse_id: number }, T>(
  evses: readonly EvseRef[], read: (stationsJson: string) => Promise<R[]>, make: (row: R) => T,
): Promise<{ stationId: string; evseId: number; transaction: T }[]> {
  if (evses.length === 0) return [];
  const wanted = new Set(evses.map((e) => `${e.stationId}#${e.evseId}`));
  const rows = await read(JSON.stringify([...new Set(evses.map((e) => e.stationId))]));
  const out: { stationId: string; evseId: number; transaction: T }[] = [];
  for (const r of rows) {
    if (wanted.has(`${r.station_id}#${r.current_evse_id}`)) out.push({ stationId: r.station_id, evseId: r.current_evse_id, transaction: make(r) });
  }
  return out;
}

/** A site's running transactions, read by every planning cycle (activeOnEvses): compiled once. */
const activeOfStations = prepare('transactions.activeOfStations', (db: Db, p: { stations: string }) =>
  db.selectFrom('evses as e')
    .innerJoin('transactions as t', (j) => j.onRef('t.station_id', '=', 'e.station_id').onRef('t.transaction_id', '=', 'e.current_transaction_id'))
    .selectAll('t').select('e.evse_id as current_evse_id')
    .where(sql<boolean>`${sql.ref('e.station_id')} IN ${stringsOfJson(db, p.stations)}`)
    .where('t.state', '=', 'Started')
    .limit(MAX_ROWS));

/** The same, only the columns a planning cycle plans with (runningOnEvses). */
const runningOfStations = prepare('transactions.runningOfStations', (db: Db, p: { stations: string }) =>
  db.selectFrom('evses as e')
    .innerJoin('transactions as t', (j) => j.onRef('t.station_id', '=', 'e.station_id').onRef('t.transaction_id', '=', 'e.current_transaction_id'))
    .select([
      't.station_id', 't.transaction_id', 't.evse_id', 't.id_token', 't.started_at', 't.charging_state', 't.meter_start_wh', 't.energy_wh',
      't.vehicle_id', 't.boost_vehicle_id', 't.boost_kwh', 't.boost_from_kwh', 't.boost_set_at', 'e.evse_id as current_evse_id',
    ])
    .where(sql<boolean>`${sql.ref('e.station_id')} IN ${stringsOfJson(db, p.stations)}`)
    .where('t.state', '=', 'Started')
    .limit(MAX_ROWS));

/*
 * The statements of a TransactionEvent, compiled once (prepared.ts): every event runs five of them, and building
 * them anew each time cost more than SQLite takes to run them.
 */
type Key = { station_id: string; transaction_id: string };
const ensureTransaction = prepare('transactions.ensure', (db: Db, p: Key & { at: string; received_at: string }) =>
  db.insertInto('transactions')
    .values({
      station_id: p.station_id, transaction_id: p.transaction_id, state: 'Started', started_at: p.at, last_seq_no: -1,
      last_event_at: p.at, updated_at: p.received_at,
    })
    .onConflict((oc) => oc.doNothing()));
const lockTransaction = prepare('transactions.lock', (db: Db, p: Key) =>
  db.selectFrom('transactions').selectAll()
    .where('station_id', '=', p.station_id).where('transaction_id', '=', p.transaction_id)
    .$if(dialectOf(db) === 'postgres', (q) => q.forUpdate()));
const insertEvent = prepare('transaction_events.insert', (db: Db, p: Insertable<TransactionEventsTable>) =>
  db.insertInto('transaction_events').values(p).onConflict((oc) => oc.doNothing()));
const updateTransaction = prepare('transactions.apply', (db: Db, p: Key & Omit<Updateable<TransactionsTable>, keyof Key>) => {
  const { station_id, transaction_id, ...set } = p;
  return db.updateTable('transactions').set(set)
    .where('station_id', '=', station_id).where('transaction_id', '=', transaction_id);
});
const releaseEvse = prepare('evses.release', (db: Db, p: { station_id: string; transaction_id: string; at: string }) =>
  db.updateTable('evses').set({ current_transaction_id: null, updated_at: p.at })
    .where('station_id', '=', p.station_id).where('current_transaction_id', '=', p.transaction_id));
const occupyEvse = prepare('evses.occupy', (db: Db, p: { station_id: string; evse_id: number; transaction_id: string; at: string }) =>
  db.insertInto('evses')
    .values({ station_id: p.station_id, evse_id: p.evse_id, current_transaction_id: p.transaction_id, updated_at: p.at })
    .onConflict((oc) => oc.columns(['station_id', 'evse_id']).doUpdateSet((eb) => ({
      current_transaction_id: eb.ref('excluded.current_transaction_id'),
      updated_at: eb.ref('excluded.updated_at'),
    }))));

/** A TransactionEvent's statements in order (see applyEvent): each `yield` runs one and gives back its result. */
function* applySteps(dialect: DialectName, e: TransactionEventRecord, receivedAt: string, thinning: MeterThinning | undefined): Steps<Applied> {
  const key: Key = { station_id: e.stationId, transaction_id: e.transactionId };
  // An Updated or Ended whose Started was lost (or is still queued offline) still creates the record.
  yield ensureTransaction.step({ station_id: e.stationId, transaction_id: e.transactionId, at: e.timestamp, received_at: receivedAt });
  const before = ((yield lockTransaction.step(key)) as QueryResult<Row>).rows[0];
  if (!before) throw new Error(`transaction ${e.transactionId} of ${e.stationId} vanished while its event was applied`);
  // The primary key (station, transaction, seqNo) makes a retransmitted event a no-op (E01/E06 retries).
  const inserted = yield insertEvent.step({
    station_id: e.stationId,
    transaction_id: e.transactionId,
    seq_no: e.seqNo,
    event_type: e.eventType,
    trigger_reason: e.triggerReason,
    timestamp: e.timestamp,
    offline: e.offline ? 1 : 0,
    payload: JSON.stringify(e.payload),
    received_at: receivedAt,
  });
  // No RETURNING (it cost more than the insert on SQLite): the affected row count says whether it was new.
  if (Number(inserted.numAffectedRows ?? 0) === 0) return { duplicate: true, transaction: toRecord(before) };

  const register = energyRegisterWh(e.meterValues);
  const wh = register?.wh ?? null;
  // Offline-queued events can arrive out of order: only the newest event sets the live state.
  const newer = e.seqNo >= before.last_seq_no;
  const newerEnergy = register !== undefined && compareInstants(register.at, before.last_event_at) >= 0;
  // The key and what is set, in one object: no spread of rows on the path every event takes.
  const set = {
    station_id: e.stationId,
    transaction_id: e.transactionId,
    evse_id: e.evseId ?? before.evse_id,
    connector_id: e.connectorId ?? before.connector_id,
    id_token: e.idToken?.idToken ?? before.id_token,
    id_token_type: e.idToken?.type ?? before.id_token_type,
    id_token_status: e.idToken?.status ?? before.id_token_status,
    remote_start_id: e.remoteStartId ?? before.remote_start_id,
    charging_state: newer ? e.chargingState ?? before.charging_state : before.charging_state,
    started_at: e.eventType === 'Started' || compareInstants(e.timestamp, before.started_at) < 0 ? e.timestamp : before.started_at,
    state: e.eventType === 'Ended' || before.state === 'Ended' ? 'Ended' : 'Started',
    ended_at: e.eventType === 'Ended' ? e.timestamp : before.ended_at,
    stopped_reason: e.stoppedReason ?? before.stopped_reason,
    last_seq_no: Math.max(before.last_seq_no, e.seqNo),
    last_event_at: compareInstants(e.timestamp, before.last_event_at) > 0 ? e.timestamp : before.last_event_at,
    meter_start_wh: e.eventType === 'Started' && wh !== null ? wh : before.meter_start_wh ?? wh,
    energy_wh: wh !== null && (before.energy_wh === null || newerEnergy) ? wh : before.energy_wh,
    offline: Math.max(before.offline, e.offline ? 1 : 0),
    updated_at: receivedAt,
  };
  // The row is locked (or SQLite's one connection held) since it was read: what it is now is `before` with `set`,
  // so the update needs no RETURNING (a whole row built for every event).
  const updated = yield updateTransaction.step(set);
  if (Number(updated.numAffectedRows ?? 0) !== 1) throw new Error(`transaction ${e.transactionId} of ${e.stationId} vanished while its event was applied`);
  const after = toRecord(Object.assign(before, set));
  if (after.state === 'Ended') {
    yield releaseEvse.step({ station_id: e.stationId, transaction_id: e.transactionId, at: receivedAt });
  } else if (after.evseId !== null) {
    yield occupyEvse.step({ station_id: e.stationId, evse_id: after.evseId, transaction_id: e.transactionId, at: receivedAt });
  }
  yield* sampleSteps(dialect, thinning, {
    stationId: e.stationId, evseId: after.evseId ?? 0, transactionId: e.transactionId, samples: e.meterValues, source: 'TransactionEvent', receivedAt,
  });
  return { duplicate: false, transaction: after };
}
