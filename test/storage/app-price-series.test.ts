/**
 * The price store at a year of quarter-hours (35,040 intervals) on either database: every read is one query
 * however long its window (no query per interval or per publication), and storing or superseding the year is a
 * bounded number of multi-row statements. Statements are counted by a query-builder plugin on the store's Db.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Db } from '../../src/storage/database.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import type { PriceSeries } from '../../src/domain/prices.js';
import { ManualClock } from '../../src/platform/clock.js';
import { openTestStorage } from '../helpers/test-database.js';

/** Counts the statements the query builder sends (transaction BEGIN/COMMIT are not statements of ours). */
class StatementCount implements KyselyPlugin {
  n = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.n += 1;
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
  /** How many statements `work` sent. */
  async of(work: () => Promise<unknown>): Promise<number> {
    const before = this.n;
    await work();
    return this.n - before;
  }
}

const Q = 900_000;
const YEAR = 365 * 96;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const year = (source: string, fetchedAt: number, price: (i: number) => number): PriceSeries => ({
  zone: 'DK1', currency: 'EUR', provenance: { source, fetchedAt, kind: 'final' },
  intervals: Array.from({ length: YEAR }, (_, i) => ({ start: T0 + i * Q, end: T0 + (i + 1) * Q, pricePerKwh: price(i) })),
});

let count: StatementCount;
let prices: PriceSeriesRepository;
beforeEach(async () => {
  const db: Db = (await openTestStorage()).db;
  count = new StatementCount();
  prices = new PriceSeriesRepository(db.withPlugin(count), new ManualClock('2025-01-01T00:00:00Z'));
});

describe('a year of quarter-hours', () => {
  it('is stored and superseded in a bounded number of statements, and each read is one query', { timeout: 120_000 }, async () => {
    // Staged (price-staging.ts): a fixed number around it (the zone's lock on PostgreSQL, tidying and settling the
    // zone's marks before and after, its currency, the publication, the switch), then steps of at most 500 rows:
    // the covered rows read a page at a time, each page's marks written, the rows written, the marks settled (each
    // settling statement picks its rows with a subquery, which the plugin counts too).
    const FIXED = 24;
    const batches = Math.ceil(YEAR / 500);
    const stored = await count.of(() => prices.save([year('first', T0, (i) => (i % 96) / 100)]));
    expect(stored).toBeGreaterThanOrEqual(batches); // counted inside the transactions too
    expect(stored).toBeLessThanOrEqual(FIXED + batches);
    // Every other quarter changes: half the year superseded and written again.
    const superseding = await count.of(() => prices.save([year('second', T0 + 1, (i) => (i % 96) / 100 + (i % 2 ? 0.01 : 0))]));
    const changed = Math.ceil(YEAR / 2 / 500);
    expect(superseding).toBeGreaterThanOrEqual(batches + 2 * changed);
    expect(superseding).toBeLessThanOrEqual(FIXED + 2 * batches + 3 * changed);
    const window = { start: T0, end: T0 + YEAR * Q };

    let current: Awaited<ReturnType<typeof prices.current>> = [];
    expect(await count.of(async () => { current = await prices.current('DK1', window); })).toBe(1);
    expect(current).toHaveLength(YEAR);
    // Unchanged quarters stayed with the first publication; the changed ones are the second's.
    expect(current.slice(0, 4).map((c) => [c.source, c.pricePerKwh])).toEqual([['first', 0], ['second', 0.02], ['first', 0.02], ['second', 0.04]]);
    for (let k = 1; k < current.length; k++) expect(current[k]!.start).toBe(current[k - 1]!.end);

    let history: Awaited<ReturnType<typeof prices.history>> = [];
    expect(await count.of(async () => { history = await prices.history('DK1', window); })).toBe(1);
    expect(history).toHaveLength(YEAR + YEAR / 2);
    expect(history.filter((h) => h.superseded_by !== null)).toHaveLength(YEAR / 2);

    expect(await count.of(() => prices.lastFetchedAt('DK1'))).toBe(1);
    expect(await prices.lastFetchedAt('DK1')).toBe(T0 + 1);
  });

  it('a series out of order is put in time order and stored like any other, in a fixed number of statements, with the same outcome', async () => {
    const hours = Array.from({ length: 24 }, (_, h) => ({ start: T0 + h * 4 * Q, end: T0 + (h + 1) * 4 * Q, pricePerKwh: h / 10 }));
    await prices.save([{ zone: 'DK1', currency: 'EUR', provenance: { source: 'hours', fetchedAt: T0, kind: 'final' }, intervals: hours }]);
    // Quarter-hours of the first two hours, newest first: each replaces a quarter of an hour and keeps the rest.
    const quarters = Array.from({ length: 8 }, (_, i) => ({ start: T0 + i * Q, end: T0 + (i + 1) * Q, pricePerKwh: 5 + i })).reverse();
    const statements = await count.of(() => prices.save([{ zone: 'DK1', currency: 'EUR', provenance: { source: 'quarters', fetchedAt: T0 + 1, kind: 'final' }, intervals: quarters }]));
    expect(statements).toBeLessThanOrEqual(26); // with the zone's lock and its release on PostgreSQL
    const current = await prices.current('DK1', { start: T0, end: T0 + 3 * 4 * Q });
    expect(current.map((c) => [(c.start - T0) / Q, (c.end - T0) / Q, c.pricePerKwh])).toEqual([
      ...Array.from({ length: 8 }, (_, i) => [i, i + 1, 5 + i]),
      [8, 12, 0.2],
    ]);
  });
});
