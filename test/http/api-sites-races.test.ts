/**
 * Read-then-write races on sites (issue 16), on SQLite and PostgreSQL: a site edited whole (its tariff chosen on the
 * sites page) with If-Match is refused with 409 SITE_CHANGED, naming what differs, when someone changed it since it
 * was read; two nodes (two SiteAdmins on one database, each with its own queue) editing one site at once: two partial
 * edits both land, and of two whole edits based on one version exactly one does. The circuit tree and the policy
 * take If-Match too: the sites page's circuit form sends the whole tree it read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { CONFIG } from './api-fixture.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { SiteRepository } from '../../src/storage/site-repository.js';
import { SiteAdmin, SiteChangeError } from '../../src/scheduler/site-admin.js';
import type { SiteConfig } from '../../src/domain/sites.js';

const prices = CONFIG.prices as { zones: unknown[]; tariffs: Record<string, unknown> };
let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ ...CONFIG, prices: { ...prices, tariffs: { ...prices.tariffs, spot: prices.tariffs.depot } } } as never);
  token = (await issueApiToken(new ApiTokenRepository(server.running.db), server.clock, { name: 'admin', grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] })).token;
}, 120_000);
afterAll(async () => server?.stop());

const as = (opts: InjectOptions) => server.running.http.inject({ ...opts, headers: { ...(opts.headers ?? {}), authorization: `Bearer ${token}` } });
const read = async (siteId: string) => {
  const res = await as({ url: `/api/v1/sites/${siteId}/export` });
  return { config: res.json() as SiteConfig, etag: res.headers.etag as string };
};
/** A second node's site admin: its own queue, the same database and scheduler. */
const otherNode = () => new SiteAdmin({
  store: new SiteRepository(server.running.db), scheduler: server.running.scheduler, transactions: server.running.repositories.transactions,
  tariffNames: () => ['depot', 'spot'], clock: server.clock,
});

describe('editing a site that someone else edits', () => {
  it('a whole edit based on an older version is refused with 409 SITE_CHANGED naming what differs; on the new version it is saved', async () => {
    const { config, etag } = await read('north-depot');
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const tariff = await as({ method: 'PUT', url: '/api/v1/sites/north-depot', headers: { 'if-match': etag }, payload: { ...config, tariff: 'spot' } });
    expect(tariff.statusCode, tariff.body).toBe(200);
    const stale = await as({ method: 'PUT', url: '/api/v1/sites/north-depot', headers: { 'if-match': etag }, payload: { ...config, gridLimitKw: 55 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'SITE_CHANGED', field: 'If-Match' });
    expect(stale.json().message).toMatch(/changed since version .* differs from yours in tariff, gridLimitKw/);
    const now = await read('north-depot');
    expect([now.config.tariff, now.config.gridLimitKw]).toEqual(['spot', config.gridLimitKw]);
    expect(now.etag).not.toBe(etag);
    const retried = await as({ method: 'PUT', url: '/api/v1/sites/north-depot', headers: { 'if-match': now.etag }, payload: { ...now.config, gridLimitKw: 55 } });
    expect(retried.statusCode, retried.body).toBe(200);
    expect((await read('north-depot')).config).toMatchObject({ tariff: 'spot', gridLimitKw: 55 });
  });

  it('two nodes edit parts of one site at once (circuits, policy): both edits land', async () => {
    const a = server.running.siteAdmin;
    const b = otherNode();
    const circuits = [{ id: 'row-a', limitKw: 22 }, { id: 'row-b', limitKw: 11 }];
    for (let round = 0; round < 3; round++) {
      const policy = { debounceSeconds: 3 + round, defaultDeparture: '06:30', defaultEnergyKwh: 20, defaultLimitKw: 4.2 };
      await Promise.all([a.setCircuits('north-depot', [...circuits, { id: `extra-${round}`, limitKw: 5 }], 'A'), b.setPolicy('north-depot', policy, 'B')]);
      const stored = (await read('north-depot')).config;
      expect(stored.circuits!.map((c) => c.id)).toEqual(['row-a', 'row-b', `extra-${round}`]);
      expect(stored.policy).toEqual(policy);
    }
  });

  it('two nodes replace one site at once from the same version: exactly one wins, the other is SITE_CHANGED', async () => {
    const { config, etag } = await read('north-depot');
    const version = etag.replace(/"/g, '');
    const results = await Promise.allSettled([
      server.running.siteAdmin.replace('north-depot', { ...config, tariff: 'depot' }, 'A', version),
      otherNode().replace('north-depot', { ...config, gridLimitKw: 44 }, 'B', version),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(SiteChangeError);
    expect((refused.reason as SiteChangeError).code).toBe('SITE_CHANGED');
    const stored = (await read('north-depot')).config;
    expect(stored.tariff === 'depot' && stored.gridLimitKw === config.gridLimitKw || stored.tariff === config.tariff && stored.gridLimitKw === 44).toBe(true);
  });

  it('a circuit tree sent with If-Match from an older read is refused, and does not drop the circuit added meanwhile; two nodes from one version: one wins', async () => {
    const { config, etag } = await read('north-depot');
    const base = config.circuits ?? [];
    const added = await as({ method: 'PUT', url: '/api/v1/sites/north-depot/circuits', headers: { 'if-match': etag }, payload: { circuits: [...base, { id: 'tab-1', limitKw: 7 }] } });
    expect(added.statusCode, added.body).toBe(200);
    const stale = await as({ method: 'PUT', url: '/api/v1/sites/north-depot/circuits', headers: { 'if-match': etag }, payload: { circuits: [...base, { id: 'tab-2', limitKw: 7 }] } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'SITE_CHANGED', field: 'If-Match' });
    expect(stale.json().message).toMatch(/differs from yours in circuits/);
    expect((await read('north-depot')).config.circuits!.map((c) => c.id)).toEqual([...base.map((c) => c.id), 'tab-1']);
    // A policy with If-Match from the same old read is refused the same way; with the new version it is saved.
    const policy = { debounceSeconds: 9, defaultDeparture: '07:00', defaultEnergyKwh: 18, defaultLimitKw: 4.2 };
    expect((await as({ method: 'PUT', url: '/api/v1/sites/north-depot/policy', headers: { 'if-match': etag }, payload: policy })).statusCode).toBe(409);
    const now = await read('north-depot');
    const saved = await as({ method: 'PUT', url: '/api/v1/sites/north-depot/policy', headers: { 'if-match': now.etag }, payload: policy });
    expect(saved.statusCode, saved.body).toBe(200);
    // Two nodes, one version: exactly one tree is stored, the other is told.
    const version = (await read('north-depot')).etag.replace(/"/g, '');
    const results = await Promise.allSettled([
      server.running.siteAdmin.setCircuits('north-depot', [...base, { id: 'node-a', limitKw: 5 }], 'A', version),
      otherNode().setCircuits('north-depot', [...base, { id: 'node-b', limitKw: 5 }], 'B', version),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as SiteChangeError).code).toBe('SITE_CHANGED');
    const ids = (await read('north-depot')).config.circuits!.map((c) => c.id);
    expect(ids.filter((id) => id.startsWith('node-'))).toHaveLength(1);
  });
});
