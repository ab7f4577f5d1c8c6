import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Station passwords are stored as hashes, never in plain text, in a self-describing format:
 *
 * - `hmac-sha256$salt(base64)$mac(base64)`: HMAC-SHA256 keyed with a random 16-byte salt. The current format.
 *   A station password is a long secret (A00.FR.205: 16-40 characters; the stations CLI generates 24 random ones,
 *   ~143 bits), not a person's memorable password: guessing it is hopeless however fast the hash, so a slow hash
 *   protects nothing more, while it made each handshake cost 42 ms of CPU (issue 20: a reconnect storm of 2,000
 *   stations took minutes and a wrong-password flood starved everyone). This one costs microseconds.
 * - `scrypt$N$r$p$salt$hash`: the former format. Still verified, and the server replaces it with the current
 *   format on the next successful check (see `needsRehash`).
 */
const FAST = 'hmac-sha256';
const SALT_BYTES = 16;
const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LEN = 32;

function mac(password: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(password, 'utf8').digest();
}

/** The current format: cheap enough to compute inside a handshake, for every handshake. */
export function hashPassword(password: string): string {
  const salt = randomBytes(SALT_BYTES);
  return `${FAST}$${salt.toString('base64')}$${mac(password, salt).toString('base64')}`;
}

/** The former scrypt format; kept to verify stored hashes (and for tests of their upgrade). */
export async function hashPasswordScrypt(password: string, params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveScrypt(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function deriveScrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LEN, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks a password against a stored hash of either format; an unreadable hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] === FAST && parts.length === 3) {
    return equal(mac(password, Buffer.from(parts[1]!, 'base64')), Buffer.from(parts[2]!, 'base64'));
  }
  if (parts[0] === 'scrypt' && parts.length === 6) {
    const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
    try {
      const key = await deriveScrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
      return equal(key, Buffer.from(hash, 'base64'));
    } catch {
      return false;
    }
  }
  return false;
}

/** True when a hash is not in the current format: after a successful check it is replaced. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(`${FAST}$`);
}

/**
 * A hash no password matches, checked when the station id is unknown (or has no password) so that an unknown id
 * takes the same path and the same time as a known one: the handshake is no oracle for which ids exist.
 */
export const DUMMY_HASH = `${FAST}$${Buffer.alloc(SALT_BYTES).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

/** Letters and digits without the look-alikes (0/O, 1/l/I): the installer types the password into the charger. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** 256 - 256 % 57: bytes at or above are drawn again, so every character is equally likely. */
const UNBIASED = 256 - (256 % ALPHABET.length);

/**
 * A01.FR.07 / A00.FR.205: a random station password of `length` characters (24: ~140 bits) from an alphabet every
 * passwordString allows. Used by the stations CLI and the admin API (issue 16).
 */
export function generatePassword(length = 24): string {
  if (!Number.isInteger(length) || length < 16 || length > 40) throw new RangeError('a station password has 16 to 40 characters (A00.FR.205)');
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length)) {
      if (b < UNBIASED && out.length < length) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return out;
}

/** A00.FR.205: passwordString of 16 to 40 characters. */
export function checkPasswordRules(password: string): string | null {
  if (password.length < 16 || password.length > 40) return 'a station password has 16 to 40 characters (A00.FR.205)';
  if (/[^\x21-\x7e]/.test(password)) return 'a station password uses printable ASCII characters only';
  return null;
}

/** Parses `Authorization: Basic base64(user:password)`; the password may itself contain ':'. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
