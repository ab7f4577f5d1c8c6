import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiTokenGrant, ApiTokenRecord, ApiTokenStore } from '../../domain/prices.js';
import type { Clock } from '../../platform/clock.js';
import { ALL, ROLES, grantProblem, type Role } from './roles.js';

/**
 * API tokens: `cpk_<id>_<secret>`. The id finds the row; only the SHA-256 of the 256-bit random secret is stored,
 * so a copy of the database does not hand out working tokens. A fast hash is enough for a high-entropy secret
 * (a slow password hash protects guessable secrets, which these are not); comparison is constant-time.
 */
const PREFIX = 'cpk';
const FORMAT = /^cpk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** What a valid token proves: which token, whose, with which grants. */
export interface TokenIdentity {
  tokenId: string;
  name: string;
  grants: readonly ApiTokenGrant[];
}

/** Which of the problems AUTH_INVALID stands for (the error body's `reason`): one code, three cases people meet. */
export type AuthInvalidReason = 'wrong-credentials' | 'session-ended' | 'token-invalid';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: 'AUTH_MISSING' | 'AUTH_INVALID' | 'AUTH_FORBIDDEN',
    message: string,
    readonly statusCode: 401 | 403,
    readonly details?: Record<string, unknown>,
    readonly reason?: AuthInvalidReason,
  ) {
    super(message);
  }
}

/** 401 AUTH_INVALID with its case (clients keep reading the code; the pages say the case in their language). */
export const authInvalid = (reason: AuthInvalidReason, message: string): AuthError => new AuthError('AUTH_INVALID', message, 401, undefined, reason);

const USED_RESOLUTION_MS = 60_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Makes a token without storing it: the record to store and the plaintext to show once. Throws a RangeError naming
 * the rule when a grant is malformed. Callers that also record an owner store the record themselves.
 */
export function newApiToken(
  clock: Clock,
  opts: { name: string; grants: ApiTokenGrant[]; expiresAt?: number },
): { record: ApiTokenRecord; token: string } {
  for (const g of opts.grants) {
    const problem = grantProblem(g);
    if (problem) throw new RangeError(problem);
  }
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record: ApiTokenRecord = {
    id,
    name: opts.name,
    secretSha256: sha256(secret),
    createdAt: clock.now(),
    ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}),
    grants: opts.grants,
  };
  return { record, token: `${PREFIX}_${id}_${secret}` };
}

/** Creates a token and returns its plaintext: shown once, never stored. */
export async function issueApiToken(
  store: ApiTokenStore,
  clock: Clock,
  opts: { name: string; grants: ApiTokenGrant[]; expiresAt?: number },
): Promise<{ id: string; token: string }> {
  const { record, token } = newApiToken(clock, opts);
  await store.create(record);
  return { id: record.id, token };
}

/** Reads `Authorization: Bearer cpk_...` and returns who it is, or throws a 401 AuthError. */
export async function authenticate(header: string | undefined, store: ApiTokenStore, clock: Clock): Promise<TokenIdentity> {
  if (!header) throw new AuthError('AUTH_MISSING', 'send an API token: Authorization: Bearer cpk_...', 401);
  const m = FORMAT.exec(header.replace(/^Bearer\s+/i, '').trim());
  // Built only when thrown: an Error captures a stack trace, which is measurable on every request.
  const invalid = () => authInvalid('token-invalid', 'the API token is not valid');
  if (!m) throw invalid();
  const record = await store.find(m[1]!);
  if (!record) throw invalid();
  const given = Buffer.from(sha256(m[2]!), 'hex');
  const stored = Buffer.from(record.secretSha256, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) throw invalid();
  const now = clock.now();
  // Revoked and expired tokens get the same answer as unknown ones: no hint about which tokens exist.
  if (record.revokedAt !== undefined || (record.expiresAt !== undefined && record.expiresAt <= now)) throw invalid();
  // "Last used" to the minute: one database write a minute per token instead of one per request.
  if (record.lastUsedAt === undefined || now - record.lastUsedAt >= USED_RESOLUTION_MS) await store.markUsed(record.id, now);
  return { tokenId: record.id, name: record.name, grants: record.grants };
}

/** Throws a 403 unless the principal holds `role` over every one of `ids`. */
export function authorize(principal: { grants: readonly ApiTokenGrant[] }, role: Role, ids: readonly string[]): void {
  const kind = ROLES[role].scopeKind;
  const held = principal.grants.filter((g) => g.role === role && g.scopeKind === kind);
  if (held.length === 0) throw new AuthError('AUTH_FORBIDDEN', `this token does not have the ${role} role`, 403);
  const denied = ids.filter((id) => !held.some((g) => g.scopeId === ALL || g.scopeId === id));
  if (denied.length > 0) {
    throw new AuthError('AUTH_FORBIDDEN', `this token may not publish for ${kind} ${denied.join(', ')}`, 403, { denied });
  }
}
