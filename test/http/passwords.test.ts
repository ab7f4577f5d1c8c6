import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  PASSWORD_MIN_LENGTH,
  hashPassword,
  passwordProblem,
  verifyDummy,
  verifyPassword,
} from '../../src/http/auth/passwords.js';

/** Cheap parameters for tests that only check the format; the default is checked once below. */
const FAST = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('hashes with the default OWASP parameters encoded in the string and verifies', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(DEFAULT_SCRYPT).toEqual({ N: 32768, r: 8, p: 3 });
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
  });

  it('salts every hash: the same password twice gives two different strings, both valid', async () => {
    const a = await hashPassword('the same password', FAST);
    const b = await hashPassword('the same password', FAST);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
    expect(await verifyPassword('the same password', a)).toBe(true);
    expect(await verifyPassword('the same password', b)).toBe(true);
  });

  it('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const stored = await hashPassword('an older account here', FAST);
    expect(stored.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('an older account here', stored)).toBe(true);
  });

  it('treats canonically equal Unicode spellings as the same password', async () => {
    const stored = await hashPassword('Cr\u00e8me br\u00fbl\u00e9e pour tous', FAST);
    expect(await verifyPassword('Cre\u0300me bru\u0302le\u0301e pour tous', stored)).toBe(true);
  });

  it('answers false, never throws, for malformed or absurd stored hashes', async () => {
    const pw = 'whatever password';
    for (const bad of ['', 'plain', 'bcrypt$1$2$3$x$y', 'scrypt$x$8$1$c2FsdA==$aGFzaA==', 'scrypt$1024$8$1$c2FsdA==', 'scrypt$1000$8$1$c2FsdA==$aGFzaA==', 'scrypt$1073741824$8$1$c2FsdA==$aGFzaA==']) {
      expect(await verifyPassword(pw, bad)).toBe(false);
    }
    expect(await verifyPassword('x'.repeat(2000), await hashPassword('x'.repeat(20), FAST))).toBe(false);
  });

  it('the dummy check for an unknown user costs a real verification and is always false', async () => {
    expect(await verifyDummy('anything at all')).toBe(false);
    expect(await verifyDummy('no user has this password')).toBe(false);
  });

  it('names the rule a new password breaks: at least 12 characters (counted as characters, not bytes), at most 1024', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(12);
    expect(passwordProblem('short')).toBe('a password has at least 12 characters');
    expect(passwordProblem('elevenchars')).toBe('a password has at least 12 characters');
    expect(passwordProblem('twelve chars')).toBeNull();
    expect(passwordProblem('\u{1F600}'.repeat(6))).toBe('a password has at least 12 characters');
    expect(passwordProblem('x'.repeat(1025))).toBe('a password has at most 1024 characters');
  });
});
