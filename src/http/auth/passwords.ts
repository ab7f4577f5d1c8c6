import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * People's passwords, stored as `scrypt$N$r$p$salt(base64)$hash(base64)`: a slow, memory-hard hash with a random
 * 16-byte salt per password, so equal passwords never look equal and a stolen table costs real work per guess.
 * The parameters travel with the hash so they can be raised later without breaking old accounts.
 *
 * Defaults: N=2^15, r=8, p=3 is one of the equivalent scrypt settings of the OWASP Password Storage Cheat Sheet;
 * of those it needs the least memory per hash (32 MiB), which matters when a small box verifies a few logins at
 * once. About 0.2 s per hash on the CI machine; logins are rate-limited.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };
export const PASSWORD_MIN_LENGTH = 12;
/** scrypt reads the whole password; an upper bound keeps a megabyte "password" from being a cheap way to load us. */
export const PASSWORD_MAX_LENGTH = 1024;

const KEY_LEN = 32;
/** Refuse parameters beyond this from a stored hash: a tampered row must not make one login eat the machine. */
const MAX_MEM = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LEN, { ...params, maxmem: MAX_MEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** The rule a new password breaks, as a sentence that names it; null when it is fine. */
export function passwordProblem(password: string): string | null {
  // Length is what makes a password strong (NIST SP 800-63B 5.1.1.2); no composition rules.
  if ([...password].length < PASSWORD_MIN_LENGTH) return `a password has at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `a password has at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0)) return null;
  return { params: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64'), hash: Buffer.from(parts[5]!, 'base64') };
}

/** Constant-time comparison of the derived key with the stored one. False for a malformed hash, never a throw. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  const parsed = parse(stored);
  if (!parsed) return false;
  let key: Buffer;
  try {
    key = await derive(password, parsed.salt, parsed.params);
  } catch {
    return false;
  }
  return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
}

let dummy: Promise<string> | undefined;

/** Makes the dummy hash ahead of the first login, so that login is not the one slower answer that hints. */
export function primeDummy(): void {
  dummy ??= hashPassword('no user has this password', DEFAULT_SCRYPT);
}

/**
 * For a username that does not exist: spend the same work as a real check and answer false, so the response time
 * does not tell which usernames exist. The dummy hash has the default parameters, like every new password.
 */
export async function verifyDummy(password: string): Promise<false> {
  primeDummy();
  await verifyPassword(password, await dummy!);
  return false;
}
