import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../src/http/api/view-cache.js';
import { settle } from '../helpers/depot.js';
import { planVan1, startApi, type ApiFixture } from './api-fixture.js';

/**
 * Issue 18, speed: the site plan's kept answer gzipped once per plan for clients that accept it (browsers do), with
 * its own ETag; a new plan changes the gzipped answer as it changes the plain one.
 */
let f: ApiFixture;
beforeAll(async () => {
  f = await startApi();
  await planVan1(f);
}, 60_000);
afterAll(async () => f?.close());

const plan = (headers: Record<string, string> = {}) => f.as('north', { url: '/api/v1/sites/north-depot/plan', headers });

describe('the site plan, gzipped', () => {
  it('sends the same JSON gzipped when asked, under its own ETag, and 304 to either ETag', async () => {
    const plain = await plan();
    const gz = await plan({ 'accept-encoding': 'gzip, deflate, br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString('utf8'))).toEqual(plain.json());
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    for (const etag of [plain.headers.etag, gz.headers.etag] as string[]) {
      expect((await plan({ 'accept-encoding': 'gzip', 'if-none-match': etag })).statusCode).toBe(304);
    }
    expect((await plan({ 'accept-encoding': 'gzip;q=0, identity' })).headers['content-encoding']).toBeUndefined();
  });

  it('changes the gzipped answer the moment a new plan is made', async () => {
    const before = await plan({ 'accept-encoding': 'gzip' });
    // A new target re-plans the site.
    await f.server.running.scheduler.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 14 });
    await settle(f.server);
    const after = await plan({ 'accept-encoding': 'gzip', 'if-none-match': before.headers.etag as string });
    expect(after.statusCode).toBe(200);
    const [a, b] = [before, after].map((r) => JSON.parse(gunzipSync(r.rawPayload).toString('utf8')) as { planId: number; sessions: { departureAt: string }[] });
    expect(b!.planId).toBeGreaterThan(a!.planId);
    expect(b!.sessions[0]!.departureAt).toBe('2026-11-24T06:30:00.000Z');
  });
});

describe('acceptsGzip', () => {
  it('reads Accept-Encoding with its q values', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
