import { describe, expect, it } from 'vitest';
import { zoneCurrencyGuard } from '../../src/prices/setup.js';
import type { PriceSeries, PriceSeriesStore } from '../../src/domain/prices.js';

describe('zone currency guard for pulled and imported series', () => {
  it('refuses a series whose currency is not its zone\'s, storing nothing, and passes the right one through', async () => {
    const saved: PriceSeries[][] = [];
    const inner: PriceSeriesStore = {
      save: async (series) => (saved.push([...series]), series.map((_, i) => i + 1)),
      current: async () => [],
      lastFetchedAt: async () => undefined,
    };
    const store = zoneCurrencyGuard(inner, [{ id: 'DK1', currency: 'DKK' }]);
    const series = (currency: string) => ({ zone: 'DK1', currency, intervals: [] }) as unknown as PriceSeries;
    await expect(store.save([series('EUR')])).rejects.toThrow('zone DK1 is priced in DKK, the series is in EUR');
    expect(saved).toEqual([]);
    expect(await store.save([series('DKK')])).toEqual([1]);
    expect(saved).toHaveLength(1);
  });
});
