import { DateTime } from 'luxon';
import type { EffectiveSlot } from '../domain/prices.js';
import { csvField } from '../platform/csv-field.js';

/**
 * The effective price table as people read it (local time first, every part kept) and as CSV for spreadsheets.
 * Money is printed with 5 decimals of the currency per kWh (0.1 öre / 0.001 cent resolution).
 */
const money = (v: number) => v.toFixed(5);

function taxNames(slots: readonly EffectiveSlot[]): string[] {
  return [...new Set(slots.flatMap((s) => Object.keys(s.taxes)))];
}

export function effectiveTableCsv(slots: readonly EffectiveSlot[], timeZone: string): string {
  const taxes = taxNames(slots);
  const header = ['start_utc', 'end_utc', 'local_start', 'currency', 'energy_per_kwh', 'grid_fee_per_kwh', ...taxes.map((n) => `tax_${n}`), 'vat_per_kwh', 'total_per_kwh', 'kind', 'source', 'rule'];
  const rows = slots.map((s) => [
    new Date(s.start).toISOString(),
    new Date(s.end).toISOString(),
    DateTime.fromMillis(s.start, { zone: timeZone }).toISO({ suppressMilliseconds: true }) ?? '',
    s.currency,
    money(s.energy),
    money(s.gridFee),
    ...taxes.map((n) => money(s.taxes[n] ?? 0)),
    money(s.vat),
    money(s.total),
    s.kind,
    s.source,
    s.rule ?? '',
  ]);
  // Tax names and sources come from configuration and publishers: csvField disarms formulas (issue 20, finding 4).
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function effectiveTableText(slots: readonly EffectiveSlot[], timeZone: string): string {
  const taxes = taxNames(slots);
  const header = ['local time', 'energy', 'grid fee', ...taxes, 'VAT', 'total', ''];
  const rows = slots.map((s) => {
    const local = DateTime.fromMillis(s.start, { zone: timeZone });
    return [
      local.toFormat('yyyy-LL-dd HH:mm ZZ'),
      money(s.energy),
      money(s.gridFee),
      ...taxes.map((n) => money(s.taxes[n] ?? 0)),
      money(s.vat),
      money(s.total),
      s.kind === 'estimate' ? `estimate (${s.rule ?? 'rule'})` : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const currency = slots[0]?.currency ?? '';
  const cheapest = slots.reduce<EffectiveSlot | undefined>((a, s) => (!a || s.total < a.total ? s : a), undefined);
  const dearest = slots.reduce<EffectiveSlot | undefined>((a, s) => (!a || s.total > a.total ? s : a), undefined);
  const summary =
    cheapest && dearest
      ? `\n${slots.length} slots, ${currency}/kWh; cheapest ${money(cheapest.total)} at ${DateTime.fromMillis(cheapest.start, { zone: timeZone }).toFormat('HH:mm')}, dearest ${money(dearest.total)} at ${DateTime.fromMillis(dearest.start, { zone: timeZone }).toFormat('HH:mm')}\n`
      : '\nno prices\n';
  return [line(header), ...rows.map(line)].join('\n') + summary;
}
