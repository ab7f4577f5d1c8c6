/**
 * Utilisation over the API (issue 17) on the real product: a station's session, a fault and an Authorize reach the
 * EVSE state log through the OCPP server and the recorder main.ts wires, and come back as figures, as CSV, and only
 * to admins and the fleet managers of the site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UtilisationRepository } from '../../src/storage/utilisation-repository.js';
import { parseCsv } from '../../src/http/api/csv.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { startApi, type ApiFixture } from './api-fixture.js';

const HOUR = 3_600_000;
let f: ApiFixture;

/** The recorder writes after the station's reply: wait (event-loop turns, no timers) until the log holds `n` rows. */
async function logged(n: number): Promise<void> {
  const log = new UtilisationRepository(f.server.running.db);
  for (let i = 0; i < 500; i++) {
    const h = await log.history(['CS1'], '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    if (h.log.length >= n) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`the log did not reach ${n} rows`);
}

beforeAll(async () => {
  // T0 is Monday 23 November 2026, 16:00Z (17:00 in Copenhagen).
  f = await startApi();
  const cs = await PlanningStation.connect(f.server, { id: 'CS1', evses: 2 });
  await cs.boot(); // StatusNotification Available for both connectors (B01)
  await cs.startTransaction(1, 'TX-1', 'TOKEN-1', 0); // Charging from 16:00Z
  f.clock.advance(HOUR);
  await cs.cs.call('StatusNotification', { timestamp: cs.now, connectorStatus: 'Faulted', evseId: 2, connectorId: 1 });
  f.clock.advance(HOUR);
  await cs.meter(1, 'TX-1', 5_000, 0, undefined, 'SuspendedEV'); // 18:00Z: the car stops drawing
  await cs.cs.call('Authorize', { idToken: { idToken: 'TOKEN-2', type: 'ISO14443' } }); // both EVSEs taken: found none
  f.clock.advance(HOUR);
  await cs.endTransaction(1, 'TX-1'); // 19:00Z
  await cs.cs.call('StatusNotification', { timestamp: cs.now, connectorStatus: 'Available', evseId: 2, connectorId: 1 });
  f.clock.advance(HOUR); // now 20:00Z
  // connected, 2 Available, Charging, Faulted, SuspendedEV, Authorize, Available
  await logged(7);
}, 120_000);

afterAll(async () => {
  await f?.close();
});

describe('GET /api/v1/sites/:siteId/utilisation', () => {
  it('the figures of the day so far, from what the station said', async () => {
    const res = await f.as('north', { method: 'GET', url: '/api/v1/sites/north-depot/utilisation?from=2026-11-23&to=2026-11-24' });
    expect(res.statusCode).toBe(200);
    const u = res.json();
    // From 00:00 local (23:00Z the day before) until now, 20:00Z.
    expect([u.timeZone, u.start, u.end, u.measuredUntil, u.periodH]).toEqual(['Europe/Copenhagen', '2026-11-22T23:00:00.000Z', '2026-11-23T23:00:00.000Z', '2026-11-23T20:00:00.000Z', 21]);
    const evse = (r: Record<string, unknown>) => [r.evseId, r.pluggedH, r.chargingH, r.idleH, r.outOfServiceH, r.availableH, r.knownH, r.sessions, r.energyKwh];
    // EVSE 1: plugged 16-19Z, charging until 18Z; EVSE 2: Faulted 17-19Z. The link is known from the connection at 16Z.
    expect(u.evseRows.map(evse)).toEqual([[1, 3, 2, 1, 0, 4, 4, 1, 5], [2, 0, 0, 0, 2, 2, 4, 0, 0]]);
    expect([u.allTakenH, u.foundNone, u.saturation.saturated]).toEqual([2, 1, true]);
    // Weekday evenings so far: 17:00-21:00 local measured, 18:00-20:00 all taken.
    expect(u.saturation.sentence).toBe('All 2 chargers were taken 50 % of weekday evenings (17:00–22:00); 1 car found none.');
    // Hour of week: Monday 18:00 and 19:00 local (17-19Z) all taken.
    expect(u.heat.allTakenH.flatMap((h: number, k: number) => (h > 0 ? [k] : []))).toEqual([18, 19]);
  });

  it('defaults to the last 7 days including today', async () => {
    const u = (await f.as('admin', { method: 'GET', url: '/api/v1/sites/north-depot/utilisation' })).json();
    expect([u.from, u.to, u.sessions]).toEqual(['2026-11-17', '2026-11-24', 1]);
  });

  it('bad periods name the field', async () => {
    const bad = async (query: string) => {
      const r = await f.as('admin', { method: 'GET', url: `/api/v1/sites/north-depot/utilisation?${query}` });
      return [r.statusCode, r.json().code, r.json().field];
    };
    expect(await bad('from=2026-02-30')).toEqual([400, 'REQUEST_INVALID', 'from']);
    expect(await bad('from=23.11.2026')).toEqual([400, 'REQUEST_INVALID', 'from']);
    expect(await bad('from=2026-11-23&to=2026-11-20')).toEqual([400, 'REQUEST_INVALID', 'to']);
    expect(await bad('from=2024-01-01&to=2026-01-01')).toEqual([400, 'REQUEST_INVALID', 'to']);
  });

  it('admins and the site’s fleet managers; another fleet, homeowners and publishers 403; an unknown site 404 for admins only', async () => {
    const status = async (who: Parameters<ApiFixture['as']>[0], site = 'north-depot') => (await f.as(who, { method: 'GET', url: `/api/v1/sites/${site}/utilisation` })).statusCode;
    expect(await Promise.all([status('admin'), status('north'), status('south'), status('homeH'), status('publisher'), status('anonymous')])).toEqual([200, 200, 403, 403, 403, 401]);
    expect([await status('admin', 'nowhere'), await status('north', 'nowhere')]).toEqual([404, 403]);
    // A homeowner may not read even their own home's figures: utilisation is for the people who add chargers.
    expect(await status('homeH', 'home-h')).toBe(403);
  });
});

describe('GET /api/v1/sites/:siteId/utilisation.csv', () => {
  it('one row per EVSE, per station and the site, the same figures', async () => {
    const res = await f.as('north', { method: 'GET', url: '/api/v1/sites/north-depot/utilisation.csv?from=2026-11-23&to=2026-11-24' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="utilisation-north-depot-2026-11-23-2026-11-24.csv"');
    const parsed = parseCsv(res.body);
    if (!parsed.ok) throw new Error(parsed.message);
    const [header, ...rows] = parsed.records.map((r) => r.fields);
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => [r[col('level')], r[col('station')], r[col('evse')], r[col('plugged_h')], r[col('out_of_service_h')], r[col('sessions')], r[col('all_taken_h')], r[col('found_none')]])).toEqual([
      ['evse', 'CS1', '1', '3', '0', '1', '', ''],
      ['evse', 'CS1', '2', '0', '2', '0', '', ''],
      ['station', 'CS1', '', '3', '2', '1', '', ''],
      ['site', '', '', '3', '2', '1', '2', '1'],
    ]);
    expect(rows[3]![col('occupancy')]).toBe(String(Math.round((3 / 42) * 1e6) / 1e6));
    expect((await f.as('south', { method: 'GET', url: '/api/v1/sites/north-depot/utilisation.csv' })).statusCode).toBe(403);
  });
});
