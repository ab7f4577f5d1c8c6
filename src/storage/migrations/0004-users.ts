import type { Migration } from './migration.js';

/**
 * People and their login sessions (issue 6).
 *
 * - users: a person who logs in to the pages or the API. `username` is unique without regard to case (COLLATE
 *   NOCASE; the code also lower-cases it), so "Alice" and "alice" cannot be two accounts. Only a scrypt hash of
 *   the password is stored (src/http/auth/passwords.ts). A disabled user is kept (who did what stays readable).
 * - user_grants: (role, scope kind, scope id), the same shape as api_token_grants, so one set of scope rules
 *   (src/http/auth/access.ts) decides for tokens and people alike.
 * - web_sessions: a login session. The row id is the SHA-256 of the cookie's secret, never the secret itself, so a
 *   copy of the database cannot be replayed as a cookie. The CSRF token is not a credential on its own (it only
 *   counts next to the cookie), and the pages must be able to read it back from GET /api/v1/me.
 * - PostgreSQL has no NOCASE: `username` is UNIQUE (byte-wise) and a unique index on lower(username) (ASCII
 *   folding under COLLATE "C", as NOCASE folds) keeps "Alice" and "alice" from being two accounts. Repositories
 *   store and look up the lower-cased name (`username = ?` with the name lower-cased), which uses the plain unique
 *   index on both databases.
 * - api_tokens.owner_user_id: who created a token through the API (NULL: made by a CLI). Lets people list and
 *   revoke their own tokens, and lets disabling a user revoke them.
 */
export const m0004Users: Migration = {
  version: 4,
  name: 'users',
  sqlite: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL COLLATE NOCASE UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled_at TEXT
);

CREATE TABLE user_grants (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  scope_kind TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  PRIMARY KEY (user_id, role, scope_kind, scope_id)
);

CREATE TABLE web_sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

ALTER TABLE api_tokens ADD COLUMN owner_user_id TEXT REFERENCES users(id);
CREATE INDEX api_tokens_owner ON api_tokens (owner_user_id);
`,
  postgres: `
CREATE TABLE users (
  id TEXT COLLATE "C" PRIMARY KEY,
  username TEXT COLLATE "C" NOT NULL UNIQUE,
  name TEXT COLLATE "C" NOT NULL,
  password_hash TEXT COLLATE "C" NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  disabled_at TIMESTAMPTZ
);
-- SQLite's COLLATE NOCASE UNIQUE: no two usernames that differ only in case, whoever writes them.
CREATE UNIQUE INDEX users_username_nocase ON users (lower(username));

CREATE TABLE user_grants (
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT COLLATE "C" NOT NULL,
  scope_kind TEXT COLLATE "C" NOT NULL,
  scope_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (user_id, role, scope_kind, scope_id)
);

CREATE TABLE web_sessions (
  id TEXT COLLATE "C" PRIMARY KEY,
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT COLLATE "C" NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

ALTER TABLE api_tokens ADD COLUMN owner_user_id TEXT COLLATE "C" REFERENCES users(id);
CREATE INDEX api_tokens_owner ON api_tokens (owner_user_id);
`,
};
