import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { pruneOldest } from './prune.js';
import type { Prunable } from './retention.js';
import { dialectOf, instant, jsonStrings, type Db } from './sql/dialect.js';
import { prepare, prepareRows, rowSteps, runStepsNow } from './sql/prepared.js';
import type { Schema } from './sql/schema.js';
import {
  UtilisationTooLarge, type EvseStateKind, type EvseStateLog, type EvseStateRow, type ReceivedEvseStateRow, type UtilisationHistory, type UtilisationSession,
  type UtilisationSource,
} from '../domain/utilisation.js';

/** Migration 0021's table, typed here (one repository reads and writes it). */
interface EvseStateLogTable {
  id: import('kysely').Generated<number>;
  station_id: string;
  evse_id: number;
  connector_id: number;
  kind: string;
  value: string;
  at: string;
  received_at: string;
}
type LogDb = Kysely<Schema & { evse_state_log: EvseStateLogTable }>;

/** Rows per INSERT: 7 parameters each stays far below both databases' bound-parameter limits. */
const INSERT_CHUNK = 500;
/**
 * One query reads at most this many rows of each kind. A 20-charger site over a year is ~22,000 sessions and
 * ~150,000 log rows (bench/utilisation.bench.ts); beyond the bound the caller is asked for a shorter period.
 */
export const MAX_HISTORY_ROWS = 1_000_000;
/** Sessions are read from this long before the period: a session that started earlier and still ran is counted. */
const LOOKBACK_MS = 31 * 86_400_000;

type LogRow = Omit<EvseStateLogTable, 'id'>;
const insertRows = (db: Db, rows: LogRow[]) => (db as unknown as LogDb).insertInto('evse_state_log').values(rows)
  .onConflict((oc) => oc.columns(['station_id', 'at', 'kind', 'evse_id', 'connector_id', 'value']).doNothing());
/**
 * One row, as the OCPP server's events write them (a station connecting, a connector's status, a charging state):
 * compiled once (prepared.ts), since building the INSERT cost more than SQLite's run of it, at every connect.
 */
const insertOne = prepare('evse_state_log.insert', (db: Db, p: LogRow) => insertRows(db, [p]));
/** A batch's rows 20 per INSERT on SQLite (the recorder's batches; sql/prepared.ts prepareRows). */
const insertChunk = prepareRows<LogRow>('evse_state_log.insert-20',
  ['station_id', 'evse_id', 'connector_id', 'kind', 'value', 'at', 'received_at'], 20, (db, rows) => insertRows(db, rows));
/** The station's time of a transaction's event (an Updated that changed its charging state): compiled once. */
const eventAt = prepare('transaction_events.timestamp', (db: Db, p: { stationId: string; transactionId: string; seqNo: number }) =>
  db.selectFrom('transaction_events').select('timestamp')
    .where('station_id', '=', p.stationId).where('transaction_id', '=', p.transactionId).where('seq_no', '=', p.seqNo));

const logRow = (r: EvseStateRow, receivedAt: string): LogRow => ({
  station_id: r.stationId, evse_id: r.evseId, connector_id: r.connectorId, kind: r.kind, value: r.value,
  // One text form in SQLite, so that text order is time order (the station may send any offset).
  at: new Date(r.at).toISOString(), received_at: receivedAt,
});

/** The EVSE state log (migration 0021), the one bounded read a utilisation query makes, and its retention. */
export class UtilisationRepository implements EvseStateLog, UtilisationSource, Prunable {
  private readonly log: LogDb;

  constructor(private readonly db: Db) {
    this.log = db as unknown as LogDb;
  }

  record(rows: readonly EvseStateRow[], receivedAt: string): Promise<void> {
    return this.write(rows.map((r) => logRow(r, receivedAt)));
  }

  recordReceived(rows: readonly ReceivedEvseStateRow[]): Promise<void> {
    return this.write(rows.map((r) => logRow(r, r.receivedAt)));
  }

  /**
   * On SQLite many rows are one synchronous transaction of prepared inserts of 20 rows and of one (one commit for the
   * recorder's batch, issue 15), unless another transaction holds the connection; otherwise (and on PostgreSQL)
   * multi-row INSERTs of at most INSERT_CHUNK rows.
   */
  private async write(rows: LogRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (rows.length === 1) {
      await insertOne.run(this.db, rows[0]!);
      return;
    }
    if (runStepsNow(this.db, () => rowSteps(rows, insertChunk, insertOne)) !== undefined) return;
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await insertRows(this.db, rows.slice(i, i + INSERT_CHUNK)).execute();
  }

  /**
   * Retention (retention.ts): rows that arrived before `before`, oldest first, except each key's (station, EVSE,
   * connector, kind) latest row from before `before`: the state any period starting after `before` starts in (a
   * connector Faulted for a year and a half has one row, and it stays). Authorize rows carry no state and all go. By
   * age only (the intake is one row per change).
   */
  pruneStep(before: string, maxRows: number, batch: number): Promise<number> {
    // pruneOldest's `keep` holds for the rows that may go: an authorize row, or one its key has a later row of that
    // is itself from before `before` (ties at one instant by id: the later written is the state).
    const cutoff = instantText(this.db, before);
    const mayGo = sql<SqlBool>`(kind = 'authorize' OR EXISTS (SELECT 1 FROM evse_state_log AS k WHERE k.station_id = evse_state_log.station_id
      AND k.kind = evse_state_log.kind AND k.evse_id = evse_state_log.evse_id AND k.connector_id = evse_state_log.connector_id
      AND k.at < ${cutoff} AND (k.at > evse_state_log.at OR (k.at = evse_state_log.at AND k.id > evse_state_log.id))))`;
    return pruneOldest(this.db, { table: 'evse_state_log', timeColumn: 'received_at', keep: mayGo }, before, maxRows, batch);
  }

  async eventTime(stationId: string, transactionId: string, seqNo: number): Promise<string | undefined> {
    return (await eventAt.first(this.db, { stationId, transactionId, seqNo }))?.timestamp;
  }

  async history(stationIds: readonly string[], startIso: string, endIso: string): Promise<UtilisationHistory> {
    if (stationIds.length === 0) return { sessions: [], log: [] };
    const start = new Date(startIso).toISOString();
    const end = new Date(endIso).toISOString();
    const [sessions, log] = await Promise.all([this.sessions(stationIds, start, end), this.logRows(stationIds, start, end)]);
    return { sessions, log };
  }

  private async sessions(stationIds: readonly string[], start: string, end: string): Promise<UtilisationSession[]> {
    const db = this.db;
    const started = instant(db, sql.ref('started_at'));
    const stations = sql<boolean>`${sql.ref('station_id')} IN ${jsonStrings(db, stationIds)}`;
    const cols = ['station_id', 'evse_id', 'started_at', 'ended_at', 'meter_start_wh', 'energy_wh'] as const;
    const lookback = new Date(Date.parse(start) - LOOKBACK_MS).toISOString();
    const [recent, long] = await Promise.all([
      // Through migration 0005's index on the start instant.
      db.selectFrom('transactions').select(cols)
        .where(started, '>=', instant(db, lookback)).where(started, '<', instant(db, end))
        .where((eb) => eb.or([eb('ended_at', 'is', null), eb(instant(db, sql.ref('ended_at')), '>', instant(db, start))]))
        .where(stations).where('evse_id', 'is not', null)
        .limit(MAX_HISTORY_ROWS + 1).execute(),
      // Still running after more than the look-back (0001's transactions_active).
      db.selectFrom('transactions').select(cols)
        .where('state', '=', 'Started').where(started, '<', instant(db, lookback))
        .where(stations).where('evse_id', 'is not', null)
        .limit(MAX_HISTORY_ROWS + 1).execute(),
    ]);
    const rows = [...recent, ...long];
    if (rows.length > MAX_HISTORY_ROWS) throw new UtilisationTooLarge(rows.length, MAX_HISTORY_ROWS);
    return rows.map((r) => ({
      stationId: r.station_id,
      evseId: r.evse_id!,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      energyWh: r.energy_wh !== null && r.meter_start_wh !== null ? Math.max(0, r.energy_wh - r.meter_start_wh) : null,
    }));
  }

  private async logRows(stationIds: readonly string[], start: string, end: string): Promise<EvseStateRow[]> {
    const db = this.log;
    const stations = sql<boolean>`${sql.ref('station_id')} IN ${jsonStrings(this.db, stationIds)}`;
    const cols = ['station_id', 'evse_id', 'connector_id', 'kind', 'value', 'at'] as const;
    const [before, inside] = await Promise.all([
      // The state each key starts the period in: its latest row before the period.
      db.selectFrom('evse_state_log as l')
        .innerJoin(
          (eb) => eb.selectFrom('evse_state_log').select(['station_id', 'evse_id', 'connector_id', 'kind']).select((e) => e.fn.max('at').as('last'))
            .where(stations).where('at', '<', start).where('kind', '!=', 'authorize')
            .groupBy(['station_id', 'evse_id', 'connector_id', 'kind']).as('m'),
          (join) => join.onRef('l.station_id', '=', 'm.station_id').onRef('l.evse_id', '=', 'm.evse_id')
            .onRef('l.connector_id', '=', 'm.connector_id').onRef('l.kind', '=', 'm.kind').onRef('l.at', '=', 'm.last'),
        )
        .select(cols.map((c) => `l.${c}` as const))
        .orderBy('l.id').limit(MAX_HISTORY_ROWS + 1).execute(),
      // The period's rows, one JSON array per station (stationRows): a year of a 20-charger site is ~70,000 rows, and
      // a driver row object per row cost three times what one parsed array per station costs (bench:utilisation).
      db.selectFrom('evse_state_log').select('station_id').select(stationRows(this.db).as('rows'))
        .where(stations).where('at', '>=', start).where('at', '<', end)
        .groupBy('station_id').execute(),
    ]);
    const out: EvseStateRow[] = before.map((r) => ({
      stationId: r.station_id, evseId: r.evse_id, connectorId: r.connector_id, kind: r.kind as EvseStateKind, value: r.value, at: r.at,
    }));
    for (const { station_id: stationId, rows } of inside) {
      const list = (typeof rows === 'string' ? JSON.parse(rows) : rows) as [number, number, string, string, string][];
      if (out.length + list.length > MAX_HISTORY_ROWS) throw new UtilisationTooLarge(out.length + list.length, MAX_HISTORY_ROWS);
      for (const [evseId, connectorId, kind, value, at] of list) out.push({ stationId, evseId, connectorId, kind: kind as EvseStateKind, value, at });
    }
    if (out.length > MAX_HISTORY_ROWS) throw new UtilisationTooLarge(out.length, MAX_HISTORY_ROWS);
    return out;
  }
}

/** `at` compared with a bound instant: the same UTC text in SQLite (as the writer stores it), a timestamptz in PostgreSQL. */
function instantText(db: Db, iso: string): RawBuilder<string> {
  const text = new Date(iso).toISOString();
  return dialectOf(db) === 'postgres' ? sql<string>`${text}::timestamptz` : sql<string>`${text}`;
}

/**
 * One station's log rows as a JSON array of [evse_id, connector_id, kind, value, at], in time order (id breaks ties:
 * the order they were written). `at` as the writer's UTC text with milliseconds: SQLite stores that text;
 * PostgreSQL's timestamptz is formatted to it (the session runs in UTC, as isoFromPg reads it).
 * SQLite's json_group_array with ORDER BY (3.44+), PostgreSQL's json_agg.
 */
function stationRows(db: Db): RawBuilder<string | unknown[]> {
  return dialectOf(db) === 'postgres'
    ? sql`json_agg(json_build_array(evse_id, connector_id, kind, value, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY at, id)`
    : sql`json_group_array(json_array(evse_id, connector_id, kind, value, at) ORDER BY at, id)`;
}
