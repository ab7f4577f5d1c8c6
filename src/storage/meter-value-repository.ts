import type { Insertable } from 'kysely';
import { inTransaction, jsonPairs, type Db } from './sql/dialect.js';
import type { MeterValuesTable } from './sql/schema.js';
import type { MeterSample, MeterValueStore, TransactionRef } from '../domain/stations.js';

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

const COLUMNS = ['evse_id', 'timestamp', 'measurand', 'phase', 'location', 'context', 'value', 'unit', 'multiplier'] as const;

/** Rows per INSERT: 13 parameters each stays far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const INSERT_CHUNK = 500;

/**
 * A guard against a runaway, not a page: a day-long session sampled every 10 s for ten measurands is ~86,000 rows;
 * callers that read a growing session pass `sinceIso`.
 */
const MAX_SAMPLES = 1_000_000;

/** Meter values as a time series: one row per sampled value, indexed by transaction and by EVSE. */
export class MeterValueRepository implements MeterValueStore {
  constructor(private readonly db: Db) {}

  /** One INSERT for the samples (a TransactionEvent's usually fit one), in one transaction when there are more. */
  async append(stationId: string, evseId: number, transactionId: string | null, samples: MeterSample[], source: string, receivedAt: string): Promise<void> {
    if (samples.length === 0) return;
    const rows: Insertable<MeterValuesTable>[] = samples.map((s) => ({
      station_id: stationId,
      transaction_id: transactionId,
      evse_id: evseId,
      timestamp: s.timestamp,
      measurand: s.measurand,
      phase: s.phase ?? '',
      location: s.location ?? '',
      context: s.context ?? null,
      value: s.value,
      unit: s.unit ?? null,
      multiplier: s.multiplier ?? 0,
      source,
      received_at: receivedAt,
    }));
    if (rows.length <= INSERT_CHUNK) {
      await this.db.insertInto('meter_values').values(rows).execute();
      return;
    }
    await inTransaction(this.db, async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx.insertInto('meter_values').values(rows.slice(i, i + INSERT_CHUNK)).execute();
      }
    });
  }

  async latest(stationId: string, transactionId: string, measurand: string): Promise<MeterSample | undefined> {
    const r = await this.db.selectFrom('meter_values').select(COLUMNS)
      .where('station_id', '=', stationId).where('transaction_id', '=', transactionId).where('measurand', '=', measurand)
      .orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(1)
      .executeTakeFirst();
    return r ? toSample(r) : undefined;
  }

  async forTransaction(stationId: string, transactionId: string, sinceIso?: string): Promise<(MeterSample & { evseId: number })[]> {
    const rows = await this.db.selectFrom('meter_values').select(COLUMNS)
      .where('station_id', '=', stationId).where('transaction_id', '=', transactionId)
      .$if(sinceIso !== undefined, (q) => q.where('timestamp', '>=', sinceIso!))
      .orderBy('timestamp').orderBy('id').limit(MAX_SAMPLES)
      .execute();
    return rows.map((r) => ({ evseId: r.evse_id, ...toSample(r) }));
  }

  /**
   * The transactions' samples (since `sinceIso` when given) in one query: the (station, transaction) pairs bound as one
   * parameter and joined against the index on station, transaction and time.
   */
  async forTransactions(transactions: readonly TransactionRef[], sinceIso?: string): Promise<(MeterSample & TransactionRef & { evseId: number })[]> {
    if (transactions.length === 0) return [];
    const rows = await this.ofTransactions(transactions)
      .select(['m.station_id', 'm.transaction_id', ...COLUMNS.map((c) => `m.${c}` as const)])
      .$if(sinceIso !== undefined, (q) => q.where('m.timestamp', '>=', sinceIso!))
      .orderBy('m.timestamp').orderBy('m.id').limit(MAX_SAMPLES)
      .execute();
    return rows.map((r) => ({ stationId: r.station_id, transactionId: r.transaction_id!, evseId: r.evse_id, ...toSample(r) }));
  }

  /** The latest sample of `measurand` of each transaction in one query (row_number over each transaction, newest first). */
  async latestOf(transactions: readonly TransactionRef[], measurand: string): Promise<(MeterSample & TransactionRef)[]> {
    if (transactions.length === 0) return [];
    const ranked = this.ofTransactions(transactions)
      .select(['m.station_id', 'm.transaction_id', ...COLUMNS.map((c) => `m.${c}` as const)])
      .select((eb) => eb.fn.agg<number>('row_number').over((ob) => ob.partitionBy(['m.station_id', 'm.transaction_id']).orderBy('m.timestamp', 'desc').orderBy('m.id', 'desc')).as('newest'))
      .where('m.measurand', '=', measurand);
    const rows = await this.db.selectFrom(ranked.as('r')).selectAll().where('newest', '=', 1).limit(MAX_SAMPLES).execute();
    return rows.map((r) => ({ stationId: r.station_id, transactionId: r.transaction_id!, ...toSample(r) }));
  }

  private ofTransactions(transactions: readonly TransactionRef[]) {
    const keys = [...new Map(transactions.map((t) => [`${t.stationId}\n${t.transactionId}`, [t.stationId, t.transactionId] as const])).values()];
    return this.db.selectFrom('meter_values as m')
      .innerJoin(jsonPairs(this.db, keys).as('k'), (j) => j.onRef('k.a', '=', 'm.station_id').onRef('k.b', '=', 'm.transaction_id'));
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
