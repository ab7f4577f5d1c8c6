import { describe, expect, it } from 'vitest';
import { parseEntsoeCsv } from '../../src/prices/sources/csv-entsoe.js';
import { parseSmardCsv } from '../../src/prices/sources/csv-smard.js';
import { toNormalisedCsv } from '../../src/prices/csv.js';
import type { PriceSeries, Provenance } from '../../src/domain/prices.js';
import { fixture } from './helpers/fixtures.js';

const provenance: Provenance = { source: 'csv', fetchedAt: Date.parse('2026-01-01T00:00:00Z'), kind: 'final' };

function normalised(series: PriceSeries): string {
  return toNormalisedCsv(series.intervals.map((i) => ({ ...i, zone: series.zone })));
}

function only(series: PriceSeries[], zone: string): PriceSeries {
  const s = series.find((x) => x.zone === zone);
  if (!s) throw new Error(`no ${zone}`);
  return s;
}

const hours = (s: PriceSeries, from: string, to: string) =>
  s.intervals.filter((i) => i.start >= Date.parse(from) && i.start < Date.parse(to));

describe('ENTSO-E CSV export', () => {
  it('reproduces the normalised answer for the 15-minute switch and the 25-hour day byte for byte', () => {
    const text = fixture('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv');
    const dk1 = only(parseEntsoeCsv(text, provenance), 'DK1');
    expect(normalised(dk1)).toBe(fixture('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.normalised.csv'));
    // 2025-10-26 local (Copenhagen) runs 2025-10-25T22:00Z..2025-10-26T23:00Z: 25 hours = 100 quarter-hours.
    expect(hours(dk1, '2025-10-25T22:00:00Z', '2025-10-26T23:00:00Z')).toHaveLength(100);
    // Before the switch the hourly price repeats over four quarter-hours; every interval is 15 minutes.
    expect(new Set(dk1.intervals.map((i) => i.end - i.start))).toEqual(new Set([15 * 60_000]));
    expect(dk1.intervals.filter((i) => i.pricePerKwh < 0)).toHaveLength(120);
  });

  it('reproduces the normalised answer across spring-forward (a 23-hour day)', () => {
    const dk1 = only(parseEntsoeCsv(fixture('entsoe_DK1_2024-03_PT60M_slice.csv'), provenance), 'DK1');
    expect(normalised(dk1)).toBe(fixture('entsoe_DK1_2024-03_PT60M_slice.normalised.csv'));
    expect(hours(dk1, '2024-03-30T23:00:00Z', '2024-03-31T22:00:00Z')).toHaveLength(23);
    // "31/03/2024 01:00:00 (CET) - 31/03/2024 03:00:00 (CEST)" is one real hour, 00:00Z-01:00Z.
    const spanning = dk1.intervals.find((i) => i.start === Date.parse('2024-03-31T00:00:00Z'));
    expect(spanning?.end).toBe(Date.parse('2024-03-31T01:00:00Z'));
    expect(spanning?.pricePerKwh).toBeCloseTo(0.06671, 9);
  });
});

describe('SMARD CSV export', () => {
  it('reproduces the DE-LU answer for March 2024, ignoring the wrong end date of the 23-hour day', () => {
    const series = parseSmardCsv(fixture('smard_2024-03_hourly_all_zones_slice.csv'), provenance);
    expect(normalised(only(series, 'DE-LU'))).toBe(fixture('smard_2024-03_hourly_DE-LU_slice.normalised.csv'));
  });

  it('reproduces the DE-LU answer for October 2024, telling the two 02:00 rows apart by order', () => {
    const series = parseSmardCsv(fixture('smard_2024-10_hourly_all_zones_slice.csv'), provenance);
    const de = only(series, 'DE-LU');
    expect(normalised(de)).toBe(fixture('smard_2024-10_hourly_DE-LU_slice.normalised.csv'));
    expect(hours(de, '2024-10-26T22:00:00Z', '2024-10-27T23:00:00Z')).toHaveLength(25);
  });

  it('reads every zone column, and its DK1 column agrees with the ENTSO-E export of the same month', () => {
    const smard = parseSmardCsv(fixture('smard_2024-03_hourly_all_zones_slice.csv'), provenance);
    expect(smard.map((s) => s.zone)).toEqual(
      expect.arrayContaining(['DE-LU', 'BE', 'DK1', 'DK2', 'FR', 'NL', 'NO2', 'AT', 'PL', 'SE4', 'CH', 'CZ', 'HU']),
    );
    // DE/AT/LU has only "-" (the zone was split in 2018): no series rather than zeros.
    expect(smard.find((s) => s.zone === 'DE-AT-LU')).toBeUndefined();
    const entsoe = only(parseEntsoeCsv(fixture('entsoe_DK1_2024-03_PT60M_slice.csv'), provenance), 'DK1');
    expect(normalised(only(smard, 'DK1'))).toBe(normalised(entsoe));
  });
});
