import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { EntsoeSource, parseEntsoeA44 } from '../../src/prices/sources/entsoe-a44.js';
import { AwattarSource, parseAwattar } from '../../src/prices/sources/awattar.js';
import { parseEnergiDataService } from '../../src/prices/sources/energi-data-service.js';
import { NordPoolSource, parseNordPool } from '../../src/prices/sources/nordpool.js';
import { OctopusSource, parseOctopus } from '../../src/prices/sources/octopus.js';
import { parseTibber } from '../../src/prices/sources/tibber.js';
import { checkOpenAdrEvent, OpenAdrVtnSource, readOpenAdrEvent } from '../../src/prices/sources/openadr3.js';
import type { PriceSeries, Provenance } from '../../src/domain/prices.js';
import { fixture, fixtureJson } from './helpers/fixtures.js';
import { FakeFetch } from './helpers/fake-fetch.js';

const provenance: Provenance = { source: 'test', fetchedAt: Date.parse('2026-02-06T12:00:00Z'), kind: 'final' };
const t = (iso: string) => Date.parse(iso);
const M = 60_000;
const priceAt = (s: PriceSeries, iso: string) => s.intervals.find((i) => i.start === t(iso))?.pricePerKwh;
const contiguous = (s: PriceSeries) => s.intervals.every((iv, i) => i === 0 || s.intervals[i - 1]!.end === iv.start);

describe('ENTSO-E A44 XML', () => {
  const xml = fixture('entsoe-a44-de-lu-pt15m-2026-02.xml');

  it('reads one classification sequence over two days, carrying an omitted A03 point forward', () => {
    const s = parseEntsoeA44(xml, { zone: 'DE-LU', provenance, classificationSequence: 2 });
    expect(s.currency).toBe('EUR');
    expect(s.intervals).toHaveLength(192);
    expect(contiguous(s)).toBe(true);
    expect(s.intervals[0]).toEqual({ start: t('2026-02-01T23:00:00Z'), end: t('2026-02-01T23:15:00Z'), pricePerKwh: 0.1021 });
    // Day two of sequence 2 has no position 79 (curveType A03): it repeats position 78 (121.59 EUR/MWh).
    const p78 = t('2026-02-02T23:00:00Z') + 77 * 15 * M;
    expect(priceAt(s, new Date(p78).toISOString())).toBeCloseTo(0.12159, 12);
    expect(priceAt(s, new Date(p78 + 15 * M).toISOString())).toBeCloseTo(0.12159, 12);
    expect(priceAt(s, new Date(p78 + 30 * M).toISOString())).toBeCloseTo(0.10847, 12);
  });

  it('reads the other sequence when told to', () => {
    const s = parseEntsoeA44(xml, { zone: 'DE-LU', provenance, classificationSequence: 1 });
    expect(s.intervals).toHaveLength(192);
    expect(priceAt(s, '2026-02-02T23:00:00Z')).toBeCloseTo(0.09741, 12);
  });

  it('refuses to guess between two sequences', () => {
    expect(() => parseEntsoeA44(xml, { zone: 'DE-LU', provenance })).toThrow(
      expect.objectContaining({ code: 'PRICES_AMBIGUOUS_SEQUENCE', retryable: false }),
    );
  });

  it('turns an acknowledgement without data into a retryable "not published"', () => {
    const ack = `<?xml version="1.0"?><Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0"><Reason><code>999</code><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>`;
    expect(() => parseEntsoeA44(ack, { zone: 'DE-LU', provenance })).toThrow(
      expect.objectContaining({ code: 'PRICES_NOT_PUBLISHED', retryable: true }),
    );
  });

  it('asks the web API with the token and UTC period, through the injected fetch', async () => {
    const fake = new FakeFetch().on('https://web-api.tp.entsoe.eu/api', { body: xml });
    const src = new EntsoeSource('entsoe-de', { zone: 'DE-LU', area: '10Y1001A1001A82H', token: 'tok', classificationSequence: 2, fetch: fake.fetch, clock: new ManualClock('2026-02-06T12:00:00Z') });
    const [s] = await src.series({ start: t('2026-02-01T23:00:00Z'), end: t('2026-02-03T23:00:00Z') });
    const url = new URL(fake.requests[0]!.url);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ securityToken: 'tok', documentType: 'A44', in_Domain: '10Y1001A1001A82H', periodStart: '202602012300', periodEnd: '202602032300' });
    expect(s!.provenance).toEqual({ source: 'entsoe-de', fetchedAt: t('2026-02-06T12:00:00Z'), kind: 'final' });
  });

  it('says a 503 is worth retrying and a 401 is not', async () => {
    const clock = new ManualClock();
    const down = new EntsoeSource('e', { zone: 'DE-LU', area: 'x', token: 't', fetch: new FakeFetch().on('https', { status: 503, body: '' }).fetch, clock });
    await expect(down.series({ start: 0, end: 1 })).rejects.toMatchObject({ code: 'PRICES_HTTP_STATUS', retryable: true });
    const denied = new EntsoeSource('e', { zone: 'DE-LU', area: 'x', token: 't', fetch: new FakeFetch().on('https', { status: 401, body: '' }).fetch, clock });
    await expect(denied.series({ start: 0, end: 1 })).rejects.toMatchObject({ code: 'PRICES_AUTH_FAILED', retryable: false });
  });
});

describe('aWATTar', () => {
  it('reads epoch milliseconds and Eur/MWh', async () => {
    const body = fixtureJson('awattar-marketdata-hourly-2021-09.json');
    const s = parseAwattar(body, { zone: 'DE-LU', provenance });
    expect(s.intervals).toHaveLength(24);
    expect(s.intervals[0]).toEqual({ start: 1632402000000, end: 1632405600000, pricePerKwh: 0.15895 });
    expect(s.intervals.at(-1)?.pricePerKwh).toBeCloseTo(0.12014, 12);
    expect(contiguous(s)).toBe(true);
    const fake = new FakeFetch().on('https://api.awattar.at/', { body });
    await new AwattarSource('aw', { zone: 'AT', country: 'at', fetch: fake.fetch, clock: new ManualClock() }).series({ start: 1632402000000, end: 1632488400000 });
    expect(fake.requests[0]!.url).toBe('https://api.awattar.at/v1/marketdata?start=1632402000000&end=1632488400000');
  });

  it('rejects a payload whose unit is not per MWh', () => {
    const body = { data: [{ start_timestamp: 0, end_timestamp: 3600000, marketprice: 1, unit: 'Eur/kWh' }] };
    expect(() => parseAwattar(body, { zone: 'DE-LU', provenance })).toThrow(/unit/);
  });
});

describe('Energi Data Service DayAheadPrices', () => {
  it('reads an offset-less TimeUTC as UTC, a quarter-hour long, in EUR or DKK', () => {
    const body = fixtureJson('energidataservice-dayaheadprices-dk2-2025-09.json');
    const eur = parseEnergiDataService(body, { zone: 'DK2', area: 'DK2', currency: 'EUR', provenance });
    expect(eur.intervals).toEqual([{ start: t('2025-09-27T21:00:00Z'), end: t('2025-09-27T21:15:00Z'), pricePerKwh: 99.269997 / 1000 }]);
    const dkk = parseEnergiDataService(body, { zone: 'DK2', area: 'DK2', currency: 'DKK', provenance });
    expect(dkk.currency).toBe('DKK');
    expect(dkk.intervals[0]?.pricePerKwh).toBeCloseTo(0.740951258, 12);
    expect(parseEnergiDataService(body, { zone: 'DK1', area: 'DK1', currency: 'EUR', provenance }).intervals).toEqual([]);
  });
});

describe('Nord Pool data portal', () => {
  it('reads DayAheadPriceIndices at 15 minutes in SEK', async () => {
    const body = fixtureJson('nordpool-dayaheadpriceindices-se3-pt15m-2025-10-01.json');
    const s = parseNordPool(body, { zone: 'SE3', area: 'SE3', provenance });
    expect(s.currency).toBe('SEK');
    expect(s.intervals).toHaveLength(96);
    expect(s.intervals[0]).toEqual({ start: t('2025-09-30T22:00:00Z'), end: t('2025-09-30T22:15:00Z'), pricePerKwh: 0.55668 });
    expect(s.intervals.at(-1)?.end).toBe(t('2025-10-01T22:00:00Z'));
    expect(contiguous(s)).toBe(true);
    const fake = new FakeFetch().on('https://dataportal-api.nordpoolgroup.com/', { body });
    const src = new NordPoolSource('np', { zone: 'SE3', area: 'SE3', currency: 'SEK', resolutionMinutes: 15, fetch: fake.fetch, clock: new ManualClock() });
    await src.series({ start: t('2025-09-30T22:00:00Z'), end: t('2025-10-01T22:00:00Z') });
    expect(fake.requests).toHaveLength(1);
    expect(new URL(fake.requests[0]!.url).searchParams.get('date')).toBe('2025-10-01');
  });

  it('reads DayAheadPrices per area, hourly, keeping a real 0.0 as a price', () => {
    const body = fixtureJson('nordpool-dayaheadprices-se3-se4-pt60m-2024-11-05.json');
    const se4 = parseNordPool(body, { zone: 'SE4', area: 'SE4', provenance });
    expect(se4.intervals).toHaveLength(24);
    expect(se4.intervals.every((i) => i.end - i.start === 60 * M)).toBe(true);
    expect(priceAt(se4, '2024-11-05T18:00:00Z')).toBe(0);
    expect(priceAt(parseNordPool(body, { zone: 'SE3', area: 'SE3', provenance }), '2024-11-05T22:00:00Z')).toBeCloseTo(0.28914, 12);
    expect(() => parseNordPool(body, { zone: 'NO1', area: 'NO1', provenance })).toThrow(expect.objectContaining({ code: 'PRICES_NOT_PUBLISHED' }));
  });
});

describe('Octopus Agile', () => {
  const body = fixtureJson('octopus-agile-standard-unit-rates-2024-05.json') as { results: unknown[]; next: string | null };

  it('turns newest-first pence per kWh into ascending GBP per kWh, excluding VAT by default', () => {
    const s = parseOctopus(body, { zone: 'GB-J', includeVat: false, provenance });
    expect(s.currency).toBe('GBP');
    expect(s.intervals.map((i) => i.start)).toEqual([...s.intervals.map((i) => i.start)].sort((a, b) => a - b));
    expect(s.intervals[0]).toEqual({ start: t('2024-05-07T19:30:00Z'), end: t('2024-05-07T20:00:00Z'), pricePerKwh: 0.2147 });
    expect(parseOctopus(body, { zone: 'GB-J', includeVat: true, provenance }).intervals[0]?.pricePerKwh).toBeCloseTo(0.225435, 12);
  });

  it('follows `next` across pages', async () => {
    // The real page split in two, so the source has to follow the link to get all five rates.
    const page2 = 'https://api.octopus.energy/v1/products/AGILE-FLEX-22-11-25/electricity-tariffs/E-1R-AGILE-FLEX-22-11-25-J/standard-unit-rates/?page=2';
    const fake = new FakeFetch()
      .on(page2, { body: { ...body, next: null, results: body.results.slice(3) } })
      .on('https://api.octopus.energy/', { body: { ...body, next: page2, results: body.results.slice(0, 3) } });
    const src = new OctopusSource('oct', { zone: 'GB-J', product: 'AGILE-FLEX-22-11-25', tariffCode: 'E-1R-AGILE-FLEX-22-11-25-J', includeVat: false, fetch: fake.fetch, clock: new ManualClock() });
    const [s] = await src.series({ start: t('2024-05-07T19:30:00Z'), end: t('2024-05-07T22:00:00Z') });
    expect(fake.requests).toHaveLength(2);
    expect(s!.intervals).toHaveLength(5);
    expect(contiguous(s!)).toBe(true);
  });
});

describe('Tibber priceInfo', () => {
  it('reads quarter-hourly totals with +02:00 offsets', () => {
    const s = parseTibber(fixtureJson('tibber-graphql-priceinfo-quarterhourly-2025-09.json'), { zone: 'tibber-home', currency: 'EUR', resolutionMinutes: 15, provenance });
    expect(s.intervals).toHaveLength(192);
    expect(s.intervals[0]).toEqual({ start: t('2025-09-18T22:00:00Z'), end: t('2025-09-18T22:15:00Z'), pricePerKwh: 0.2688 });
    expect(contiguous(s)).toBe(true);
  });
});

describe('OpenADR 3', () => {
  const events = fixtureJson('openadr3-event-price.json') as unknown[];

  it('reads a PRICE interval from a real Event', () => {
    const reading = readOpenAdrEvent(checkOpenAdrEvent(events[0]));
    expect(reading.prices).toEqual([
      { index: 0, startText: '2023-06-15T09:30:00Z', durationText: 'PT1H', start: t('2023-06-15T09:30:00Z'), end: t('2023-06-15T10:30:00Z'), value: 0.17 },
    ]);
    expect(reading.perKwhFactor).toBe(1);
  });

  it('polls a VTN with a client-credentials token and turns capacity limits into site limits', async () => {
    const event = events[0] as Record<string, unknown>;
    const limitEvent = {
      ...event,
      id: 'limit-1',
      payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
      intervalPeriod: { start: '2023-06-15T09:30:00Z', duration: 'PT15M' },
      intervals: [
        { id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [11] }] },
        { id: 1, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [7.4] }] },
      ],
    };
    const fake = new FakeFetch()
      .on('https://auth.example/token', { body: { access_token: 'abc', expires_in: 3600 } })
      .on('https://vtn.example/openadr3/events', { body: [event, limitEvent] });
    const clock = new ManualClock('2023-06-15T08:00:00Z');
    const src = new OpenAdrVtnSource('vtn', { zone: 'utility', vtnUrl: 'https://vtn.example/openadr3', tokenUrl: 'https://auth.example/token', clientId: 'id', clientSecret: 'secret', currency: 'USD', programId: 'object-999', fetch: fake.fetch, clock });
    const window = { start: t('2023-06-15T00:00:00Z'), end: t('2023-06-16T00:00:00Z') };
    const [s] = await src.series(window);
    expect(s!.intervals).toEqual([{ start: t('2023-06-15T09:30:00Z'), end: t('2023-06-15T10:30:00Z'), pricePerKwh: 0.17 }]);
    expect(await src.capacityLimits(window)).toEqual([
      { start: t('2023-06-15T09:30:00Z'), end: t('2023-06-15T09:45:00Z'), direction: 'import', limitKw: 11 },
      { start: t('2023-06-15T09:45:00Z'), end: t('2023-06-15T10:00:00Z'), direction: 'import', limitKw: 7.4 },
    ]);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', body: 'grant_type=client_credentials&client_id=id&client_secret=secret' });
    expect(fake.requests[1]).toMatchObject({ url: 'https://vtn.example/openadr3/events?programID=object-999', headers: { authorization: 'Bearer abc' } });
    await src.series(window); // the token is reused until it is about to expire
    expect(fake.requests.filter((r) => r.url.startsWith('https://auth.example'))).toHaveLength(1);
  });
});

describe('fixed or time-of-use tariff from config', () => {
  it('produces the contract’s prices on a 15-minute grid in local time, 100 slots on the 25-hour day', async () => {
    const { ScheduleTariffSource } = await import('../../src/prices/sources/tariff-schedule.js');
    const src = new ScheduleTariffSource('home-tou', {
      zone: 'home',
      currency: 'DKK',
      timeZone: 'Europe/Copenhagen',
      clock: new ManualClock('2025-10-25T12:00:00Z'),
      schedules: [{ otherwisePerKwh: 2.1, bands: [{ days: ['sun'], from: '00:00', to: '06:00', pricePerKwh: 1.4 }] }],
    });
    const [s] = await src.series({ start: t('2025-10-25T22:00:00Z'), end: t('2025-10-26T23:00:00Z') });
    expect(s!.intervals).toHaveLength(100);
    expect(s!.intervals.filter((i) => i.pricePerKwh === 1.4)).toHaveLength(28);
    expect(s!.provenance).toEqual({ source: 'home-tou', fetchedAt: t('2025-10-25T12:00:00Z'), kind: 'final' });
  });
});
