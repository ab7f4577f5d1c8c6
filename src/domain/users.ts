import type { ApiTokenGrant, ApiTokenRecord } from './prices.js';

/**
 * People who log in (issue 6), their login sessions and the API tokens they own. Grants have the same shape as a
 * token's (role, scope kind, scope id), so one set of scope rules decides for both. Instants are epoch ms.
 */
export interface UserRecord {
  id: string;
  /** Lower-case; unique without regard to case. */
  username: string;
  /** For people: shown on the pages and in logs. */
  name: string;
  /** `scrypt$N$r$p$salt$hash` (src/http/auth/passwords.ts); never the password. */
  passwordHash: string;
  createdAt: number;
  disabledAt?: number;
  grants: ApiTokenGrant[];
}

/** What login and every cookie request need: find a person. */
export interface UserStore {
  find(id: string): Promise<UserRecord | undefined>;
  /** Case-insensitive. */
  findByUsername(username: string): Promise<UserRecord | undefined>;
}

/** What the users CLI needs on top: create, grant, disable, list. */
export interface UserAdmin extends UserStore {
  /** False when the username is taken (in any case). */
  create(user: UserRecord): Promise<boolean>;
  /** False when the user already holds the grant. */
  addGrant(userId: string, grant: ApiTokenGrant): Promise<boolean>;
  /** Marks the user disabled and, in the same transaction, ends its sessions and revokes its tokens. */
  disable(userId: string, at: number): Promise<boolean>;
  list(): Promise<UserRecord[]>;
}

export interface WebSessionRecord {
  /** Hex SHA-256 of the cookie's secret; the secret itself is never stored. */
  idSha256: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  /** Idle expiry, moved forward while the session is used, never past the absolute limit. */
  expiresAt: number;
  lastSeenAt: number;
}

export interface WebSessionStore {
  create(session: WebSessionRecord): Promise<void>;
  find(idSha256: string): Promise<WebSessionRecord | undefined>;
  /** Records use: the new last-seen instant and the idle expiry it implies. */
  touch(idSha256: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  /** Ends one session (logout); returns how many rows went (0 or 1). */
  delete(idSha256: string): Promise<number>;
  /** Forgets every session whose expiry is at or before `at`; returns how many. */
  deleteExpired(at: number): Promise<number>;
}

/** A token as its owner sees it: everything but the secret's hash. */
export interface OwnedTokenRecord extends Omit<ApiTokenRecord, 'secretSha256'> {
  /** The user who created it through the API; null for tokens made by a CLI. */
  ownerUserId: string | null;
  lastUsedAt?: number;
}

/** API tokens with their owners: what the token routes and the users CLI need. */
export interface UserTokenStore {
  /** Stores the token and its owner in one transaction. */
  create(record: ApiTokenRecord, ownerUserId: string | null): Promise<void>;
  find(id: string): Promise<OwnedTokenRecord | undefined>;
  /** Every token, or only those one user owns. */
  list(ownerUserId?: string): Promise<OwnedTokenRecord[]>;
  /** False when the token does not exist or was already revoked. */
  revoke(id: string, at: number): Promise<boolean>;
}
