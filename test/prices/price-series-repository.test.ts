import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/database.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import { ManualClock } from '../../src/platform/clock.js';
import { parseEntsoeCsv } from '../../src/prices/sources/csv-entsoe.js';
import type { PriceSeries } from '../../src/domain/prices.js';
import { fixture } from './helpers/fixtures.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';

const t = (iso: string) => Date.parse(iso);
const M = 60_000;

describe('PriceSeriesRepository on a real database (an SQLite file, or PostgreSQL)', () => {
  let database: TestDatabase;
  let storage: Storage;
  let clock: ManualClock;
  let repo: PriceSeriesRepository;

  beforeEach(async () => {
    database = await testDatabase({ file: true });
    storage = await database.open();
    clock = new ManualClock('2025-10-01T12:00:00Z');
    repo = new PriceSeriesRepository(storage.db, clock);
  });
  afterEach(() => database.drop());

  const series = (source: string, fetchedAt: string, intervals: Array<[string, number, number]>, zone = 'DK1', currency = 'EUR'): PriceSeries => ({
    zone,
    currency,
    intervals: intervals.map(([start, minutes, pricePerKwh]) => ({ start: t(start), end: t(start) + minutes * M, pricePerKwh })),
    provenance: { source, fetchedAt: t(fetchedAt), kind: 'final' },
  });

  it('serves a real month after a restart, with provenance', async () => {
    const dk1 = parseEntsoeCsv(fixture('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv'), { source: 'entsoe-dk1', fetchedAt: t('2025-10-31T12:00:00Z'), kind: 'final' });
    await repo.save(dk1);
    await storage.close();
    storage = await database.open();
    const reopened = new PriceSeriesRepository(storage.db, clock);
    const day = await reopened.current('DK1', { start: t('2025-10-25T22:00:00Z'), end: t('2025-10-26T23:00:00Z') });
    expect(day).toHaveLength(100);
    expect(day[0]).toEqual({ start: t('2025-10-25T22:00:00Z'), end: t('2025-10-25T22:15:00Z'), pricePerKwh: dk1[0]!.intervals.find((i) => i.start === t('2025-10-25T22:00:00Z'))!.pricePerKwh, source: 'entsoe-dk1', fetchedAt: t('2025-10-31T12:00:00Z'), kind: 'final' });
    expect(await reopened.lastFetchedAt('DK1')).toBe(t('2025-10-31T12:00:00Z'));
    expect(await reopened.lastFetchedAt('DK2')).toBeUndefined();
  });

  it('lets a newer publication replace an older one and keeps the history', async () => {
    await repo.save([series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1], ['2025-10-02T01:00:00Z', 60, 0.2]])]);
    await repo.save([series('b', '2025-10-01T12:00:00Z', [['2025-10-02T01:00:00Z', 60, 0.25]])], 'acme');
    const window = { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T02:00:00Z') };
    expect((await repo.current('DK1', window)).map((i) => [i.source, i.pricePerKwh])).toEqual([['a', 0.1], ['b', 0.25]]);
    const history = await repo.history('DK1', window);
    expect(history.map((h) => [h.start_utc, h.price_per_kwh, h.superseded_by === null, h.publisher])).toEqual([
      ['2025-10-02T00:00:00.000Z', 0.1, true, null],
      ['2025-10-02T01:00:00.000Z', 0.2, false, null],
      ['2025-10-02T01:00:00.000Z', 0.25, true, 'acme'],
    ]);
  });

  it('serves a window from the row that reaches into it, whatever lies before, and the newest live fetch', async () => {
    // A day-long price, then quarter-hours: a window that starts inside the day gets it; one that starts exactly
    // at a row's start, or between rows, gets no earlier row.
    await repo.save([series('day', '2025-10-01T09:00:00Z', [['2025-10-01T00:00:00Z', 24 * 60, 0.3], ['2025-10-02T00:00:00Z', 15, 0.1], ['2025-10-02T00:15:00Z', 15, 0.2]])]);
    await repo.save([series('late', '2025-10-01T08:00:00Z', [['2025-10-03T00:00:00Z', 60, 0.5]])]);
    const at = async (from: string, to: string) => (await repo.current('DK1', { start: t(from), end: t(to) })).map((i) => [new Date(i.start).toISOString().slice(5, 16), i.pricePerKwh]);
    expect(await at('2025-10-01T20:00:00Z', '2025-10-02T00:20:00Z')).toEqual([['10-01T00:00', 0.3], ['10-02T00:00', 0.1], ['10-02T00:15', 0.2]]);
    expect(await at('2025-10-02T00:15:00Z', '2025-10-02T01:00:00Z')).toEqual([['10-02T00:15', 0.2]]);
    expect(await at('2025-10-02T12:00:00Z', '2025-10-03T00:30:00Z')).toEqual([['10-03T00:00', 0.5]]);
    expect(await at('2025-09-30T00:00:00Z', '2025-10-01T00:00:00Z')).toEqual([]);
    // The newest fetch, not the last saved.
    expect(await repo.lastFetchedAt('DK1')).toBe(t('2025-10-01T09:00:00Z'));
  });

  it('keeps the uncovered quarters of an hour that one new quarter-hour replaces', async () => {
    await repo.save([series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1]])]);
    await repo.save([series('b', '2025-10-01T12:00:00Z', [['2025-10-02T00:15:00Z', 15, 0.4]])]);
    const current = await repo.current('DK1', { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T01:00:00Z') });
    expect(current.map((i) => [new Date(i.start).toISOString().slice(11, 16), (i.end - i.start) / M, i.pricePerKwh, i.source])).toEqual([
      ['00:00', 15, 0.1, 'a'],
      ['00:15', 15, 0.4, 'b'],
      ['00:30', 30, 0.1, 'a'],
    ]);
  });

  it('adds no history for an unchanged re-fetch, but records that it was fetched', async () => {
    const s = series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1]]);
    await repo.save([s]);
    await repo.save([{ ...s, provenance: { ...s.provenance, fetchedAt: t('2025-10-01T13:00:00Z') } }]);
    expect(await repo.history('DK1', { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T01:00:00Z') })).toHaveLength(1);
    expect(await repo.lastFetchedAt('DK1')).toBe(t('2025-10-01T13:00:00Z'));
  });

  it('applies a batch whole or not at all', async () => {
    await repo.save([series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1]])]);
    const good = series('b', '2025-10-01T12:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.3]]);
    const wrongCurrency = series('b', '2025-10-01T12:00:00Z', [['2025-10-02T01:00:00Z', 60, 0.3]], 'DK1', 'DKK');
    await expect(repo.save([good, wrongCurrency])).rejects.toThrow(expect.objectContaining({ code: 'PRICES_CURRENCY_MISMATCH' }));
    expect((await repo.current('DK1', { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T02:00:00Z') })).map((i) => i.pricePerKwh)).toEqual([0.1]);
    expect(await repo.lastFetchedAt('DK1')).toBe(t('2025-10-01T11:00:00Z'));
  });
});
