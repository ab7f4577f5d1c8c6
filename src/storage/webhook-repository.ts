import type { WebhookRecord, WebhookScopeKind, WebhookStore } from '../domain/alerts.js';
import { alertDb, type AlertDb } from './alert-repository.js';
import type { Db } from './sql/dialect.js';

/** Where alerts are delivered (migration 0019, alert_webhooks). The secret is read only by `targets` (signing). */
export class WebhookRepository implements WebhookStore {
  private readonly db: AlertDb;

  constructor(db: Db) {
    this.db = alertDb(db);
  }

  async add(h: Omit<WebhookRecord, 'lastSuccessAt' | 'lastFailureAt' | 'lastError'>, secret: string): Promise<void> {
    await this.db.insertInto('alert_webhooks').values({
      id: h.id, scope_kind: h.scopeKind, scope_id: h.scopeId, url: h.url, secret, description: h.description, created_at: h.createdAt,
      last_success_at: null, last_failure_at: null, last_error: null,
    }).execute();
  }

  async list(): Promise<WebhookRecord[]> {
    const rows = await this.db.selectFrom('alert_webhooks')
      .select(['id', 'scope_kind', 'scope_id', 'url', 'description', 'created_at', 'last_success_at', 'last_failure_at', 'last_error'])
      .orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id, scopeKind: r.scope_kind as WebhookScopeKind, scopeId: r.scope_id, url: r.url, description: r.description, createdAt: r.created_at,
      lastSuccessAt: r.last_success_at, lastFailureAt: r.last_failure_at, lastError: r.last_error,
    }));
  }

  async targets(): Promise<(WebhookRecord & { secret: string })[]> {
    const secrets = new Map((await this.db.selectFrom('alert_webhooks').select(['id', 'secret']).execute()).map((r) => [r.id, r.secret]));
    return (await this.list()).flatMap((h) => (secrets.has(h.id) ? [{ ...h, secret: secrets.get(h.id)! }] : []));
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('alert_webhooks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async outcome(id: string, at: string, error: string | null): Promise<void> {
    await this.db.updateTable('alert_webhooks')
      .set(error === null ? { last_success_at: at, last_error: null } : { last_failure_at: at, last_error: error.slice(0, 300) })
      .where('id', '=', id).execute();
  }
}
