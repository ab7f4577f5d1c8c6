import type { Db } from './database.js';
import { pruneOldest } from './prune.js';
import type {
  ChargerCompliance, ChargerStatusRecord, DecisionRecord, DecisionStore, PlanRecord, PlanStore, ProfileStore,
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

/** Plans with the inputs they were made from (migrations/0003-scheduler.ts). */
export class PlanRepository implements PlanStore {
  private readonly insert;
  private readonly latestStmt;
  private readonly getStmt;
  private readonly keep: string;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO plans (site_id, created_at, triggers_json, start_utc, end_utc, status, currency, total_cost, solver, solve_ms, body_json)
       VALUES (@siteId, @createdAt, @triggers, @start, @end, @status, @currency, @totalCost, @solver, @solveMs, @body)`,
    );
    this.latestStmt = db.prepare<[string], PlanRow>('SELECT * FROM plans WHERE site_id = ? ORDER BY id DESC LIMIT 1');
    this.getStmt = db.prepare<[number], PlanRow>('SELECT * FROM plans WHERE id = ?');
    // Never the latest plan of a site (the scheduler restores from it) nor one a running session's pushed profile
    // came from (pushed_profiles and transactions are in this database: the plan explains what the car holds).
    this.keep = `id NOT IN (SELECT MAX(id) FROM plans GROUP BY site_id)
      AND id NOT IN (SELECT pp.plan_id FROM pushed_profiles pp JOIN transactions t
                       ON t.station_id = pp.station_id AND t.transaction_id = pp.transaction_id WHERE t.state = 'Started')`;
  }

  /**
   * Retention (retention.ts): deletes at most `batch` plans created before `before` or beyond the newest
   * `maxRows`, keeping each site's latest plan and every plan a running session still holds a profile of.
   */
  pruneStep(before: string, maxRows: number, batch: number): number {
    return pruneOldest(this.db, { table: 'plans', timeColumn: 'created_at', keep: this.keep }, before, maxRows, batch);
  }

  save(p: Omit<PlanRecord, 'id'>): number {
    const body: PlanBody = { slotStarts: p.slotStarts, endMs: p.endMs, prices: p.prices, siteLimitKw: p.siteLimitKw, sessions: p.sessions, problem: p.problem };
    const result = this.insert.run({
      siteId: p.siteId,
      createdAt: p.createdAt,
      triggers: JSON.stringify(p.triggers),
      start: iso(p.slotStarts[0] ?? p.endMs),
      end: iso(p.endMs),
      status: p.status,
      currency: p.currency,
      totalCost: p.totalCost,
      solver: p.solver,
      solveMs: p.solveMs,
      body: JSON.stringify(body),
    });
    return Number(result.lastInsertRowid);
  }

  latest(siteId: string): PlanRecord | undefined {
    const row = this.latestStmt.get(siteId);
    return row ? toPlan(row) : undefined;
  }

  get(id: number): PlanRecord | undefined {
    const row = this.getStmt.get(id);
    return row ? toPlan(row) : undefined;
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

/** Profile ids, pushed profiles and charger compliance. */
export class ProfileRepository implements ProfileStore {
  private readonly idGet;
  private readonly idMax;
  private readonly idInsert;
  private readonly pushUpsert;
  private readonly pushGet;
  private readonly activeStmt;
  private readonly statusUpsert;
  private readonly statusGet;

  constructor(private readonly db: Db) {
    this.idGet = db.prepare<[string, string], { profile_id: number }>('SELECT profile_id FROM profile_ids WHERE station_id = ? AND key = ?');
    this.idMax = db.prepare<[string], { m: number | null }>('SELECT MAX(profile_id) AS m FROM profile_ids WHERE station_id = ?');
    this.idInsert = db.prepare<[string, string, number]>('INSERT INTO profile_ids (station_id, key, profile_id) VALUES (?, ?, ?)');
    this.pushUpsert = db.prepare(
      `INSERT INTO pushed_profiles (station_id, evse_id, transaction_id, site_id, plan_id, profile_id, stack_level, unit, periods_json,
         end_utc, covers_until_utc, state, detail, sent_at)
       VALUES (@stationId, @evseId, @transactionId, @siteId, @planId, @profileId, @stackLevel, @unit, @periods, @end, @coversUntil,
         @state, @detail, @sentAt)
       ON CONFLICT (station_id, evse_id, transaction_id) DO UPDATE SET site_id = excluded.site_id, plan_id = excluded.plan_id,
         profile_id = excluded.profile_id, stack_level = excluded.stack_level, unit = excluded.unit, periods_json = excluded.periods_json,
         end_utc = excluded.end_utc, covers_until_utc = excluded.covers_until_utc, state = excluded.state, detail = excluded.detail,
         sent_at = excluded.sent_at`,
    );
    this.pushGet = db.prepare<[string, number, string], PushRow>(
      'SELECT * FROM pushed_profiles WHERE station_id = ? AND evse_id = ? AND transaction_id = ?',
    );
    // A push is active while its transaction is (the transactions table is the OCPP adapter's, same database).
    this.activeStmt = db.prepare<[string], PushRow>(
      `SELECT p.* FROM pushed_profiles p JOIN transactions t ON t.station_id = p.station_id AND t.transaction_id = p.transaction_id
       WHERE p.site_id = ? AND t.state = 'Started' ORDER BY p.station_id, p.evse_id`,
    );
    this.statusUpsert = db.prepare(
      `INSERT INTO charger_status (station_id, evse_id, compliance, detail, since) VALUES (@stationId, @evseId, @compliance, @detail, @since)
       ON CONFLICT (station_id, evse_id) DO UPDATE SET compliance = excluded.compliance, detail = excluded.detail,
         since = CASE WHEN charger_status.compliance = excluded.compliance THEN charger_status.since ELSE excluded.since END`,
    );
    this.statusGet = db.prepare<[string, number], { station_id: string; evse_id: number; compliance: ChargerCompliance; detail: string | null; since: string }>(
      'SELECT * FROM charger_status WHERE station_id = ? AND evse_id = ?',
    );
  }

  profileId(stationId: string, key: string): number {
    return this.db.transaction(() => {
      const found = this.idGet.get(stationId, key);
      if (found) return found.profile_id;
      const id = Math.max(999, this.idMax.get(stationId)?.m ?? 0) + 1;
      this.idInsert.run(stationId, key, id);
      return id;
    }).immediate();
  }

  recordPush(p: PushedProfileRecord): void {
    this.pushUpsert.run({
      stationId: p.stationId,
      evseId: p.evseId,
      transactionId: p.transactionId,
      siteId: p.siteId,
      planId: p.planId,
      profileId: p.profileId,
      stackLevel: p.stackLevel,
      unit: p.unit,
      periods: JSON.stringify(p.periods),
      end: iso(p.endMs),
      coversUntil: p.coversUntilMs === null ? null : iso(p.coversUntilMs),
      state: p.state,
      detail: p.detail,
      sentAt: p.sentAt,
    });
  }

  pushed(stationId: string, evseId: number, transactionId: string): PushedProfileRecord | undefined {
    const row = this.pushGet.get(stationId, evseId, transactionId);
    return row ? toPush(row) : undefined;
  }

  activePushes(siteId: string): PushedProfileRecord[] {
    return this.activeStmt.all(siteId).map(toPush);
  }

  setCompliance(s: ChargerStatusRecord): void {
    this.statusUpsert.run({ stationId: s.stationId, evseId: s.evseId, compliance: s.compliance, detail: s.detail, since: s.since });
  }

  compliance(stationId: string, evseId: number): ChargerStatusRecord | undefined {
    const r = this.statusGet.get(stationId, evseId);
    return r ? { stationId: r.station_id, evseId: r.evse_id, compliance: r.compliance, detail: r.detail, since: r.since } : undefined;
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

interface DecisionRow {
  id: number;
  site_id: string;
  at: string;
  kind: DecisionRecord['kind'];
  station_id: string | null;
  evse_id: number | null;
  transaction_id: string | null;
  plan_id: number | null;
  message: string;
  details_json: string | null;
}

/** The per-site decision log: append-only. */
export class DecisionRepository implements DecisionStore {
  private readonly insert;
  private readonly listStmt;
  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO decisions (site_id, at, kind, station_id, evse_id, transaction_id, plan_id, message, details_json)
       VALUES (@siteId, @at, @kind, @stationId, @evseId, @transactionId, @planId, @message, @details)`,
    );
    this.listStmt = db.prepare<[string, number, number], DecisionRow>(
      'SELECT * FROM decisions WHERE site_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
    );
  }

  /** Retention (retention.ts): deletes at most `batch` decisions older than `before` or beyond the newest `maxRows`. */
  pruneStep(before: string, maxRows: number, batch: number): number {
    // A decision about a session that is still running stays: it explains what the car is doing now.
    const keep = `NOT (transaction_id IS NOT NULL AND EXISTS (SELECT 1 FROM transactions t
      WHERE t.station_id = decisions.station_id AND t.transaction_id = decisions.transaction_id AND t.state = 'Started'))`;
    return pruneOldest(this.db, { table: 'decisions', timeColumn: 'at', keep }, before, maxRows, batch);
  }

  append(e: Omit<DecisionRecord, 'id'>): DecisionRecord {
    const r = this.insert.run({ ...e, details: e.details === undefined || e.details === null ? null : JSON.stringify(e.details) });
    return { ...e, id: Number(r.lastInsertRowid) };
  }

  /** Newest first. */
  list(siteId: string, options: { limit?: number; beforeId?: number } = {}): DecisionRecord[] {
    return this.listStmt.all(siteId, options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit ?? 100).map((r) => ({
      id: r.id,
      siteId: r.site_id,
      at: r.at,
      kind: r.kind,
      stationId: r.station_id,
      evseId: r.evse_id,
      transactionId: r.transaction_id,
      planId: r.plan_id,
      message: r.message,
      details: r.details_json === null ? null : JSON.parse(r.details_json),
    }));
  }
}
