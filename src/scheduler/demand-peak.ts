import { DateTime } from 'luxon';
import type { DemandCharge } from '../../solver/index.js';
import { energyRegisterReadings } from '../domain/meter.js';
import type { Site } from '../domain/sites.js';
import type { MeterValueStore, TransactionStore } from '../domain/stations.js';
import { departureSlot, type FixedLoad, type PlannedSession, type SlotGrid } from './problem.js';

/**
 * Demand charges (issue 21): the site's highest 15-minute average power so far in the billing period (the calendar
 * month in the site's time zone), from the stored meter registers of its sessions, and the problem's demandCharge.
 * Grid operators bill the highest 15-minute average, so the peak is energy per quarter hour / 0.25 h, the quarter
 * hours aligned to UTC like market intervals (every zone's offset is a whole quarter hour).
 */
export const QUARTER_MS = 15 * 60_000;

/** What the planner needs from a tariff's demand charge (prices/tariff-config.ts DemandChargeConfig). */
export interface DemandChargeTerms {
  perKwPerPeriod: number;
  period: 'month';
}

export interface SiteDemand {
  perKw: number;
  /** Highest 15-minute average site power (kW) of the complete quarter hours of this period so far. */
  peakSoFarKw: number;
  /** Start of that quarter hour, null when nothing was drawn yet this period. */
  peakAtMs: number | null;
  periodStartMs: number;
  periodEndMs: number;
}

/** Register readings of one session, oldest first. */
type Readings = readonly { ms: number; wh: number }[];

/**
 * The site's energy per quarter hour in [fromMs, toMs) (Wh, keyed by the quarter's start): between two register
 * readings a session's energy is spread evenly over the time between them (meters sample every few minutes).
 */
export function quarterEnergiesWh(sessions: readonly Readings[], fromMs: number, toMs: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of sessions) {
    for (let k = 1; k < r.length; k++) {
      const a = r[k - 1]!;
      const b = r[k]!;
      const wh = b.wh - a.wh;
      if (b.ms <= a.ms || wh <= 0 || b.ms <= fromMs || a.ms >= toMs) continue;
      const rate = wh / (b.ms - a.ms);
      for (let q = Math.floor(Math.max(a.ms, fromMs) / QUARTER_MS) * QUARTER_MS; q < Math.min(b.ms, toMs); q += QUARTER_MS) {
        const lo = Math.max(q, a.ms, fromMs);
        const hi = Math.min(q + QUARTER_MS, b.ms, toMs);
        if (hi > lo) out.set(q, (out.get(q) ?? 0) + rate * (hi - lo));
      }
    }
  }
  return out;
}

/** The highest quarter: kW = Wh / 1000 / 0.25 h. */
export function peakOf(quarters: ReadonlyMap<number, number>): { kw: number; atMs: number | null } {
  let best = { kw: 0, atMs: null as number | null };
  for (const [q, wh] of quarters) if (wh / 250 > best.kw) best = { kw: wh / 250, atMs: q };
  return best;
}

export function billingPeriod(now: number, timeZone: string): { startMs: number; endMs: number } {
  const local = DateTime.fromMillis(now, { zone: timeZone }).startOf('month');
  return { startMs: local.toMillis(), endMs: local.plus({ months: 1 }).toMillis() };
}

/** How far back a session's readings are read before the first quarter still to measure (one reading before it). */
const LOOKBACK_MS = 3_600_000;
/** Sessions that started this long before the period can still draw in it. */
const SESSION_LOOKBACK_MS = 7 * 24 * 3_600_000;

interface Cached {
  periodStartMs: number;
  /** Quarters before this are measured and folded into the peak. */
  measuredUntilMs: number;
  peakKw: number;
  peakAtMs: number | null;
}

/**
 * Each site's peak so far, measured once per completed quarter hour (the cycle asks every time; a quarter already
 * measured is not read again): one read of the period's sessions and of their readings since the last measured quarter.
 * Only the site's own cycle asks (one at a time per site), so the cache is never read and written by two at once.
 */
export class SiteDemandPeaks {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly stores: {
    transactions: Pick<TransactionStore, 'between'>;
    meterValues: Pick<MeterValueStore, 'forTransactions'>;
  }) {}

  async forSite(site: Site, now: number, terms: DemandChargeTerms | null | undefined): Promise<SiteDemand | undefined> {
    if (!terms) return undefined;
    const period = billingPeriod(now, site.timeZone);
    const until = Math.max(period.startMs, Math.floor(now / QUARTER_MS) * QUARTER_MS);
    let c = this.cache.get(site.id);
    if (!c || c.periodStartMs !== period.startMs) c = { periodStartMs: period.startMs, measuredUntilMs: period.startMs, peakKw: 0, peakAtMs: null };
    if (until > c.measuredUntilMs) {
      const p = peakOf(await this.measure(site, c.measuredUntilMs, until));
      if (p.kw > c.peakKw) c = { ...c, peakKw: p.kw, peakAtMs: p.atMs };
      c = { ...c, measuredUntilMs: until };
    }
    this.cache.set(site.id, c);
    return { perKw: terms.perKwPerPeriod, peakSoFarKw: Math.round(c.peakKw * 1e6) / 1e6, peakAtMs: c.peakAtMs, periodStartMs: period.startMs, periodEndMs: period.endMs };
  }

  /** One read of the sessions, then one of their readings since the lookback. */
  private async measure(site: Site, fromMs: number, toMs: number): Promise<Map<number, number>> {
    const onSite = new Set(site.evses.map((e) => `${e.stationId}#${e.evseId}`));
    const stations = [...new Set(site.evses.map((e) => e.stationId))];
    const since = new Date(fromMs - LOOKBACK_MS).toISOString();
    const txs = (await this.stores.transactions.between(new Date(fromMs - SESSION_LOOKBACK_MS).toISOString(), new Date(toMs).toISOString(), stations))
      .filter((t) => t.evseId !== null && onSite.has(`${t.stationId}#${t.evseId}`))
      .filter((t) => t.endedAt === null || Date.parse(t.endedAt) >= fromMs - LOOKBACK_MS);
    const samples = await this.stores.meterValues.forTransactions(txs, since);
    const of = new Map(txs.map((t) => [`${t.stationId}#${t.transactionId}`, [] as typeof samples]));
    for (const x of samples) of.get(`${x.stationId}#${x.transactionId}`)?.push(x);
    // In the sessions' order, as they were summed when each was read alone.
    return quarterEnergiesWh([...of.values()].map(energyRegisterReadings), fromMs, toMs);
  }
}

/**
 * The problem's demandCharge for a cycle: what is drawn outside the optimiser (uncontrolled chargers, the minimum
 * floor of paused cars) counts toward the peak, and a partial slot's planned average power is drawn in its fraction.
 */
export function demandChargeOnGrid(grid: SlotGrid, demand: SiteDemand, fixed: readonly FixedLoad[], sessions: readonly PlannedSession[]): DemandCharge {
  const T = grid.starts.length;
  const baseKw = Array.from({ length: T }, (_, i) => fixed.reduce((a, f) => a + (f.kw[i] ?? 0), 0));
  for (const s of sessions) {
    if (s.floorKw <= 0) continue;
    const dep = departureSlot(grid, s);
    for (let i = 0; i < Math.min(dep, T); i++) baseKw[i]! += s.floorKw;
  }
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return { perKw: demand.perKw, peakSoFarKw: demand.peakSoFarKw, baseKw: baseKw.map(round), slotFraction: grid.fractions.map((f) => Math.min(1, Math.max(1e-6, round(f)))) };
}
