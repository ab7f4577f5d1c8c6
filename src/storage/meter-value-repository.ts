import type { Insertable, QueryResult } from 'kysely';
import { dialectOf, inTransaction, type Db, type DialectName } from './sql/dialect.js';
import { pairsOfJson, transactionPairsJson } from './sql/json-params.js';
import { prepare, runSteps, runStepsNow, type Steps } from './sql/prepared.js';
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

/**
 * A planning cycle's two bulk reads of its sessions' samples, compiled once: the (station, transaction) pairs bound
 * as one JSON parameter and joined against the index on station, transaction and time.
 */
const SAMPLE_COLUMNS = ['m.station_id', 'm.transaction_id', ...COLUMNS.map((c) => `m.${c}` as const)] as const;
const samplesOf = prepare('meter_values.ofTransactions', (db: Db, p: { pairs: string; since?: string }) =>
  db.selectFrom('meter_values as m')
    .innerJoin(pairsOfJson(db, p.pairs).as('k'), (j) => j.onRef('k.a', '=', 'm.station_id').onRef('k.b', '=', 'm.transaction_id'))
    .select(SAMPLE_COLUMNS)
    .$if(p.since !== undefined, (q) => q.where('m.timestamp', '>=', p.since!))
    .orderBy('m.timestamp').orderBy('m.id').limit(MAX_SAMPLES));
/**
 * The newest sample of a measurand per transaction: for each pair, the id of its newest such row (the index on
 * station, transaction and time walked backwards, as latest() does one at a time), then that row. A window over
 * every sample of every transaction, sorted, cost SQLite more than the rest of the cycle's reads together.
 */
const latestSamples = prepare('meter_values.latestOf', (db: Db, p: { pairs: string; measurand: string }) =>
  db.selectFrom(pairsOfJson(db, p.pairs).as('k'))
    .innerJoin('meter_values as m', (j) => j.on((eb) => eb('m.id', '=', eb.selectFrom('meter_values as x').select('x.id')
      .whereRef('x.station_id', '=', 'k.a').whereRef('x.transaction_id', '=', 'k.b').where('x.measurand', '=', p.measurand)
      .orderBy('x.timestamp', 'desc').orderBy('x.id', 'desc').limit(1))))
    .select(SAMPLE_COLUMNS));

export class MeterValueRepository implements MeterValueStore, Prunable {
  constructor(private readonly db: Db, private readonly thinning?: MeterThinning) {}

  /**
   * Stores the samples: thinned when this repository has a MeterThinning (meter-thinning.ts), all of them otherwise;
   * several statements in one transaction (on SQLite at once, sqlite.ts runNow; else joining the caller's).
   */
  async append(stationId: string, evseId: number, transactionId: string | null, samples: MeterSample[], source: string, receivedAt: string): Promise<void> {
    if (samples.length === 0) return;
    const a: SamplesToStore = { stationId, evseId, transactionId, samples, source, receivedAt };
    const dialect = dialectOf(this.db);
    const plan = this.thinning?.plan(stationId, evseId, transactionId, samples, receivedAt);
    try {
      if (runStepsNow(this.db, () => writeSamples(dialect, plan, a)) !== undefined) return;
      const steps = writeSamples(dialect, plan, a);
      await (statementsOf(dialect, plan, samples.length) === 1 ? runSteps(this.db, steps) : inTransaction(this.db, (trx) => runSteps(trx, steps)));
    } catch (err) {
      // The row ids it remembers may not exist now: it starts over (at worst a row more per series).
      this.thinning?.forget(stationId);
      throw err;
    }
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

  /**
   * The newest few samples of one measurand since an instant: one backward step on the index on station, transaction
   * and time, however long the session has run (the compliance check runs on every reading of it).
   */
  async recent(stationId: string, transactionId: string, measurand: string, sinceIso: string, count: number): Promise<MeterSample[]> {
    const rows = await this.db.selectFrom('meter_values').select(COLUMNS)
      .where('station_id', '=', stationId).where('transaction_id', '=', transactionId).where('measurand', '=', measurand)
      .where('timestamp', '>=', sinceIso)
      .orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(count)
      .execute();
    return rows.reverse().map((r) => toSample(r));
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
    const pairs = transactionPairsJson(transactions);
    // `since` only when given: a key bound as undefined would be compared as NULL.
    const rows = await samplesOf.all(this.db, sinceIso === undefined ? { pairs } : { pairs, since: sinceIso });
    return rows.map((r) => ({ stationId: r.station_id, transactionId: r.transaction_id!, evseId: r.evse_id, ...toSample(r) }));
  }

  /** The latest sample of `measurand` of each transaction in one query (see latestSamples). */
  async latestOf(transactions: readonly TransactionRef[], measurand: string): Promise<(MeterSample & TransactionRef)[]> {
    if (transactions.length === 0) return [];
    const rows = await latestSamples.all(this.db, { pairs: transactionPairsJson(transactions), measurand });
    return rows.map((r) => ({ stationId: r.station_id, transactionId: r.transaction_id!, ...toSample(r) }));
  }
}

/** Samples to store, and where they were measured and came from. */
export interface SamplesToStore {
  stationId: string;
  evseId: number;
  transactionId: string | null;
  samples: readonly MeterSample[];
  source: string;
  receivedAt: string;
}

/**
 * The statements that store samples, as steps (sql/prepared.ts), so that a TransactionEvent runs them inside its own
 * sequence: thinned by `thinning` when given (meter-thinning.ts), else every sample.
 */
export function* sampleSteps(dialect: DialectName, thinning: MeterThinning | undefined, a: SamplesToStore): Steps<void> {
  if (a.samples.length === 0) return;
  yield* writeSamples(dialect, thinning?.plan(a.stationId, a.evseId, a.transactionId, a.samples, a.receivedAt), a);
}

/** How many statements writeSamples runs (one needs no transaction of its own). */
function statementsOf(dialect: DialectName, plan: ThinPlan | undefined, samples: number): number {
  if (!plan) return dialect === 'sqlite' ? samples : Math.ceil(samples / INSERT_CHUNK);
  const inserts = plan.inserts.length;
  return plan.updates.length + (inserts === 1 || dialect === 'sqlite' ? inserts : Math.ceil(inserts / INSERT_CHUNK));
}

/**
 * The plan's rows: new ones inserted (their ids go back to the thinning), held ones overwritten in place; a held row
 * that is gone (pruned, or not committed) is inserted. Without a plan, every sample is inserted. On SQLite each row
 * is a prepared insert run on the handle at once (its id from the driver): building a multi-row INSERT cost several
 * times what SQLite takes for the rows. On PostgreSQL several new rows are one INSERT per 500 (one round trip), their
 * ids, ascending as the VALUES were listed, from RETURNING.
 */
function* writeSamples(dialect: DialectName, plan: ThinPlan | undefined, a: SamplesToStore): Steps<void> {
  const toRow = (s: MeterSample): Insertable<MeterValuesTable> => ({
    station_id: a.stationId,
    transaction_id: a.transactionId,
    evse_id: a.evseId,
    timestamp: s.timestamp,
    measurand: s.measurand,
    phase: s.phase ?? '',
    location: s.location ?? '',
    context: s.context ?? null,
    value: s.value,
    unit: s.unit ?? null,
    multiplier: s.multiplier ?? 0,
    source: a.source,
    received_at: a.receivedAt,
  });
  if (!plan) {
    if (dialect === 'sqlite') {
      for (const s of a.samples) yield insertOne.step(toRow(s));
      return;
    }
    for (let i = 0; i < a.samples.length; i += INSERT_CHUNK) {
      const rows = a.samples.slice(i, i + INSERT_CHUNK).map(toRow);
      yield { run: async (db) => { await db.insertInto('meter_values').values(rows).execute(); return { rows: [] }; } };
    }
    return;
  }
  const inserts = [...plan.inserts];
  for (const held of plan.updates) {
    const s = held.sample!;
    const r = yield overwriteHeld.step({
      id: held.id!, timestamp: s.timestamp, value: s.value, unit: s.unit ?? null, multiplier: s.multiplier ?? 0, received_at: a.receivedAt,
    });
    if (Number(r.numAffectedRows ?? 0) === 0) inserts.push(held);
  }
  if (inserts.length === 1 || dialect === 'sqlite') {
    for (const h of inserts) {
      const r: QueryResult<{ id: number }> = yield insertOne.step(toRow(h.sample!));
      h.id = Number(r.rows[0]?.id ?? r.insertId);
    }
    written(plan);
    return;
  }
  for (let i = 0; i < inserts.length; i += INSERT_CHUNK) {
    const chunk = inserts.slice(i, i + INSERT_CHUNK);
    const r: QueryResult<{ id: number }> = yield {
      run: async (db) => ({ rows: await db.insertInto('meter_values').values(chunk.map((h) => toRow(h.sample!))).returning('id').execute() }),
    };
    const ids = r.rows.map((x) => Number(x.id)).sort((x, y) => x - y);
    chunk.forEach((h, k) => { h.id = ids[k]!; });
  }
  written(plan);
}

/**
 * The held rows' samples are in their rows now: released (a later sample of the bucket brings its own, and a failed
 * write makes the thinning forget the station). Each connected station kept ~2.6 of them, strings and all.
 */
function written(plan: ThinPlan): void {
  for (const h of plan.inserts) h.sample = null;
  for (const h of plan.updates) h.sample = null;
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
