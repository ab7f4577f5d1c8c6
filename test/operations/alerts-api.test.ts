/**
 * Alerts in the API (issue 17) on the real product: scope (a fleet manager sees only their sites' alerts, never a
 * site-less one; an admin sees all), paging, one alert with its history; the admin webhook API (the secret shown
 * once, never listed); /health degraded with reasons when a price source or the database fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ManualClock } from '../../src/platform/clock.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const site = (id: string, fleet: string, stations: string[]) => ({
  id, fleet, timeZone: 'Europe/Copenhagen', tariff: 'Z1', gridLimitKw: 22, slotMinutes: 15,
  evses: stations.map((stationId) => ({ stationId, evseId: 1, maxKw: 11 })),
});
const CONFIG = {
  prices: { zones: [{ id: 'Z1', currency: 'EUR', timeZone: 'Europe/Copenhagen' }], tariffs: { Z1: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'Z1' } } } },
  alerts: { offlineMinutes: 5, settleSeconds: 1, groupThreshold: 50 },
  sites: [site('site-a', 'fleet-a', ['A-1', 'A-2', 'A-3']), site('site-b', 'fleet-b', ['B-1'])],
};

let server: TestServer;
const bearer: Record<string, string> = {};
const get = (who: string, url: string) => server.running.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer[who]}` } });

beforeAll(async () => {
  server = await startTestServer(CONFIG as never, { clock: new ManualClock('2026-11-23T08:00:00Z') });
  const tokens = new ApiTokenRepository(server.running.db);
  for (const [who, grant] of [
    ['admin', { role: 'admin', scopeKind: 'all', scopeId: '*' }],
    ['fm-a', { role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'fleet-a' }],
    ['fm-c', { role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'fleet-c' }],
  ] as const) {
    bearer[who] = (await issueApiToken(tokens, server.clock, { name: who, grants: [grant] })).token;
  }
  // Never connected: every station of both sites is offline after 5 minutes; a station on no site reports a failure.
  server.running.alerts.failures.failed('firmware-failed', 'LOOSE-1', 'DownloadFailed');
  server.clock.advance(6 * 60_000);
  await server.running.alerts.engine.done();
}, 240_000);
afterAll(async () => {
  await server.stop();
}, 120_000);

describe('reading alerts', { timeout: 180_000 }, () => {
  it('an admin sees every alert, the site-less one too', async () => {
    const res = await get('admin', '/api/v1/alerts?state=open');
    expect(res.statusCode).toBe(200);
    const alerts = (res.json().alerts as { siteId: string | null; kind: string; stationId: string | null; title: string }[]).filter((a) => a.kind !== 'prices-stale');
    expect(alerts.map((a) => a.stationId).sort()).toEqual(['A-1', 'A-2', 'A-3', 'B-1', 'LOOSE-1']);
    expect(alerts.find((a) => a.stationId === 'LOOSE-1')).toMatchObject({ siteId: null, kind: 'firmware-failed', title: 'Firmware update failed' });
  });

  it('a fleet manager sees only their sites’ alerts; another site or a site-less alert is refused', async () => {
    const res = await get('fm-a', '/api/v1/alerts');
    expect(res.statusCode).toBe(200);
    // The three stations offline, and the site's stale prices (no prices were ever published in this test).
    const mine = res.json().alerts as { siteId: string; kind: string }[];
    expect(mine.map((a) => a.siteId)).toEqual(['site-a', 'site-a', 'site-a', 'site-a']);
    expect(mine.map((a) => a.kind).sort()).toEqual(['prices-stale', 'station-offline', 'station-offline', 'station-offline']);
    expect((await get('fm-a', '/api/v1/alerts?siteId=site-b')).statusCode).toBe(403);
    expect((await get('fm-a', '/api/v1/alerts?siteId=nowhere')).statusCode).toBe(403);
    expect((await get('admin', '/api/v1/alerts?siteId=nowhere')).statusCode).toBe(404);
    const all = (await get('admin', '/api/v1/alerts')).json().alerts as { id: number; siteId: string | null }[];
    for (const a of all) expect((await get('fm-a', `/api/v1/alerts/${a.id}`)).statusCode).toBe(a.siteId === 'site-a' ? 200 : 403);
    expect((await get('fm-c', '/api/v1/alerts')).json().alerts).toEqual([]);
    expect((await get('admin', '/api/v1/alerts/999999')).statusCode).toBe(404);
    expect((await get('fm-a', '/api/v1/alerts/999999')).statusCode).toBe(403);
  });

  it('pages newest first with nextBefore, filters by station and state, and shows the history', async () => {
    const first = (await get('admin', '/api/v1/alerts?limit=2')).json();
    expect(first.alerts).toHaveLength(2);
    const second = (await get('admin', `/api/v1/alerts?limit=2&before=${first.nextBefore}`)).json();
    expect(second.alerts[0].id).toBeLessThan(first.alerts[1].id);
    const byStation = (await get('fm-a', '/api/v1/alerts?stationId=A-2')).json().alerts;
    expect(byStation).toHaveLength(1);
    const detail = (await get('fm-a', `/api/v1/alerts/${byStation[0].id}`)).json();
    expect(detail.history).toMatchObject([{ event: 'opened' }]);
    expect((await get('fm-a', '/api/v1/alerts?state=closed')).json().alerts).toEqual([]);
    expect((await get('admin', '/api/v1/alerts?limit=1000')).json()).toMatchObject({ code: 'REQUEST_INVALID' });
    expect((await get('admin', '/api/v1/alerts?kind=nonsense')).statusCode).toBe(400);
  });
});

describe('webhook admin API', { timeout: 180_000 }, () => {
  it('adds a webhook and shows its secret once; lists without it; removes it; fleet managers may not', async () => {
    const post = (who: string, payload: unknown) => server.running.http.inject({ method: 'POST', url: '/api/v1/admin/webhooks', headers: { authorization: `Bearer ${bearer[who]}` }, payload: payload as object });
    const created = await post('admin', { url: 'https://hooks.example.test/chargeplan', scope: { kind: 'fleet', id: 'fleet-a' }, description: 'ops' });
    expect(created.statusCode).toBe(201);
    const { webhook, secret } = created.json();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(webhook).toMatchObject({ scope: { kind: 'fleet', id: 'fleet-a' }, url: 'https://hooks.example.test/chargeplan', lastSuccessAt: null });
    const list = await get('admin', '/api/v1/admin/webhooks');
    expect(list.json().webhooks).toHaveLength(1);
    expect(list.body).not.toContain(secret);
    expect((await post('fm-a', { url: 'https://x.test/', scope: { kind: 'fleet', id: 'fleet-a' } })).statusCode).toBe(403);
    const noId = await post('admin', { url: 'https://x.test/', scope: { kind: 'site' } });
    expect(noId.statusCode).toBe(422);
    expect(noId.json()).toMatchObject({ code: 'WEBHOOK_SCOPE', field: 'scope.id' });
    expect((await post('admin', { url: 'ftp://x.test/', scope: { kind: 'all' } })).json()).toMatchObject({ code: 'REQUEST_INVALID' });
    expect((await post('admin', { url: 'https://x.test/', scope: { kind: 'site', id: 'nowhere' } })).json()).toMatchObject({ code: 'SITE_UNKNOWN', field: 'scope.id' });
    const del = (id: string) => server.running.http.inject({ method: 'DELETE', url: `/api/v1/admin/webhooks/${id}`, headers: { authorization: `Bearer ${bearer.admin}` } });
    expect((await del(webhook.id)).statusCode).toBe(204);
    expect((await del(webhook.id)).statusCode).toBe(404);
  });
});

describe('/health', { timeout: 180_000 }, () => {
  it('is degraded with the reason while a price source fails, ok again once it delivers', async () => {
    const health = async () => (await server.running.http.inject({ method: 'GET', url: '/health' })).json();
    // No prices were ever published here: stale, which is degraded too, until the zone receives some.
    expect(await health()).toMatchObject({ status: 'degraded', reasons: [expect.stringMatching(/^prices for zone Z1 are stale/)] });
    server.running.events.emit('prices.updated', { zone: 'Z1', source: 'intake', start: 0, end: 1, intervals: 1 });
    expect(await health()).toMatchObject({ status: 'ok' });
    server.running.events.emit('prices.fetch-failed', { source: 'entsoe', code: 'PRICES_UPSTREAM', message: 'HTTP 503', attempt: 2, retryAt: 0 });
    const degraded = await health();
    expect(degraded.status).toBe('degraded');
    expect(degraded.reasons).toEqual([expect.stringMatching(/^price source entsoe: PRICES_UPSTREAM HTTP 503/)]);
    server.running.events.emit('prices.updated', { zone: 'Z1', source: 'entsoe', start: 0, end: 1, intervals: 1 });
    expect(await health()).toMatchObject({ status: 'ok' });
  });
});

describe('/health when the database fails', { timeout: 180_000 }, () => {
  it('says degraded and names the database', async () => {
    const s = await startTestServer({ prices: CONFIG.prices } as never, { clock: new ManualClock('2026-11-23T08:00:00Z') });
    try {
      const { healthChecks } = await import('../../src/wiring/health.js');
      // The product's own check, on a database that is closed under it (what a lost database looks like to the pool).
      const storage = await (await import('../helpers/test-database.js')).openTestStorage();
      const checks = healthChecks({ db: storage.db, clock: s.clock, events: s.running.events });
      expect(await checks.reasons()).toEqual([]);
      await storage.close();
      expect((await checks.reasons())[0]).toMatch(/^database: /);
      checks.stop();
    } finally {
      await s.stop();
    }
  });
});
