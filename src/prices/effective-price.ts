import type { EffectiveSlot, QuotedInterval } from '../domain/prices.js';
import type { SiteTariff } from './tariff-config.js';
import { checkSchedules, isValidOn, localInstant, priceAt } from './bands.js';
import { PriceError } from './errors.js';

/**
 * The effective price a site pays per slot (issue 4):
 *   energy (+ supplier markup) + grid fee (time-of-use band) + per-kWh taxes and levies, then VAT on that sum.
 * Every part is kept so people can see why a slot is expensive.
 *
 * Each slot is evaluated minute by minute in the tariff's local time and averaged by time, so a band edge or a
 * tariff change inside a planning slot is priced exactly (bands are written to the minute). Consecutive minutes
 * with identical parts are merged first, so the common case (one piece per slot) involves no averaging at all.
 */

const MINUTE = 60_000;

interface Piece {
  minutes: number;
  energy: number;
  gridFee: number;
  taxes: Record<string, number>;
  vatRate: number;
}

export function checkTariff(tariff: SiteTariff): void {
  const problems = [
    ...checkSchedules(tariff.gridFees, 'gridFees'),
    ...(tariff.energy.kind === 'schedule' ? checkSchedules(tariff.energy.schedules, 'energy.schedules') : []),
  ];
  tariff.vat.forEach((v, i) =>
    tariff.vat.slice(i + 1).forEach((w, j) => {
      const disjoint =
        (v.validTo !== undefined && w.validFrom !== undefined && v.validTo <= w.validFrom) ||
        (w.validTo !== undefined && v.validFrom !== undefined && w.validTo <= v.validFrom);
      if (!disjoint) problems.push(`vat[${i}] and vat[${i + j + 1}]: validity periods overlap`);
    }),
  );
  if (problems.length > 0) throw new PriceError('TARIFF_INVALID', problems.join('; '), false);
}

function vatRateOn(tariff: SiteTariff, date: string): number {
  if (tariff.vat.length === 0) return 0;
  const v = tariff.vat.find((x) => isValidOn(x, date));
  if (!v) throw new PriceError('TARIFF_INVALID', `vat: no rate is valid on ${date}`, false);
  return v.rate;
}

/** Whether two minutes have the same parts (then they merge into one piece). */
function samePiece(a: Omit<Piece, 'minutes'>, b: Omit<Piece, 'minutes'>): boolean {
  if (a.energy !== b.energy || a.gridFee !== b.gridFee || a.vatRate !== b.vatRate) return false;
  const names = Object.keys(a.taxes);
  return names.length === Object.keys(b.taxes).length && names.every((n) => a.taxes[n] === b.taxes[n]);
}

/**
 * Effective prices for energy quotes already on the planning grid (from PriceProvider.quote, or from
 * scheduleEnergy() for a static contract). Quotes must be in the tariff's currency.
 */
export function effectivePrices(tariff: SiteTariff, quotes: readonly QuotedInterval[], currency: string): EffectiveSlot[] {
  if (currency !== tariff.currency) {
    throw new PriceError(
      'PRICES_CURRENCY_MISMATCH',
      `energy prices are in ${currency} but the tariff is in ${tariff.currency}`,
      false,
    );
  }
  const markup = tariff.energy.kind === 'market' ? (tariff.energy.markupPerKwh ?? 0) : 0;
  return quotes.map((q) => {
    const pieces: Piece[] = [];
    for (let t = q.start; t < q.end; t += MINUTE) {
      const at = localInstant(t, tariff.timeZone);
      const energy =
        tariff.energy.kind === 'schedule' ? priceAt(tariff.energy.schedules, at, 'energy') : q.pricePerKwh + markup;
      const gridFee = tariff.gridFees.length === 0 ? 0 : priceAt(tariff.gridFees, at, 'gridFees');
      const taxes: Record<string, number> = {};
      for (const tax of tariff.taxes) if (isValidOn(tax, at.date)) taxes[tax.name] = (taxes[tax.name] ?? 0) + tax.pricePerKwh;
      const piece = { energy, gridFee, taxes, vatRate: vatRateOn(tariff, at.date) };
      const last = pieces[pieces.length - 1];
      if (last && samePiece(last, piece)) last.minutes++;
      else pieces.push({ ...piece, minutes: 1 });
    }
    return { start: q.start, end: q.end, currency, kind: q.kind, source: q.source, ...(q.rule ? { rule: q.rule } : {}), ...combine(pieces) };
  });
}

function combine(pieces: readonly Piece[]): Pick<EffectiveSlot, 'energy' | 'gridFee' | 'taxes' | 'vat' | 'total'> {
  const total = pieces.reduce((n, p) => n + p.minutes, 0);
  const mean = (f: (p: Piece) => number) =>
    pieces.length === 1 ? f(pieces[0]!) : pieces.reduce((sum, p) => sum + f(p) * p.minutes, 0) / total;
  const names = [...new Set(pieces.flatMap((p) => Object.keys(p.taxes)))];
  const taxes = Object.fromEntries(names.map((n) => [n, mean((p) => p.taxes[n] ?? 0)]));
  const net = (p: Piece) => p.energy + p.gridFee + Object.values(p.taxes).reduce((a, b) => a + b, 0);
  const energy = mean((p) => p.energy);
  const gridFee = mean((p) => p.gridFee);
  const vat = mean((p) => net(p) * p.vatRate);
  const taxSum = Object.values(taxes).reduce((a, b) => a + b, 0);
  return { energy, gridFee, taxes, vat, total: energy + gridFee + taxSum + vat };
}

