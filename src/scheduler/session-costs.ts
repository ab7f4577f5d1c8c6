import { DateTime } from 'luxon';
import { energyRegisterReadings, powerReadingsW } from '../domain/meter.js';
import type { SessionCost } from '../domain/plans.js';
import type { EffectiveSlot, SitePriceProvider } from '../domain/prices.js';
import type { PlacedEvse, Site } from '../domain/sites.js';
import type { MeterSample, MeterValueStore, TransactionRecord, TransactionStore } from '../domain/stations.js';
import type { VehicleStore } from '../domain/vehicles.js';
import { costOf, cumulativeKwh, uncontrolledKwh } from './costs.js';
import type { SiteIndex } from './sites.js';

/**
 * The session costs read model: which sessions, which car, which price, which full power; costs.ts computes.
 * A session belongs to the period in which it started (so consecutive months bill each session once); a month
 * is the calendar month in each site's own zone.
 */
export type SessionCostQuery = { siteIds?: readonly string[]; vehicleIds?: readonly string[] } & (
  | { fromMs: number; toMs: number }
  | { month: string }
);

export interface CostDeps {
  index: SiteIndex;
  stores: {
    transactions: Pick<TransactionStore, 'between' | 'get'>;
    meterValues: Pick<MeterValueStore, 'forTransactions'>;
    vehicles: Pick<VehicleStore, 'get' | 'byIdToken'>;
  };
  prices: SitePriceProvider;
  now: number;
}

interface Prepared {
  site: Site;
  evse: PlacedEvse;
  tx: TransactionRecord;
  vehicleId: string | null;
  fleet: string | null;
  readings: { ms: number; wh: number }[];
  fullPowerKw: number;
  startMs: number;
  /** Until when prices are needed (the later of the last reading and the uncontrolled comparison's end). */
  needUntil: number;
}

export async function sessionCosts(deps: CostDeps, q: SessionCostQuery): Promise<SessionCost[]> {
  const out: SessionCost[] = [];
  for (const site of deps.index.sites) {
    if (q.siteIds && !q.siteIds.includes(site.id)) continue;
    const { fromMs, toMs } = 'month' in q ? monthWindow(q.month, site.timeZone) : q;
    if (!(fromMs < toMs)) continue;
    const stationIds = [...new Set(site.evses.map((e) => e.stationId))];
    const txs = await deps.stores.transactions.between(new Date(fromMs).toISOString(), new Date(toMs).toISOString(), stationIds);
    const vehicles = vehicleLookup(deps);
    const samples = await samplesOf(deps, txs);
    const prepared = (await Promise.all(txs.map((tx) => prepare(site, tx, vehicles, samples.get(`${tx.stationId}#${tx.transactionId}`) ?? []))))
      .filter((p): p is Prepared => p !== undefined && (!q.vehicleIds || (p.vehicleId !== null && q.vehicleIds.includes(p.vehicleId))));
    if (!prepared.length) continue;
    // One price lookup per site for all its sessions: a month of a fleet is thousands of sessions.
    const priceAt = await priceLookup(deps, site, Math.min(...prepared.map((p) => p.startMs)), Math.max(...prepared.map((p) => p.needUntil)));
    for (const p of prepared) out.push(toCost(p, priceAt, false));
  }
  return out.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.stationId.localeCompare(b.stationId));
}

export async function sessionCost(deps: CostDeps, stationId: string, transactionId: string): Promise<SessionCost | undefined> {
  const tx = await deps.stores.transactions.get(stationId, transactionId);
  const placed = tx && tx.evseId !== null ? deps.index.evse(stationId, tx.evseId) : undefined;
  if (!tx || !placed) return undefined;
  const p = (await prepare(placed.site, tx, vehicleLookup(deps), (await samplesOf(deps, [tx])).get(`${stationId}#${transactionId}`) ?? []))!;
  return toCost(p, await priceLookup(deps, placed.site, p.startMs, p.needUntil), true);
}

/** Sessions per read of their samples: a session's whole history each, so a read stays far below the store's row guard. */
const SAMPLES_CHUNK = 100;

/** The sessions' samples, a chunk of sessions per read (a fleet's month is thousands of sessions), by `${stationId}#${transactionId}`. */
async function samplesOf(deps: CostDeps, txs: readonly TransactionRecord[]): Promise<Map<string, MeterSample[]>> {
  const out = new Map<string, MeterSample[]>();
  for (let i = 0; i < txs.length; i += SAMPLES_CHUNK) {
    for (const s of await deps.stores.meterValues.forTransactions(txs.slice(i, i + SAMPLES_CHUNK))) {
      const key = `${s.stationId}#${s.transactionId}`;
      const list = out.get(key);
      if (list) list.push(s);
      else out.set(key, [s]);
    }
  }
  return out;
}

/** The vehicle store's lookups, each key read once per call: a fleet's sessions of a month name the same cars many times. */
function vehicleLookup(deps: CostDeps): CostDeps['stores']['vehicles'] {
  const byId = new Map<string, ReturnType<CostDeps['stores']['vehicles']['get']>>();
  const byToken = new Map<string, ReturnType<CostDeps['stores']['vehicles']['byIdToken']>>();
  const { vehicles } = deps.stores;
  return {
    get: (id) => byId.get(id) ?? byId.set(id, vehicles.get(id)).get(id)!,
    byIdToken: (token) => byToken.get(token) ?? byToken.set(token, vehicles.byIdToken(token)).get(token)!,
  };
}

/** [start, end) of a calendar month (YYYY-MM) in the zone, as UTC instants. */
export function monthWindow(month: string, zone: string): { fromMs: number; toMs: number } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new RangeError(`month "${month}" is not YYYY-MM`);
  const start = DateTime.fromISO(`${month}-01T00:00`, { zone });
  return { fromMs: start.toMillis(), toMs: start.plus({ months: 1 }).toMillis() };
}

async function prepare(site: Site, tx: TransactionRecord, vehicles: CostDeps['stores']['vehicles'], samples: readonly MeterSample[]): Promise<Prepared | undefined> {
  const evse = tx.evseId === null ? undefined : site.evses.find((e) => e.stationId === tx.stationId && e.evseId === tx.evseId);
  if (!evse) return undefined;
  const recorded = tx.vehicleId ? await vehicles.get(tx.vehicleId) : undefined;
  // The car the scheduler recorded for the session; else its token's car now (a session it never planned).
  const vehicle = recorded ?? (tx.idToken ? await vehicles.byIdToken(tx.idToken) : undefined);
  const readings = energyRegisterReadings(samples);
  const measuredKw = Math.max(0, ...powerReadingsW(samples).map((r) => r.w / 1000));
  // Full power: what the car and the EVSE allow; for an unknown car the highest power measured. Never below what was
  // measured, or the comparison would charge slower than the car really did.
  const configured = vehicle ? Math.min(evse.maxKw, vehicle.maxAcKw) : measuredKw > 0 ? Math.min(evse.maxKw, measuredKw) : evse.maxKw;
  const fullPowerKw = Math.max(configured, measuredKw);
  const startMs = Date.parse(tx.startedAt);
  const series = cumulativeKwh(readings);
  const energy = series.length ? series[series.length - 1]!.kwh : 0;
  const lastMs = series[series.length - 1]?.ms ?? startMs;
  const needUntil = Math.max(lastMs, uncontrolledKwh(startMs, energy, fullPowerKw, site.slotMinutes * 60_000).endMs);
  return { site, evse, tx, vehicleId: vehicle?.id ?? tx.vehicleId, fleet: vehicle?.fleet ?? site.fleet, readings, fullPowerKw, startMs, needUntil };
}

function toCost(p: Prepared, priceAt: (ms: number) => EffectiveSlot | undefined, withSlots: boolean): SessionCost {
  const r = costOf({ startMs: p.startMs, readings: p.readings, slotMs: p.site.slotMinutes * 60_000, fullPowerKw: p.fullPowerKw, priceAt });
  return {
    siteId: p.site.id,
    stationId: p.tx.stationId,
    evseId: p.evse.evseId,
    transactionId: p.tx.transactionId,
    vehicleId: p.vehicleId,
    fleet: p.fleet,
    startedAt: new Date(p.startMs).toISOString(),
    endedAt: p.tx.state === 'Ended' && p.tx.endedAt ? new Date(Date.parse(p.tx.endedAt)).toISOString() : null,
    energyKwh: r.energyKwh,
    cost: r.cost,
    currency: r.currency,
    unpricedKwh: r.unpricedKwh,
    estimatedKwh: r.estimatedKwh,
    fullPowerKw: Math.round(p.fullPowerKw * 1000) / 1000,
    uncontrolledCost: r.uncontrolledCost,
    savings: r.savings,
    ...(withSlots ? { slots: r.slots } : {}),
  };
}

/** The site's effective prices on its slots over [from, until), looked up by slot start; none when unavailable. */
async function priceLookup(deps: CostDeps, site: Site, fromMs: number, untilMs: number): Promise<(ms: number) => EffectiveSlot | undefined> {
  const slotMs = site.slotMinutes * 60_000;
  const start = Math.floor(fromMs / slotMs) * slotMs;
  const end = Math.max(start + slotMs, Math.ceil(untilMs / slotMs) * slotMs);
  let slots: EffectiveSlot[] = [];
  try {
    slots = await deps.prices.effective(site.tariff, { start, end }, slotMs);
  } catch {
    // A zone that never received data (and has no fallback): every slot is unpriced, which the result says.
  }
  // effective() answers on the step grid it was asked for, so a slot's price is found by its start.
  const byStart = new Map(slots.map((s) => [s.start, s]));
  return (ms) => byStart.get(ms);
}
