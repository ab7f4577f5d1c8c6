import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { TypedEvents } from '../../src/platform/events.js';
import { backoffDelay, seededRandom } from '../../src/prices/backoff.js';
import { PullScheduler } from '../../src/prices/pull-scheduler.js';
import { EntsoeSource } from '../../src/prices/sources/entsoe-a44.js';
import { PullSchedule } from '../../src/prices/tariff-config.js';
import type { Storage } from '../../src/storage/database.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import type { PriceEvents } from '../../src/domain/prices.js';
import { fixture } from './helpers/fixtures.js';
import { FakeFetch, type FakeResponse } from './helpers/fake-fetch.js';
import { openTestStorage } from '../helpers/test-database.js';

const t = (iso: string) => Date.parse(iso);
const M = 60_000;
const ACK = '<Acknowledgement_MarketDocument><Reason><code>999</code><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>';

describe('backoff with jitter', () => {
  it('grows exponentially up to the cap, jitters within [step/2, step], and repeats for a seed', () => {
    const policy = { initialMs: 60_000, maxMs: 8 * 60_000 };
    const a = [1, 2, 3, 4, 5, 6];
    const r1 = seededRandom(42);
    const delays = a.map((n) => backoffDelay(n, policy, r1));
    const steps = [1, 2, 4, 8, 8, 8].map((k) => k * 60_000);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(steps[i]! / 2);
      expect(d).toBeLessThanOrEqual(steps[i]!);
    });
    const r2 = seededRandom(42);
    expect(a.map((n) => backoffDelay(n, policy, r2))).toEqual(delays);
    const r3 = seededRandom(7);
    expect(a.map((n) => backoffDelay(n, policy, r3))).not.toEqual(delays);
  });
});

describe('PullScheduler', () => {
  let storage: Storage;
  let clock: ManualClock;
  let store: PriceSeriesRepository;
  let events: TypedEvents<PriceEvents>;
  let failures: Array<PriceEvents['prices.fetch-failed']>;
  let updates: Array<PriceEvents['prices.updated']>;

  beforeEach(async () => {
    storage = await openTestStorage();
    // 12:50 CET on Monday 2 February 2026: the day-ahead results for the 3rd are due around 12:45.
    clock = new ManualClock('2026-02-02T11:50:00Z');
    store = new PriceSeriesRepository(storage.db, clock);
    events = new TypedEvents<PriceEvents>();
    failures = [];
    updates = [];
    events.on('prices.fetch-failed', (e) => failures.push(e));
    events.on('prices.updated', (e) => updates.push(e));
  });
  afterEach(() => storage.close());

  function scheduler(responses: Array<FakeResponse | Error>, seed = 1) {
    const xml = fixture('entsoe-a44-de-lu-pt15m-2026-02.xml');
    let n = 0;
    const fake = new FakeFetch().on('https://web-api.tp.entsoe.eu/', () => responses[n++] ?? { body: xml });
    const source = new EntsoeSource('entsoe-de', { zone: 'DE-LU', area: '10Y1001A1001A82H', token: 't', classificationSequence: 1, fetch: fake.fetch, clock });
    const schedule = Value.Parse(PullSchedule, { at: ['13:00'], timeZone: 'Europe/Brussels', retryInitialMs: 2 * M, retryMaxMs: 16 * M, daysBack: 0, daysAhead: 2 });
    return { fake, pull: new PullScheduler({ source, schedule, store, clock, random: seededRandom(seed), events }) };
  }

  /** Lets the run the clock started finish (fake fetch resolves on the microtask queue; the store is awaited). */
  const settle = (pull: PullScheduler) => pull.done();

  it('computes the next run in local time across a DST change', () => {
    const { pull } = scheduler([]);
    expect(pull.nextRegularRun(t('2026-02-02T11:50:00Z'))).toBe(t('2026-02-02T12:00:00Z'));
    expect(pull.nextRegularRun(t('2026-02-02T12:00:00Z'))).toBe(t('2026-02-03T12:00:00Z'));
    // 13:00 Brussels is 12:00Z on Saturday 28 March 2026 and 11:00Z on Sunday 29 March (CEST).
    expect(pull.nextRegularRun(t('2026-03-28T12:30:00Z'))).toBe(t('2026-03-29T11:00:00Z'));
  });

  it('retries with jittered backoff through a network error and a 503, then stores and waits for tomorrow', async () => {
    const { pull, fake } = scheduler([new Error('ECONNRESET'), { status: 503, body: '' }]);
    pull.start();
    clock.advance(0); // the start-up run
    await settle(pull);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ source: 'entsoe-de', code: 'PRICES_FETCH_FAILED', attempt: 1 });
    const d1 = failures[0]!.retryAt - clock.now();
    expect(d1).toBeGreaterThanOrEqual(1 * M);
    expect(d1).toBeLessThanOrEqual(2 * M);

    clock.set(failures[0]!.retryAt);
    await settle(pull);
    expect(failures[1]).toMatchObject({ code: 'PRICES_HTTP_STATUS', attempt: 2 });
    clock.set(failures[1]!.retryAt);
    await settle(pull);
    // Before 13:00 CET only today is required: the sample covers today and tomorrow, so this run succeeds.
    expect(updates).toEqual([{ zone: 'DE-LU', source: 'entsoe-de', start: t('2026-02-01T23:00:00Z'), end: t('2026-02-03T23:00:00Z'), intervals: 192 }]);
    expect(await store.current('DE-LU', { start: t('2026-02-02T23:00:00Z'), end: t('2026-02-03T23:00:00Z') })).toHaveLength(96);

    // Next is the regular 13:00 run, then tomorrow's: nothing in between.
    const requests = fake.requests.length;
    clock.set('2026-02-02T12:00:00Z');
    await settle(pull);
    expect(fake.requests.length).toBe(requests + 1);
    clock.set('2026-02-03T11:59:00Z');
    await settle(pull);
    expect(fake.requests.length).toBe(requests + 1);
    pull.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('treats a 13:00 answer without tomorrow as not published yet, and retries', async () => {
    clock.set('2026-02-03T12:00:00Z'); // 13:00 CET on the 3rd: the sample ends with the 3rd, the 4th is missing
    const { pull } = scheduler([]);
    await pull.run();
    expect(failures).toEqual([expect.objectContaining({ code: 'PRICES_NOT_PUBLISHED', attempt: 1 })]);
    expect(updates).toHaveLength(1); // what did arrive is stored anyway
  });

  it('waits for the next regular run after a failure that retrying cannot fix', async () => {
    const { pull } = scheduler([{ status: 401, body: '' }, { body: ACK }]);
    pull.start();
    clock.advance(0);
    await settle(pull);
    expect(failures[0]).toMatchObject({ code: 'PRICES_AUTH_FAILED', retryAt: t('2026-02-02T12:00:00Z') });
    clock.set('2026-02-02T12:00:00Z');
    await settle(pull);
    expect(failures[1]).toMatchObject({ code: 'PRICES_NOT_PUBLISHED', attempt: 1 });
    expect(failures[1]!.retryAt).toBeLessThanOrEqual(clock.now() + 2 * M);
    pull.stop();
  });

  it('uses the same delays for the same seed and different ones for another seed', async () => {
    const delays = async (seed: number) => {
      failures.length = 0;
      await storage.close();
      storage = await openTestStorage();
      clock = new ManualClock('2026-02-02T08:00:00Z');
      store = new PriceSeriesRepository(storage.db, clock);
      const outage = Array.from({ length: 3 }, () => ({ status: 503, body: '' }));
      const { pull } = scheduler(outage, seed);
      pull.start();
      clock.advance(0);
      await settle(pull);
      for (let i = 0; i < 2; i++) {
        clock.set(failures.at(-1)!.retryAt);
        await settle(pull);
      }
      pull.stop();
      return failures.map((f) => f.retryAt - t('2026-02-02T08:00:00Z'));
    };
    const a = await delays(5);
    expect(a).toHaveLength(3);
    expect(await delays(5)).toEqual(a);
    expect(await delays(6)).not.toEqual(a);
  });
});
