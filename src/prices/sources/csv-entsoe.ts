import { DateTime } from 'luxon';
import type { PriceInterval, PriceSeries, Provenance } from '../../domain/prices.js';
import { resolutionOf } from '../../domain/prices.js';
import { readCsv } from '../csv.js';
import { parseFailed } from '../errors.js';
import { perMwh } from './series.js';

/**
 * The ENTSO-E Transparency Platform's day-ahead CSV export ("MTU (CET/CEST)", "Area", ..., "Day-ahead Price
 * (EUR/MWh)"). MTU times are Central European wall-clock times; on DST days the export tags the ambiguous or
 * skipped side with "(CET)" or "(CEST)", e.g. "31/03/2024 01:00:00 (CET) - 31/03/2024 03:00:00 (CEST)" for the
 * hour that spans spring-forward and "26/10/2025 02:45:00 (CEST) - 26/10/2025 02:00:00 (CET)" on fall-back.
 */
const SOURCE = 'csv:entsoe';
// CET/CEST as ENTSO-E means it: the Brussels rules (all of the EU's CET zones switch at 01:00 UTC together).
const CET_ZONE = 'Europe/Brussels';
const STAMP = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})(?: \((CET|CEST)\))?$/;

function parseStamp(text: string, line: number): number {
  const m = STAMP.exec(text.trim());
  if (!m) throw parseFailed(SOURCE, `line ${line}: cannot read time "${text}"`);
  const [, dd, mm, yyyy, hh, mi, ss, tag] = m;
  const wall = `${yyyy}-${mm}-${dd}T${hh}:${mi}:${ss}`;
  // A tag fixes the offset; without one the wall time is unambiguous and the zone rules decide.
  const dt = tag
    ? DateTime.fromISO(`${wall}${tag === 'CET' ? '+01:00' : '+02:00'}`, { setZone: true })
    : DateTime.fromISO(wall, { zone: CET_ZONE });
  if (!dt.isValid) throw parseFailed(SOURCE, `line ${line}: invalid time "${text}"`);
  return dt.toMillis();
}

/** Area column "BZN|DK1" -> "DK1". */
function zoneOf(area: string): string {
  const bar = area.indexOf('|');
  return bar >= 0 ? area.slice(bar + 1) : area;
}

export function parseEntsoeCsv(text: string, provenance: Provenance): PriceSeries[] {
  const rows = readCsv(text, ',');
  const header = rows.shift();
  if (!header) throw parseFailed(SOURCE, 'empty file');
  const col = (pred: (h: string) => boolean, what: string): number => {
    const i = header.fields.findIndex(pred);
    if (i < 0) throw parseFailed(SOURCE, `no ${what} column`);
    return i;
  };
  const mtuCol = col((h) => h.startsWith('MTU'), 'MTU');
  const areaCol = col((h) => h === 'Area', 'Area');
  const priceCol = col((h) => h.startsWith('Day-ahead Price'), 'Day-ahead Price');
  const currency = /\((\w{3})\/MWh\)/.exec(header.fields[priceCol] ?? '')?.[1] ?? 'EUR';

  const byZone = new Map<string, PriceInterval[]>();
  for (const row of rows) {
    const mtu = row.fields[mtuCol] ?? '';
    const priceText = (row.fields[priceCol] ?? '').trim();
    // "" and "n/e" (not expected) mean no price was published for that MTU: a gap, not a zero.
    if (priceText === '' || priceText === 'n/e' || priceText === '-') continue;
    const price = Number(priceText);
    if (!Number.isFinite(price)) throw parseFailed(SOURCE, `line ${row.line}: price "${priceText}" is not a number`);
    const [from, to] = mtu.split(' - ');
    if (from === undefined || to === undefined) throw parseFailed(SOURCE, `line ${row.line}: MTU "${mtu}"`);
    const start = parseStamp(from, row.line);
    const end = parseStamp(to, row.line);
    if (!resolutionOf(end - start)) {
      throw parseFailed(SOURCE, `line ${row.line}: MTU lasts ${(end - start) / 60_000} min, not 15, 30 or 60`);
    }
    const zone = zoneOf(row.fields[areaCol] ?? '');
    let list = byZone.get(zone);
    if (!list) byZone.set(zone, (list = []));
    list.push({ start, end, pricePerKwh: perMwh(price) });
  }
  return [...byZone].map(([zone, intervals]) => ({
    zone,
    currency,
    intervals: intervals.sort((a, b) => a.start - b.start),
    provenance,
  }));
}

