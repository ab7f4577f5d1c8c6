import { Value } from '@sinclair/typebox/value';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { TypedEvents } from '../../src/platform/events.js';
import { PriceService } from '../../src/prices/price-service.js';
import { parseEntsoeCsv } from '../../src/prices/sources/csv-entsoe.js';
import { PriceZoneConfig, SiteTariff } from '../../src/prices/tariff-config.js';
import { localDateWindow } from '../../src/prices/time.js';
import type { Storage } from '../../src/storage/database.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import type { PriceEvents, PriceSeries } from '../../src/domain/prices.js';
import { fixture } from './helpers/fixtures.js';
import { openTestStorage } from '../helpers/test-database.js';

const t = (iso: string) => Date.parse(iso);
const Q = 15 * 60_000;
const H = 3600_000;
const CPH = 'Europe/Copenhagen';

describe('PriceService: gaps, estimates and freshness', () => {
  let storage: Storage;
  let clock: ManualClock;
  let store: PriceSeriesRepository;
  let events: TypedEvents<PriceEvents>;
  let month: PriceSeries;

  const service = (zone: Partial<PriceZoneConfig> = {}) =>
    new PriceService({ store, clock, events, zones: [Value.Parse(PriceZoneConfig, { id: 'DK1', currency: 'EUR', timeZone: CPH, maxAgeMinutes: 36 * 60, ...zone })] });
  const realPrice = (iso: string) => month.intervals.find((i) => i.start === t(iso))!.pricePerKwh;
  /** Stores the real DK1 prices published up to `until`, fetched at `fetchedAt`. */
  const publishUntil = (until: string, fetchedAt: string) =>
    store.save([{ ...month, intervals: month.intervals.filter((i) => i.end <= t(until)), provenance: { source: 'entsoe-dk1', fetchedAt: t(fetchedAt), kind: 'final' } }]);

  beforeEach(async () => {
    storage = await openTestStorage();
    clock = new ManualClock('2025-10-26T13:00:00Z');
    store = new PriceSeriesRepository(storage.db, clock);
    events = new TypedEvents<PriceEvents>();
    month = parseEntsoeCsv(fixture('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv'), { source: 'x', fetchedAt: 0, kind: 'final' })[0]!;
  });
  afterEach(() => storage.close());

  it('serves known prices as final and fills the unpublished day with last week’s prices at the same local time', async () => {
    await publishUntil('2025-10-26T23:00:00Z', '2025-10-26T12:00:00Z'); // through Sunday 26 October (local)
    const window = { start: t('2025-10-26T22:00:00Z'), end: t('2025-10-27T23:00:00Z') }; // 23:00 Sun .. Mon 24:00 CET
    const slots = await service().quote('DK1', window, Q);
    expect(slots).toHaveLength(100);
    expect(slots.slice(0, 4).every((s) => s.kind === 'final')).toBe(true);
    const estimates = slots.slice(4);
    expect(estimates.every((s) => s.kind === 'estimate' && s.rule === 'same-weekday-last-week')).toBe(true);
    // Monday 08:00 CET (07:00Z) is estimated by Monday 20 October 08:00 CEST (06:00Z): same wall clock, not same UTC.
    expect(slots.find((s) => s.start === t('2025-10-27T07:00:00Z'))!.pricePerKwh).toBe(realPrice('2025-10-20T06:00:00Z'));
    expect(slots.find((s) => s.start === t('2025-10-27T07:00:00Z'))!.pricePerKwh).not.toBe(realPrice('2025-10-20T07:00:00Z'));
  });

  it('estimates every slot by the same wall-clock time a week before, also across a fall-back weekend', async () => {
    // Wednesday 15 October is a week after a CEST Wednesday: exactly 7 x 24 hours before.
    await publishUntil('2025-10-14T22:00:00Z', '2025-10-14T12:00:00Z');
    const wednesday = await service().quote('DK1', localDateWindow('2025-10-15', CPH), Q);
    expect(wednesday).toHaveLength(96);
    expect(wednesday.map((s) => s.pricePerKwh)).toEqual(wednesday.map((s) => realPrice(new Date(s.start - 7 * 24 * H).toISOString())));
    // Sunday 26 October (25 hours, the repeated 02:00) and Monday (CET) estimated from Sunday 19 and Monday 20
    // (CEST): each slot as luxon's calendar arithmetic gives it.
    await publishUntil('2025-10-25T22:00:00Z', '2025-10-25T12:00:00Z');
    const slots = await service().quote('DK1', { start: t('2025-10-25T22:00:00Z'), end: t('2025-10-27T23:00:00Z') }, Q);
    expect(slots).toHaveLength(196);
    for (const s of slots) {
      const weekBefore = DateTime.fromMillis(s.start, { zone: CPH }).minus({ weeks: 1 }).toMillis();
      expect({ at: s.start, rule: s.rule, price: s.pricePerKwh }).toEqual({ at: s.start, rule: 'same-weekday-last-week', price: realPrice(new Date(weekBefore).toISOString()) });
    }
    // 02:30 CEST and 02:30 CET (the repeated hour) both take 19 October's 02:30 CEST.
    expect(slots.find((s) => s.start === t('2025-10-26T00:30:00Z'))!.pricePerKwh).toBe(realPrice('2025-10-19T00:30:00Z'));
    expect(slots.find((s) => s.start === t('2025-10-26T01:30:00Z'))!.pricePerKwh).toBe(realPrice('2025-10-19T00:30:00Z'));
  });

  it('uses the configured fallback tariff when last week is unknown too, and leaves slots out without one', async () => {
    await publishUntil('2025-10-31T23:00:00Z', '2025-10-31T12:00:00Z');
    clock.set('2025-11-01T00:00:00Z');
    const window = localDateWindow('2025-11-10', CPH);
    expect(await service().quote('DK1', window, H)).toEqual([]);
    const fallback = { otherwisePerKwh: 0.08, bands: [{ days: ['mon' as const], from: '17:00', to: '21:00', pricePerKwh: 0.2 }] };
    const slots = await service({ fallback }).quote('DK1', window, H);
    expect(slots).toHaveLength(24);
    expect(slots.every((s) => s.kind === 'estimate' && s.rule === 'fallback-tariff')).toBe(true);
    expect(slots.filter((s) => s.pricePerKwh === 0.2).map((s) => new Date(s.start).toISOString())).toEqual([
      '2025-11-10T16:00:00.000Z', '2025-11-10T17:00:00.000Z', '2025-11-10T18:00:00.000Z', '2025-11-10T19:00:00.000Z',
    ]);
  });

  it('raises one typed stale event per stale spell and keeps serving the last good series', async () => {
    await publishUntil('2025-10-27T23:00:00Z', '2025-10-26T11:00:00Z');
    const svc = service();
    const seen: Array<PriceEvents['prices.stale']> = [];
    events.on('prices.stale', (e) => seen.push(e));
    const day = localDateWindow('2025-10-27', CPH);
    expect(await svc.checkFreshness('DK1')).toBe(false);
    clock.advance(36 * H + 1); // older than maxAgeMinutes
    const next = events.once('prices.stale');
    const served = await svc.quote('DK1', day, Q);
    expect(await next).toEqual({ zone: 'DK1', lastFetchedAt: t('2025-10-26T11:00:00Z'), ageMs: 36 * H + 2 * H + 1, maxAgeMs: 36 * H });
    expect(served).toHaveLength(96);
    expect(served.every((s) => s.kind === 'final')).toBe(true);
    await svc.quote('DK1', day, Q);
    expect(seen).toHaveLength(1);
    await publishUntil('2025-10-28T23:00:00Z', new Date(clock.now()).toISOString()); // a fresh fetch ends the spell
    expect(await svc.checkFreshness('DK1')).toBe(false);
    clock.advance(37 * H);
    await svc.checkFreshness('DK1');
    expect(seen).toHaveLength(2);
  });

  it('reports a zone that never received data as stale', async () => {
    const seen: unknown[] = [];
    events.on('prices.stale', (e) => seen.push(e));
    expect(await service().checkFreshness('DK1')).toBe(true);
    expect(seen).toEqual([{ zone: 'DK1', lastFetchedAt: undefined, ageMs: undefined, maxAgeMs: 36 * H }]);
  });

  it('gives a site its effective prices with estimates marked, or its static contract', async () => {
    await publishUntil('2025-10-26T23:00:00Z', '2025-10-26T12:00:00Z');
    const market = Value.Parse(SiteTariff, { currency: 'EUR', timeZone: CPH, energy: { kind: 'market', zone: 'DK1' }, vat: [{ rate: 0.25 }] });
    const slots = await service().effective(market, { start: t('2025-10-26T22:00:00Z'), end: t('2025-10-27T00:00:00Z') }, Q);
    expect(slots.map((s) => s.kind)).toEqual([...Array(4).fill('final'), ...Array(4).fill('estimate')]);
    expect(slots[0]!.total).toBeCloseTo(1.25 * realPrice('2025-10-26T22:00:00Z'), 12);
    const fixed = Value.Parse(SiteTariff, { currency: 'EUR', timeZone: CPH, energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.3, bands: [] }] } });
    expect((await service().effective(fixed, localDateWindow('2025-10-26', CPH), H)).map((s) => s.total)).toEqual(Array(25).fill(0.3));
  });

  it('refuses an unconfigured zone with a typed error', async () => {
    await expect(service().quote('SE3', { start: 0, end: H }, H)).rejects.toThrow(expect.objectContaining({ code: 'PRICES_UNAVAILABLE' }));
  });
});
