/**
 * The price store writes a series in time order set-wise (one read of the rows it covers, multi-row writes: issue 20,
 * finding 6) and any other series one interval at a time. Both must leave the same current prices: random
 * publications of hours and quarter-hours with gaps, seeded, applied both ways to two databases.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PriceInterval } from '../../src/domain/prices.js';
import { ManualClock } from '../../src/platform/clock.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';

const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const d of databases.splice(0)) await d.drop();
});
async function store(clock: ManualClock): Promise<PriceSeriesRepository> {
  const database = await testDatabase({ file: true });
  databases.push(database);
  return new PriceSeriesRepository((await database.open()).db, clock);
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const T0 = Date.parse('2025-03-01T00:00:00Z');
/**
 * What a slot costs. Provenance can differ, rightly: one by one, a new interval that equals the clipped remains of an
 * old one (same time, same price) counts as unchanged and keeps the old source; set-wise it is the new publication's.
 */
const prices = (xs: PriceInterval[]) => xs.map(({ start, end, pricePerKwh }) => ({ start, end, pricePerKwh }));
const Q = 900_000;

/** A publication: from a random quarter-hour, runs of 15-, 30- or 60-minute intervals with a random gap now and then. */
function publication(rnd: () => number): PriceInterval[] {
  const out: PriceInterval[] = [];
  let at = T0 + Math.floor(rnd() * 96) * Q;
  const n = 1 + Math.floor(rnd() * 40);
  for (let i = 0; i < n; i++) {
    const len = [Q, 2 * Q, 4 * Q][Math.floor(rnd() * 3)]!;
    if (rnd() < 0.1) at += Q * Math.floor(1 + rnd() * 4);
    // A few prices repeat what is stored (the unchanged rule).
    out.push({ start: at, end: at + len, pricePerKwh: Math.floor(rnd() * 4) / 10 });
    at += len;
  }
  return out;
}

describe('the price store: set-wise and one by one agree', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: 30 random publications leave the same current prices', async (seed) => {
    const clock = new ManualClock('2025-03-01T00:00:00Z');
    const batched = await store(clock);
    const single = await store(clock);
    const rnd = seeded(seed);
    const window = { start: T0 - 86_400_000, end: T0 + 5 * 86_400_000 };
    for (let p = 0; p < 30; p++) {
      const intervals = publication(rnd);
      const provenance = { source: `s${p}`, fetchedAt: clock.now(), kind: 'final' as const };
      await batched.save([{ zone: 'Z', currency: 'EUR', intervals, provenance }]);
      // Reversed, the series is not in time order: the store takes it one interval at a time.
      await single.save([{ zone: 'Z', currency: 'EUR', intervals: [...intervals].reverse(), provenance }]);
      clock.advance(60_000);
      expect(prices(await batched.current('Z', window))).toEqual(prices(await single.current('Z', window)));
    }
    const current = await batched.current('Z', window);
    expect(current.every((c, i) => i === 0 || current[i - 1]!.end <= c.start)).toBe(true);
  });
});
