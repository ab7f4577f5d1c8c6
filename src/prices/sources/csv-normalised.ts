import type { PriceInterval, PriceSeries, Provenance } from '../../domain/prices.js';
import { readCsv } from '../csv.js';
import { parseFailed } from '../errors.js';
import { perMwh, toSeries } from './series.js';

/**
 * The normalised price CSV (`start_utc,end_utc,price_eur_per_mwh,zone`): the shared data's answers and what
 * toNormalisedCsv writes. Reading it back lets a replay (the outcome benchmark, `npm run prices -- import`) start
 * from a file already in UTC, with no wall-clock or DST rules left to apply.
 */
const SOURCE = 'csv:normalised';
const HEADER = /^price_([a-z]{3})_per_mwh$/;
const UTC_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/;

export function isNormalisedCsv(text: string): boolean {
  return text.replace(/^\uFEFF/, '').startsWith('start_utc,end_utc,price_');
}

export function parseNormalisedCsv(text: string, provenance: Provenance): PriceSeries[] {
  const rows = readCsv(text, ',');
  const header = rows.shift();
  const currency = HEADER.exec(header?.fields[2] ?? '')?.[1];
  if (!header || header.fields[0] !== 'start_utc' || header.fields[1] !== 'end_utc' || !currency || header.fields[3] !== 'zone') {
    throw parseFailed(SOURCE, 'line 1: the header must be start_utc,end_utc,price_<currency>_per_mwh,zone');
  }
  const stamp = (text: string, line: number, field: string): number => {
    const ms = UTC_STAMP.test(text) ? Date.parse(text) : NaN;
    if (!Number.isFinite(ms)) throw parseFailed(SOURCE, `line ${line}: ${field} "${text}" is not a UTC time like 2025-10-26T01:00:00Z`);
    return ms;
  };
  const byZone = new Map<string, PriceInterval[]>();
  for (const row of rows) {
    const [start = '', end = '', price = '', zone = ''] = row.fields.map((f) => f.trim());
    const value = price === '' ? NaN : Number(price);
    if (!Number.isFinite(value)) throw parseFailed(SOURCE, `line ${row.line}: ${header.fields[2]} "${price}" is not a number`);
    if (zone === '') throw parseFailed(SOURCE, `line ${row.line}: zone is empty`);
    let list = byZone.get(zone);
    if (!list) byZone.set(zone, (list = []));
    list.push({ start: stamp(start, row.line, 'start_utc'), end: stamp(end, row.line, 'end_utc'), pricePerKwh: perMwh(value) });
  }
  // toSeries rejects odd lengths and overlaps: the planner would otherwise count some quarter-hours twice.
  return [...byZone].map(([zone, intervals]) => toSeries(SOURCE, zone, currency.toUpperCase(), intervals, provenance));
}
