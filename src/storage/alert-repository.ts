import type { Kysely } from 'kysely';
import {
  MAX_ALERT_PAGE, type AlertChange, type AlertHistoryEntry, type AlertKind, type AlertQuery, type AlertRecord, type AlertSeverity,
  type AlertStore, type NewAlert,
} from '../domain/alerts.js';
import { inTransaction, jsonStrings, type Db } from './sql/dialect.js';
import type { Schema } from './sql/schema.js';

/** The tables of migration 0019 as the query builder sees them (added to the shared schema with withTables). */
export type AlertTables = {
  alerts: {
    id: import('kysely').Generated<number>;
    kind: string;
    site_id: string | null;
    station_id: string | null;
    subject: string;
    grouped: number;
    members: string;
    member_count: number;
    severity: string;
    message: string;
    details: string | null;
    state: string;
    open_key: string | null;
    opened_at: string;
    updated_at: string;
    closed_at: string | null;
  };
  alert_history: { id: import('kysely').Generated<number>; alert_id: number; at: string; event: string; message: string };
  alert_webhooks: {
    id: string; scope_kind: string; scope_id: string; url: string; secret: string; description: string; created_at: string;
    last_success_at: string | null; last_failure_at: string | null; last_error: string | null;
  };
};

export type AlertDb = Kysely<Schema & AlertTables>;
export const alertDb = (db: Db): AlertDb => db.withTables<AlertTables>();

/** Text from conditions is cut, never refused (a station's techInfo can be long). */
const MESSAGE_MAX = 500;
const cut = (text: string) => (text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text);
const openKey = (a: { kind: string; siteId: string | null; subject: string }) => `${a.kind}|${a.siteId ?? ''}|${a.subject}`;

type Row = AlertTables['alerts'] & { id: number };

function record(r: Row): AlertRecord {
  return {
    id: Number(r.id),
    kind: r.kind as AlertKind,
    siteId: r.site_id,
    stationId: r.station_id,
    subject: r.subject,
    grouped: r.grouped === 1,
    members: JSON.parse(r.members) as string[],
    memberCount: r.member_count,
    severity: r.severity as AlertSeverity,
    message: r.message,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
    state: r.state === 'open' ? 'open' : 'closed',
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
  };
}

/** Alerts and their history (migration 0019). Every write of an alert and its history line is one transaction. */
export class AlertRepository implements AlertStore {
  private readonly db: AlertDb;

  constructor(private readonly base: Db) {
    this.db = alertDb(base);
  }

  async openAlerts(): Promise<AlertRecord[]> {
    const rows = await this.db.selectFrom('alerts').selectAll().where('state', '=', 'open').orderBy('id').execute();
    return rows.map((r) => record(r as Row));
  }

  open(a: NewAlert, at: string): Promise<AlertRecord | undefined> {
    return inTransaction(this.base, async (trx) => {
      const db = alertDb(trx);
      const row = await db.insertInto('alerts').values({
        kind: a.kind, site_id: a.siteId, station_id: a.stationId, subject: a.subject, grouped: a.grouped ? 1 : 0,
        members: JSON.stringify(a.members), member_count: a.memberCount, severity: a.severity, message: cut(a.message),
        details: a.details === undefined ? null : JSON.stringify(a.details), state: 'open', open_key: openKey(a),
        opened_at: at, updated_at: at, closed_at: null,
      }).onConflict((oc) => oc.column('open_key').doNothing()).returningAll().executeTakeFirst();
      if (!row) return undefined;
      await db.insertInto('alert_history').values({ alert_id: Number(row.id), at, event: 'opened', message: cut(a.message) }).execute();
      return record(row as Row);
    });
  }

  update(id: number, c: AlertChange, at: string): Promise<void> {
    return inTransaction(this.base, async (trx) => {
      const db = alertDb(trx);
      await db.updateTable('alerts').set({
        severity: c.severity, message: cut(c.message), details: c.details === null ? null : JSON.stringify(c.details),
        members: JSON.stringify(c.members), member_count: c.memberCount, updated_at: at,
      }).where('id', '=', id).where('state', '=', 'open').execute();
      await db.insertInto('alert_history').values({ alert_id: id, at, event: 'updated', message: cut(c.message) }).execute();
    });
  }

  close(id: number, at: string, message: string): Promise<void> {
    return inTransaction(this.base, async (trx) => {
      const db = alertDb(trx);
      await db.updateTable('alerts').set({ state: 'closed', open_key: null, closed_at: at, updated_at: at }).where('id', '=', id).execute();
      await db.insertInto('alert_history').values({ alert_id: id, at, event: 'closed', message: cut(message) }).execute();
    });
  }

  async list(q: AlertQuery): Promise<AlertRecord[]> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_ALERT_PAGE) throw new RangeError(`limit must be 1..${MAX_ALERT_PAGE}`);
    if (q.sites !== 'all' && q.sites.length === 0) return [];
    let query = this.db.selectFrom('alerts').selectAll();
    if (q.sites !== 'all') query = query.where('site_id', 'in', (eb) => eb.selectFrom(jsonStrings(this.base, q.sites as string[]).as('s')).select('s.value'));
    if (q.state) query = query.where('state', '=', q.state);
    if (q.stationId !== undefined) query = query.where((eb) => eb.or([eb('station_id', '=', q.stationId!), eb('members', 'like', `%${JSON.stringify(q.stationId)}%`)]));
    if (q.kind) query = query.where('kind', '=', q.kind);
    if (q.before !== undefined) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => record(r as Row));
  }

  async get(id: number): Promise<AlertRecord | undefined> {
    const row = await this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? record(row as Row) : undefined;
  }

  async history(id: number): Promise<AlertHistoryEntry[]> {
    const rows = await this.db.selectFrom('alert_history').select(['at', 'event', 'message']).where('alert_id', '=', id).orderBy('id').limit(MAX_ALERT_PAGE).execute();
    return rows.map((r) => ({ at: r.at, event: r.event as AlertHistoryEntry['event'], message: r.message }));
  }

  /**
   * The newest message of one action from a station's message log (the OCPP handlers keep them verbatim): what a
   * SecurityEventNotification or FirmwareStatusNotification said, read when the server reports it handled one.
   * undefined when it was cut for size (then only its hash is kept).
   */
  async latestStationMessage(stationId: string, action: string): Promise<unknown> {
    const row = await this.db.selectFrom('station_messages').select(['payload', 'payload_sha256'])
      .where('station_id', '=', stationId).where('action', '=', action).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (!row || row.payload_sha256 !== null) return undefined;
    return JSON.parse(row.payload) as unknown;
  }
}
