import { describe, expect, it } from 'vitest';
import { createOcppRepositories } from '../../src/storage/index.js';
import { parsePricesConfig } from '../../src/prices/setup.js';
import type { CycleResult } from '../../src/scheduler/planner.js';
import { SiteDemandPeaks, billingPeriod, quarterEnergiesWh, type SiteDemand } from '../../src/scheduler/demand-peak.js';
import { openTestStorage } from '../helpers/test-database.js';
import { fixtureSnapshot, fixtureSite, planOf, pricesBy, type FixtureCar } from './planner-fixture.js';

/**
 * Issue 21, demand charges: the billing period's peak so far from the site's stored meter registers (15-minute
 * averages, the calendar month in Europe/Copenhagen, UTC+1 in November 2026), and plans that spread cars to a lower
 * peak when the charge outweighs the price difference.
 */
const local = (iso: string) => Date.parse(`${iso}+01:00`);
const NOW = local('2026-11-23T18:00:00');
// Night 22-06 h costs 0.10 EUR/kWh; 00-02 h is cheaper still (0.08): everything fits there at full power.
const nightPrices = pricesBy((ms) => {
  const h = new Date(ms + 3_600_000).getUTCHours();
  return h >= 0 && h < 2 ? 0.08 : h >= 22 || h < 6 ? 0.1 : 0.3;
});
const cars: FixtureCar[] = [1, 2, 3, 4].map((evseId) => ({ evseId, needKwh: 22, departure: '2026-11-24T07:00' }));
const site = fixtureSite({ gridLimitKw: 60 });
const sitePeak = (r: CycleResult) => Math.max(...r.plan.slotStarts.map((_, i) => r.plan.sessions.reduce((a, s) => a + s.powerKw[i]!, 0)));
const demand = (perKw: number, peakSoFarKw = 0): SiteDemand => ({ perKw, peakSoFarKw, peakAtMs: null, periodStartMs: local('2026-11-01T00:00:00'), periodEndMs: local('2026-12-01T00:00:00') });
const plan = async (d: SiteDemand | undefined) => planOf({ ...(await fixtureSnapshot(site, NOW, cars, nightPrices)), demand: d });

describe('planning with a demand charge', () => {
  it('without a demand charge four cars fill the two cheapest hours at 44 kW', async () => {
    const r = await plan(undefined);
    expect(r.plan.sessions.every((s) => s.shortfallKwh === 0)).toBe(true);
    expect(sitePeak(r)).toBeCloseTo(44, 3);
    expect((r.plan.problem as { demandCharge?: unknown }).demandCharge).toBeUndefined();
  });

  it('spreads them over the night to a lower peak when the charge outweighs the price difference', async () => {
    // A kW less in 00-02 h moves 2 kWh to 0.10 (0.04 EUR); a kW less below 11 kW moves 8 kWh of the night to the
    // evening at 0.30 (2 x 0.08 + 6 x 0.10 -> 8 x 0.30: 1.64 EUR). At 1 EUR/kW: the whole night at 11 kW.
    const r = await plan(demand(1));
    expect(r.plan.sessions.every((s) => s.shortfallKwh === 0)).toBe(true);
    expect(sitePeak(r)).toBeCloseTo(11, 3);
    expect(r.plan.totalCost).toBeCloseTo(88 * 0.1 - 22 * 0.02, 3);
  });

  it('spreads into the dear evening too when the charge outweighs that gap as well', async () => {
    // 5 EUR/kW > 1.64 EUR: 88 kWh over the whole stay (18:00-07:00, 13 h) at 88 / 13 kW.
    const r = await plan(demand(5));
    expect(r.plan.sessions.every((s) => s.shortfallKwh === 0)).toBe(true);
    expect(sitePeak(r)).toBeCloseTo(88 / 13, 2);
  });

  it('does not spread when the charge is below the price difference', async () => {
    // 0.01 EUR/kW is less than what a kW moved out of 00-02 h costs (2 h x 0.02 EUR/kWh = 0.04 EUR).
    const r = await plan(demand(0.01));
    expect(sitePeak(r)).toBeCloseTo(44, 3);
    expect(r.plan.totalCost).toBeCloseTo(88 * 0.08, 3);
  });

  it('power up to the peak already reached this month is free: it fills the cheap hours to that peak', async () => {
    const r = await plan(demand(5, 30));
    expect(sitePeak(r)).toBeCloseTo(30, 3);
    expect((r.plan.problem as { demandCharge: { peakSoFarKw: number } }).demandCharge.peakSoFarKw).toBe(30);
  });
});

describe('the peak so far from stored meter registers', () => {
  it('spreads energy between readings evenly over the quarter hours (15-minute averages)', () => {
    const q = 900_000;
    // 3 kWh from 00:00 to 00:30 and, on another car, 1 kWh between 00:10 and 00:20.
    const m = quarterEnergiesWh([[{ ms: 0, wh: 0 }, { ms: 2 * q, wh: 3000 }], [{ ms: 600_000, wh: 500 }, { ms: 1_200_000, wh: 1500 }]], 0, 4 * q);
    expect(m.get(0)).toBeCloseTo(1500 + 500, 6);
    expect(m.get(q)).toBeCloseTo(1500 + 500, 6);
    expect(m.get(2 * q)).toBeUndefined();
  });

  it('is the highest complete quarter of this month on the site, from real stored sessions', async () => {
    const storage = await openTestStorage();
    const repos = createOcppRepositories(storage.db);
    await repos.stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, '2026-10-01T00:00:00Z');
    const tx = async (id: string, evseId: number, readings: [string, number][], ended: boolean) => {
      const base = { stationId: 'CS1', transactionId: id, triggerReason: 'MeterValuePeriodic', offline: false, evseId, connectorId: 1, payload: {} };
      for (const [k, [at, wh]] of readings.entries()) {
        const ts = new Date(local(at)).toISOString();
        const eventType = k === 0 ? 'Started' : ended && k === readings.length - 1 ? 'Ended' : 'Updated';
        await repos.transactions.applyEvent({ ...base, seqNo: k, eventType, timestamp: ts, meterValues: [{ timestamp: ts, measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }] }, ts);
      }
    };
    // October: 50 kW for a quarter hour, another billing period.
    await tx('OCT', 1, [['2026-10-31T22:00:00', 0], ['2026-10-31T22:15:00', 12_500]], true);
    // 10 November: two cars together 11 + 7.4 = 18.4 kW from 01:00 to 01:15, then one car.
    await tx('A', 1, [['2026-11-10T01:00:00', 0], ['2026-11-10T01:15:00', 2750], ['2026-11-10T02:00:00', 11_000]], true);
    await tx('B', 2, [['2026-11-10T01:00:00', 0], ['2026-11-10T01:15:00', 1850]], true);
    // Today a car at 22 kW since 17:50: 17:45-18:00 averages 22 x 10 / 15 = 14.67 kW; 18:00- is not complete.
    await tx('C', 3, [['2026-11-23T17:50:00', 0], ['2026-11-23T18:00:00', 3667], ['2026-11-23T18:05:00', 5500]], false);
    const peaks = new SiteDemandPeaks(repos);
    const terms = { perKwPerPeriod: 9.5, period: 'month' as const };
    const d = (await peaks.forSite(site, NOW + 5 * 60_000, terms))!;
    expect(d.peakSoFarKw).toBeCloseTo(18.4, 6);
    expect(d.peakAtMs).toBe(local('2026-11-10T01:00:00'));
    expect(d.perKw).toBe(9.5);
    expect(d.periodStartMs).toBe(billingPeriod(NOW, 'Europe/Copenhagen').startMs);
    expect(d.periodStartMs).toBe(local('2026-11-01T00:00:00'));
    // 18:05-18:20 at 22 kW: the quarter 18:00-18:15 completes at 18:15 and becomes the peak.
    await tx('D', 4, [['2026-11-23T18:00:00', 0], ['2026-11-23T18:15:00', 5500]], false);
    expect((await peaks.forSite(site, NOW + 16 * 60_000, terms))!.peakSoFarKw).toBeCloseTo(22 * 0 + (5500 - 3667) / 250 + 5500 / 250, 3);
    expect(await peaks.forSite(site, NOW, null)).toBeUndefined();
  });
});

describe('tariff demandCharge', () => {
  const tariff = (demandCharge: unknown) => ({
    zones: [], sources: [],
    tariffs: { t: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.2 }] }, demandCharge } },
  });
  it('accepts EUR per kW per month', () => {
    expect(parsePricesConfig(tariff({ perKwPerPeriod: 9.5, period: 'month' })).tariffs.t!.demandCharge).toEqual({ perKwPerPeriod: 9.5, period: 'month' });
  });
  it('rejects a negative charge or another period naming the field', () => {
    expect(() => parsePricesConfig(tariff({ perKwPerPeriod: -1, period: 'month' }))).toThrow(/prices\/tariffs\/t\/demandCharge\/perKwPerPeriod/);
    expect(() => parsePricesConfig(tariff({ perKwPerPeriod: 1, period: 'year' }))).toThrow(/demandCharge\/period/);
  });
});
