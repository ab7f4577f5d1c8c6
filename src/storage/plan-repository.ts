import { expressionBuilder, sql, type Insertable } from 'kysely';
import { greatest, inTransaction, lockKey, type Db } from './sql/dialect.js';
import { pairsOfJson, stringsOfJson, transactionPairsJson } from './sql/json-params.js';
import { prepare } from './sql/prepared.js';
import type { PlansTable, Schema } from './sql/schema.js';
import { pruneOldest } from './prune.js';
import { pushStatesOf } from './push-state-reads.js';
import type { PushStateRecord, PushStates } from '../domain/push-states.js';
import type {
  ChargerCompliance, ChargerStatusRecord, DecisionListOptions, DecisionRecord, DecisionStore, PlanRecord, PlanStore, ProfileStore,
  PushedProfileRecord, PushState,
} from '../domain/plans.js';

const iso = (ms: number) => new Date(ms).toISOString();

interface PlanRow {
  id: number;
  site_id: string;
  created_at: string;
  triggers_json: string;
  status: PlanRecord['status'];
  currency: string;
  total_cost: number;
  solver: string;
  solve_ms: number;
  body_json: string;
}

type PlanBody = Pick<PlanRecord, 'slotStarts' | 'endMs' | 'prices' | 'siteLimitKw' | 'sessions' | 'problem'>;

const PLAN_COLUMNS = [
  'id', 'site_id', 'created_at', 'triggers_json', 'status', 'currency', 'total_cost', 'solver', 'solve_ms', 'body_json',
] as const;

/**
 * Never the latest plan of a site (the scheduler restores from it) nor one a running session's pushed profile came
 * from (pushed_profiles and transactions are in this database: the plan explains what the car holds).
 */
const keptPlans = (() => {
  const eb = expressionBuilder<Schema, 'plans'>();
  return eb.and([
    eb('id', 'not in', eb.selectFrom('plans').select((e) => e.fn.max('id').as('m')).groupBy('site_id')),
    eb('id', 'not in', eb.selectFrom('pushed_profiles as pp')
      .innerJoin('transactions as t', (j) => j.onRef('t.station_id', '=', 'pp.station_id').onRef('t.transaction_id', '=', 'pp.transaction_id'))
      .select('pp.plan_id')
      .where('t.state', '=', 'Started')),
  ]);
})();

/** A decision about a session that is still running stays: it explains what the car is doing now. */
const keptDecisions = (() => {
  const eb = expressionBuilder<Schema, 'decisions'>();
  return eb.not(eb.and([
    eb('transaction_id', 'is not', null),
    eb.exists(eb.selectFrom('transactions as t')
      .select('t.station_id')
      .whereRef('t.station_id', '=', 'decisions.station_id')
      .whereRef('t.transaction_id', '=', 'decisions.transaction_id')
      .where('t.state', '=', 'Started')),
  ]));
})();

/*
 * What every planning cycle runs (issue 15: the async layer may cost at most 10 % of bench:scheduler, whose 10-car
 * site is a handful of small statements): compiled once (sql/prepared.ts) instead of built by the query builder each time.
 */
const insertPlan = prepare('plans.insert', (db: Db, p: Insertable<PlansTable>) => db.insertInto('plans').values(p).returning('id'));
const latestPlan = prepare('plans.latest', (db: Db, p: { siteId: string }) =>
  db.selectFrom('plans').select(PLAN_COLUMNS).where('site_id', '=', p.siteId).orderBy('id', 'desc').limit(1));
const latestPlanId = prepare('plans.latestId', (db: Db, p: { siteId: string }) =>
  db.selectFrom('plans').select('id').where('site_id', '=', p.siteId).orderBy('id', 'desc').limit(1));

/** Plans with the inputs they were made from (migrations/0003-scheduler.ts). */
export class PlanRepository implements PlanStore {
  constructor(private readonly db: Db) {}

  /**
   * Retention (retention.ts): deletes at most `batch` plans created before `before` or beyond the newest
   * `maxRows`, keeping each site's latest plan and every plan a running session still holds a profile of.
   */
  pruneStep(before: string, maxRows: number, batch: number): Promise<number> {
    return pruneOldest(this.db, { table: 'plans', timeColumn: 'created_at', keep: keptPlans }, before, maxRows, batch);
  }

  async save(p: Omit<PlanRecord, 'id'>): Promise<number> {
    const body: PlanBody = { slotStarts: p.slotStarts, endMs: p.endMs, prices: p.prices, siteLimitKw: p.siteLimitKw, sessions: p.sessions, problem: p.problem };
    const row = await insertPlan.first(this.db, {
      site_id: p.siteId,
      created_at: p.createdAt,
      triggers_json: JSON.stringify(p.triggers),
      start_utc: iso(p.slotStarts[0] ?? p.endMs),
      end_utc: iso(p.endMs),
      status: p.status,
      currency: p.currency,
      total_cost: p.totalCost,
      solver: p.solver,
      solve_ms: p.solveMs,
      body_json: JSON.stringify(body),
    });
    if (row === undefined) throw new Error(`plan of site ${p.siteId}: the insert returned no id`);
    return row.id;
  }

  async latest(siteId: string): Promise<PlanRecord | undefined> {
    const row = await latestPlan.first(this.db, { siteId });
    return row ? toPlan(row as PlanRow) : undefined;
  }

  async latestId(siteId: string): Promise<number | undefined> {
    return (await latestPlanId.first(this.db, { siteId }))?.id;
  }

  async get(id: number): Promise<PlanRecord | undefined> {
    const row = await this.db.selectFrom('plans').select(PLAN_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toPlan(row as PlanRow) : undefined;
  }
}

function toPlan(r: PlanRow): PlanRecord {
  const body = JSON.parse(r.body_json) as PlanBody;
  return {
    id: r.id,
    siteId: r.site_id,
    createdAt: r.created_at,
    triggers: JSON.parse(r.triggers_json) as string[],
    status: r.status,
    currency: r.currency,
    totalCost: r.total_cost,
    solver: r.solver,
    solveMs: r.solve_ms,
    ...body,
  };
}

interface PushRow {
  station_id: string;
  evse_id: number;
  transaction_id: string;
  site_id: string;
  plan_id: number;
  profile_id: number;
  stack_level: number;
  unit: 'W' | 'A' | null;
  periods_json: string;
  end_utc: string;
  covers_until_utc: string | null;
  state: PushState;
  detail: string | null;
  sent_at: string;
}

const PUSH_COLUMNS = [
  'station_id', 'evse_id', 'transaction_id', 'site_id', 'plan_id', 'profile_id', 'stack_level', 'unit', 'periods_json', 'end_utc',
  'covers_until_utc', 'state', 'detail', 'sent_at',
] as const;

/** A planning cycle's pushes and charger statuses of its site, compiled once (see insertPlan). */
const pushesOf = prepare('pushed_profiles.of', (db: Db, p: { pairs: string }) =>
  db.selectFrom('pushed_profiles as p')
    .innerJoin(pairsOfJson(db, p.pairs).as('k'), (j) => j.onRef('k.a', '=', 'p.station_id').onRef('k.b', '=', 'p.transaction_id'))
    .select(PUSH_COLUMNS.map((c) => `p.${c}` as const)));
const complianceOfStations = prepare('charger_status.of', (db: Db, p: { stations: string }) =>
  db.selectFrom('charger_status').select(['station_id', 'evse_id', 'compliance', 'detail', 'since'])
    .where(sql<boolean>`${sql.ref('station_id')} IN ${stringsOfJson(db, p.stations)}`));

/** Profile ids, pushed profiles and charger compliance. */
export class ProfileRepository implements ProfileStore, PushStates {
  constructor(private readonly db: Db) {}

  /**
   * The key's id on the station, allocated once (from 1000 up, unique per station) and kept. A key asked for
   * several times at once (two cycles, two nodes) gets one id: the allocation runs under the station's lock on
   * PostgreSQL (alone on SQLite) and is one INSERT ... SELECT MAX + 1 that yields to an id already stored.
   */
  async profileId(stationId: string, key: string): Promise<number> {
    const known = await this.stored(this.db, stationId, key);
    if (known !== undefined) return known;
    return inTransaction(this.db, async (trx) => {
      await lockKey(trx, `profile-ids:${stationId}`);
      const next = sql<number>`${greatest(trx, sql<number>`999`, sql<number>`coalesce(max(profile_id), 0)`)} + 1`;
      const inserted = await trx.insertInto('profile_ids')
        .columns(['station_id', 'key', 'profile_id'])
        .expression(trx.selectFrom('profile_ids')
          .select([sql<string>`cast(${stationId} as text)`.as('station_id'), sql<string>`cast(${key} as text)`.as('key'), next.as('profile_id')])
          .where('station_id', '=', stationId))
        .onConflict((oc) => oc.columns(['station_id', 'key']).doNothing())
        .returning('profile_id')
        .executeTakeFirst();
      const id = inserted?.profile_id ?? await this.stored(trx, stationId, key);
      if (id === undefined) throw new Error(`profile id for ${stationId}/${key}: neither allocated nor found`);
      return id;
    });
  }

  private async stored(db: Db, stationId: string, key: string): Promise<number | undefined> {
    const row = await db.selectFrom('profile_ids').select('profile_id').where('station_id', '=', stationId).where('key', '=', key).executeTakeFirst();
    return row?.profile_id;
  }

  async recordPush(p: PushedProfileRecord): Promise<void> {
    await this.db.insertInto('pushed_profiles').values({
      station_id: p.stationId,
      evse_id: p.evseId,
      transaction_id: p.transactionId,
      site_id: p.siteId,
      plan_id: p.planId,
      profile_id: p.profileId,
      stack_level: p.stackLevel,
      unit: p.unit,
      periods_json: JSON.stringify(p.periods),
      end_utc: iso(p.endMs),
      covers_until_utc: p.coversUntilMs === null ? null : iso(p.coversUntilMs),
      state: p.state,
      detail: p.detail,
      sent_at: p.sentAt,
    }).onConflict((oc) => oc.columns(['station_id', 'evse_id', 'transaction_id']).doUpdateSet((eb) => ({
      site_id: eb.ref('excluded.site_id'), plan_id: eb.ref('excluded.plan_id'), profile_id: eb.ref('excluded.profile_id'),
      stack_level: eb.ref('excluded.stack_level'), unit: eb.ref('excluded.unit'), periods_json: eb.ref('excluded.periods_json'),
      end_utc: eb.ref('excluded.end_utc'), covers_until_utc: eb.ref('excluded.covers_until_utc'), state: eb.ref('excluded.state'),
      detail: eb.ref('excluded.detail'), sent_at: eb.ref('excluded.sent_at'),
    }))).execute();
  }

  async pushed(stationId: string, evseId: number, transactionId: string): Promise<PushedProfileRecord | undefined> {
    const row = await this.db.selectFrom('pushed_profiles').select(PUSH_COLUMNS)
      .where('station_id', '=', stationId).where('evse_id', '=', evseId).where('transaction_id', '=', transactionId)
      .executeTakeFirst();
    return row ? toPush(row as PushRow) : undefined;
  }

  /** The sessions' (station, transaction) pairs bound as one parameter and joined against the primary key; the EVSE is checked on the rows. */
  async pushedOf(sessions: readonly { stationId: string; evseId: number; transactionId: string }[]): Promise<PushedProfileRecord[]> {
    if (sessions.length === 0) return [];
    const rows = await pushesOf.all(this.db, { pairs: transactionPairsJson(sessions) });
    const wanted = new Set(sessions.map((s) => `${s.stationId}#${s.evseId}#${s.transactionId}`));
    return rows.map((r) => toPush(r as PushRow)).filter((p) => wanted.has(`${p.stationId}#${p.evseId}#${p.transactionId}`));
  }

  /** The site plan's narrow read of the same (push-state-reads.ts: no periods). */
  pushStatesOf(siteId: string, sessions: readonly { stationId: string; evseId: number; transactionId: string }[]): Promise<PushStateRecord[]> {
    return pushStatesOf(this.db, siteId, sessions);
  }

  /** A push is active while its transaction is (the transactions table is the OCPP adapter's, same database). */
  async activePushes(siteId: string): Promise<PushedProfileRecord[]> {
    const rows = await this.db.selectFrom('pushed_profiles as p')
      .innerJoin('transactions as t', (j) => j.onRef('t.station_id', '=', 'p.station_id').onRef('t.transaction_id', '=', 'p.transaction_id'))
      .selectAll('p')
      .where('p.site_id', '=', siteId)
      .where('t.state', '=', 'Started')
      .orderBy('p.station_id')
      .orderBy('p.evse_id')
      .execute();
    return rows.map((r) => toPush(r as PushRow));
  }

  /** `since` moves only when the compliance changes. */
  async setCompliance(s: ChargerStatusRecord): Promise<void> {
    await this.db.insertInto('charger_status')
      .values({ station_id: s.stationId, evse_id: s.evseId, compliance: s.compliance, detail: s.detail, since: s.since })
      .onConflict((oc) => oc.columns(['station_id', 'evse_id']).doUpdateSet((eb) => ({
        compliance: eb.ref('excluded.compliance'),
        detail: eb.ref('excluded.detail'),
        since: eb.case().when('charger_status.compliance', '=', eb.ref('excluded.compliance')).then(eb.ref('charger_status.since'))
          .else(eb.ref('excluded.since')).end(),
      })))
      .execute();
  }

  async compliance(stationId: string, evseId: number): Promise<ChargerStatusRecord | undefined> {
    const r = await this.db.selectFrom('charger_status').select(['station_id', 'evse_id', 'compliance', 'detail', 'since'])
      .where('station_id', '=', stationId).where('evse_id', '=', evseId).executeTakeFirst();
    return r
      ? { stationId: r.station_id, evseId: r.evse_id, compliance: r.compliance as ChargerCompliance, detail: r.detail, since: r.since }
      : undefined;
  }

  /** Every EVSE status of these stations in one query (one parameter however many stations). */
  async complianceOf(stationIds: readonly string[]): Promise<ChargerStatusRecord[]> {
    if (stationIds.length === 0) return [];
    const rows = await complianceOfStations.all(this.db, { stations: JSON.stringify(stationIds) });
    return rows.map((r) => ({ stationId: r.station_id, evseId: r.evse_id, compliance: r.compliance as ChargerCompliance, detail: r.detail, since: r.since }));
  }
}

function toPush(r: PushRow): PushedProfileRecord {
  return {
    stationId: r.station_id,
    evseId: r.evse_id,
    transactionId: r.transaction_id,
    siteId: r.site_id,
    planId: r.plan_id,
    profileId: r.profile_id,
    stackLevel: r.stack_level,
    unit: r.unit,
    periods: JSON.parse(r.periods_json) as PushedProfileRecord['periods'],
    endMs: Date.parse(r.end_utc),
    coversUntilMs: r.covers_until_utc === null ? null : Date.parse(r.covers_until_utc),
    state: r.state,
    detail: r.detail,
    sentAt: r.sent_at,
  };
}

/** The per-site decision log: append-only. */
export class DecisionRepository implements DecisionStore {
  constructor(private readonly db: Db) {}

  /** Retention (retention.ts): deletes at most `batch` decisions older than `before` or beyond the newest `maxRows`. */
  pruneStep(before: string, maxRows: number, batch: number): Promise<number> {
    return pruneOldest(this.db, { table: 'decisions', timeColumn: 'at', keep: keptDecisions }, before, maxRows, batch);
  }

  async append(e: Omit<DecisionRecord, 'id'>): Promise<DecisionRecord> {
    const { id } = await this.db.insertInto('decisions').values({
      site_id: e.siteId,
      at: e.at,
      kind: e.kind,
      station_id: e.stationId,
      evse_id: e.evseId,
      transaction_id: e.transactionId,
      plan_id: e.planId,
      message: e.message,
      details_json: e.details === undefined || e.details === null ? null : JSON.stringify(e.details),
      phrase_json: e.phrase ? JSON.stringify(e.phrase) : null,
    }).returning('id').executeTakeFirstOrThrow();
    return { ...e, id };
  }

  /** Newest first; the filters narrow the same index scan (site, id). */
  async list(siteId: string, options: DecisionListOptions = {}): Promise<DecisionRecord[]> {
    let q = this.db.selectFrom('decisions')
      .select(['id', 'site_id', 'at', 'kind', 'station_id', 'evse_id', 'transaction_id', 'plan_id', 'message', 'details_json', 'phrase_json'])
      .where('site_id', '=', siteId);
    if (options.beforeId !== undefined) q = q.where('id', '<', options.beforeId);
    if (options.kinds !== undefined) q = options.kinds.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('kind', 'in', [...options.kinds]);
    if (options.stationId !== undefined) q = q.where('station_id', '=', options.stationId);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      siteId: r.site_id,
      at: r.at,
      kind: r.kind as DecisionRecord['kind'],
      stationId: r.station_id,
      evseId: r.evse_id,
      transactionId: r.transaction_id,
      planId: r.plan_id,
      message: r.message,
      details: r.details_json === null ? null : JSON.parse(r.details_json),
      // A decision from before migration 0025 has its English message only (and no `phrase`, as it was read then).
      ...(r.phrase_json === null ? {} : { phrase: JSON.parse(r.phrase_json) as DecisionRecord['phrase'] }),
    }));
  }
}
