import type { Db } from './database.js';
import type { ApiTokenGrant, ApiTokenRecord } from '../domain/prices.js';
import type {
  OwnedTokenRecord,
  UserAdmin,
  UserRecord,
  UserTokenStore,
  WebSessionRecord,
  WebSessionStore,
} from '../domain/users.js';

/** Users, their login sessions and the tokens they own (migrations/0004-users.ts). Instants are ISO-8601 text. */

interface UserRow {
  id: string;
  username: string;
  name: string;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}
interface GrantRow {
  role: string;
  scope_kind: string;
  scope_id: string;
}
interface SessionRow {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}
interface TokenRow {
  id: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  owner_user_id: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const grantOf = (g: GrantRow): ApiTokenGrant => ({ role: g.role, scopeKind: g.scope_kind, scopeId: g.scope_id });

export class UserRepository implements UserAdmin {
  private readonly byId;
  private readonly byUsername;
  private readonly grantsOf;
  private readonly insertUser;
  private readonly insertGrant;
  private readonly disableStmt;
  private readonly endSessions;
  private readonly revokeTokens;
  private readonly listStmt;

  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
    // COLLATE NOCASE on the column makes this comparison case-insensitive and lets it use the unique index.
    this.byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.grantsOf = db.prepare<[string], GrantRow>(
      'SELECT role, scope_kind, scope_id FROM user_grants WHERE user_id = ? ORDER BY role, scope_kind, scope_id',
    );
    this.insertUser = db.prepare(
      'INSERT INTO users (id, username, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertGrant = db.prepare(
      'INSERT OR IGNORE INTO user_grants (user_id, role, scope_kind, scope_id) VALUES (?, ?, ?, ?)',
    );
    this.disableStmt = db.prepare<[string, string]>('UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL');
    this.endSessions = db.prepare<[string]>('DELETE FROM web_sessions WHERE user_id = ?');
    this.revokeTokens = db.prepare<[string, string]>(
      'UPDATE api_tokens SET revoked_at = ? WHERE owner_user_id = ? AND revoked_at IS NULL',
    );
    this.listStmt = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username');
  }

  find(id: string): UserRecord | undefined {
    const row = this.byId.get(id);
    return row ? this.toRecord(row) : undefined;
  }

  findByUsername(username: string): UserRecord | undefined {
    const row = this.byUsername.get(username.toLowerCase());
    return row ? this.toRecord(row) : undefined;
  }

  create(user: UserRecord): boolean {
    return this.db.transaction(() => {
      if (this.byUsername.get(user.username.toLowerCase())) return false;
      this.insertUser.run(user.id, user.username.toLowerCase(), user.name, user.passwordHash, iso(user.createdAt));
      for (const g of user.grants) this.insertGrant.run(user.id, g.role, g.scopeKind, g.scopeId);
      return true;
    })();
  }

  addGrant(userId: string, grant: ApiTokenGrant): boolean {
    return this.insertGrant.run(userId, grant.role, grant.scopeKind, grant.scopeId).changes > 0;
  }

  disable(userId: string, at: number): boolean {
    // One transaction: a disabled user never keeps a working session or token, not even for a moment.
    return this.db.transaction(() => {
      const changed = this.disableStmt.run(iso(at), userId).changes > 0;
      this.endSessions.run(userId);
      this.revokeTokens.run(iso(at), userId);
      return changed;
    })();
  }

  list(): UserRecord[] {
    return this.listStmt.all().map((r) => this.toRecord(r));
  }

  private toRecord(row: UserRow): UserRecord {
    return {
      id: row.id,
      username: row.username,
      name: row.name,
      passwordHash: row.password_hash,
      createdAt: Date.parse(row.created_at),
      ...(row.disabled_at ? { disabledAt: Date.parse(row.disabled_at) } : {}),
      grants: this.grantsOf.all(row.id).map(grantOf),
    };
  }
}

export class WebSessionRepository implements WebSessionStore {
  private readonly insert;
  private readonly findStmt;
  private readonly touchStmt;
  private readonly deleteStmt;
  private readonly deleteExpiredStmt;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO web_sessions (id, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.findStmt = db.prepare<[string], SessionRow>('SELECT * FROM web_sessions WHERE id = ?');
    this.touchStmt = db.prepare<[string, string, string]>('UPDATE web_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM web_sessions WHERE id = ?');
    this.deleteExpiredStmt = db.prepare<[string]>('DELETE FROM web_sessions WHERE expires_at <= ?');
  }

  create(s: WebSessionRecord): void {
    this.insert.run(s.idSha256, s.userId, s.csrfToken, iso(s.createdAt), iso(s.expiresAt), iso(s.lastSeenAt));
  }

  find(idSha256: string): WebSessionRecord | undefined {
    const row = this.findStmt.get(idSha256);
    if (!row) return undefined;
    return {
      idSha256: row.id,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      createdAt: Date.parse(row.created_at),
      expiresAt: Date.parse(row.expires_at),
      lastSeenAt: Date.parse(row.last_seen_at),
    };
  }

  touch(idSha256: string, lastSeenAt: number, expiresAt: number): void {
    this.touchStmt.run(iso(lastSeenAt), iso(expiresAt), idSha256);
  }

  delete(idSha256: string): number {
    return this.deleteStmt.run(idSha256).changes;
  }

  deleteExpired(at: number): number {
    return this.deleteExpiredStmt.run(iso(at)).changes;
  }
}

export class UserTokenRepository implements UserTokenStore {
  private readonly insertToken;
  private readonly insertGrant;
  private readonly grantsOf;
  private readonly findStmt;
  private readonly listAll;
  private readonly listOwned;
  private readonly revokeStmt;

  constructor(private readonly db: Db) {
    this.insertToken = db.prepare(
      'INSERT INTO api_tokens (id, name, secret_sha256, created_at, expires_at, owner_user_id) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertGrant = db.prepare('INSERT INTO api_token_grants (token_id, role, scope_kind, scope_id) VALUES (?, ?, ?, ?)');
    this.grantsOf = db.prepare<[string], GrantRow>(
      'SELECT role, scope_kind, scope_id FROM api_token_grants WHERE token_id = ? ORDER BY role, scope_kind, scope_id',
    );
    const columns = 'id, name, created_at, expires_at, revoked_at, last_used_at, owner_user_id';
    this.findStmt = db.prepare<[string], TokenRow>(`SELECT ${columns} FROM api_tokens WHERE id = ?`);
    this.listAll = db.prepare<[], TokenRow>(`SELECT ${columns} FROM api_tokens ORDER BY created_at, id`);
    this.listOwned = db.prepare<[string], TokenRow>(`SELECT ${columns} FROM api_tokens WHERE owner_user_id = ? ORDER BY created_at, id`);
    this.revokeStmt = db.prepare<[string, string]>('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  create(record: ApiTokenRecord, ownerUserId: string | null): void {
    this.db.transaction(() => {
      const expires = record.expiresAt === undefined ? null : iso(record.expiresAt);
      this.insertToken.run(record.id, record.name, record.secretSha256, iso(record.createdAt), expires, ownerUserId);
      for (const g of record.grants) this.insertGrant.run(record.id, g.role, g.scopeKind, g.scopeId);
    })();
  }

  find(id: string): OwnedTokenRecord | undefined {
    const row = this.findStmt.get(id);
    return row ? this.toRecord(row) : undefined;
  }

  list(ownerUserId?: string): OwnedTokenRecord[] {
    const rows = ownerUserId === undefined ? this.listAll.all() : this.listOwned.all(ownerUserId);
    return rows.map((r) => this.toRecord(r));
  }

  revoke(id: string, at: number): boolean {
    return this.revokeStmt.run(iso(at), id).changes > 0;
  }

  private toRecord(row: TokenRow): OwnedTokenRecord {
    return {
      id: row.id,
      name: row.name,
      createdAt: Date.parse(row.created_at),
      ...(row.expires_at ? { expiresAt: Date.parse(row.expires_at) } : {}),
      ...(row.revoked_at ? { revokedAt: Date.parse(row.revoked_at) } : {}),
      ...(row.last_used_at ? { lastUsedAt: Date.parse(row.last_used_at) } : {}),
      ownerUserId: row.owner_user_id,
      grants: this.grantsOf.all(row.id).map(grantOf),
    };
  }
}
