import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { checkTariff, effectivePrices } from '../../src/prices/effective-price.js';
import { resample } from '../../src/prices/resample.js';
import { parseEntsoeCsv } from '../../src/prices/sources/csv-entsoe.js';
import { scheduleIntervals } from '../../src/prices/sources/tariff-schedule.js';
import { SiteTariff } from '../../src/prices/tariff-config.js';
import { localDateWindow } from '../../src/prices/time.js';
import type { QuotedInterval } from '../../src/domain/prices.js';
import { fixture } from './helpers/fixtures.js';

const Q = 15 * 60_000;
const t = (iso: string) => Date.parse(iso);
const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * The structure of a Danish household tariff (DSO bands low 00-06, high 06-17, peak 17-21, high 21-24, the state
 * electricity tax, 25 % VAT). The amounts are illustrative round numbers, in EUR to match the ENTSO-E data.
 */
function danishTariff(overrides: Partial<SiteTariff> = {}): SiteTariff {
  return Value.Parse(SiteTariff, {
    currency: 'EUR',
    timeZone: 'Europe/Copenhagen',
    energy: { kind: 'market', zone: 'DK1', markupPerKwh: 0.01 },
    gridFees: [
      {
        otherwisePerKwh: 0.04,
        bands: [
          { days: [...ALL], from: '00:00', to: '06:00', pricePerKwh: 0.02, label: 'low' },
          { days: [...ALL], from: '17:00', to: '21:00', pricePerKwh: 0.12, label: 'peak' },
        ],
      },
    ],
    taxes: [{ name: 'electricity tax', pricePerKwh: 0.1 }],
    vat: [{ rate: 0.25 }],
    ...overrides,
  });
}

function dk1Quotes(file: string): QuotedInterval[] {
  const s = parseEntsoeCsv(fixture(file), { source: 'entsoe', fetchedAt: 0, kind: 'final' })[0]!;
  return s.intervals.map((i) => ({ ...i, source: 'entsoe', fetchedAt: 0, kind: 'final' as const }));
}

function onGrid(quotes: QuotedInterval[], date: string, zone = 'Europe/Copenhagen'): QuotedInterval[] {
  return resample(quotes, localDateWindow(date, zone), Q).map((s) => s!);
}

describe('effective price: energy + grid fee + taxes, then VAT, parts kept', () => {
  it('adds the parts and applies VAT to their sum', () => {
    const slots = effectivePrices(danishTariff(), onGrid(dk1Quotes('entsoe_DK1_2024-03_PT60M_slice.csv'), '2024-03-01'), 'EUR');
    // 2024-03-01 00:00 local = 2024-02-29T23:00Z: DK1 50.81 EUR/MWh, low band.
    const first = slots[0]!;
    expect(first.start).toBe(t('2024-02-29T23:00:00Z'));
    expect(first.energy).toBeCloseTo(0.05081 + 0.01, 12);
    expect(first.gridFee).toBe(0.02);
    expect(first.taxes).toEqual({ 'electricity tax': 0.1 });
    expect(first.vat).toBeCloseTo(0.25 * (0.06081 + 0.02 + 0.1), 12);
    expect(first.total).toBeCloseTo(1.25 * (0.06081 + 0.02 + 0.1), 12);
    for (const s of slots) expect(s.total).toBeCloseTo(s.energy + s.gridFee + s.taxes['electricity tax']! + s.vat, 12);
  });

  it('follows local bands across the fall-back day: 100 quarter-hours, the repeated 02:00 hour in the low band', () => {
    const slots = effectivePrices(danishTariff(), onGrid(dk1Quotes('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv'), '2025-10-26'), 'EUR');
    expect(slots).toHaveLength(100);
    const count = (fee: number) => slots.filter((s) => s.gridFee === fee).length;
    expect(count(0.02)).toBe(7 * 4); // 00:00-06:00 local lasts seven hours on this day
    expect(count(0.12)).toBe(4 * 4); // 17:00-21:00 CET = 16:00-20:00Z, not shifted by an hour
    expect(count(0.04)).toBe(100 - 28 - 16);
    const at = (iso: string) => slots.find((s) => s.start === t(iso))!;
    expect(at('2025-10-26T00:00:00Z').gridFee).toBe(0.02); // 02:00 CEST
    expect(at('2025-10-26T01:00:00Z').gridFee).toBe(0.02); // 02:00 CET, the second time round
    expect(at('2025-10-26T05:00:00Z').gridFee).toBe(0.04); // 06:00 CET
    expect(at('2025-10-26T15:45:00Z').gridFee).toBe(0.04); // 16:45 CET
    expect(at('2025-10-26T16:00:00Z').gridFee).toBe(0.12); // 17:00 CET
    expect(at('2025-10-26T20:00:00Z').gridFee).toBe(0.04); // 21:00 CET
    // The energy part is the real quarter-hour price: 02:00 CET, first quarter, 2.89 EUR/MWh (+ markup).
    expect(at('2025-10-26T01:00:00Z').energy).toBeCloseTo(0.00289 + 0.01, 12);
  });

  it('follows local bands across spring-forward: 92 quarter-hours, five low hours', () => {
    const slots = effectivePrices(danishTariff(), onGrid(dk1Quotes('entsoe_DK1_2024-03_PT60M_slice.csv'), '2024-03-31'), 'EUR');
    expect(slots).toHaveLength(92);
    expect(slots.filter((s) => s.gridFee === 0.02)).toHaveLength(5 * 4);
    expect(slots.filter((s) => s.gridFee === 0.12)).toHaveLength(4 * 4);
    expect(slots.find((s) => s.start === t('2024-03-31T15:00:00Z'))!.gridFee).toBe(0.12); // 17:00 CEST
  });

  it('switches grid fee, tax and VAT at local midnight when the tariff changes on 1 January', () => {
    const tariff = danishTariff({
      gridFees: [
        { validTo: '2025-01-01', otherwisePerKwh: 0.05, bands: [] },
        { validFrom: '2025-01-01', otherwisePerKwh: 0.07, bands: [] },
      ],
      taxes: [
        { name: 'electricity tax', pricePerKwh: 0.1, validTo: '2025-01-01' },
        { name: 'electricity tax', pricePerKwh: 0.09, validFrom: '2025-01-01' },
        { name: 'levy', pricePerKwh: 0.003, validFrom: '2025-01-01' },
      ],
      vat: [{ rate: 0.25, validTo: '2025-01-01' }, { rate: 0.2, validFrom: '2025-01-01' }],
    });
    const quotes: QuotedInterval[] = [
      { start: t('2024-12-31T22:00:00Z'), end: t('2025-01-01T00:00:00Z'), pricePerKwh: 0.08, source: 's', fetchedAt: 0, kind: 'final' },
    ];
    const grid = resample(quotes, { start: t('2024-12-31T22:45:00Z'), end: t('2024-12-31T23:15:00Z') }, Q).map((s) => s!);
    const [before, after] = effectivePrices(tariff, grid, 'EUR');
    // 22:45Z = 23:45 local on 31 December; 23:00Z = 00:00 local on 1 January.
    expect(before).toMatchObject({ gridFee: 0.05, taxes: { 'electricity tax': 0.1 } });
    expect(before!.vat).toBeCloseTo(0.25 * (0.09 + 0.05 + 0.1), 12);
    expect(after).toMatchObject({ gridFee: 0.07, taxes: { 'electricity tax': 0.09, levy: 0.003 } });
    expect(after!.vat).toBeCloseTo(0.2 * (0.09 + 0.07 + 0.09 + 0.003), 12);

    // An hourly slot from 23:30 to 00:30 local pays half of each: the change is priced to the minute.
    const straddling = effectivePrices(tariff, [{ ...quotes[0]!, start: t('2024-12-31T22:30:00Z'), end: t('2024-12-31T23:30:00Z') }], 'EUR')[0]!;
    expect(straddling.gridFee).toBeCloseTo(0.06, 12);
    expect(straddling.taxes.levy).toBeCloseTo(0.0015, 12);
    expect(straddling.vat).toBeCloseTo((0.25 * 0.24 + 0.2 * 0.253) / 2, 12);
  });

  it('prices a static time-of-use contract from config', () => {
    const tariff = danishTariff({
      energy: {
        kind: 'schedule',
        schedules: [{ otherwisePerKwh: 0.3, bands: [{ days: ['sat', 'sun'], from: '00:00', to: '24:00', pricePerKwh: 0.2 }] }],
      },
    });
    const window = localDateWindow('2025-10-26', 'Europe/Copenhagen'); // a Sunday
    const energy = scheduleIntervals(tariff.energy.kind === 'schedule' ? tariff.energy.schedules : [], 'Europe/Copenhagen', window, Q);
    const quotes = energy.map((i) => ({ ...i, source: 'tariff', fetchedAt: 0, kind: 'final' as const }));
    const slots = effectivePrices(tariff, quotes, 'EUR');
    expect(slots).toHaveLength(100);
    expect(new Set(slots.map((s) => s.energy))).toEqual(new Set([0.2]));
  });

  it('refuses a wrong currency, a hole in the grid-fee periods and overlapping bands', () => {
    const grid = onGrid(dk1Quotes('entsoe_DK1_2024-03_PT60M_slice.csv'), '2024-03-01');
    expect(() => effectivePrices(danishTariff(), grid, 'DKK')).toThrow(expect.objectContaining({ code: 'PRICES_CURRENCY_MISMATCH' }));
    const holed = danishTariff({ gridFees: [{ validFrom: '2024-04-01', otherwisePerKwh: 0.05, bands: [] }] });
    expect(() => effectivePrices(holed, grid, 'EUR')).toThrow(expect.objectContaining({ code: 'TARIFF_INVALID' }));
    const overlapping = danishTariff({
      gridFees: [
        {
          otherwisePerKwh: 0.04,
          bands: [
            { days: ['mon'], from: '06:00', to: '18:00', pricePerKwh: 0.1 },
            { days: ['mon', 'tue'], from: '17:00', to: '21:00', pricePerKwh: 0.2 },
          ],
        },
      ],
    });
    expect(() => checkTariff(overlapping)).toThrow(/overlap/);
    expect(() => checkTariff(danishTariff())).not.toThrow();
  });
});
