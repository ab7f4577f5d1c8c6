/**
 * Room for the cars still to come (issue 21). A planner that knows only the cars plugged in gives them the cheapest
 * slots, and the cars that arrive later find those slots full and pay the dear ones: at a workplace the early cars
 * wait for the midday dip, the limit is full from noon and the later cars charge at 16-18 h; hindsight would have
 * charged the early ones at 10-11 h.
 *
 * So the plan also holds the cars the site's own past says will come (arrivals-model.ts): per hour of the grid
 * after now, the expected number of arrivals λ (a fraction of a car, or several) as one weighted phantom car that
 * arrives in the middle of it, stays the learned time and asks for λ times the learned energy, at λ times a car's
 * power. One phantom per hour rather than per slot: the solver's time grows with the vehicles (per slot made
 * each solve about 8 times slower in bench:outcome --replan).
 * Phantoms share the limit with the real cars in the joint optimisation, at a lower priority (a real car is never
 * left short for one), and their plans are never pushed: only the real cars' plans leave the planner, and each
 * cycle builds the phantoms afresh from now, so the plan follows reality as cars do (or do not) arrive.
 *
 * Why phantoms rather than a reserved share of the limit: a phantom reserves room exactly where the expected cars
 * would want it (their cheapest slots within their stay), no more when their stay holds cheaper slots than the
 * early cars', and the solver weighs it against the real cars' prices; a fixed share would also block slots the
 * later cars would never use. Measured with bench:outcome (docs/outcome.md).
 *
 * With no history (or one with no arrivals), there are no phantoms and the problem is exactly today's.
 */
import { DateTime } from 'luxon';
import type { VehicleSpec } from '../../solver/index.js';
import type { Site } from '../domain/sites.js';
import type { TransactionStore } from '../domain/stations.js';
import { binAt, learnArrivals, type ArrivalModel, type PastSession } from './arrivals-model.js';

/** The planning grid as problem.ts makes it (slot i is [starts[i], starts[i+1]), the last ends at endMs). */
export interface ExpectedGrid {
  starts: readonly number[];
  endMs: number;
  slotMs: number;
}

/**
 * The site's EVSEs and when those with a car plugged in are free again (each real car's departure, ms): expected
 * cars arrive only at a free EVSE.
 */
export interface ChargerRoom {
  evses: number;
  busyUntilMs: readonly number[];
}

/**
 * The EVSEs free at an instant (never below 0; unbounded without `chargers`): the site's, less the real cars not
 * gone by then and the expected cars placed so far (`stay`) still there. Hours are placed in time order.
 */
export function freeEvses(chargers: ChargerRoom | undefined): { at(ms: number): number; stay(untilMs: number, cars: number): void } {
  const staying: { untilMs: number; cars: number }[] = [];
  return {
    at: (ms) => chargers === undefined ? Infinity
      : Math.max(0, chargers.evses - chargers.busyUntilMs.filter((u) => u > ms).length - staying.reduce((a, p) => a + (p.untilMs > ms ? p.cars : 0), 0)),
    stay: (untilMs, cars) => void staying.push({ untilMs, cars }),
  };
}

/** Phantom vehicles' ids start with this: never a real `${stationId}#${evseId}`. */
export const EXPECTED_PREFIX = 'expected@';
/** Real cars are served first when not everything fits (the solver's default priority is 0). */
const EXPECTED_PRIORITY = -1;
/** Below this (kWh) an expected arrival is not worth a vehicle in the problem. */
const MIN_EXPECTED_KWH = 0.05;

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The expected cars for a plan on `grid` (which starts now), as solver vehicles after the real ones: one per hour
 * of the model (its bin) that the grid reaches after now, for the cars expected in the part of it still to come,
 * arriving at the middle of that part. A phantom's stay is cut at the grid's end, and its energy in proportion
 * (the plan covers only that part of its stay). `weight` scales the expected cars (1: the mean). With `chargers`,
 * an hour's expected cars are at most the EVSEs free at their arrival: the site's, less those whose car has not left
 * by then (the real cars, then the expected cars of the hours before that still stay).
 */
export function expectedVehicles(model: ArrivalModel | undefined, grid: ExpectedGrid, carKw: number, weight = 1, chargers?: ChargerRoom): VehicleSpec[] {
  if (!model || model.sessions === 0 || !(carKw > 0) || !(weight > 0)) return [];
  const free = freeEvses(chargers);
  const T = grid.starts.length;
  const slotEnd = (i: number) => grid.starts[i + 1] ?? grid.endMs;
  const binMs = model.binMinutes * 60_000;
  const out: VehicleSpec[] = [];
  // Slots grouped by the model's bin they start in (UTC-aligned hours: whole-hour zones keep local hours aligned).
  for (let i = 0; i < T;) {
    const binStart = Math.floor(grid.starts[i]! / binMs) * binMs;
    let j = i;
    while (j < T && grid.starts[j]! < binStart + binMs) j++;
    const from = grid.starts[i]!;
    const to = slotEnd(j - 1);
    const bin = binAt(model, from);
    const arriveMs = (from + to) / 2;
    // No more of them than there are EVSEs free when they come: a home's one EVSE holds its car until it leaves.
    const cars = Math.min(weight * bin.carsPerDay * ((to - from) / binMs), free.at(arriveMs));
    i = j;
    if (cars <= 0 || bin.stayMinutes <= 0) continue;
    let first = 0;
    while (first < T - 1 && slotEnd(first) <= arriveMs) first++;
    const departureMs = arriveMs + bin.stayMinutes * 60_000;
    const inGrid = Math.min(1, (grid.endMs - arriveMs) / (departureMs - arriveMs));
    let dep = first + 1;
    while (dep < T && slotEnd(dep) <= departureMs) dep++;
    const maxKw = new Array<number>(T).fill(0);
    let capacityKwh = 0;
    for (let k = first; k < dep; k++) {
      // A partial slot (slot 0 is the rest of the current one) scales its power like every car's (problem.ts): the
      // solver's powers are averages over a whole slot.
      maxKw[k] = round(cars * carKw * ((slotEnd(k) - grid.starts[k]!) / grid.slotMs));
      capacityKwh += maxKw[k]! * (grid.slotMs / 3_600_000);
    }
    const energyKwh = round(Math.min(capacityKwh, cars * bin.energyKwh * inGrid));
    if (energyKwh < MIN_EXPECTED_KWH) continue;
    free.stay(departureMs, cars);
    out.push({ id: `${EXPECTED_PREFIX}${new Date(from).toISOString()}`, availableFrom: first, departure: dep, energyKwh, maxKw, priority: EXPECTED_PRIORITY });
  }
  return out;
}

/** A phantom's power: a car at the site's typical EVSE (the mean of its EVSEs' maxKw). */
export function typicalCarKw(site: Pick<Site, 'evses'>): number {
  return site.evses.length ? site.evses.reduce((a, e) => a + e.maxKw, 0) / site.evses.length : 0;
}

/**
 * Each site's learned model, read from the store once per local day (the first cycle after the site's midnight
 * learns again; a read that found nothing, again after RETRY_EMPTY_MS) instead of in every cycle: the planner gets
 * the model, never the store. The site's `policy.arrivalHistoryWeeks` says how far back (0: no model, the plan of
 * the cars that are here).
 */
/**
 * A day's read that found no history is tried again after this long: a store that holds no finished session at the
 * first cycle of the day (a site that just got its history imported, or whose first sessions are ending) would
 * otherwise plan without its arrivals until the next local midnight. bench:outcome found it so: its history is
 * written after the product's first cycle, and the first measured day (the busiest of the quarter) ran without.
 */
const RETRY_EMPTY_MS = 15 * 60_000;

/** Local days of stored sessions before a site's arrivals are learned: a week, each weekday once. */
export const MIN_HISTORY_DAYS = 7;

export class SiteArrivals {
  private readonly cache = new Map<string, { day: string; model: ArrivalModel | undefined; at: number }>();

  constructor(private readonly store: Pick<TransactionStore, 'between'>) {}

  async model(site: Pick<Site, 'id' | 'timeZone' | 'evses' | 'policy'>, now: number): Promise<ArrivalModel | undefined> {
    const weeks = site.policy.arrivalHistoryWeeks;
    if (!weeks) return undefined;
    const today = DateTime.fromMillis(now, { zone: site.timeZone }).startOf('day');
    const day = today.toISODate()!;
    const hit = this.cache.get(site.id);
    if (hit?.day === day && (hit.model || now - hit.at < RETRY_EMPTY_MS)) return hit.model;
    const model = await this.learn(site, today.minus({ weeks }).toMillis(), today.toMillis());
    this.cache.set(site.id, { day, model, at: now });
    return model;
  }

  /** Finished sessions that started in [fromMs, toMs) on the site's EVSEs; undefined when there are none. */
  private async learn(site: Pick<Site, 'timeZone' | 'evses'>, fromMs: number, toMs: number): Promise<ArrivalModel | undefined> {
    const stations = [...new Set(site.evses.map((e) => e.stationId))];
    const onSite = new Set(site.evses.map((e) => `${e.stationId}#${e.evseId}`));
    const past: PastSession[] = [];
    for (const tx of await this.store.between(new Date(fromMs).toISOString(), new Date(toMs).toISOString(), stations)) {
      if (tx.state !== 'Ended' || !tx.endedAt || tx.evseId === null || !onSite.has(`${tx.stationId}#${tx.evseId}`)) continue;
      if (tx.energyWh === null || tx.meterStartWh === null) continue;
      past.push({ arrivalMs: Date.parse(tx.startedAt), departureMs: Date.parse(tx.endedAt), energyKwh: (tx.energyWh - tx.meterStartWh) / 1000 });
    }
    if (past.length === 0) return undefined;
    // A site with two weeks of history averages over those two weeks, not over the empty ones before.
    const first = Math.min(...past.map((p) => p.arrivalMs));
    const from = Math.max(fromMs, DateTime.fromMillis(first, { zone: site.timeZone }).startOf('day').toMillis());
    // The model is per weekday and hour: until the history holds each weekday once, a new site's first days would
    // stand in for every day of the week (its first afternoon for the next night), so it plans without it.
    if (DateTime.fromMillis(toMs, { zone: site.timeZone }).diff(DateTime.fromMillis(from, { zone: site.timeZone }), 'days').days < MIN_HISTORY_DAYS) return undefined;
    return learnArrivals(past, site.timeZone, from, toMs);
  }
}
