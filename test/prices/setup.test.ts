import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { TypedEvents } from '../../src/platform/events.js';
import { seededRandom } from '../../src/prices/backoff.js';
import { createPricing, parsePricesConfig } from '../../src/prices/setup.js';
import { CapacityLimitRepository } from '../../src/storage/price-capacity-limit-repository.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import type { PriceEvents } from '../../src/domain/prices.js';
import { fixture, fixtureJson } from './helpers/fixtures.js';
import { FakeFetch } from './helpers/fake-fetch.js';
import { openTestStorage } from '../helpers/test-database.js';

const config = {
  zones: [
    { id: 'DE-LU', currency: 'EUR', timeZone: 'Europe/Berlin' },
    { id: 'AT', currency: 'EUR', timeZone: 'Europe/Vienna' },
  ],
  sources: [
    { id: 'entsoe-de', kind: 'entsoe', zone: 'DE-LU', area: '10Y1001A1001A82H', token: 'secret', classificationSequence: 1 },
    { id: 'awattar-at', kind: 'awattar', zone: 'AT', country: 'at', schedule: { at: ['14:00'] } },
  ],
  tariffs: {
    home: {
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      energy: { kind: 'market', zone: 'DE-LU', markupPerKwh: 0.02 },
      gridFees: [{ otherwisePerKwh: 0.09, bands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '17:00', to: '20:00', pricePerKwh: 0.14 }] }],
      taxes: [{ name: 'Stromsteuer', pricePerKwh: 0.0205 }],
      vat: [{ rate: 0.19 }],
    },
  },
};

describe('wiring the price layer from config', () => {
  it('fills defaults, builds every source and runs their schedules into the store', async () => {
    const parsed = parsePricesConfig(config);
    expect(parsed.zones[0]).toMatchObject({ maxAgeMinutes: 36 * 60, minPerKwh: -1, maxPerKwh: 5 });
    const { db, close } = await openTestStorage();
    const clock = new ManualClock('2026-02-02T11:50:00Z');
    const events = new TypedEvents<PriceEvents>();
    const fake = new FakeFetch()
      .on('https://web-api.tp.entsoe.eu/', { body: fixture('entsoe-a44-de-lu-pt15m-2026-02.xml') })
      .on('https://api.awattar.at/', { body: fixtureJson('awattar-marketdata-hourly-2021-09.json') });
    const pricing = createPricing({ config: parsed, store: new PriceSeriesRepository(db, clock), limits: new CapacityLimitRepository(db, clock), clock, events, fetch: fake.fetch, random: seededRandom(1) });
    const updated = events.once('prices.updated', (e) => e.zone === 'DE-LU');
    const stale: Array<PriceEvents['prices.stale']> = [];
    events.on('prices.stale', (e) => stale.push(e));
    pricing.start();
    await pricing.freshness.done(); // the start-up check, before any fetch has stored anything
    clock.advance(0);
    expect(await updated).toMatchObject({ source: 'entsoe-de', intervals: 192 });
    await Promise.all(pricing.schedulers.map((s) => s.done()));
    const slots = await pricing.sitePrices.effective('home', { start: Date.parse('2026-02-02T16:00:00Z'), end: Date.parse('2026-02-02T17:00:00Z') }, 15 * 60_000);
    expect(slots).toHaveLength(4);
    expect(slots.every((s) => s.kind === 'final' && s.gridFee === 0.14 && s.taxes.Stromsteuer === 0.0205)).toBe(true);
    // The freshness watch reported both zones at start-up (no data yet) without anyone asking for prices; the
    // fetches made them fresh, so later ticks stay quiet.
    expect(stale.map((e) => [e.zone, e.lastFetchedAt])).toEqual([['DE-LU', undefined], ['AT', undefined]]);
    clock.advance(30 * 60_000);
    await pricing.freshness.done();
    expect(stale).toHaveLength(2);
    await expect(pricing.sitePrices.effective('office', { start: 0, end: 900_000 }, 900_000)).rejects.toThrow(expect.objectContaining({ code: 'TARIFF_INVALID' }));
    pricing.stop();
    expect(clock.pendingTimers()).toBe(0);
    await close();
  });

  it('lists what is wrong with a config', () => {
    expect(() => parsePricesConfig({ ...config, sources: [{ id: 'x', kind: 'entsoe', zone: 'DE-LU' }] })).toThrow(/prices\/sources/);
    expect(() => parsePricesConfig({ ...config, sources: [{ ...config.sources[1], zone: 'FR' }] })).toThrow(/zone FR is not in prices.zones/);
    const overlapping = { ...config.tariffs.home, vat: [{ rate: 0.19 }, { rate: 0.07, validFrom: '2026-01-01' }] };
    expect(() => parsePricesConfig({ ...config, tariffs: { home: overlapping } })).toThrow(/vat\[0\] and vat\[1\]/);
  });
});
