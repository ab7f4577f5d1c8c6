import type { Db } from './sql/dialect.js';
import { MAX_AUDIT_DETAIL_BYTES, MAX_AUDIT_PAGE, type AuditEntry, type AuditLog, type AuditQuery, type AuditReader, type AuditRecord } from '../domain/audit.js';

/**
 * The audit log (migrations/0012-setup-and-audit.ts): append-only, newest first when read. Any module that changes
 * something people care about records through the AuditLog port; admins read it through AuditReader.
 */
const iso = (ms: number) => new Date(ms).toISOString();
const COLUMNS = ['id', 'at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'target_kind', 'target_id', 'detail'] as const;
const TEXT_MAX = 200;

/** Free text from callers is cut, never refused: an audit write must not fail a change that already happened. */
const cut = (text: string) => (text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text);

export class AuditRepository implements AuditLog, AuditReader {
  constructor(private readonly db: Db) {}

  async record(e: AuditEntry): Promise<void> {
    let detail = e.detail === undefined ? null : JSON.stringify(e.detail);
    if (detail !== null && Buffer.byteLength(detail) > MAX_AUDIT_DETAIL_BYTES) detail = JSON.stringify({ truncated: true });
    await this.db.insertInto('audit_log').values({
      at: iso(e.at),
      actor_kind: e.actor.kind,
      actor_id: e.actor.id,
      actor_name: cut(e.actor.name),
      action: cut(e.action),
      target_kind: cut(e.target.kind),
      target_id: cut(e.target.id),
      detail,
    }).execute();
  }

  async list(q: AuditQuery): Promise<AuditRecord[]> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_AUDIT_PAGE) throw new RangeError(`limit must be 1..${MAX_AUDIT_PAGE}`);
    let query = this.db.selectFrom('audit_log').select(COLUMNS);
    if (q.before !== undefined) query = query.where('id', '<', q.before);
    if (q.targetKind !== undefined) query = query.where('target_kind', '=', q.targetKind);
    if (q.targetId !== undefined) query = query.where('target_id', '=', q.targetId);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: Date.parse(r.at),
      actor: { kind: r.actor_kind as AuditRecord['actor']['kind'], id: r.actor_id, name: r.actor_name },
      action: r.action,
      target: { kind: r.target_kind, id: r.target_id },
      ...(r.detail !== null ? { detail: JSON.parse(r.detail) as Record<string, unknown> } : {}),
    }));
  }
}
