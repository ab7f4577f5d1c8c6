/**
 * "Same answer for unknown users" (issue 20, what held): not by timing (tests never time), but by the code path.
 * An unknown username, a wrong password and a disabled account each cost exactly one scrypt verification with the
 * default parameters and get the same answer, so neither the answer nor the work tells which usernames exist.
 * node:crypto's scrypt is observed (wrapped, still the real one) to count the derivations and their parameters.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => [] as { keylen: number; N: number; r: number; p: number }[]);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const scrypt = ((password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }, cb: (e: Error | null, k: Buffer) => void) => {
    calls.push({ keylen, N: options.N, r: options.r, p: options.p });
    return real.scrypt(password, salt, keylen, options, cb);
  }) as typeof real.scrypt;
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const { DEFAULT_SCRYPT } = await import('../../src/http/auth/passwords.js');
const { createUser } = await import('../../src/http/auth/user-accounts.js');
const { securityApp } = await import('./security-fixture.js');

describe('login: one code path for every refusal', () => {
  let t: Awaited<ReturnType<typeof securityApp>>;
  const password = 'the right password for carol';
  beforeAll(async () => {
    t = await securityApp();
    // Users with the default parameters, as the CLI makes them (the dummy hash has them too).
    await createUser(t.users, t.clock, { username: 'carol', name: 'Carol', password, grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] }, DEFAULT_SCRYPT);
    await createUser(t.users, t.clock, { username: 'dave', name: 'Dave', password, grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] }, DEFAULT_SCRYPT);
    await t.users.disable((await t.users.findByUsername('dave'))!.id, t.clock.now());
  }, 120_000);
  afterAll(() => t.close());

  const attempt = async (username: string, pw: string) => {
    await t.login(username, 'warm up the dummy hash', '192.0.2.250'); // primes the dummy hash outside the count
    calls.length = 0;
    const { res } = await t.login(username, pw, `192.0.2.${username.length}`);
    return { status: res.statusCode, body: res.body, cookie: res.headers['set-cookie'], work: [...calls] };
  };

  it('runs one scrypt verification with the default parameters for an unknown user, a wrong password and a disabled account', async () => {
    const unknown = await attempt('nobody-here', password);
    const wrong = await attempt('carol', 'not carols password');
    const disabled = await attempt('dave', password);
    const expectedWork = [{ keylen: 32, N: DEFAULT_SCRYPT.N, r: DEFAULT_SCRYPT.r, p: DEFAULT_SCRYPT.p }];
    for (const [what, a] of Object.entries({ unknown, wrong, disabled })) {
      expect(a.status, what).toBe(401);
      expect(a.body, what).toBe(wrong.body);
      expect(a.cookie, what).toBeUndefined();
      expect(a.work, what).toEqual(expectedWork);
    }
    // And the right password costs the same one verification.
    const right = await attempt('carol', password);
    expect(right.status).toBe(200);
    expect(right.work).toEqual(expectedWork);
  }, 120_000); // eight scrypt runs at the real parameters on a shared 2-core machine
});
