import { describe, expect, it } from 'vitest';
import { resample } from '../../src/prices/resample.js';
import { parseEntsoeCsv } from '../../src/prices/sources/csv-entsoe.js';
import type { QuotedInterval } from '../../src/domain/prices.js';
import { fixture } from './helpers/fixtures.js';

const H = 3600_000;
const Q = 15 * 60_000;
const t = (iso: string) => Date.parse(iso);
const q = (start: string, minutes: number, price: number, extra: Partial<QuotedInterval> = {}): QuotedInterval => ({
  start: t(start),
  end: t(start) + minutes * 60_000,
  pricePerKwh: price,
  source: 'test',
  fetchedAt: 0,
  kind: 'final',
  ...extra,
});

const money = (xs: ReadonlyArray<{ start: number; end: number; pricePerKwh: number } | undefined>) =>
  xs.reduce((sum, x) => sum + (x ? x.pricePerKwh * (x.end - x.start) : 0), 0);

describe('resample onto the planning grid', () => {
  it('applies an hour price to each of its four quarters', () => {
    const out = resample([q('2025-09-30T10:00:00Z', 60, 0.1)], { start: t('2025-09-30T10:00:00Z'), end: t('2025-09-30T11:00:00Z') }, Q);
    expect(out.map((s) => s?.pricePerKwh)).toEqual([0.1, 0.1, 0.1, 0.1]);
    expect(out.map((s) => s!.end - s!.start)).toEqual([Q, Q, Q, Q]);
  });

  it('combines 60-, 30- and 15-minute intervals onto an hourly grid by time-weighted mean', () => {
    const out = resample(
      [q('2025-01-01T00:00:00Z', 60, 0.2), q('2025-01-01T01:00:00Z', 30, 0.1), q('2025-01-01T01:30:00Z', 15, 0.3), q('2025-01-01T01:45:00Z', 15, 0.5)],
      { start: t('2025-01-01T00:00:00Z'), end: t('2025-01-01T02:00:00Z') },
      H,
    );
    expect(out[0]?.pricePerKwh).toBe(0.2);
    expect(out[1]?.pricePerKwh).toBeCloseTo((0.1 * 30 + 0.3 * 15 + 0.5 * 15) / 60, 12);
  });

  it('keeps the money of a real month across the 15-minute switch and the 25-hour day, on either grid', () => {
    const dk1 = parseEntsoeCsv(fixture('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv'), { source: 'x', fetchedAt: 0, kind: 'final' })[0]!;
    const quoted = dk1.intervals.map((i) => ({ ...i, source: 'entsoe', fetchedAt: 0, kind: 'final' as const }));
    const window = { start: t('2025-09-29T22:00:00Z'), end: t('2025-10-31T23:00:00Z') };
    const hourly = resample(quoted, window, H);
    const quarters = resample(quoted, window, Q);
    expect(hourly.every((s) => s !== undefined)).toBe(true);
    expect(quarters).toHaveLength(quoted.length);
    expect(money(hourly)).toBeCloseTo(money(quoted), 3);
    expect(money(quarters)).toBeCloseTo(money(quoted), 3);
  });

  it('leaves a slot that is not fully covered empty instead of pricing the hole at zero', () => {
    const out = resample([q('2025-01-01T00:00:00Z', 45, 0.2)], { start: t('2025-01-01T00:00:00Z'), end: t('2025-01-01T02:00:00Z') }, H);
    expect(out).toEqual([undefined, undefined]);
  });

  it('marks a slot that is partly an estimate as an estimate', () => {
    const out = resample(
      [q('2025-01-01T00:00:00Z', 30, 0.2), q('2025-01-01T00:30:00Z', 30, 0.4, { kind: 'estimate', rule: 'same-weekday-last-week', source: 'est' })],
      { start: t('2025-01-01T00:00:00Z'), end: t('2025-01-01T01:00:00Z') },
      H,
    );
    expect(out[0]).toMatchObject({ kind: 'estimate', pricePerKwh: expect.closeTo(0.3, 12) });
  });

  it('refuses a window that is not a whole number of steps', () => {
    expect(() => resample([], { start: 0, end: 10 * 60_000 }, Q)).toThrow(RangeError);
  });
});

describe('resample: property on random series', () => {
  it('keeps the money of any contiguous mix of 15/30/60-minute intervals on 15-, 30- and 60-minute grids', async () => {
    const { seededRandom } = await import('../../src/prices/backoff.js');
    const random = seededRandom(2025);
    for (let run = 0; run < 200; run++) {
      const start = t('2025-10-26T00:00:00Z');
      const intervals: QuotedInterval[] = [];
      let at = start;
      // Whole hours of mixed lengths, so every grid divides the span.
      for (let h = 0; h < 1 + Math.floor(random() * 30); h++) {
        const len = [15, 30, 60][Math.floor(random() * 3)]! * 60_000;
        for (let k = 0; k < H / len; k++) {
          intervals.push({ start: at, end: at + len, pricePerKwh: Math.round((random() * 0.6 - 0.1) * 1e5) / 1e5, source: 's', fetchedAt: 0, kind: 'final' });
          at += len;
        }
      }
      for (const step of [Q, 2 * Q, H]) {
        const out = resample(intervals, { start, end: at }, step);
        expect(out.every((s) => s !== undefined)).toBe(true);
        expect(money(out)).toBeCloseTo(money(intervals), 2);
      }
    }
  });
});
