/**
 * The homeowner's API (issue 18): session history with month totals and CSV, the running session so far with the
 * battery, charging modes as solver inputs (each visible in the TxProfile the charger receives next, K01.FR.01),
 * and the weekly rule's removal. Real product, real OCPP station (HOME-H), ManualClock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiFixture } from './api-fixture.js';
import { settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { energyKwh, heldKw } from '../helpers/profile-limits.js';
import { runUntil, twoNightsAtHome } from '../helpers/home-nights.js';
import { parseCsv } from '../../src/http/api/csv.js';

let f: ApiFixture;
let station: PlanningStation;

beforeAll(async () => {
  f = await startApi();
  station = await PlanningStation.connect(f.server, { id: 'HOME-H' });
  await station.boot();
  await twoNightsAtHome(f.server, station);
}, 120_000);
afterAll(async () => {
  await station?.close();
  await f?.close();
});

const put = (body: unknown, who: 'homeH' | 'homeG' = 'homeH') => f.as(who, { method: 'PUT', url: '/api/v1/vehicles/CAR-H/mode', payload: body as object });
const mine = async () => (await f.server.running.scheduler.latestPlan('home-h'))!.sessions.find((s) => s.vehicleId === 'CAR-H')!;
const lastProfile = () => station.sent().at(-1)!.chargingProfile;

describe('history', () => {
  it('lists both nights newest first with price per kWh, saving, the plan followed, and the month’s totals', async () => {
    const res = await f.as('homeH', { url: '/api/v1/vehicles/CAR-H/history?month=2026-11' });
    expect(res.statusCode).toBe(200);
    const h = res.json();
    expect(h.sessions.map((s: { transactionId: string }) => s.transactionId)).toEqual(['TX-N2', 'TX-N1']);
    const [n2, n1] = h.sessions;
    // Night 1: 10 kWh at 0.02 (0.20); at full power from 16:00 the same 10 kWh cost 0.30 each (3.00).
    expect(n1).toMatchObject({ energyKwh: 10, cost: 0.2, pricePerKwh: 0.02, savings: 2.8, uncontrolledCost: 3 });
    // Night 2: 6 kWh at 0.30 in the hour it started: no saving.
    expect(n2).toMatchObject({ energyKwh: 6, cost: 1.8, pricePerKwh: 0.3, savings: 0 });
    for (const s of h.sessions) expect(s.planId).toBeGreaterThan(0);
    expect(h.totals).toEqual({ sessions: 2, energyKwh: 16, cost: 2, savings: 2.8, pricePerKwh: 0.125, notCompared: 0 });
    expect(h).toMatchObject({ month: '2026-11', timeZone: 'Europe/Berlin', currency: 'EUR' });
  });

  it('defaults to the current month, and December has none', async () => {
    expect((await f.as('homeH', { url: '/api/v1/vehicles/CAR-H/history' })).json().month).toBe('2026-11');
    const dec = (await f.as('homeH', { url: '/api/v1/vehicles/CAR-H/history?month=2026-12' })).json();
    expect(dec.totals).toEqual({ sessions: 0, energyKwh: 0, cost: 0, savings: 0, pricePerKwh: null, notCompared: 0 });
  });

  it('downloads the month as CSV, oldest first, with a file name', async () => {
    const res = await f.as('homeH', { url: '/api/v1/vehicles/CAR-H/history.csv?month=2026-11' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="charging-CAR-H-2026-11.csv"');
    const parsed = parseCsv(res.body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const rows = parsed.records.map((r) => r.fields);
    expect(rows[0]).toEqual(['started', 'ended', 'started_local', 'time_zone', 'station', 'evse', 'transaction', 'kwh', 'cost', 'currency', 'price_per_kwh', 'savings', 'uncontrolled_cost', 'unpriced_kwh', 'plan']);
    expect(rows.slice(1).map((r) => [r[2], r[6], r[7], r[8], r[10], r[11]])).toEqual([
      ['2026-11-23 17:00', 'TX-N1', '10.000', '0.2000', '0.0200', '2.8000'],
      ['2026-11-24 17:00', 'TX-N2', '6.000', '1.8000', '0.3000', '0.0000'],
    ]);
  });

  it.each([
    ['homeG', '/api/v1/vehicles/CAR-H/history', 403],
    ['homeG', '/api/v1/vehicles/CAR-H/history.csv', 403],
    ['homeG', '/api/v1/vehicles/CAR-H/now', 403],
    ['anonymous', '/api/v1/vehicles/CAR-H/history', 401],
    ['homeH', '/api/v1/vehicles/CAR-H/history?month=2026-13', 400],
  ] as const)('%s %s -> %i', async (who, url, status) => {
    const res = await f.as(who, { url });
    expect(res.statusCode).toBe(status);
    expect(res.body).not.toContain('TX-N');
    if (status === 400) expect(res.json()).toMatchObject({ field: 'month' });
  });
});

describe('the session so far', () => {
  it('says the last session while the car is away, then the running one with its battery and range', async () => {
    const away = (await f.as('homeH', { url: '/api/v1/vehicles/CAR-H/now' })).json();
    expect(away).toMatchObject({ current: null, battery: null, last: { transactionId: 'TX-N2', energyKwh: 6 } });
    f.clock.set('2026-11-24T19:30:00Z');
    await f.server.running.scheduler.setTarget('CAR-H', { kind: 'once', departure: '2026-11-25T07:00', energyKwh: 30 });
    await station.startTransaction(1, 'TX-N3', 'TOKEN-H');
    await station.meter(1, 'TX-N3', 0, 0, 40);
    await settle(f.server);
    await runUntil(f.server, '2026-11-24T20:00:00Z');
    await station.meter(1, 'TX-N3', 0, 0, 40);
    await runUntil(f.server, '2026-11-24T20:15:00Z');
    await station.meter(1, 'TX-N3', 2_750, 11_000, 45);
    await settle(f.server);
    const now = (await f.as('homeH', { url: '/api/v1/vehicles/CAR-H/now' })).json();
    expect(now.current).toMatchObject({ transactionId: 'TX-N3', endedAt: null, energyKwh: 2.75, pricePerKwh: 0.03 });
    expect(now.current.cost).toBeCloseTo(2.75 * 0.03, 4);
    expect(now.battery).toMatchObject({ socPercent: 45, rangeKm: Math.round((60 * 45) / 18), consumptionKwhPer100Km: 18 });
    expect(now.last.transactionId).toBe('TX-N2');
  });
});

describe('charging modes (solver inputs, in the next profile)', () => {
  it('smart: the 30 kWh go to the cheap hours (20:00Z now, then 01:00Z and 02:00Z)', async () => {
    expect((await put({ kind: 'smart' })).statusCode).toBe(200);
    await settle(f.server);
    const s = await mine();
    expect(s.shortfallKwh).toBeCloseTo(0, 2);
    expect(heldKw(lastProfile(), Date.parse('2026-11-24T20:20:00Z'))).toBeCloseTo(11, 1);
    expect(heldKw(lastProfile(), Date.parse('2026-11-25T02:10:00Z'))).toBeGreaterThan(1);
  });

  it('paused until 22:00 (Berlin): nothing before 21:00Z in the plan and the profile, the rest after', async () => {
    const res = await put({ kind: 'paused', until: '2026-11-24T22:00' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ vehicleId: 'CAR-H', mode: { kind: 'paused', until: '2026-11-24T22:00' }, inForce: true });
    await settle(f.server);
    const p = lastProfile();
    expect(energyKwh(p, f.clock.now(), Date.parse('2026-11-24T21:00:00Z'))).toBeCloseTo(0, 3);
    expect(energyKwh(p, Date.parse('2026-11-24T21:00:00Z'), Date.parse('2026-11-25T06:00:00Z'))).toBeGreaterThan(20);
    expect((await mine()).notes.join(' ')).toContain('paused at your request until 22:00');
  });

  it('price cap: no energy in hours above the cap; the target it makes infeasible is short, and said', async () => {
    // Between 01:00Z's price (0.05) and 02:00Z's (0.10): 20:00Z and 01:00Z remain.
    expect((await put({ kind: 'price-cap', maxPrice: 0.06 })).statusCode).toBe(200);
    await settle(f.server);
    const p = lastProfile();
    const view = (await f.as('homeH', { url: '/api/v1/sites/home-h/plan' })).json() as { slotStarts: string[]; prices: { total: number }[] };
    const s = await mine();
    view.slotStarts.forEach((start, i) => {
      if (view.prices[i]!.total > 0.06 && Date.parse(start) < s.departureMs) expect(s.powerKw[i], start).toBe(0);
    });
    expect(heldKw(p, Date.parse('2026-11-25T02:10:00Z'))).toBeCloseTo(0, 3);
    expect(heldKw(p, Date.parse('2026-11-25T01:10:00Z'))).toBeCloseTo(11, 1);
    expect(s.shortfallKwh).toBeGreaterThan(1);
    expect(s.notes.join(' ')).toContain('your price cap');
  });

  it('minimum 10 kWh at once: full power from now until they are in, the rest cheap', async () => {
    expect((await put({ kind: 'minimum', energyKwh: 10 })).statusCode).toBe(200);
    await settle(f.server);
    const p = lastProfile();
    const now = f.clock.now();
    // 2.75 kWh are in: the 7.25 missing at 11 kW take until about 21:00Z.
    expect(heldKw(p, now + 60_000)).toBeCloseTo(11, 1);
    expect(energyKwh(p, now, Date.parse('2026-11-24T21:00:00Z'))).toBeGreaterThanOrEqual(7.2);
    expect((await mine()).shortfallKwh).toBeCloseTo(0, 2);
  });

  it.each([
    [{ kind: 'paused', until: '2026-11-24T08:00' }, 'until', 'in the future'],
    [{ kind: 'paused', until: '2026-12-24T08:00' }, 'until', '7 days'],
    [{ kind: 'paused', until: 'tonight' }, 'until', 'YYYY-MM-DDTHH:MM'],
    [{ kind: 'price-cap', maxPrice: -1 }, 'maxPrice', 'from 0 to 10'],
    [{ kind: 'minimum' }, 'energyKwh', 'either'],
    [{ kind: 'minimum', energyKwh: 5, socPercent: 50 }, 'energyKwh', 'either'],
    [{ kind: 'turbo' }, 'kind', 'one of'],
  ])('refuses %j naming %s', async (body, field, words) => {
    const res = await put(body);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'MODE_INVALID', field });
    expect(res.json().message).toContain(words);
  });

  it('is the car’s own: another home gets 403, and GET reads it back', async () => {
    expect((await put({ kind: 'smart' }, 'homeG')).statusCode).toBe(403);
    expect((await f.as('homeH', { url: '/api/v1/vehicles/CAR-H/mode' })).json()).toEqual({ vehicleId: 'CAR-H', mode: { kind: 'minimum', energyKwh: 10 }, inForce: true });
    expect((await put({ kind: 'smart' })).json()).toEqual({ vehicleId: 'CAR-H', mode: null, inForce: false });
  });
});

describe('the weekly rule', () => {
  it('is removed on its own; the one-off target stays', async () => {
    const s = f.server.running.scheduler;
    await s.setTarget('CAR-H', { kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '06:30', energyKwh: 12 });
    const res = await f.as('homeH', { method: 'DELETE', url: '/api/v1/vehicles/CAR-H/target/weekly' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ weekly: null, once: { departure: '2026-11-25T07:00', energyKwh: 30 } });
    expect((await f.as('homeG', { method: 'DELETE', url: '/api/v1/vehicles/CAR-H/target/weekly' })).statusCode).toBe(403);
  });
});
