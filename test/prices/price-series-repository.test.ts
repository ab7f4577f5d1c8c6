import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import { ManualClock } from '../../src/platform/clock.js';
import { parseEntsoeCsv } from '../../src/prices/sources/csv-entsoe.js';
import type { PriceSeries } from '../../src/domain/prices.js';
import { fixture } from './helpers/fixtures.js';

const t = (iso: string) => Date.parse(iso);
const M = 60_000;

describe('PriceSeriesRepository on a real SQLite file', () => {
  let dir: string;
  let path: string;
  let db: Db;
  let clock: ManualClock;
  let repo: PriceSeriesRepository;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prices-'));
    path = join(dir, 'test.sqlite');
    db = openDatabase(path);
    clock = new ManualClock('2025-10-01T12:00:00Z');
    repo = new PriceSeriesRepository(db, clock);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const series = (source: string, fetchedAt: string, intervals: Array<[string, number, number]>, zone = 'DK1', currency = 'EUR'): PriceSeries => ({
    zone,
    currency,
    intervals: intervals.map(([start, minutes, pricePerKwh]) => ({ start: t(start), end: t(start) + minutes * M, pricePerKwh })),
    provenance: { source, fetchedAt: t(fetchedAt), kind: 'final' },
  });

  it('serves a real month after a restart, with provenance', () => {
    const dk1 = parseEntsoeCsv(fixture('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv'), { source: 'entsoe-dk1', fetchedAt: t('2025-10-31T12:00:00Z'), kind: 'final' });
    repo.save(dk1);
    db.close();
    db = openDatabase(path);
    const reopened = new PriceSeriesRepository(db, clock);
    const day = reopened.current('DK1', { start: t('2025-10-25T22:00:00Z'), end: t('2025-10-26T23:00:00Z') });
    expect(day).toHaveLength(100);
    expect(day[0]).toEqual({ start: t('2025-10-25T22:00:00Z'), end: t('2025-10-25T22:15:00Z'), pricePerKwh: dk1[0]!.intervals.find((i) => i.start === t('2025-10-25T22:00:00Z'))!.pricePerKwh, source: 'entsoe-dk1', fetchedAt: t('2025-10-31T12:00:00Z'), kind: 'final' });
    expect(reopened.lastFetchedAt('DK1')).toBe(t('2025-10-31T12:00:00Z'));
    expect(reopened.lastFetchedAt('DK2')).toBeUndefined();
  });

  it('lets a newer publication replace an older one and keeps the history', () => {
    repo.save([series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1], ['2025-10-02T01:00:00Z', 60, 0.2]])]);
    repo.save([series('b', '2025-10-01T12:00:00Z', [['2025-10-02T01:00:00Z', 60, 0.25]])], 'acme');
    const window = { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T02:00:00Z') };
    expect(repo.current('DK1', window).map((i) => [i.source, i.pricePerKwh])).toEqual([['a', 0.1], ['b', 0.25]]);
    const history = repo.history('DK1', window);
    expect(history.map((h) => [h.start_utc, h.price_per_kwh, h.superseded_by === null, h.publisher])).toEqual([
      ['2025-10-02T00:00:00.000Z', 0.1, true, null],
      ['2025-10-02T01:00:00.000Z', 0.2, false, null],
      ['2025-10-02T01:00:00.000Z', 0.25, true, 'acme'],
    ]);
  });

  it('keeps the uncovered quarters of an hour that one new quarter-hour replaces', () => {
    repo.save([series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1]])]);
    repo.save([series('b', '2025-10-01T12:00:00Z', [['2025-10-02T00:15:00Z', 15, 0.4]])]);
    const current = repo.current('DK1', { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T01:00:00Z') });
    expect(current.map((i) => [new Date(i.start).toISOString().slice(11, 16), (i.end - i.start) / M, i.pricePerKwh, i.source])).toEqual([
      ['00:00', 15, 0.1, 'a'],
      ['00:15', 15, 0.4, 'b'],
      ['00:30', 30, 0.1, 'a'],
    ]);
  });

  it('adds no history for an unchanged re-fetch, but records that it was fetched', () => {
    const s = series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1]]);
    repo.save([s]);
    repo.save([{ ...s, provenance: { ...s.provenance, fetchedAt: t('2025-10-01T13:00:00Z') } }]);
    expect(repo.history('DK1', { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T01:00:00Z') })).toHaveLength(1);
    expect(repo.lastFetchedAt('DK1')).toBe(t('2025-10-01T13:00:00Z'));
  });

  it('applies a batch whole or not at all', () => {
    repo.save([series('a', '2025-10-01T11:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.1]])]);
    const good = series('b', '2025-10-01T12:00:00Z', [['2025-10-02T00:00:00Z', 60, 0.3]]);
    const wrongCurrency = series('b', '2025-10-01T12:00:00Z', [['2025-10-02T01:00:00Z', 60, 0.3]], 'DK1', 'DKK');
    expect(() => repo.save([good, wrongCurrency])).toThrow(expect.objectContaining({ code: 'PRICES_CURRENCY_MISMATCH' }));
    expect(repo.current('DK1', { start: t('2025-10-02T00:00:00Z'), end: t('2025-10-02T02:00:00Z') }).map((i) => i.pricePerKwh)).toEqual([0.1]);
    expect(repo.lastFetchedAt('DK1')).toBe(t('2025-10-01T11:00:00Z'));
  });
});
