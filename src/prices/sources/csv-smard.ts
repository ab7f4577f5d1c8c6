import { DateTime } from 'luxon';
import type { PriceInterval, PriceSeries, Provenance } from '../../domain/prices.js';
import { resolutionOf } from '../../domain/prices.js';
import { readCsv } from '../csv.js';
import { parseFailed } from '../errors.js';
import { perMwh } from './series.js';

/**
 * SMARD.de "Großhandelspreise" export (Bundesnetzagentur): `;`-separated, decimal comma, a BOM, naive German
 * wall-clock times ("27.10.2024 02:00"), one column per bidding zone in €/MWh, "-" where a zone has no price.
 *
 * Two DST traps, both in the real files:
 * - spring-forward: the source writes a wrong end date ("31.03.2024 01:00;30.03.2024 02:00"), so we never read
 *   "Datum bis" per row: end = start + the file's resolution (the most common wall-clock step).
 * - fall-back: "27.10.2024 02:00" appears twice with nothing to tell them apart; the rows are in time order, so the
 *   first is CEST and the second CET. We pick, for each row, the earliest instant that matches its wall time and
 *   lies after the previous row's start.
 */
const SOURCE = 'csv:smard';
const ZONE = 'Europe/Berlin';

/** SMARD column names (German) -> bidding-zone codes as ENTSO-E writes them. Averages are not zones: skipped. */
const ZONES: ReadonlyArray<[RegExp, string]> = [
  [/^Deutschland\/Luxemburg /, 'DE-LU'],
  [/^Belgien /, 'BE'],
  [/^Dänemark 1 /, 'DK1'],
  [/^Dänemark 2 /, 'DK2'],
  [/^Frankreich /, 'FR'],
  [/^Niederlande /, 'NL'],
  [/^Norwegen 2 /, 'NO2'],
  [/^Österreich /, 'AT'],
  [/^Polen /, 'PL'],
  [/^Schweden 4 /, 'SE4'],
  [/^Schweiz /, 'CH'],
  [/^Tschechien /, 'CZ'],
  [/^DE\/AT\/LU /, 'DE-AT-LU'],
  [/^Italien \(Nord\) /, 'IT-NORD'],
  [/^Slowenien /, 'SI'],
  [/^Ungarn /, 'HU'],
];

const STAMP = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})$/;

function wallParts(text: string, line: number): { wall: string; naiveMs: number } {
  const m = STAMP.exec(text.trim());
  if (!m) throw parseFailed(SOURCE, `line ${line}: cannot read time "${text}"`);
  const wall = `${m[3]}-${m[2]}-${m[1]}T${m[4]}:${m[5]}:00`;
  return { wall, naiveMs: Date.parse(`${wall}Z`) };
}

/** Every UTC instant whose wall time in ZONE is `naiveMs` read as UTC: none (skipped hour), one, or two. */
function instantsFor(naiveMs: number): number[] {
  const out = new Set<number>();
  for (const probe of [naiveMs - 3 * 3600_000, naiveMs + 3 * 3600_000]) {
    const offsetMin = DateTime.fromMillis(probe, { zone: ZONE }).offset;
    const t = naiveMs - offsetMin * 60_000;
    if (DateTime.fromMillis(t, { zone: ZONE }).offset === offsetMin) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

function parseDecimalComma(text: string): number | undefined {
  const t = text.trim();
  if (t === '' || t === '-') return undefined;
  const n = Number(t.replace(/\./g, '').replace(',', '.'));
  return Number.isFinite(n) ? n : NaN;
}

export function parseSmardCsv(text: string, provenance: Provenance): PriceSeries[] {
  const rows = readCsv(text, ';');
  const header = rows.shift();
  if (!header || header.fields[0] !== 'Datum von') throw parseFailed(SOURCE, 'no "Datum von" header');
  const columns: Array<{ index: number; zone: string }> = [];
  header.fields.forEach((h, index) => {
    const hit = ZONES.find(([re]) => re.test(h));
    if (hit) columns.push({ index, zone: hit[1] });
  });
  if (columns.length === 0) throw parseFailed(SOURCE, 'no known zone columns');

  // The file's resolution: the most common wall-clock step between "Datum von" and "Datum bis".
  const steps = new Map<number, number>();
  for (const row of rows) {
    const d = wallParts(row.fields[1] ?? '', row.line).naiveMs - wallParts(row.fields[0] ?? '', row.line).naiveMs;
    steps.set(d, (steps.get(d) ?? 0) + 1);
  }
  const step = [...steps].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (step === undefined || !resolutionOf(step)) throw parseFailed(SOURCE, 'cannot tell the resolution');

  const byZone = new Map<string, PriceInterval[]>(columns.map((c) => [c.zone, []]));
  let previous = -Infinity;
  for (const row of rows) {
    const { naiveMs } = wallParts(row.fields[0] ?? '', row.line);
    const start = instantsFor(naiveMs).find((t) => t > previous);
    if (start === undefined) throw parseFailed(SOURCE, `line ${row.line}: "${row.fields[0]}" is out of order`);
    previous = start;
    for (const { index, zone } of columns) {
      const price = parseDecimalComma(row.fields[index] ?? '');
      if (price === undefined) continue;
      if (Number.isNaN(price)) throw parseFailed(SOURCE, `line ${row.line}: "${row.fields[index]}" is not a number`);
      byZone.get(zone)!.push({ start, end: start + step, pricePerKwh: perMwh(price) });
    }
  }
  return [...byZone]
    .filter(([, intervals]) => intervals.length > 0)
    .map(([zone, intervals]) => ({ zone, currency: 'EUR', intervals, provenance }));
}
