import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planVan1, startApi, type ApiFixture, type Who } from './api-fixture.js';

let f: ApiFixture;
// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  await planVan1(f);
}, 60_000);
afterAll(async () => f?.close());

const ids = (body: { id: string }[]) => body.map((s) => s.id);

describe('GET /api/v1/sites', () => {
  it.each<[Who, string[]]>([
    ['admin', ['north-depot', 'south-depot', 'home-h', 'home-g']],
    ['north', ['north-depot']],
    ['south', ['south-depot']],
    ['homeH', ['home-h']],
    ['homeG', ['home-g']],
  ])('%s sees only its sites', async (who, expected) => {
    const res = await f.as(who, { url: '/api/v1/sites' });
    expect(res.statusCode).toBe(200);
    expect(ids(res.json())).toEqual(expected);
  });

  it('summarises a site', async () => {
    const [north] = (await f.as('north', { url: '/api/v1/sites' })).json();
    expect(north).toEqual({ id: 'north-depot', name: 'North depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 40, slotMinutes: 15, evseCount: 2 });
  });

  it('refuses a tariff publisher (403) and a caller without credentials (401)', async () => {
    const pub = await f.as('publisher', { url: '/api/v1/sites' });
    expect(pub.statusCode).toBe(403);
    expect(pub.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    const anon = await f.as('anonymous', { url: '/api/v1/sites' });
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toMatchObject({ code: 'AUTH_MISSING' });
  });
});

describe('GET /api/v1/sites/:siteId', () => {
  it('gives limits, circuits, tariff, zone, EVSEs and policy to its readers', async () => {
    const res = await f.as('north', { url: '/api/v1/sites/north-depot' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'north-depot', fleet: 'north', gridLimitKw: 40, timeZone: 'Europe/Copenhagen', tariff: 'depot',
      circuits: [{ id: 'row-a', limitKw: 22 }],
      evses: [{ stationId: 'CS1', evseId: 1, circuit: 'row-a', maxKw: 11, phases: 3 }, { stationId: 'CS1', evseId: 2, circuit: 'row-a' }],
      policy: { defaultDeparture: '07:00', defaultEnergyKwh: 20, pause: 'zero' },
    });
  });

  it.each<[Who, string]>([['south', 'north-depot'], ['homeG', 'home-h'], ['homeH', 'north-depot'], ['publisher', 'north-depot']])(
    '%s may not read %s: 403, no data', async (who, siteId) => {
      const res = await f.as(who, { url: `/api/v1/sites/${siteId}` });
      expect(res.statusCode).toBe(403);
      expect(Object.keys(res.json()).sort()).toEqual(['code', 'message']);
      expect(res.json().code).toBe('AUTH_FORBIDDEN');
    });

  it('answers an unknown site with 403 for non-admins (nothing leaks) and 404 for admins', async () => {
    expect((await f.as('north', { url: '/api/v1/sites/nowhere' })).statusCode).toBe(403);
    const admin = await f.as('admin', { url: '/api/v1/sites/nowhere' });
    expect(admin.statusCode).toBe(404);
    expect(admin.json()).toMatchObject({ code: 'SITE_UNKNOWN', field: 'siteId' });
  });
});

describe('GET /api/v1/sites/:siteId/prices', () => {
  it('gives effective prices per slot with their parts', async () => {
    const res = await f.as('homeH', { url: '/api/v1/sites/home-h/prices?from=2026-11-24T01:00:00Z&to=2026-11-24T02:00:00Z' });
    expect(res.statusCode).toBe(200);
    const slots = res.json();
    expect(slots).toHaveLength(4);
    expect(slots[0]).toMatchObject({ start: '2026-11-24T01:00:00.000Z', end: '2026-11-24T01:15:00.000Z', total: 0.05, energy: 0.05, gridFees: 0, taxes: 0, vat: 0, currency: 'EUR', kind: 'final' });
  });

  it('defaults to the planning horizon from the current slot', async () => {
    const slots = (await f.as('north', { url: '/api/v1/sites/north-depot/prices' })).json();
    expect(slots[0].start).toBe('2026-11-23T16:00:00.000Z');
    // The horizon is 48 h; the published prices end after 40 h, and unknown slots are not invented.
    expect(slots.at(-1).end).toBe('2026-11-25T08:00:00.000Z');
    expect(slots).toHaveLength(40 * 4);
  });

  it.each([
    ['from=yesterday', 'from'],
    ['from=2026-11-24T02:00:00Z&to=2026-11-24T01:00:00Z', 'to'],
    ['from=2026-11-24T00:00:00Z&to=2026-12-24T00:00:00Z', 'to'],
  ])('refuses %s naming the field', async (query, field) => {
    const res = await f.as('north', { url: `/api/v1/sites/north-depot/prices?${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
    expect(res.json().message).toContain(field);
  });

  it('is scoped like the site', async () => {
    expect((await f.as('south', { url: '/api/v1/sites/north-depot/prices' })).statusCode).toBe(403);
  });
});
