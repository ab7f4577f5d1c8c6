import type { AuditEntry } from './audit.js';
import type { ApiTokenGrant } from './prices.js';
import type { UserAdmin } from './users.js';

/**
 * Managing people from the browser (issue 16): the first-run setup token, and what the admin pages need on top of
 * the users CLI's UserAdmin. Instants are epoch ms.
 */

export interface SetupTokenRecord {
  id: string;
  /** Hex SHA-256 of the secret; the secret itself is printed once and never stored. */
  secretSha256: string;
  createdAt: number;
  expiresAt: number;
  usedAt?: number;
}

export interface SetupTokenStore {
  /** Stores a new token and drops every unused one before it (one live link at a time). */
  replace(record: SetupTokenRecord): Promise<void>;
  /** The token with this secret hash, used or not; undefined when there is none. */
  findBySecret(secretSha256: string): Promise<SetupTokenRecord | undefined>;
  /** Marks it used if it is unused and unexpired at `at`, in one guarded write: true for exactly one caller. */
  consume(id: string, at: number): Promise<boolean>;
}

/** The admin pages' operations on people, each one write (a transaction where it touches several tables). */
export interface UserManagement extends UserAdmin {
  /** Is there any user at all (disabled ones count)? The first run ends with the first. */
  any(): Promise<boolean>;
  /** Clears disabledAt; false when the user does not exist or is not disabled. */
  enable(userId: string): Promise<boolean>;
  /** A new password hash; ends the user's sessions except `keepSession` (the caller's own, when changing their own). */
  setPassword(userId: string, passwordHash: string, keepSession?: string): Promise<boolean>;
  /** False when the user did not hold the grant. */
  removeGrant(userId: string, grant: ApiTokenGrant): Promise<boolean>;
  /**
   * The last-admin rule (issue 16) decided in the write's own transaction: disables the user, or removes the grant,
   * unless that leaves no active admin ('last-admin', nothing changed). Two such writes run one after the other
   * (a lock), so two admins disabling each other at once leave one. `audit` is recorded in the same transaction
   * when something changed. 'unchanged': already disabled, or the grant was not held.
   */
  disableKeepingAnAdmin(userId: string, at: number, audit?: AuditEntry): Promise<KeepingAnAdmin>;
  removeGrantKeepingAnAdmin(userId: string, grant: ApiTokenGrant, audit?: AuditEntry): Promise<KeepingAnAdmin>;
}

export type KeepingAnAdmin = 'done' | 'unchanged' | 'last-admin';
