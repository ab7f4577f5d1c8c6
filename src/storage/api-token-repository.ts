import { inTransaction, type Db } from './sql/dialect.js';
import type { ApiTokenGrant, ApiTokenRecord, ApiTokenStore } from '../domain/prices.js';

interface TokenRow {
  id: string;
  name: string;
  secret_sha256: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

interface GrantRow {
  token_id: string;
  role: string;
  scope_kind: string;
  scope_id: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN_COLUMNS = ['id', 'name', 'secret_sha256', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'] as const;

/** API tokens, stored as the SHA-256 of their secret, with their role grants (migrations/0002-prices.ts). */
export class ApiTokenRepository implements ApiTokenStore {
  constructor(private readonly db: Db) {}

  async find(id: string): Promise<ApiTokenRecord | undefined> {
    const row = await this.db.selectFrom('api_tokens').select(TOKEN_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row, await this.grants([row.id])) : undefined;
  }

  /** The token with its grants, in one transaction. */
  async create(record: ApiTokenRecord): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('api_tokens').values({
        id: record.id,
        name: record.name,
        secret_sha256: record.secretSha256,
        created_at: iso(record.createdAt),
        expires_at: record.expiresAt === undefined ? null : iso(record.expiresAt),
      }).execute();
      if (record.grants.length > 0) {
        await trx.insertInto('api_token_grants')
          .values(record.grants.map((g) => ({ token_id: record.id, role: g.role, scope_kind: g.scopeKind, scope_id: g.scopeId })))
          .execute();
      }
    });
  }

  async markUsed(id: string, at: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: iso(at) }).where('id', '=', id).execute();
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('api_tokens').set({ revoked_at: iso(at) }).where('id', '=', id).where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Every token with its grants: two queries, not one per token. */
  async list(): Promise<ApiTokenRecord[]> {
    const rows = await this.db.selectFrom('api_tokens').select(TOKEN_COLUMNS).orderBy('created_at').orderBy('id').execute();
    const grants = rows.length === 0 ? new Map<string, ApiTokenGrant[]>() : await this.grants(null);
    return rows.map((r) => toRecord(r, grants));
  }

  /** Grants of the given tokens (null: of every token), by token id, each list in role, scope order. */
  private async grants(tokenIds: string[] | null): Promise<Map<string, ApiTokenGrant[]>> {
    let q = this.db.selectFrom('api_token_grants').select(['token_id', 'role', 'scope_kind', 'scope_id']);
    if (tokenIds !== null) q = q.where('token_id', 'in', tokenIds);
    return byToken(await q.orderBy('token_id').orderBy('role').orderBy('scope_kind').orderBy('scope_id').execute());
  }
}

function byToken(rows: GrantRow[]): Map<string, ApiTokenGrant[]> {
  const out = new Map<string, ApiTokenGrant[]>();
  for (const g of rows) {
    const grant = { role: g.role, scopeKind: g.scope_kind, scopeId: g.scope_id };
    const list = out.get(g.token_id);
    if (list) list.push(grant);
    else out.set(g.token_id, [grant]);
  }
  return out;
}

function toRecord(row: TokenRow, grants: Map<string, ApiTokenGrant[]>): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    secretSha256: row.secret_sha256,
    createdAt: Date.parse(row.created_at),
    ...(row.expires_at ? { expiresAt: Date.parse(row.expires_at) } : {}),
    ...(row.revoked_at ? { revokedAt: Date.parse(row.revoked_at) } : {}),
    ...(row.last_used_at ? { lastUsedAt: Date.parse(row.last_used_at) } : {}),
    grants: grants.get(row.id) ?? [],
  };
}
