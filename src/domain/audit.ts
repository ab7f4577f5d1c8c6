/**
 * The audit log (issue 16): who changed what, readable by admins. A small port so that every part that changes
 * something people care about (users, grants, tokens and the first run here; station adoption and site edits in
 * their own modules) records it the same way. Instants are epoch ms; the log is append-only.
 */

/** Who did it: a person (login session), an API token, the users CLI, or the first-run setup page. */
export interface AuditActor {
  kind: 'user' | 'token' | 'cli' | 'setup';
  /** The user or token id; null for the CLI and the setup page. */
  id: string | null;
  /** As it was at the time (the entry keeps reading right after a rename). */
  name: string;
}

export interface AuditEntry {
  at: number;
  actor: AuditActor;
  /** A dotted verb, stable for filters: `user.created`, `grant.removed`, `token.revoked`, `station.adopted`. */
  action: string;
  /** What it was done to: `{ kind: 'user', id }`, `{ kind: 'site', id }`. */
  target: { kind: string; id: string };
  /** A few facts worth keeping (the grant, the token's name); never a secret. At most MAX_AUDIT_DETAIL_BYTES as JSON. */
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  /** Increasing with each entry: the order, and the cursor for older pages. */
  id: number;
}

/** Bounds: a detail object stays small, and a page of the log too. */
export const MAX_AUDIT_DETAIL_BYTES = 4096;
export const MAX_AUDIT_PAGE = 500;

/** Recording: what every module that changes something calls. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export interface AuditQuery {
  /** 1..MAX_AUDIT_PAGE. */
  limit: number;
  /** Only entries with a smaller id (the next, older page). */
  before?: number;
  /** Only entries about this target kind (and id). */
  targetKind?: string;
  targetId?: string;
}

/** Reading: newest first. */
export interface AuditReader {
  list(query: AuditQuery): Promise<AuditRecord[]>;
}
