import type { CostSlot } from '../domain/plans.js';
import type { EffectiveSlot } from '../domain/prices.js';

/**
 * What a session cost, from what the meter measured (issue 6: "energy, cost from meter values times the effective
 * price of each slot, savings against charging at full power on arrival"). Pure: readings, prices and the full power
 * in, numbers out. The rules (docs/scheduler.md, "Session costs"):
 *
 * - Energy per slot comes from the Energy.Active.Import.Register readings, interpolated linearly at the slot
 *   boundaries (OCPP samples are rarely on a boundary). A register that steps back (a meter reset or a replaced
 *   meter) adds nothing rather than subtracting. Before the first and after the last reading nothing is known, so
 *   nothing is counted; a running session is costed up to its latest reading.
 * - Slots are the site's planning slots, UTC-aligned like the price intervals, so a 23- or 25-hour local day needs
 *   nothing special: it simply has 92 or 100 quarter-hours.
 * - Each slot's energy is multiplied by the effective price of that slot (energy + grid fee + taxes + VAT). A slot
 *   without a price is not given one: its energy is reported as unpricedKwh and left out of the cost.
 * - Uncontrolled: the same energy delivered at full power from the session's start, priced the same way. The
 *   savings are the difference; both are null when some energy of either cannot be priced, since a difference of
 *   incomplete sums would be invented.
 */
export interface RegisterReading {
  ms: number;
  wh: number;
}

export interface CostInput {
  startMs: number;
  readings: readonly RegisterReading[];
  slotMs: number;
  /** The power of the uncontrolled comparison, kW. */
  fullPowerKw: number;
  /** The effective price of the slot that starts at this instant, if known. */
  priceAt: (slotStartMs: number) => EffectiveSlot | undefined;
}

export interface CostResult {
  energyKwh: number;
  cost: number;
  currency: string;
  unpricedKwh: number;
  estimatedKwh: number;
  uncontrolledCost: number | null;
  savings: number | null;
  /** When the uncontrolled comparison would have been done. */
  uncontrolledEndMs: number;
  slots: CostSlot[];
}

const EPS = 1e-9;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Readings in time order as a non-decreasing register in kWh from 0: one value per instant, resets add nothing. */
export function cumulativeKwh(readings: readonly RegisterReading[]): { ms: number; kwh: number }[] {
  const sorted = [...readings].sort((a, b) => a.ms - b.ms || a.wh - b.wh);
  const out: { ms: number; kwh: number }[] = [];
  let prevWh: number | null = null;
  for (const r of sorted) {
    const add = prevWh === null ? 0 : Math.max(0, r.wh - prevWh) / 1000;
    prevWh = r.wh;
    const last = out[out.length - 1];
    if (last && last.ms === r.ms) last.kwh += add;
    else out.push({ ms: r.ms, kwh: (last?.kwh ?? 0) + add });
  }
  return out;
}

/** The register at instant t, linear between readings, flat outside them. */
export function kwhAt(series: readonly { ms: number; kwh: number }[], t: number): number {
  if (series.length === 0) return 0;
  if (t <= series[0]!.ms) return series[0]!.kwh;
  let lo = 0;
  let hi = series.length - 1;
  if (t >= series[hi]!.ms) return series[hi]!.kwh;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (series[mid]!.ms <= t) lo = mid;
    else hi = mid;
  }
  const a = series[lo]!;
  const b = series[hi]!;
  return a.kwh + ((b.kwh - a.kwh) * (t - a.ms)) / (b.ms - a.ms);
}

/** Energy at full power from `startMs` until `energyKwh` is in, per slot start. */
export function uncontrolledKwh(startMs: number, energyKwh: number, fullPowerKw: number, slotMs: number): { perSlot: Map<number, number>; endMs: number } {
  const perSlot = new Map<number, number>();
  if (energyKwh <= EPS || fullPowerKw <= 0) return { perSlot, endMs: startMs };
  let left = energyKwh;
  let t = startMs;
  for (let s = Math.floor(startMs / slotMs) * slotMs; left > EPS; s += slotMs) {
    const hours = (s + slotMs - t) / 3_600_000;
    const e = Math.min(left, fullPowerKw * hours);
    perSlot.set(s, e);
    left -= e;
    t = e < fullPowerKw * hours - EPS ? t + (e / fullPowerKw) * 3_600_000 : s + slotMs;
  }
  return { perSlot, endMs: t };
}

export function costOf(input: CostInput): CostResult {
  const { slotMs } = input;
  const series = cumulativeKwh(input.readings);
  const energyKwh = series.length ? series[series.length - 1]!.kwh : 0;
  const unc = uncontrolledKwh(input.startMs, energyKwh, input.fullPowerKw, slotMs);
  const first = Math.floor(Math.min(input.startMs, series[0]?.ms ?? input.startMs) / slotMs) * slotMs;
  const lastMs = Math.max(series[series.length - 1]?.ms ?? input.startMs, unc.endMs);
  const end = Math.max(first + slotMs, Math.ceil(lastMs / slotMs) * slotMs);
  let cost = 0;
  let unpriced = 0;
  let estimated = 0;
  let uncCost = 0;
  let uncUnpriced = 0;
  let currency = '';
  const slots: CostSlot[] = [];
  for (let s = first; s < end; s += slotMs) {
    const e = kwhAt(series, s + slotMs) - kwhAt(series, s);
    const u = unc.perSlot.get(s) ?? 0;
    const p = input.priceAt(s);
    if (p) {
      currency ||= p.currency;
      cost += e * p.total;
      uncCost += u * p.total;
      if (p.kind === 'estimate') estimated += e;
    } else {
      unpriced += e;
      uncUnpriced += u;
    }
    slots.push({
      start: new Date(s).toISOString(),
      end: new Date(s + slotMs).toISOString(),
      energyKwh: round4(e),
      pricePerKwh: p ? p.total : null,
      priceKind: p ? p.kind : null,
      cost: p ? round4(e * p.total) : null,
      uncontrolledKwh: round4(u),
    });
  }
  const complete = unpriced <= EPS && uncUnpriced <= EPS;
  return {
    energyKwh: round4(energyKwh),
    cost: round4(cost),
    currency,
    unpricedKwh: round4(unpriced),
    estimatedKwh: round4(estimated),
    uncontrolledCost: complete ? round4(uncCost) : null,
    savings: complete ? round4(uncCost - cost) : null,
    uncontrolledEndMs: unc.endMs,
    slots,
  };
}
