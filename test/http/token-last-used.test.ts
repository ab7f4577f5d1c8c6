import { describe, expect, it } from 'vitest';
import { authenticate, issueApiToken } from '../../src/http/auth/api-tokens.js';
import type { ApiTokenRecord, ApiTokenStore } from '../../src/domain/prices.js';
import { ManualClock } from '../../src/platform/clock.js';

/** An in-memory token store that counts writes of "last used". */
class CountingStore implements ApiTokenStore {
  readonly records = new Map<string, ApiTokenRecord>();
  writes = 0;
  async find(id: string) { return this.records.get(id); }
  async create(r: ApiTokenRecord) { this.records.set(r.id, r); }
  async markUsed(id: string, at: number) {
    this.writes++;
    this.records.set(id, { ...this.records.get(id)!, lastUsedAt: at });
  }
}

describe('authenticate records "last used" to the minute', () => {
  it('writes on first use, not again within a minute, and again after it', async () => {
    const clock = new ManualClock('2026-11-23T16:00:00Z');
    const store = new CountingStore();
    const { token } = await issueApiToken(store, clock, { name: 'fleet-app', grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }] });
    for (let i = 0; i < 100; i++) await authenticate(`Bearer ${token}`, store, clock);
    expect(store.writes).toBe(1);
    clock.advance(59_999);
    await authenticate(`Bearer ${token}`, store, clock);
    expect(store.writes).toBe(1);
    clock.advance(1);
    await authenticate(`Bearer ${token}`, store, clock);
    expect(store.writes).toBe(2);
    expect([...store.records.values()][0]!.lastUsedAt).toBe(Date.parse('2026-11-23T16:01:00Z'));
  });

  it('still refuses a wrong secret with AUTH_INVALID and writes nothing', async () => {
    const clock = new ManualClock('2026-11-23T16:00:00Z');
    const store = new CountingStore();
    const { token } = await issueApiToken(store, clock, { name: 'x', grants: [] });
    const wrong = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(authenticate(`Bearer ${wrong}`, store, clock)).rejects.toThrow(expect.objectContaining({ code: 'AUTH_INVALID', statusCode: 401 }));
    expect(store.writes).toBe(0);
  });
});
