import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { PriceIntake } from '../../src/prices/intake.js';
import { parseEntsoeCsv } from '../../src/prices/sources/csv-entsoe.js';
import { PriceZoneConfig } from '../../src/prices/tariff-config.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { CapacityLimitRepository } from '../../src/storage/price-capacity-limit-repository.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import { TypedEvents } from '../../src/platform/events.js';
import type { PriceEvents } from '../../src/domain/prices.js';
import { fixture, fixtureJson } from './helpers/fixtures.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';

const t = (iso: string) => Date.parse(iso);
const DAY = { start: t('2025-10-25T22:00:00Z'), end: t('2025-10-26T23:00:00Z') }; // 2025-10-26 in Copenhagen, 25 h
const local = (ms: number) => DateTime.fromMillis(ms, { zone: 'Europe/Copenhagen' }).toISO({ suppressMilliseconds: true })!;

/** The real DK1 quarter-hours of the 25-hour day, written as a company would: local times with their offsets. */
function realDay() {
  const dk1 = parseEntsoeCsv(fixture('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv'), { source: 'x', fetchedAt: 0, kind: 'final' })[0]!;
  return dk1.intervals.filter((i) => i.start >= DAY.start && i.start < DAY.end);
}
const jsonBody = (zone = 'DK1') => ({
  zone,
  currency: 'EUR',
  resolution: 'PT15M',
  unit: 'MWh',
  intervals: realDay().map((i) => ({ start: local(i.start), end: local(i.end), price: Number((i.pricePerKwh * 1000).toFixed(2)) })),
});
const csvBody = (zone = 'DK1') =>
  ['zone,currency,resolution,start,end,price_per_kwh', ...realDay().map((i) => `${zone},EUR,PT15M,${local(i.start)},${local(i.end)},${i.pricePerKwh}`)].join('\n') + '\n';

describe('push intake through the real app', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let clock: ManualClock;
  let store: PriceSeriesRepository;
  let tokens: ApiTokenRepository;
  let limits: CapacityLimitRepository;
  let dk1Token: string;
  let events: TypedEvents<PriceEvents>;
  let anyZoneToken: string;

  beforeEach(async () => {
    database = await testDatabase({ file: true });
    const { db } = await database.open();
    clock = new ManualClock('2025-10-25T12:00:00Z');
    store = new PriceSeriesRepository(db, clock);
    tokens = new ApiTokenRepository(db);
    limits = new CapacityLimitRepository(db, clock);
    const zones = [
      Value.Parse(PriceZoneConfig, { id: 'DK1', currency: 'EUR', minPerKwh: -0.5, maxPerKwh: 3 }),
      Value.Parse(PriceZoneConfig, { id: 'DK2', currency: 'EUR' }),
      Value.Parse(PriceZoneConfig, { id: 'acme-flex', currency: 'DKK' }),
    ];
    events = new TypedEvents<PriceEvents>();
    const intake = new PriceIntake({ zones, store, limits, clock, events });
    app = await buildApp({ clock, logger: silentLogger(), stations: { connectedCount: () => 0, isConnected: () => false }, tariffs: { intake, tokens, clock } });
    dk1Token = (await issueApiToken(tokens, clock, { name: 'acme', grants: [{ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: 'DK1' }] })).token;
    anyZoneToken = (await issueApiToken(tokens, clock, { name: 'utility', grants: [{ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: '*' }] })).token;
  });
  afterEach(async () => {
    await app.close();
    await database.drop();
  });

  const post = (body: unknown, token: string | undefined = dk1Token, contentType = 'application/json', url = '/api/v1/tariffs') =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const stored = (zone = 'DK1') => store.current(zone, DAY);

  describe('accepts', () => {
    it('our JSON with local offsets across the 25-hour day, and records who published it', async () => {
      const updated = events.once('prices.updated');
      const res = await post(jsonBody());
      expect(res.statusCode).toBe(201);
      expect(await updated).toEqual({ zone: 'DK1', source: 'push:acme', start: DAY.start, end: DAY.end, intervals: 100 });
      expect(res.json()).toMatchObject({ zones: ['DK1'], intervals: 100, capacityLimits: 0 });
      expect(await stored()).toHaveLength(100);
      expect((await stored()).map((i) => i.pricePerKwh)).toEqual(realDay().map((i) => i.pricePerKwh));
      expect((await stored())[0]).toMatchObject({ source: 'push:acme', fetchedAt: clock.now(), kind: 'final' });
    });

    it('our CSV, and a newer publication of one interval replaces it with history kept', async () => {
      expect((await post(csvBody(), dk1Token, 'text/csv')).statusCode).toBe(201);
      clock.advance(60_000);
      const first = realDay()[0]!;
      const update = `zone,currency,resolution,start,end,price_per_kwh\nDK1,EUR,PT15M,${local(first.start)},${local(first.end)},0.5\n`;
      expect((await post(update, dk1Token, 'text/csv')).statusCode).toBe(201);
      expect((await stored())[0]).toMatchObject({ pricePerKwh: 0.5, fetchedAt: clock.now() });
      expect(await stored()).toHaveLength(100);
      expect((await store.history('DK1', { start: first.start, end: first.end })).map((h) => h.price_per_kwh)).toEqual([first.pricePerKwh, 0.5]);
    });

    it('an OpenADR 3 Event (the real sample), and a capacity limit in it becomes a site limit', async () => {
      const event = (fixtureJson('openadr3-event-price.json') as Array<Record<string, unknown>>)[0]!;
      const url = '/api/v1/tariffs/openadr3/events?zone=DK2&currency=EUR';
      const res = await post(event, anyZoneToken, 'application/json', url);
      expect(res.statusCode).toBe(201);
      expect(await store.current('DK2', { start: t('2023-06-15T00:00:00Z'), end: t('2023-06-16T00:00:00Z') })).toMatchObject([
        { start: t('2023-06-15T09:30:00Z'), end: t('2023-06-15T10:30:00Z'), pricePerKwh: 0.17, source: 'push:utility' },
      ]);
      const withLimit = {
        ...event,
        intervalPeriod: { start: '2023-06-16T09:30:00Z', duration: 'PT1H' },
        intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: [0.2] }, { type: 'IMPORT_CAPACITY_LIMIT', values: [22] }] }],
      };
      expect((await post(withLimit, anyZoneToken, 'application/json', url)).json()).toMatchObject({ capacityLimits: 1 });
      expect(await limits.limits('DK2', { start: t('2023-06-16T00:00:00Z'), end: t('2023-06-17T00:00:00Z') })).toEqual([
        { start: t('2023-06-16T09:30:00Z'), end: t('2023-06-16T10:30:00Z'), direction: 'import', limitKw: 22 },
      ]);
    });
  });

  describe('rejects with 422, every offending row and its rule, and applies nothing', () => {
    const rejected = async (body: unknown, contentType = 'application/json', token = anyZoneToken) => {
      const res = await post(body, token, contentType);
      expect(res.statusCode).toBe(422);
      expect(await stored()).toEqual([]);
      const json = res.json() as { code: string; issues: Array<{ row: number | null; field: string; rule: string }> };
      expect(json.code).toBe('TARIFF_REJECTED');
      return json.issues.map(({ row, field, rule }) => ({ row, field, rule }));
    };
    const withIntervals = (f: (xs: ReturnType<typeof jsonBody>['intervals']) => unknown[]) => {
      const b = jsonBody();
      return { ...b, intervals: f(b.intervals) };
    };

    it('a duplicate interval', async () => {
      expect(await rejected(withIntervals((xs) => [...xs.slice(0, 3), xs[2], ...xs.slice(3)]))).toEqual([{ row: 4, field: 'start', rule: 'duplicate' }]);
    });

    it('an overlapping interval', async () => {
      const overlap = (xs: ReturnType<typeof jsonBody>['intervals']) => [...xs.slice(0, 5), { ...xs[5]!, start: local(t(xs[5]!.start) - 5 * 60_000), end: local(t(xs[5]!.end) - 5 * 60_000) }, ...xs.slice(6)];
      expect(await rejected(withIntervals(overlap))).toEqual(expect.arrayContaining([{ row: 6, field: 'start', rule: 'overlap' }]));
    });

    it('a gap inside the batch', async () => {
      expect(await rejected(withIntervals((xs) => [...xs.slice(0, 10), ...xs.slice(11)]))).toEqual([{ row: 11, field: 'start', rule: 'gap' }]);
    });

    it('an interval whose length is not the declared resolution (15-minute start, one-hour end: evcc #24055)', async () => {
      const bad = withIntervals((xs) => xs.map((x, i) => (i === 7 ? { ...x, end: local(t(x.start) + 3600_000) } : x)));
      expect(await rejected(bad)).toEqual(expect.arrayContaining([{ row: 8, field: 'end', rule: 'resolution-mismatch' }]));
    });

    it('times without an offset', async () => {
      const bad = withIntervals((xs) => xs.map((x, i) => (i === 0 ? { ...x, start: x.start.slice(0, 19) } : x)));
      expect(await rejected(bad)).toEqual([{ row: 1, field: 'start', rule: 'offset-missing' }]);
    });

    it('an unknown zone and a currency that is not the zone’s', async () => {
      expect(await rejected({ ...jsonBody(), zone: 'XX9' })).toContainEqual({ row: 1, field: 'zone', rule: 'unknown-zone' });
      const issues = await rejected({ ...jsonBody(), currency: 'DKK' });
      expect(issues).toHaveLength(100);
      expect(new Set(issues.map((i) => i.rule))).toEqual(new Set(['unknown-currency']));
    });

    it('non-numeric values, in JSON and in CSV', async () => {
      expect(await rejected(withIntervals((xs) => xs.map((x, i) => (i === 2 ? { ...x, price: 'abc' } : x))))).toEqual([{ row: 3, field: 'price', rule: 'not-numeric' }]);
      const csv = csvBody().split('\n');
      csv[5] = csv[5]!.replace(/,[^,]*$/, ',"0,0421"');
      csv[6] = csv[6]!.replace(/,[^,]*$/, ',0,0421');
      expect(await rejected(csv.join('\n'), 'text/csv')).toEqual([
        { row: 6, field: 'price', rule: 'not-numeric' },
        { row: 7, field: 'row', rule: 'schema' },
      ]);
    });

    it('absurd values outside the zone’s configured bounds', async () => {
      const bad = withIntervals((xs) => xs.map((x, i) => (i === 50 ? { ...x, price: 99_999 } : i === 51 ? { ...x, price: -1000 } : x)));
      expect(await rejected(bad)).toEqual([
        { row: 51, field: 'price', rule: 'out-of-bounds' },
        { row: 52, field: 'price', rule: 'out-of-bounds' },
      ]);
    });

    it('several problems at once, each listed, and an earlier publication stays untouched', async () => {
      expect((await post(jsonBody(), dk1Token)).statusCode).toBe(201);
      const before = await stored();
      const bad = withIntervals((xs) => xs.map((x, i) => (i === 1 ? { ...x, price: 0.1 } : i === 3 ? { ...x, price: null } : i === 9 ? { ...x, end: x.end.slice(0, 19) } : x)));
      const res = await post(bad, dk1Token);
      expect(res.statusCode).toBe(422);
      expect((res.json() as { issues: unknown[] }).issues.map((i) => (i as { row: number }).row)).toEqual([4, 10]);
      expect(await stored()).toEqual(before);
    });

    it('a CSV without our columns', async () => {
      expect(await rejected('start;end;price\n', 'text/csv')).toEqual([{ row: 1, field: 'header', rule: 'schema' }]);
    });
  });

  describe('auth', () => {
    it('refuses a missing, unknown or expired token with 401', async () => {
      expect((await post(jsonBody(), '')).statusCode).toBe(401);
      expect((await post(jsonBody(), dk1Token.slice(0, -2) + 'xx')).statusCode).toBe(401);
      const { token } = await issueApiToken(tokens, clock, { name: 'old', expiresAt: clock.now() + 1000, grants: [{ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: 'DK1' }] });
      expect((await post(jsonBody(), token)).statusCode).toBe(201);
      clock.advance(1000);
      expect((await post(jsonBody(), token)).json()).toEqual({ code: 'AUTH_INVALID', reason: 'token-invalid', message: 'the API token is not valid' });
      expect((await tokens.list()).every((r) => /^[0-9a-f]{64}$/.test(r.secretSha256) && !token.includes(r.secretSha256))).toBe(true);
    });

    it('refuses a token without the tariff-publisher role with 403', async () => {
      // A role issue 6 will add; stored directly because this issue's code knows only tariff-publisher.
      const secret = 'a'.repeat(43);
      await tokens.create({ id: '0123456789abcdef', name: 'fleet', secretSha256: createHash('sha256').update(secret).digest('hex'), createdAt: clock.now(), grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: '*' }] });
      const res = await post(jsonBody(), `cpk_0123456789abcdef_${secret}`);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/tariff-publisher/);
      const { token } = await issueApiToken(tokens, clock, { name: 'nobody', grants: [] });
      const forbidden = await post(jsonBody(), token);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
      expect(await stored()).toEqual([]);
    });

    it('refuses a zone outside the token’s scope with 403, even when the batch is also invalid', async () => {
      const res = await post({ ...jsonBody('DK2'), currency: 'XXX' }, dk1Token);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/DK2/);
      const mixed = csvBody('DK1') + csvBody('DK2').split('\n').slice(1).join('\n');
      expect((await post(mixed, dk1Token, 'text/csv')).statusCode).toBe(403);
      expect(await stored('DK2')).toEqual([]);
      expect((await post(mixed, anyZoneToken, 'text/csv')).statusCode).toBe(201);
      expect(await stored('DK2')).toHaveLength(100);
    });
  });

  it('answers malformed JSON with 400 and an unknown media type with 415, without internals', async () => {
    const bad = await post('{"zone":', dk1Token);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toHaveProperty('code');
    expect((await post('x', dk1Token, 'application/xml')).statusCode).toBe(415);
  });
});
