import type { Insertable } from 'kysely';
import { dialectOf, inTransaction, jsonPairs, type Db } from './sql/dialect.js';
import { prepare } from './sql/prepared.js';
import type { MeterValuesTable } from './sql/schema.js';
import type { MeterSample, MeterValueStore, TransactionRef } from '../domain/stations.js';
import type { MeterThinning, ThinPlan } from './meter-thinning.js';
import type { Prunable } from './retention.js';

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

/**
 * Meter values as a time series: one row per sampled value kept, indexed by transaction and by EVSE. With a
 * MeterThinning (the product's), what a station samples faster than its buckets is thinned at intake
 * (meter-thinning.ts says why no figure changes); without one (tests of the raw store), every sample is a row.
 */
/**
 * The two statements of a thinned sample, compiled once (sql/prepared.ts): a held row overwritten, one new row
 * inserted. SQLite reports the new id itself (RETURNING would build a row); PostgreSQL only through RETURNING.
 */
const overwriteHeld = prepare('meter_values.overwrite', (db: Db, p: {
  id: number; timestamp: string; value: number; unit: string | null; multiplier: number; received_at: string;
}) => db.updateTable('meter_values')
  .set({ timestamp: p.timestamp, value: p.value, unit: p.unit, multiplier: p.multiplier, received_at: p.received_at })
  .where('id', '=', p.id));
const insertOne = prepare('meter_values.insert', (db: Db, p: Insertable<MeterValuesTable>) =>
  db.insertInto('meter_values').values(p).$if(dialectOf(db) === 'postgres', (q) => q.returning('id')));

export class MeterValueRepository implements MeterValueStore, Prunable {
  constructor(private readonly db: Db, private readonly thinning?: MeterThinning) {}

  /** One INSERT for the samples (a TransactionEvent's usually fit one), in one transaction when there are more. */
  async append(stationId: string, evseId: number, transactionId: string | null, samples: MeterSample[], source: string, receivedAt: string): Promise<void> {
    if (samples.length === 0) return;
    const toRow = (s: MeterSample): Insertable<MeterValuesTable> => ({
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
    });
    if (this.thinning) {
      const plan = this.thinning.plan(stationId, evseId, transactionId, samples, receivedAt);
      try {
        await this.writePlan(plan, toRow);
      } catch (err) {
        // The row ids it remembers may not exist now: it starts over (at worst a row more per series).
        this.thinning.forget(stationId);
        throw err;
      }
      return;
    }
    const rows = samples.map(toRow);
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

  /**
   * The plan's rows: new ones inserted (their ids, ascending as the VALUES were listed on either database, go back to
   * the thinning), held ones overwritten in place; a held row that is gone (pruned, or not committed) is inserted.
   */
  private async writePlan(plan: ThinPlan, toRow: (s: MeterSample) => Insertable<MeterValuesTable>): Promise<void> {
    if (plan.inserts.length === 0 && plan.updates.length === 0) return;
    const work = async (db: Db) => {
      const inserts = [...plan.inserts];
      for (const held of plan.updates) {
        const s = held.sample;
        const r = await overwriteHeld.run(db, {
          id: held.id!, timestamp: s.timestamp, value: s.value, unit: s.unit ?? null, multiplier: s.multiplier ?? 0, received_at: toRow(s).received_at,
        });
        if (Number(r.numAffectedRows ?? 0) === 0) inserts.push(held);
      }
      if (inserts.length === 1) {
        // The common case (one new sample of a TransactionEvent): a prepared insert, its id from the driver.
        const r = await insertOne.run(db, toRow(inserts[0]!.sample));
        inserts[0]!.id = Number(r.rows[0]?.id ?? r.insertId);
        return;
      }
      for (let i = 0; i < inserts.length; i += INSERT_CHUNK) {
        const chunk = inserts.slice(i, i + INSERT_CHUNK);
        const ids = (await db.insertInto('meter_values').values(chunk.map((h) => toRow(h.sample))).returning('id').execute())
          .map((r) => Number(r.id)).sort((a, b) => a - b);
        chunk.forEach((h, k) => { h.id = ids[k]!; });
      }
    };
    const statements = plan.updates.length + Math.ceil(plan.inserts.length / INSERT_CHUNK);
    await (statements === 1 ? work(this.db) : inTransaction(this.db, work));
  }

  /**
   * Retention of meter values outside any transaction (MeterValues of EVSE 0 or of an idle EVSE): received before
   * `before`, oldest first (index of migration 0009). A transaction's samples go with the transaction
   * (TransactionRepository.pruneStep). `maxRows` is not used: the intake bounds the rate.
   */
  async pruneStep(before: string, _maxRows: number, batch: number): Promise<number> {
    const r = await this.db.deleteFrom('meter_values')
      .where('id', 'in', (eb) => eb.selectFrom('meter_values').select('id')
        .where('transaction_id', 'is', null).where('received_at', '<', before)
        .orderBy('received_at').limit(batch))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
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
