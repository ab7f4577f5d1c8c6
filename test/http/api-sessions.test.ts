import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { chargeTwoDepots } from './charged-depots.js';
import { parseCsv } from '../../src/http/api/csv.js';

/**
 * Sessions and their costs through the API: VAN-1 charges 10 kWh at the north depot in the cheap hour (17:00Z at
 * 0.05 EUR/kWh instead of 0.30), VAN-S 2 kWh at the south depot; both sessions end. Costs come from the scheduler.
 */
let f: ApiFixture;

// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  await chargeTwoDepots(f, { southEnds: true });
}, 60_000);
afterAll(async () => f?.close());

const list = (who: Who, query = '') => f.as(who, { url: `/api/v1/sessions${query}` });
const txs = (body: { transactionId: string }[]) => body.map((s) => s.transactionId);

describe('GET /api/v1/sessions', () => {
  it('gives energy, cost from the meter and the effective price, and the saving', async () => {
    const res = await list('north', '?month=2026-11');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{
      siteId: 'north-depot', stationId: 'CS1', evseId: 1, transactionId: 'TX-1', vehicleId: 'VAN-1', fleet: 'north',
      startedAt: '2026-11-23T16:00:00.000Z', endedAt: expect.stringMatching(/^2026-11-23T18:00/),
      energyKwh: 10, cost: 0.5, currency: 'EUR', unpricedKwh: 0, estimatedKwh: 0, fullPowerKw: 11, uncontrolledCost: 3, savings: 2.5,
    }]);
  });

  it.each<[Who, string, string[]]>([
    ['admin', '?month=2026-11', ['TX-1', 'TX-S']],
    ['south', '?month=2026-11', ['TX-S']],
    ['homeH', '?month=2026-11', []],
    ['north', '', ['TX-1']], // the current month in the site's zone
    ['north', '?month=2026-12', []],
    ['admin', '?site=south-depot&month=2026-11', ['TX-S']],
    ['north', '?vehicle=VAN-1&month=2026-11', ['TX-1']],
    ['admin', '?vehicle=VAN-2&month=2026-11', []],
  ])('%s %s -> %j', async (who, query, expected) => {
    const res = await list(who, query);
    expect(res.statusCode).toBe(200);
    expect(txs(res.json()).sort()).toEqual(expected);
  });

  it.each<[Who, string, number]>([
    ['north', '?site=south-depot', 403],
    ['homeG', '?site=home-h', 403],
    ['north', '?vehicle=VAN-S', 403],
    ['publisher', '', 403],
    ['anonymous', '', 401],
  ])('%s %s -> %i', async (who, query, status) => {
    const res = await list(who, query);
    expect(res.statusCode).toBe(status);
    expect(res.body).not.toContain('TX-');
  });

  it.each([['month=2026-13', 'month'], ['month=11-2026', 'month']])('refuses %s naming the field', async (query, field) => {
    const res = await list('north', `?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
  });
});

describe('GET /api/v1/sessions.csv', () => {
  it('exports a fleet’s month as RFC 4180 CSV with a file name', async () => {
    const res = await f.as('north', { url: '/api/v1/sessions.csv?fleet=north&month=2026-11' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="sessions-north-2026-11.csv"');
    const lines = res.body.split('\r\n');
    expect(lines[0]).toBe('site,station,evse,transaction,vehicle,vehicle_fleet,started,ended,started_local,time_zone,kwh,cost,currency,uncontrolled_cost,savings,unpriced_kwh,estimated_kwh');
    expect(lines[1]).toMatch(/^north-depot,CS1,1,TX-1,VAN-1,north,2026-11-23T16:00:00\.000Z,2026-11-23T18:00:\S+,2026-11-23 17:00,Europe\/Copenhagen,10\.000,0\.5000,EUR,3\.0000,2\.5000,0\.000,0\.000$/);
    expect(lines.slice(2)).toEqual(['']);
    const parsed = parseCsv(res.body);
    expect(parsed.ok && parsed.records.map((r) => r.fields.length)).toEqual([17, 17]);
  });

  it('gives an empty file (the header) for a month without sessions', async () => {
    const res = await f.as('homeH', { url: '/api/v1/sessions.csv?fleet=home-h&month=2026-11' });
    expect(res.statusCode).toBe(200);
    expect(res.body.split('\r\n')).toHaveLength(2);
  });

  it.each<[Who, string, number]>([
    ['north', 'fleet=south&month=2026-11', 403],
    ['homeG', 'fleet=home-h&month=2026-11', 403],
    ['north', 'fleet=nowhere&month=2026-11', 403],
    ['publisher', 'fleet=north&month=2026-11', 403],
    ['anonymous', 'fleet=north&month=2026-11', 401],
  ])('%s %s -> %i without data', async (who, query, status) => {
    const res = await f.as(who, { url: `/api/v1/sessions.csv?${query}` });
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toMatch(/^AUTH_/);
  });

  it.each([
    ['month=2026-11', 'fleet'],
    // Without a month the current one is exported (issue 18; api-fleet-views.test.ts); a malformed one is refused.
    ['fleet=north&month=2026-1', 'month'],
    ['fleet=..%2Fx&month=2026-11', 'fleet'],
  ])('refuses %s naming the field', async (query, field) => {
    const res = await f.as('north', { url: `/api/v1/sessions.csv?${query}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'REQUEST_INVALID', field });
  });
});

describe('a month in the site’s time zone', () => {
  it('bills a session that starts at 00:30 local on 1 December in December, though it is still November in UTC', async () => {
    const g = await startApi('2026-11-30T23:30:00Z');
    try {
      const cs = await PlanningStation.connect(g.server, { id: 'CS2', evses: 1 });
      await cs.boot();
      await cs.startTransaction(1, 'TX-D', 'TOKEN-S', 0);
      await settle(g.server);
      await cs.meter(1, 'TX-D', 1_000, 3_000);
      await cs.endTransaction(1, 'TX-D');
      const nov = await g.as('south', { url: '/api/v1/sessions.csv?fleet=south&month=2026-11' });
      expect(nov.body.split('\r\n')).toHaveLength(2);
      const dec = await g.as('south', { url: '/api/v1/sessions.csv?fleet=south&month=2026-12' });
      expect(dec.body.split('\r\n')[1]).toMatch(/^south-depot,CS2,1,TX-D,VAN-S,south,2026-11-30T23:30:00\.000Z,.*,2026-12-01 00:30,Europe\/Copenhagen,/);
    } finally {
      await g.close();
    }
  });
});
