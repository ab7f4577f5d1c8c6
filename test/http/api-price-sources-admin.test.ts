/**
 * Price sources from the browser (issue 16) on the real product (main.ts, SQLite or PostgreSQL): admins only; a source
 * is checked whole and a refused edit changes nothing; its token is stored and used but never returned, and a body
 * without it keeps it; "fetch now" against an ENTSO-E feed on loopback (the bundled A44 document) says what came back,
 * or the feed's error in words; changes are audited and survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { CONFIG, T0, startApi, type ApiFixture, type Who } from './api-fixture.js';
import { startTestServer } from '../helpers/test-server.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { ManualClock } from '../../src/platform/clock.js';
import { startPriceFeed, type PriceFeedServer } from '../helpers/price-feed-server.js';

let f: ApiFixture;
let feed: PriceFeedServer;
beforeAll(async () => {
  [f, feed] = await Promise.all([startApi(), startPriceFeed()]);
}, 180_000);
afterAll(async () => {
  await f?.close();
  await feed?.close();
}, 60_000);

const TOKEN = 'entsoe-secret-0042';
const source = () => ({ kind: 'entsoe', zone: 'TEST', area: '10Y1001A1001A82H', classificationSequence: 2, baseUrl: feed?.entsoeUrl ?? 'http://127.0.0.1:9/api', token: TOKEN });
const admin = (opts: InjectOptions) => f.as('admin', opts);
const list = async () => (await admin({ url: '/api/v1/admin/price-sources' })).json() as { sources: { id: string; settings: Record<string, unknown>; secrets: Record<string, boolean>; lastFetch: unknown }[] };

describe('price sources', () => {
  it.each<Who>(['north', 'south', 'homeH', 'publisher'])('%s gets 403 on every route', async (who) => {
    for (const r of [
      { method: 'GET', url: '/api/v1/admin/price-sources' },
      { method: 'PUT', url: '/api/v1/admin/price-sources/x', payload: source() },
      { method: 'DELETE', url: '/api/v1/admin/price-sources/x' },
      { method: 'POST', url: '/api/v1/admin/price-sources/x/fetch' },
    ] as InjectOptions[]) {
      const res = await f.as(who, r);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    expect((await list()).sources).toEqual([]);
  });

  it.each([
    ['an unknown kind', { ...source(), kind: 'spot' }, 'kind'],
    ['a zone not configured', { ...source(), zone: 'NOPE' }, 'zone'],
    ['an unknown field', { ...source(), areaa: 'x' }, 'areaa'],
    ['a missing token', { ...source(), token: undefined }, 'token'],
    ['a sequence below 1', { ...source(), classificationSequence: 0 }, 'classificationSequence'],
  ])('%s is refused naming %s, and nothing is stored', async (_what, body, field) => {
    const res = await admin({ method: 'PUT', url: '/api/v1/admin/price-sources/entsoe-test', payload: body as object });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ code: 'SOURCE_INVALID', field });
    expect((await list()).sources).toEqual([]);
  });

  it('stores a token without ever returning it; a body without it keeps it; fetch now says what came back', async () => {
    const created = await admin({ method: 'PUT', url: '/api/v1/admin/price-sources/entsoe-test', payload: source() });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).not.toContain(TOKEN);
    expect(created.json()).toMatchObject({ id: 'entsoe-test', kind: 'entsoe', zone: 'TEST', secrets: { token: true }, origin: 'api' });
    const { token: _t, ...withoutToken } = source();
    const edited = await admin({ method: 'PUT', url: '/api/v1/admin/price-sources/entsoe-test', payload: withoutToken });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().secrets).toEqual({ token: true });
    const listed = await admin({ url: '/api/v1/admin/price-sources' });
    expect(listed.body).not.toContain(TOKEN);

    const fetched = (await admin({ method: 'POST', url: '/api/v1/admin/price-sources/entsoe-test/fetch' })).json();
    expect(fetched).toMatchObject({ ok: true, prices: 192, currency: 'EUR', zones: ['TEST'], first: '2026-02-01T23:00:00.000Z', last: '2026-02-03T23:00:00.000Z' });
    expect(feed.requests.at(-1)!.searchParams.get('securityToken')).toBe(TOKEN);
    expect((await list()).sources[0]!.lastFetch).toMatchObject({ ok: true, prices: 192 });

    feed.fail(503, 'maintenance');
    const failed = (await admin({ method: 'POST', url: '/api/v1/admin/price-sources/entsoe-test/fetch' })).json();
    feed.fail(null);
    expect(failed).toMatchObject({ ok: false, retryable: true });
    expect(failed.message).toMatch(/503/);

    const audit = ((await admin({ url: '/api/v1/admin/audit?targetKind=price-source' })).json() as { entries: { action: string; detail?: unknown }[] }).entries;
    expect(audit.map((e) => e.action)).toEqual(['price-source.changed', 'price-source.created']);
    expect(audit[1]!.detail).toEqual({ kind: 'entsoe', zone: 'TEST', credentialsSet: ['token'] });
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('survives a restart, then is removed', async () => {
    const server = await startTestServer(CONFIG as never, { clock: new ManualClock(T0) });
    let current = server;
    try {
      const token = (await issueApiToken(new ApiTokenRepository(server.running.db), server.clock, { name: 'root', grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] })).token;
      const as = (opts: InjectOptions) => current.running.http.inject({ ...opts, headers: { authorization: `Bearer ${token}` } });
      expect((await as({ method: 'PUT', url: '/api/v1/admin/price-sources/entsoe-test', payload: source() })).statusCode).toBe(201);
      current = await server.restart();
      const sources = ((await as({ url: '/api/v1/admin/price-sources' })).json() as { sources: { id: string; secrets: unknown }[] }).sources;
      expect(sources.map((s) => [s.id, s.secrets])).toEqual([['entsoe-test', { token: true }]]);
      expect((await as({ method: 'POST', url: '/api/v1/admin/price-sources/entsoe-test/fetch' })).json()).toMatchObject({ ok: true, prices: 192 });
      expect((await as({ method: 'DELETE', url: '/api/v1/admin/price-sources/entsoe-test' })).statusCode).toBe(204);
      expect(((await as({ url: '/api/v1/admin/price-sources' })).json() as { sources: unknown[] }).sources).toEqual([]);
      expect((await as({ method: 'POST', url: '/api/v1/admin/price-sources/entsoe-test/fetch' })).statusCode).toBe(404);
    } finally {
      await current.stop();
    }
  }, 240_000);
});
