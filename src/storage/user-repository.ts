import { countAll, inTransaction, lockKey, type Db } from './sql/dialect.js';
import { AuditRepository } from './audit-repository.js';
import type { AuditEntry } from '../domain/audit.js';
import type { ApiTokenGrant, ApiTokenRecord } from '../domain/prices.js';
import type { KeepingAnAdmin, UserManagement } from '../domain/accounts.js';
import type {
  OwnedTokenRecord,
  UserRecord,
  UserTokenStore,
  WebSessionRecord,
  WebSessionStore,
} from '../domain/users.js';

/** Users, their login sessions and the tokens they own (migrations/0004-users.ts). Instants are UTC ISO-8601 text. */

interface UserRow {
  id: string;
  username: string;
  name: string;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
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
const USER_COLUMNS = ['id', 'username', 'name', 'password_hash', 'created_at', 'disabled_at'] as const;
const TOKEN_COLUMNS = ['id', 'name', 'created_at', 'expires_at', 'revoked_at', 'last_used_at', 'owner_user_id'] as const;

/** Grant rows grouped by their owner (a user or a token id), each list in the order the query gave. */
function grouped(rows: readonly { owner: string; role: string; scope_kind: string; scope_id: string }[]): Map<string, ApiTokenGrant[]> {
  const out = new Map<string, ApiTokenGrant[]>();
  for (const g of rows) {
    const grant = { role: g.role, scopeKind: g.scope_kind, scopeId: g.scope_id };
    const list = out.get(g.owner);
    if (list) list.push(grant);
    else out.set(g.owner, [grant]);
  }
  return out;
}

export class UserRepository implements UserManagement {
  constructor(private readonly db: Db) {}

  async find(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toUser(row, await this.grants([row.id])) : undefined;
  }

  /** Any case: usernames are stored lower-case (and SQLite's column is COLLATE NOCASE besides). */
  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').select(USER_COLUMNS).where('username', '=', username.toLowerCase()).executeTakeFirst();
    return row ? toUser(row, await this.grants([row.id])) : undefined;
  }

  /**
   * Creates the user with its grants, or returns false when the username is taken in any case. The insert itself
   * decides (ON CONFLICT DO NOTHING against the unique username), so two requests creating one name at once give
   * one account and one false, on either database; a clash on the id alone is an error, as before.
   */
  create(user: UserRecord): Promise<boolean> {
    const username = user.username.toLowerCase();
    return inTransaction(this.db, async (trx) => {
      const inserted = await trx
        .insertInto('users')
        .values({ id: user.id, username, name: user.name, password_hash: user.passwordHash, created_at: iso(user.createdAt) })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const taken = await trx.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
        if (taken) return false;
        throw new Error(`user id "${user.id}" is already taken by another user`);
      }
      if (user.grants.length > 0) {
        await trx.insertInto('user_grants')
          .values(user.grants.map((g) => ({ user_id: user.id, role: g.role, scope_kind: g.scopeKind, scope_id: g.scopeId })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return true;
    });
  }

  /** False when the user already holds the grant. */
  async addGrant(userId: string, grant: ApiTokenGrant): Promise<boolean> {
    const r = await this.db.insertInto('user_grants')
      .values({ user_id: userId, role: grant.role, scope_kind: grant.scopeKind, scope_id: grant.scopeId })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  disable(userId: string, at: number): Promise<boolean> {
    // One transaction: a disabled user never keeps a working session or token, not even for a moment.
    return inTransaction(this.db, async (trx) => {
      const r = await trx.updateTable('users').set({ disabled_at: iso(at) }).where('id', '=', userId).where('disabled_at', 'is', null)
        .executeTakeFirst();
      await trx.deleteFrom('web_sessions').where('user_id', '=', userId).execute();
      await trx.updateTable('api_tokens').set({ revoked_at: iso(at) }).where('owner_user_id', '=', userId).where('revoked_at', 'is', null)
        .execute();
      return Number(r.numUpdatedRows) > 0;
    });
  }

  async any(): Promise<boolean> {
    return (await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  /** Re-enables a disabled user. Its tokens stay revoked (disabling revoked them for good); it logs in again. */
  async enable(userId: string): Promise<boolean> {
    const r = await this.db.updateTable('users').set({ disabled_at: null }).where('id', '=', userId).where('disabled_at', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** One transaction: the old password stops working everywhere at once (its sessions end, but `keepSession`). */
  setPassword(userId: string, passwordHash: string, keepSession?: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const r = await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).executeTakeFirst();
      let end = trx.deleteFrom('web_sessions').where('user_id', '=', userId);
      if (keepSession !== undefined) end = end.where('id', '!=', keepSession);
      await end.execute();
      return Number(r.numUpdatedRows) > 0;
    });
  }

  async removeGrant(userId: string, grant: ApiTokenGrant): Promise<boolean> {
    const r = await this.db.deleteFrom('user_grants')
      .where('user_id', '=', userId).where('role', '=', grant.role).where('scope_kind', '=', grant.scopeKind).where('scope_id', '=', grant.scopeId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  disableKeepingAnAdmin(userId: string, at: number, audit?: AuditEntry): Promise<KeepingAnAdmin> {
    return this.keepingAnAdmin(userId, audit, (repo) => repo.disable(userId, at));
  }

  removeGrantKeepingAnAdmin(userId: string, grant: ApiTokenGrant, audit?: AuditEntry): Promise<KeepingAnAdmin> {
    return this.keepingAnAdmin(grant.role === 'admin' ? userId : null, audit, (repo) => repo.removeGrant(userId, grant));
  }

  /**
   * Issue 16, the last-admin race: the check and the write in one transaction under one lock (PostgreSQL: an
   * advisory lock taken first; SQLite: the one connection runs a transaction alone), so the count each write sees
   * includes every write before it. Under READ COMMITTED the count, a statement after the lock, sees those commits.
   * `guarded`: the user whose admin standing the write ends (null: the write cannot end anyone's).
   */
  private keepingAnAdmin(guarded: string | null, audit: AuditEntry | undefined, write: (repo: UserRepository) => Promise<boolean>): Promise<KeepingAnAdmin> {
    return inTransaction(this.db, async (trx) => {
      await lockKey(trx, 'users:active-admins');
      if (guarded !== null) {
        const active = (others: boolean) => {
          let q = trx.selectFrom('users as u').select(countAll().as('n')).where('u.disabled_at', 'is', null)
            .where((eb) => eb.exists(eb.selectFrom('user_grants as g').select('g.user_id').whereRef('g.user_id', '=', 'u.id').where('g.role', '=', 'admin')));
          q = others ? q.where('u.id', '!=', guarded) : q.where('u.id', '=', guarded);
          return q.executeTakeFirstOrThrow().then((r) => Number(r.n));
        };
        if ((await active(false)) > 0 && (await active(true)) === 0) return 'last-admin';
      }
      if (!(await write(new UserRepository(trx)))) return 'unchanged';
      if (audit) await new AuditRepository(trx).record(audit);
      return 'done';
    });
  }

  /** Every user with its grants, by username: two queries, not one per user. */
  async list(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').select(USER_COLUMNS).orderBy('username').execute();
    const grants = rows.length === 0 ? new Map<string, ApiTokenGrant[]>() : await this.grants(null);
    return rows.map((r) => toUser(r, grants));
  }

  /** Grants of the given users (null: of every user), each list in role, scope order. */
  private async grants(userIds: string[] | null): Promise<Map<string, ApiTokenGrant[]>> {
    let q = this.db.selectFrom('user_grants').select(['user_id as owner', 'role', 'scope_kind', 'scope_id']);
    if (userIds !== null) q = q.where('user_id', 'in', userIds);
    return grouped(await q.orderBy('user_id').orderBy('role').orderBy('scope_kind').orderBy('scope_id').execute());
  }
}

function toUser(row: UserRow, grants: Map<string, ApiTokenGrant[]>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    passwordHash: row.password_hash,
    createdAt: Date.parse(row.created_at),
    ...(row.disabled_at ? { disabledAt: Date.parse(row.disabled_at) } : {}),
    grants: grants.get(row.id) ?? [],
  };
}

export class WebSessionRepository implements WebSessionStore {
  constructor(private readonly db: Db) {}

  async create(s: WebSessionRecord): Promise<void> {
    await this.db.insertInto('web_sessions').values({
      id: s.idSha256, user_id: s.userId, csrf_token: s.csrfToken, created_at: iso(s.createdAt), expires_at: iso(s.expiresAt), last_seen_at: iso(s.lastSeenAt),
    }).execute();
  }

  async find(idSha256: string): Promise<WebSessionRecord | undefined> {
    const row = await this.db.selectFrom('web_sessions')
      .select(['id', 'user_id', 'csrf_token', 'created_at', 'expires_at', 'last_seen_at'])
      .where('id', '=', idSha256)
      .executeTakeFirst();
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

  async touch(idSha256: string, lastSeenAt: number, expiresAt: number): Promise<void> {
    await this.db.updateTable('web_sessions').set({ last_seen_at: iso(lastSeenAt), expires_at: iso(expiresAt) }).where('id', '=', idSha256).execute();
  }

  async delete(idSha256: string): Promise<number> {
    const r = await this.db.deleteFrom('web_sessions').where('id', '=', idSha256).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async deleteExpired(at: number): Promise<number> {
    const r = await this.db.deleteFrom('web_sessions').where('expires_at', '<=', iso(at)).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

export class UserTokenRepository implements UserTokenStore {
  constructor(private readonly db: Db) {}

  /** The token with its owner and grants, in one transaction. */
  async create(record: ApiTokenRecord, ownerUserId: string | null): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('api_tokens').values({
        id: record.id,
        name: record.name,
        secret_sha256: record.secretSha256,
        created_at: iso(record.createdAt),
        expires_at: record.expiresAt === undefined ? null : iso(record.expiresAt),
        owner_user_id: ownerUserId,
      }).execute();
      if (record.grants.length > 0) {
        await trx.insertInto('api_token_grants')
          .values(record.grants.map((g) => ({ token_id: record.id, role: g.role, scope_kind: g.scopeKind, scope_id: g.scopeId })))
          .execute();
      }
    });
  }

  async find(id: string): Promise<OwnedTokenRecord | undefined> {
    const row = await this.db.selectFrom('api_tokens').select(TOKEN_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? toToken(row, await this.grants([row.id])) : undefined;
  }

  /** Every token, or one owner's, oldest first, with their grants: two queries, not one per token. */
  async list(ownerUserId?: string): Promise<OwnedTokenRecord[]> {
    let q = this.db.selectFrom('api_tokens').select(TOKEN_COLUMNS);
    if (ownerUserId !== undefined) q = q.where('owner_user_id', '=', ownerUserId);
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    if (rows.length === 0) return [];
    const grants = await this.grants(ownerUserId === undefined ? null : ownerUserId);
    return rows.map((r) => toToken(r, grants));
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('api_tokens').set({ revoked_at: iso(at) }).where('id', '=', id).where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Grants of the given tokens, of one owner's tokens (a user id), or of every token (null). */
  private async grants(which: string[] | string | null): Promise<Map<string, ApiTokenGrant[]>> {
    let q = this.db.selectFrom('api_token_grants').select(['token_id as owner', 'role', 'scope_kind', 'scope_id']);
    if (Array.isArray(which)) q = q.where('token_id', 'in', which);
    else if (which !== null) {
      const owner = which;
      q = q.where('token_id', 'in', (eb) => eb.selectFrom('api_tokens').select('id').where('owner_user_id', '=', owner));
    }
    return grouped(await q.orderBy('token_id').orderBy('role').orderBy('scope_kind').orderBy('scope_id').execute());
  }
}

function toToken(row: TokenRow, grants: Map<string, ApiTokenGrant[]>): OwnedTokenRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: Date.parse(row.created_at),
    ...(row.expires_at ? { expiresAt: Date.parse(row.expires_at) } : {}),
    ...(row.revoked_at ? { revokedAt: Date.parse(row.revoked_at) } : {}),
    ...(row.last_used_at ? { lastUsedAt: Date.parse(row.last_used_at) } : {}),
    ownerUserId: row.owner_user_id,
    grants: grants.get(row.id) ?? [],
  };
}
