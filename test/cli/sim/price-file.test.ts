import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPriceFile, slotPrices } from '../../../src/cli/sim/price-file.js';
import { importFile } from '../../../src/cli/prices.js';
import { detectPriceFormat } from '../../../src/prices/file-format.js';
import { parseNormalisedCsv } from '../../../src/prices/sources/csv-normalised.js';
import type { PriceSeries } from '../../../src/domain/prices.js';

const prices = fileURLToPath(new URL('../../fixtures/prices/', import.meta.url));
const DK1_15 = `${prices}entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv`;
const DK1_15_NORM = `${prices}entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.normalised.csv`;
const DK1_60 = `${prices}entsoe_DK1_2024-03_PT60M_slice.csv`;
const SMARD_10 = `${prices}smard_2024-10_hourly_all_zones_slice.csv`;
const SMARD_10_NORM = `${prices}smard_2024-10_hourly_DE-LU_slice.normalised.csv`;
const Q = 15 * 60_000;
const at = Date.parse;
const tmp = mkdtempSync(join(tmpdir(), 'price-file-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const intervalsOf = (s: PriceSeries[]) => s.flatMap((x) => x.intervals);

describe('loadPriceFile', () => {
  it('reads the ENTSO-E export and its normalised answer to the same DK1 intervals', () => {
    const entsoe = loadPriceFile(DK1_15);
    expect(entsoe.map((s) => [s.zone, s.currency, s.intervals.length])).toEqual([['DK1', 'EUR', 3076]]);
    expect(entsoe[0]!.provenance).toEqual({ source: 'file:entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv', fetchedAt: 0, kind: 'final' });
    expect(intervalsOf(loadPriceFile(DK1_15_NORM, { zone: 'DK1' }))).toEqual(intervalsOf(entsoe));
  });

  it('keeps one zone of a SMARD file, equal to its normalised answer', () => {
    expect(loadPriceFile(SMARD_10).length).toBeGreaterThan(10);
    const de = loadPriceFile(SMARD_10, { zone: 'DE-LU' });
    expect(de.map((s) => s.zone)).toEqual(['DE-LU']);
    expect(intervalsOf(de)).toEqual(intervalsOf(loadPriceFile(SMARD_10_NORM)));
  });

  it('says which zones a file has when the asked one is missing, and refuses files it does not replay', () => {
    expect(() => loadPriceFile(DK1_15, { zone: 'SE3' })).toThrow(`${DK1_15}: no prices for zone SE3 (it has DK1)`);
    const xml = `${prices}entsoe-a44-de-lu-pt15m-2026-02.xml`;
    expect(() => loadPriceFile(xml)).toThrow(`${xml}: not a price file we replay (entsoe-xml)`);
    const other = join(tmp, 'other.csv');
    writeFileSync(other, 'time,price\n');
    expect(() => loadPriceFile(other)).toThrow('(unknown format)');
  });
});

describe('price file formats (shared with npm run prices -- import)', () => {
  it('are recognised by content, with or without a BOM', () => {
    const cases: Array<[string, string]> = [
      ['"MTU (CET/CEST)","Area"\n', 'entsoe-csv'],
      ['\uFEFF"MTU (CET/CEST)","Area"\n', 'entsoe-csv'],
      ['\uFEFFDatum von;Datum bis;\n', 'smard-csv'],
      ['start_utc,end_utc,price_eur_per_mwh,zone\n', 'normalised-csv'],
      ['<?xml version="1.0"?>', 'entsoe-xml'],
    ];
    for (const [text, format] of cases) expect(detectPriceFormat('f.txt', text)).toBe(format);
    expect(detectPriceFormat('f.xml', '')).toBe('entsoe-xml');
    expect(detectPriceFormat('f.json', '{}')).toBeUndefined();
  });

  it('lets the prices CLI import a normalised file and still asks for --format when it cannot tell', () => {
    const provenance = { source: 'file:x', fetchedAt: 0, kind: 'final' as const };
    expect(intervalsOf(importFile(DK1_15_NORM, { zone: 'DK1' }, provenance))).toEqual(intervalsOf(loadPriceFile(DK1_15)));
    const json = join(tmp, 'prices.json');
    writeFileSync(json, '{}');
    expect(() => importFile(json, {}, provenance)).toThrow(`cannot tell the format of ${json}: pass --format`);
  });

  it('refuses a bad normalised file, naming the line', () => {
    const p = { source: 'file:x', fetchedAt: 0, kind: 'final' as const };
    const head = 'start_utc,end_utc,price_eur_per_mwh,zone\n';
    expect(() => parseNormalisedCsv('start,end,price,zone\n', p)).toThrow('line 1: the header must be');
    expect(() => parseNormalisedCsv(`${head}2025-10-26T00:00:00Z,2025-10-26T00:15:00Z,abc,DK1\n`, p)).toThrow('line 2: price_eur_per_mwh "abc" is not a number');
    expect(() => parseNormalisedCsv(`${head}2025-10-26 00:00,2025-10-26T00:15:00Z,1,DK1\n`, p)).toThrow('line 2: start_utc');
    expect(() => parseNormalisedCsv(`${head}2025-10-26T00:00:00Z,2025-10-26T00:20:00Z,1,DK1\n`, p)).toThrow('lasts 20 min');
    const ok = parseNormalisedCsv(`${head}2025-10-26T00:00:00Z,2025-10-26T00:15:00Z,158.95,DK1\n`, p);
    expect(ok[0]!.intervals[0]!.pricePerKwh).toBe(0.15895);
  });
});

describe('slotPrices', () => {
  const dk1 = loadPriceFile(DK1_15, { zone: 'DK1' });

  it('gives the 25-hour day 2025-10-26 its 100 quarter-hour prices, exactly as published', () => {
    const start = at('2025-10-25T22:00:00Z');
    const end = at('2025-10-26T23:00:00Z');
    const got = slotPrices(dk1, start, end, Q);
    expect(got).toHaveLength(100);
    expect(got).toEqual(dk1[0]!.intervals.filter((i) => i.start >= start && i.start < end).map((i) => i.pricePerKwh));
  });

  it('spreads an hourly price over its four quarter-hours and averages quarter-hours into an hour', () => {
    const hourly = loadPriceFile(DK1_60);
    // 2024-03-31 00:00Z-01:00Z is the hour spanning spring-forward, 66.71 EUR/MWh.
    expect(slotPrices(hourly, at('2024-03-31T00:00:00Z'), at('2024-03-31T01:00:00Z'), Q)).toEqual([0.06671, 0.06671, 0.06671, 0.06671]);
    const quarters = slotPrices(dk1, at('2025-10-26T12:00:00Z'), at('2025-10-26T13:00:00Z'), Q);
    const [hour] = slotPrices(dk1, at('2025-10-26T12:00:00Z'), at('2025-10-26T13:00:00Z'), 4 * Q);
    expect(hour).toBeCloseTo(quarters.reduce((a, b) => a + b, 0) / 4, 12);
  });

  it('throws naming the first slot without a price, never pricing a gap at 0', () => {
    expect(() => slotPrices(dk1, at('2025-10-31T22:45:00Z'), at('2025-10-31T23:30:00Z'), Q)).toThrow('no price for the slot at 2025-10-31T23:00:00.000Z');
    const holed: PriceSeries[] = [{ ...dk1[0]!, intervals: dk1[0]!.intervals.filter((i) => i.start !== at('2025-10-26T01:15:00Z')) }];
    expect(() => slotPrices(holed, at('2025-10-26T00:00:00Z'), at('2025-10-26T02:00:00Z'), Q)).toThrow('no price for the slot at 2025-10-26T01:15:00.000Z');
    // Half an hour of a one-hour slot is not a price for it either.
    expect(() => slotPrices(holed, at('2025-10-26T01:00:00Z'), at('2025-10-26T02:00:00Z'), 4 * Q)).toThrow('2025-10-26T01:00:00.000Z');
  });

  it('refuses mixed zones, overlapping series and a window that is not whole slots', () => {
    const de = loadPriceFile(SMARD_10, { zone: 'DE-LU' });
    expect(() => slotPrices([...dk1, ...de], at('2025-10-26T00:00:00Z'), at('2025-10-26T01:00:00Z'), Q)).toThrow('one zone');
    expect(() => slotPrices([...dk1, ...dk1], at('2025-10-26T00:00:00Z'), at('2025-10-26T01:00:00Z'), Q)).toThrow('two prices for');
    expect(() => slotPrices(dk1, at('2025-10-26T00:00:00Z'), at('2025-10-26T00:20:00Z'), Q)).toThrow('not a whole number');
  });
});
