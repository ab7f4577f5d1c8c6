/**
 * Managing sites through the API (issue 16) on the real product (main.ts with its database, scheduler and OCPP server
 * on a ManualClock), on SQLite and, under `npm run test:postgres`, PostgreSQL: admins only; every validation error
 * names the field and a refused change changes nothing; a change re-plans and shows in the decision log; deleting a
 * site or circuit that holds a running session, or moving such an EVSE away, is refused naming the session; a site
 * created here survives a restart, and config sites export back as their config entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { CONFIG, planVan1, startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { startTestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/platform/clock.js';

let f: ApiFixture;
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  await planVan1(f); // VAN-1 charges on CS1 EVSE 1 (north-depot, circuit row-a), transaction TX-1
}, 180_000);
afterAll(async () => f?.close());

const WEST = {
  id: 'west-depot', name: 'West depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 30,
  circuits: [{ id: 'main', limitKw: 30 }, { id: 'row-w', parent: 'main', limitKw: 11, phaseLimitA: 16 }],
  evses: [{ stationId: 'CS9', evseId: 1, circuit: 'row-w', maxKw: 11 }, { stationId: 'CS9', evseId: 2, circuit: 'row-w', phases: 1, phase: 3, maxKw: 3.7 }],
  policy: { debounceSeconds: 2 },
};
const admin = (opts: InjectOptions) => f.as('admin', opts);
const exported = async (siteId: string) => (await admin({ url: `/api/v1/sites/${siteId}/export` })).json();
const kinds = async (siteId: string) => ((await admin({ url: `/api/v1/sites/${siteId}/decisions` })).json() as { kind: string; message: string }[]);
/** The newest decision of the site about the site itself (the re-plan it causes may already be logged after it). */
const lastSiteDecision = async (siteId: string) => (await kinds(siteId)).find((d) => d.kind.startsWith('site.'));

describe('only admins manage sites', () => {
  const routes: InjectOptions[] = [
    { method: 'POST', url: '/api/v1/sites', payload: { ...WEST, id: 'x' } },
    { method: 'PUT', url: '/api/v1/sites/north-depot', payload: CONFIG.sites[0] },
    { method: 'DELETE', url: '/api/v1/sites/south-depot' },
    { method: 'PUT', url: '/api/v1/sites/north-depot/circuits', payload: { circuits: [] } },
    { method: 'PUT', url: '/api/v1/sites/north-depot/policy', payload: {} },
    { method: 'PUT', url: '/api/v1/sites/south-depot/evses/CS2/1', payload: {} },
    { method: 'DELETE', url: '/api/v1/sites/south-depot/evses/CS2/1' },
    { method: 'GET', url: '/api/v1/sites/north-depot/export' },
  ];
  it.each<Who>(['north', 'south', 'homeH', 'publisher'])('%s gets 403 on every route and changes nothing', async (who) => {
    const before = await Promise.all(['north-depot', 'south-depot'].map(exported));
    for (const r of routes) {
      const res = await f.as(who, r);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      expect(res.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    }
    expect(await Promise.all(['north-depot', 'south-depot'].map(exported))).toEqual(before);
  });

  it('anonymous gets 401', async () => {
    expect((await f.as('anonymous', routes[0]!)).statusCode).toBe(401);
  });
});

describe('validation names the field; a refused change changes nothing', () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['a missing zone', { timeZone: undefined }, 400, 'timeZone'],
    ['a negative grid limit', { gridLimitKw: -1 }, 400, 'gridLimitKw'],
    ['an unknown property', { gridLimitkw: 3 }, 400, 'gridLimitkw'],
    ['a slot length we do not plan in', { slotMinutes: 20 }, 400, 'slotMinutes'],
    ['a bad circuit limit', { circuits: [{ id: 'main', limitKw: 0 }] }, 400, 'circuits[0].limitKw'],
    ['a zone that is not IANA', { timeZone: 'Mars/Olympus' }, 422, 'timeZone'],
    ['an unknown tariff', { tariff: 'nope' }, 422, 'tariff'],
    ['a circuit cycle', { circuits: [{ id: 'a', parent: 'b' }, { id: 'b', parent: 'a' }], evses: [] }, 422, 'circuits[0].parent'],
    ['an unknown parent', { circuits: [{ id: 'main' }, { id: 'row', parent: 'mian' }], evses: [] }, 422, 'circuits[1].parent'],
    ['a circuit twice', { circuits: [{ id: 'main' }, { id: 'main' }], evses: [] }, 422, 'circuits[1].id'],
    ['an EVSE on an unknown circuit', { evses: [{ stationId: 'CS9', evseId: 1, circuit: 'row-x' }] }, 422, 'evses[0].circuit'],
    ['an EVSE placed twice', { evses: [{ stationId: 'CS9', evseId: 1 }, { stationId: 'CS9', evseId: 1 }] }, 422, 'evses[1]'],
    ['an EVSE on another site', { evses: [{ stationId: 'CS9', evseId: 1 }, { stationId: 'CS2', evseId: 1 }] }, 422, 'evses[1]'],
    ['a phase on a 3-phase EVSE', { evses: [{ stationId: 'CS9', evseId: 1, phase: 2 }] }, 422, 'evses[0].phase'],
  ];

  it.each(cases)('create with %s: the field named, nothing stored', async (_what, change, status, field) => {
    const res = await admin({ method: 'POST', url: '/api/v1/sites', payload: { ...WEST, id: 'bad-site', ...change } });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code: status === 400 ? 'REQUEST_INVALID' : 'SITE_INVALID', field });
    expect(res.json().message).toContain(field);
    expect((await admin({ url: '/api/v1/sites/bad-site/export' })).statusCode).toBe(404);
  });

  it.each(cases)('edit of north-depot with %s: the field named, site unchanged', async (_what, change, status, field) => {
    const before = await exported('north-depot');
    const res = await admin({ method: 'PUT', url: '/api/v1/sites/north-depot', payload: { ...before, ...change } });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ field });
    expect(await exported('north-depot')).toEqual(before);
    expect((await admin({ url: '/api/v1/sites/north-depot' })).json()).toMatchObject({ gridLimitKw: 40, circuits: [{ id: 'row-a', limitKw: 22 }] });
  });

  it('refuses an id that is not the path’s, and a site that exists', async () => {
    const put = await admin({ method: 'PUT', url: '/api/v1/sites/north-depot', payload: { ...CONFIG.sites[0], id: 'renamed' } });
    expect(put.statusCode).toBe(422);
    expect(put.json()).toMatchObject({ code: 'SITE_INVALID', field: 'id' });
    const post = await admin({ method: 'POST', url: '/api/v1/sites', payload: CONFIG.sites[1] });
    expect(post.statusCode).toBe(409);
    expect(post.json()).toMatchObject({ code: 'SITE_EXISTS', field: 'id' });
  });

  it('answers 404 for a site that does not exist', async () => {
    const res = await admin({ method: 'PUT', url: '/api/v1/sites/nowhere/policy', payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'SITE_UNKNOWN', field: 'siteId' });
  });
});

describe('running sessions are never stranded', () => {
  it('refuses to delete a site with a running session, naming it', async () => {
    const res = await admin({ method: 'DELETE', url: '/api/v1/sites/north-depot' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'SITE_BUSY', field: 'siteId' });
    expect(res.json().message).toBe('site "north-depot" has running sessions: station "CS1" EVSE 1 (transaction TX-1); delete it once they have ended');
    expect((await admin({ url: '/api/v1/sites/north-depot' })).statusCode).toBe(200);
  });

  it('refuses to delete a circuit that holds a running session, naming circuit and session', async () => {
    const before = await exported('north-depot');
    const moved = { ...before, circuits: [{ id: 'row-b', limitKw: 22 }], evses: before.evses.map((e: object) => ({ ...e, circuit: 'row-b' })) };
    const res = await admin({ method: 'PUT', url: '/api/v1/sites/north-depot', payload: moved });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'CIRCUIT_BUSY', field: 'circuits' });
    expect(res.json().message).toContain('circuit "row-a" holds running sessions: station "CS1" EVSE 1 (transaction TX-1)');
    expect(await exported('north-depot')).toEqual(before);
  });

  it('refuses to move a charging EVSE to another site or take it off', async () => {
    const move = await admin({ method: 'PUT', url: '/api/v1/sites/south-depot/evses/CS1/1', payload: {} });
    expect(move.statusCode).toBe(409);
    expect(move.json()).toMatchObject({ code: 'EVSE_BUSY', field: 'evses' });
    expect(move.json().message).toContain('station "CS1" EVSE 1 (transaction TX-1)');
    expect((await admin({ method: 'DELETE', url: '/api/v1/sites/north-depot/evses/CS1/1' })).json()).toMatchObject({ code: 'EVSE_BUSY' });
    expect((await exported('south-depot')).evses).toEqual([{ stationId: 'CS2', evseId: 1, maxKw: 11 }]);
  });
});

describe('changes re-plan and are logged', () => {
  it('a policy change re-plans the site with the new policy and shows in its decision log', async () => {
    const plans: { siteId: string; triggers: string[] }[] = [];
    const off = f.server.running.events.on('plan.created', (e) => plans.push(e));
    try {
      const res = await admin({ method: 'PUT', url: '/api/v1/sites/north-depot/policy', payload: { debounceSeconds: 2, defaultDeparture: '06:00', defaultEnergyKwh: 20 } });
      expect(res.statusCode).toBe(200);
      expect(res.json().policy).toMatchObject({ defaultDeparture: '06:00', pause: 'zero' });
      await settle(f.server);
    } finally {
      off();
    }
    expect(plans.find((p) => p.siteId === 'north-depot')?.triggers).toContain('site-changed');
    expect(f.server.running.scheduler.site('north-depot')!.policy.defaultDeparture).toBe('06:00');
    const log = await kinds('north-depot');
    // Newest first: the re-plan the change caused, after the change itself.
    const changed = log.findIndex((d) => d.kind === 'site.changed');
    expect(log[changed]).toMatchObject({ message: 'site edited (policy) by API token "admin"' });
    expect(log.slice(0, changed).some((d) => d.kind === 'plan.created' && d.message.includes('(site-changed)'))).toBe(true);
  });

  it('a circuit edit changes limits at once; the EVSEs keep their circuits', async () => {
    const res = await admin({ method: 'PUT', url: '/api/v1/sites/north-depot/circuits', payload: { circuits: [{ id: 'main', limitKw: 30 }, { id: 'row-a', parent: 'main', limitKw: 16, phaseLimitA: 25 }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().circuits).toEqual([{ id: 'main', limitKw: 30 }, { id: 'row-a', parent: 'main', limitKw: 16, phaseLimitA: 25 }]);
    expect(f.server.running.scheduler.site('north-depot')!.circuits[1]).toEqual({ id: 'row-a', parent: 'main', limitKw: 16, phaseLimitA: 25 });
    expect(await lastSiteDecision('north-depot')).toMatchObject({ kind: 'site.changed', message: 'site edited (circuits) by API token "admin"' });
  });

  it('moves an idle EVSE to another site: both change in one step, both are re-planned and logged', async () => {
    const res = await admin({ method: 'PUT', url: '/api/v1/sites/south-depot/evses/CS1/2', payload: { phases: 1, phase: 2, maxKw: 7.4 } });
    expect(res.statusCode).toBe(200);
    expect(res.json().evses).toEqual([
      { stationId: 'CS2', evseId: 1, circuit: null, phases: 3, phase: null, maxKw: 11 },
      { stationId: 'CS1', evseId: 2, circuit: null, phases: 1, phase: 2, maxKw: 7.4 },
    ]);
    expect((await exported('north-depot')).evses).toEqual([{ stationId: 'CS1', evseId: 1, circuit: 'row-a', maxKw: 11 }]);
    expect(f.server.running.scheduler.index.evse('CS1', 2)?.site.id).toBe('south-depot');
    expect(await lastSiteDecision('south-depot')).toMatchObject({ kind: 'site.changed', message: 'site edited (evses) by API token "admin"' });
    expect(await lastSiteDecision('north-depot')).toMatchObject({ kind: 'site.changed', message: 'site edited (evses) by API token "admin"' });
    await settle(f.server);
  });

  it('creates, lists, plans and deletes a site', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/sites', payload: WEST });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'west-depot', slotMinutes: 15, lineVoltageV: 230, policy: { defaultDeparture: '07:00', debounceSeconds: 2 } });
    expect((await f.as('north', { url: '/api/v1/sites' })).json().map((s: { id: string }) => s.id)).toEqual(['north-depot', 'west-depot']);
    expect(await exported('west-depot')).toEqual(WEST);
    expect(await lastSiteDecision('west-depot')).toMatchObject({ kind: 'site.created' });
    expect(f.server.running.scheduler.index.evse('CS9', 1)?.site.id).toBe('west-depot');
    await settle(f.server);
    expect((await admin({ method: 'DELETE', url: '/api/v1/sites/west-depot' })).statusCode).toBe(204);
    expect((await admin({ url: '/api/v1/sites/west-depot' })).statusCode).toBe(404);
    expect(f.server.running.scheduler.index.evse('CS9', 1)).toBeUndefined();
    // Its decision log stays (read from the scheduler: the API knows no such site any more).
    expect((await f.server.running.scheduler.decisions('west-depot'))[0]).toMatchObject({ kind: 'site.deleted', message: 'site deleted by API token "admin"' });
  });
});

describe('export', () => {
  it('gives a config site back as its config entry', async () => {
    expect(await exported('home-g')).toEqual(CONFIG.sites[3]);
  });
});

describe('restarts', () => {
  it('keeps a site created through the API, and the config import keeps its edits of config sites', async () => {
    const server = await startTestServer(CONFIG as never, { clock: new ManualClock('2026-11-23T16:00:00Z') });
    let current = server;
    try {
      const token = (await issueApiToken(new ApiTokenRepository(server.running.db), server.clock, { name: 'root', grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] })).token;
      const as = (opts: InjectOptions) => current.running.http.inject({ ...opts, headers: { authorization: `Bearer ${token}` } });
      expect((await as({ method: 'POST', url: '/api/v1/sites', payload: WEST })).statusCode).toBe(201);
      expect((await as({ method: 'PUT', url: '/api/v1/sites/home-h/policy', payload: { defaultDeparture: '05:45' } })).statusCode).toBe(200);
      current = await server.restart();
      expect(current.running.scheduler.sites().map((s) => s.id)).toEqual(['north-depot', 'south-depot', 'home-h', 'home-g', 'west-depot']);
      expect((await as({ url: '/api/v1/sites/west-depot/export' })).json()).toEqual(WEST);
      expect(current.running.scheduler.site('home-h')!.policy.defaultDeparture).toBe('05:45');
      expect(current.running.scheduler.index.evse('CS9', 2)?.evse).toEqual({ stationId: 'CS9', evseId: 2, circuit: 'row-w', phases: 1, phase: 3, maxKw: 3.7 });
    } finally {
      await current.stop();
    }
    // Two starts of the whole product: minutes when the machine runs whole suites beside it.
  }, 240_000);
});
