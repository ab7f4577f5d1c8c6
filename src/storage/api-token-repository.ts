import type { Db } from './database.js';
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
  role: string;
  scope_kind: string;
  scope_id: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** API tokens, stored as the SHA-256 of their secret, with their role grants (migrations/0002-prices.ts). */
export class ApiTokenRepository implements ApiTokenStore {
  private readonly findStmt;
  private readonly grantsStmt;
  private readonly insertToken;
  private readonly insertGrant;
  private readonly usedStmt;
  private readonly revokeStmt;
  private readonly listStmt;

  constructor(private readonly db: Db) {
    this.findStmt = db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?');
    this.grantsStmt = db.prepare<[string], GrantRow>(
      'SELECT role, scope_kind, scope_id FROM api_token_grants WHERE token_id = ? ORDER BY role, scope_kind, scope_id',
    );
    this.insertToken = db.prepare(
      'INSERT INTO api_tokens (id, name, secret_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertGrant = db.prepare('INSERT INTO api_token_grants (token_id, role, scope_kind, scope_id) VALUES (?, ?, ?, ?)');
    this.usedStmt = db.prepare<[string, string]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
    this.revokeStmt = db.prepare<[string, string]>('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.listStmt = db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id');
  }

  find(id: string): ApiTokenRecord | undefined {
    const row = this.findStmt.get(id);
    return row ? this.toRecord(row) : undefined;
  }

  create(record: ApiTokenRecord): void {
    this.db.transaction(() => {
      this.insertToken.run(record.id, record.name, record.secretSha256, iso(record.createdAt), record.expiresAt === undefined ? null : iso(record.expiresAt));
      for (const g of record.grants) this.insertGrant.run(record.id, g.role, g.scopeKind, g.scopeId);
    })();
  }

  markUsed(id: string, at: number): void {
    this.usedStmt.run(iso(at), id);
  }

  revoke(id: string, at: number): boolean {
    return this.revokeStmt.run(iso(at), id).changes > 0;
  }

  list(): ApiTokenRecord[] {
    return this.listStmt.all().map((r) => this.toRecord(r));
  }

  private toRecord(row: TokenRow): ApiTokenRecord {
    const grants: ApiTokenGrant[] = this.grantsStmt
      .all(row.id)
      .map((g) => ({ role: g.role, scopeKind: g.scope_kind, scopeId: g.scope_id }));
    return {
      id: row.id,
      name: row.name,
      secretSha256: row.secret_sha256,
      createdAt: Date.parse(row.created_at),
      ...(row.expires_at ? { expiresAt: Date.parse(row.expires_at) } : {}),
      ...(row.revoked_at ? { revokedAt: Date.parse(row.revoked_at) } : {}),
      ...(row.last_used_at ? { lastUsedAt: Date.parse(row.last_used_at) } : {}),
      grants,
    };
  }
}
