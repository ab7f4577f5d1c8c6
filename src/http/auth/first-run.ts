import { createHash, randomBytes } from 'node:crypto';
import type { SetupTokenRecord, SetupTokenStore } from '../../domain/accounts.js';
import type { Clock } from '../../platform/clock.js';

/**
 * The first run (issue 16): while the database has no user, each start prints a one-time link with a random token
 * (to the log and the terminal of `npm start`); whoever can read the server's output can open /setup with it and
 * create the first admin. Like Jupyter's token link: being able to read the console is the proof.
 *
 * - 256 random bits, base64url; only the SHA-256 is stored (a fast hash is enough for a high-entropy secret, as for
 *   API tokens and sessions).
 * - Used at most once (one guarded UPDATE), and it expires (SETUP_TOKEN_TTL_MS). A new start without users replaces
 *   any unused link, so only the newest printed one works.
 * - The link carries the token in the fragment (`/setup#token=...`): browsers never send a fragment to a server,
 *   so the token stays out of proxies' access logs and Referer headers.
 * - Once any user exists (the setup page's admin, or one made with `npm run users` for scripted installs) setup
 *   is over: the page is gone and the API answers 409, whatever token is shown.
 */
export const SETUP_TOKEN_TTL_MS = 24 * 3_600_000;
export const SETUP_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Is setup still open? Remembers "no" (users are disabled, never deleted, so it stays no). */
export function firstRunCheck(users: { any(): Promise<boolean> }): () => Promise<boolean> {
  let done = false;
  return async () => {
    if (done) return false;
    done = await users.any();
    return !done;
  };
}

/**
 * When there is no user: a new setup token, stored hashed; returns the token to print once. Null when a user
 * exists (nothing is printed, nothing stored).
 */
export async function openFirstRun(
  deps: { users: { any(): Promise<boolean> }; setupTokens: SetupTokenStore; clock: Clock },
  ttlMs = SETUP_TOKEN_TTL_MS,
): Promise<{ token: string; expiresAt: number } | null> {
  if (await deps.users.any()) return null;
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const record: SetupTokenRecord = { id: randomBytes(8).toString('hex'), secretSha256: sha256(token), createdAt: now, expiresAt: now + ttlMs };
  await deps.setupTokens.replace(record);
  return { token, expiresAt: record.expiresAt };
}

/** The link to print: the address people open the server at, /setup, the token in the fragment. */
export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/setup#token=${token}`;
}

/** The address to print for a listening host: a wildcard address is opened as localhost. */
export function printableBase(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** The stored token for a given secret if it can still be used at `now`; null otherwise (unknown, used, expired). */
export async function liveSetupToken(store: SetupTokenStore, token: string, now: number): Promise<SetupTokenRecord | null> {
  if (!SETUP_TOKEN.test(token)) return null;
  const record = await store.findBySecret(sha256(token));
  if (!record || record.usedAt !== undefined || record.expiresAt <= now) return null;
  return record;
}
