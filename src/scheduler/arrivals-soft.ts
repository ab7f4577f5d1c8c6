/**
 * Expected cars as soft reservations (issue 21). A phantom at a lower priority (arrivals.ts) is still served before
 * cost: the plan moves real cars to dear slots to make room for every kWh the mean says will come, and on a day
 * with fewer cars that room stays empty while the real cars already paid for it. Measured on the Caltech garage at
 * a binding 40 kW (bench:outcome --replan), that cost more per kWh than it saved.
 *
 * Here each hour's expected cars are split into tiers by how likely they are to come (Poisson with the learned
 * rate: the k-th car comes with probability P(N >= k)); each tier is a phantom that may also take an overflow slot
 * of its own, outside the grid and the site limit, at the price of not reserving for it:
 *
 *   q = low + p x (high - low)
 *
 * where low and high are the cheapest and dearest prices within the tier's stay and p its probability. The
 * optimiser then moves a real car out of a cheap slot for a phantom only when the real car's next slot costs less
 * than q: pay now for room that is likely to be needed, not for room that is merely possible (a newsvendor rule).
 * The overflow slots are the last K slots of the problem; every real car has 0 power there, and the plan of the
 * grid is the first T slots. Not for a problem with a demand charge (the overflow slots would count as peaks): the
 * caller adds the demand charge to the grid's slots only, or leaves the expected cars hard.
 */
import type { Problem, VehicleSpec } from '../../solver/index.js';
import { binAt, type ArrivalModel } from './arrivals-model.js';
import { EXPECTED_PREFIX, freeEvses, type ChargerRoom, type ExpectedGrid } from './arrivals.js';

export interface SoftOptions {
  /** Scales the value of room for an expected car: q = low + min(1, value x p) x (high - low). Default 1. */
  value?: number;
  /** At most this many tiers per hour (default 3). */
  tiers?: number;
  /** Tiers whose cars come with a lower probability are left out (default 0.02). */
  minProbability?: number;
  /** Tiers at least this likely are held as hard phantoms (no overflow slot), as arrivals.ts does. Default 1.01: none. */
  hardAbove?: number;
  /** Scales every hour's expected cars (e.g. busyDayFactor for the rest of today). Default 1. */
  scale?: number;
}

const EXPECTED_PRIORITY = -1;
const MIN_EXPECTED_KWH = 0.05;
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** P(N >= k) for k = 1..: a Poisson count with mean `lambda`, until it falls below `floor`. */
export function poissonTail(lambda: number, floor: number): number[] {
  const out: number[] = [];
  if (!(lambda > 0)) return out;
  let pmf = Math.exp(-lambda);
  let cdf = pmf; // P(N <= k - 1) with k = 1
  for (let k = 1; k < 1000; k++) {
    const tail = 1 - cdf;
    if (tail < floor) break;
    out.push(tail);
    pmf *= lambda / k;
    cdf += pmf;
  }
  return out;
}

/** Consecutive cars grouped into at most `n` tiers of similar probability: [count, mean probability] each. */
export function tiersOf(tail: readonly number[], n: number): Array<{ cars: number; p: number }> {
  if (tail.length === 0) return [];
  const size = Math.ceil(tail.length / n);
  const out: Array<{ cars: number; p: number }> = [];
  for (let i = 0; i < tail.length; i += size) {
    const part = tail.slice(i, i + size);
    out.push({ cars: part.length, p: part.reduce((a, b) => a + b, 0) / part.length });
  }
  return out;
}

/**
 * `problem` (the real cars on the grid) with the expected cars added as soft tiers and their overflow slots
 * appended. `gridSlots` = problem.prices.length before; the caller reads the first gridSlots of each plan row.
 */
export function withSoftExpected(problem: Problem, model: ArrivalModel | undefined, grid: ExpectedGrid, carKw: number, opts: SoftOptions = {}, chargers?: ChargerRoom): Problem {
  if (!model || model.sessions === 0 || !(carKw > 0)) return problem;
  if (problem.demandCharge) throw new Error('withSoftExpected: a problem with a demand charge would bill the overflow slots as peaks');
  const T = grid.starts.length;
  const slotH = grid.slotMs / 3_600_000;
  const slotEnd = (i: number) => grid.starts[i + 1] ?? grid.endMs;
  const binMs = model.binMinutes * 60_000;
  const phantoms: Array<{ spec: VehicleSpec; q: number; hard: boolean }> = [];
  const free = freeEvses(chargers);
  for (let i = 0; i < T;) {
    const binStart = Math.floor(grid.starts[i]! / binMs) * binMs;
    let j = i;
    while (j < T && grid.starts[j]! < binStart + binMs) j++;
    const from = grid.starts[i]!;
    const to = slotEnd(j - 1);
    const bin = binAt(model, from);
    const lambda = (opts.scale ?? 1) * bin.carsPerDay * ((to - from) / binMs);
    const arriveMs = (from + to) / 2;
    i = j;
    if (!(lambda > 0) || bin.stayMinutes <= 0) continue;
    let first = 0;
    while (first < T - 1 && slotEnd(first) <= arriveMs) first++;
    const departureMs = arriveMs + bin.stayMinutes * 60_000;
    const inGrid = Math.min(1, (grid.endMs - arriveMs) / (departureMs - arriveMs));
    let dep = first + 1;
    while (dep < T && slotEnd(dep) <= departureMs) dep++;
    const window = problem.prices.slice(first, dep);
    const low = Math.min(...window);
    const high = Math.max(...window);
    // The k-th car of the hour comes only if k EVSEs are free then (as the hard phantoms: arrivals.ts); the hour's
    // mean, so capped, holds EVSEs for the hours after it while it stays.
    const room = free.at(arriveMs);
    free.stay(departureMs, Math.min(lambda, room));
    tiersOf(poissonTail(lambda, opts.minProbability ?? 0.02).slice(0, Math.floor(room + 1e-9)), opts.tiers ?? 3).forEach((tier, k) => {
      const maxKw = new Array<number>(T).fill(0);
      let capacityKwh = 0;
      for (let s = first; s < dep; s++) {
        maxKw[s] = round(tier.cars * carKw * ((slotEnd(s) - grid.starts[s]!) / grid.slotMs));
        capacityKwh += maxKw[s]! * slotH;
      }
      const energyKwh = round(Math.min(capacityKwh, tier.cars * bin.energyKwh * inGrid));
      if (energyKwh < MIN_EXPECTED_KWH) return;
      const q = low + Math.min(1, (opts.value ?? 1) * tier.p) * (high - low);
      phantoms.push({ spec: { id: `${EXPECTED_PREFIX}${new Date(from).toISOString()}#${k + 1}`, availableFrom: first, departure: T, energyKwh, maxKw, priority: EXPECTED_PRIORITY }, q, hard: tier.p >= (opts.hardAbove ?? 1.01) });
    });
  }
  if (phantoms.length === 0) return problem;
  const K = phantoms.length;
  const pad = (a: number | number[] | undefined, fill: number, len = T): number | number[] | undefined =>
    a === undefined ? undefined : Array.isArray(a) ? [...a.slice(0, len), ...new Array<number>(K).fill(fill)] : [...new Array<number>(len).fill(a), ...new Array<number>(K).fill(fill)];
  const real = problem.vehicles.map((v) => ({ ...v, maxKw: pad(v.maxKw, 0)!, ...(v.minKw !== undefined ? { minKw: pad(v.minKw, 0)! } : {}) }));
  const soft = phantoms.map(({ spec, hard }, k) => {
    const maxKw = [...(spec.maxKw as number[]), ...new Array<number>(K).fill(0)];
    if (!hard) maxKw[T + k] = round(spec.energyKwh / slotH + 1e-6);
    return { ...spec, departure: T + K, maxKw };
  });
  const big = 1e9;
  return {
    ...problem,
    prices: [...problem.prices, ...phantoms.map((p) => p.q)],
    siteLimitKw: pad(problem.siteLimitKw ?? big, big) as number[],
    ...(problem.circuits ? { circuits: problem.circuits.map((c) => ({ ...c, ...(c.limitKw !== undefined ? { limitKw: pad(c.limitKw, big) as number[] } : {}) })) } : {}),
    vehicles: [...real, ...soft],
  };
}
