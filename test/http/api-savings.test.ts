import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';
import { chargeTwoDepots } from './charged-depots.js';
import { costTotals } from '../../src/http/api/savings.js';
import type { SessionCost } from '../../src/domain/plans.js';

/**
 * The fleet dashboard's cost and saving (GET /api/v1/sites/:siteId/savings): VAN-1 charges 10 kWh at the north depot
 * in the cheap hour (0.05 EUR/kWh instead of 0.30: 0.50 instead of 3.00 at full power on arrival), VAN-S 2 kWh at the
 * south depot and keeps charging. Sums of the sessions API's own figures, by the local day and month they started.
 */
let f: ApiFixture;

// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  await chargeTwoDepots(f, { southEnds: false });
}, 60_000);
afterAll(async () => f?.close());

const savings = (who: Who, site: string) => f.as(who, { url: `/api/v1/sites/${site}/savings` });

describe('GET /api/v1/sites/:siteId/savings', () => {
  it('sums today’s and this month’s sessions: cost, the cost at full power on arrival, the saving', async () => {
    const res = await savings('north', 'north-depot');
    expect(res.statusCode).toBe(200);
    const totals = { sessions: 1, running: 0, energyKwh: 10, cost: 0.5, unpricedKwh: 0, uncontrolledCost: 3, savings: 2.5, savingsPercent: 83.3, notCompared: 0 };
    expect(res.json()).toEqual({
      siteId: 'north-depot', currency: 'EUR', timeZone: 'Europe/Copenhagen',
      periods: [
        // Local midnight in Copenhagen (UTC+1 in November) and the next one; the calendar month likewise.
        { period: 'today', from: '2026-11-22T23:00:00.000Z', to: '2026-11-23T23:00:00.000Z', ...totals },
        { period: 'month', from: '2026-10-31T23:00:00.000Z', to: '2026-11-30T23:00:00.000Z', ...totals },
      ],
    });
  });

  it('counts a running session up to its latest reading', async () => {
    const res = await savings('south', 'south-depot');
    expect(res.statusCode).toBe(200);
    expect(res.json().periods[0]).toMatchObject({ period: 'today', sessions: 1, running: 1, energyKwh: 2 });
  });

  it.each<[Who, string, number]>([
    ['south', 'north-depot', 403],
    ['homeH', 'north-depot', 403],
    ['north', 'nowhere', 403],
    ['admin', 'nowhere', 404],
    ['anonymous', 'north-depot', 401],
  ])('%s on %s -> %i without data', async (who, site, status) => {
    const res = await savings(who, site);
    expect(res.statusCode).toBe(status);
    expect(res.body).not.toContain('savings');
  });

  it('starts a new day at local midnight: today is empty, the month keeps the session', async () => {
    f.clock.set('2026-11-23T23:30:00Z'); // 00:30 on Tuesday in Copenhagen
    await settle(f.server);
    const body = (await savings('north', 'north-depot')).json();
    expect(body.periods[0]).toMatchObject({ period: 'today', from: '2026-11-23T23:00:00.000Z', sessions: 0, cost: 0, savings: 0, savingsPercent: null });
    expect(body.periods[1]).toMatchObject({ period: 'month', sessions: 1, savings: 2.5 });
  });
});

describe('costTotals', () => {
  const cost = (startedAt: string, c: number, uncontrolled: number | null, extra: Partial<SessionCost> = {}): SessionCost => ({
    siteId: 's', stationId: 'CS', evseId: 1, transactionId: startedAt, vehicleId: null, fleet: null, startedAt, endedAt: startedAt,
    energyKwh: 1, cost: c, currency: 'EUR', unpricedKwh: 0, estimatedKwh: 0, fullPowerKw: 11, uncontrolledCost: uncontrolled,
    savings: uncontrolled === null ? null : uncontrolled - c, ...extra,
  });

  it('compares only the sessions whose saving is known, and counts the others', () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2026-01-02T00:00:00Z');
    const t = costTotals('today', from, to, [
      cost('2026-01-01T01:00:00Z', 1, 3),
      cost('2026-01-01T02:00:00Z', 2, null, { unpricedKwh: 0.5 }),
      cost('2026-01-02T00:00:00Z', 5, 9), // the next day: not today's
    ]);
    expect(t).toMatchObject({ sessions: 2, energyKwh: 2, cost: 3, unpricedKwh: 0.5, uncontrolledCost: 3, savings: 2, savingsPercent: 66.7, notCompared: 1 });
  });
});
