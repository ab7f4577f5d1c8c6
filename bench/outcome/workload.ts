import type { PriceSeries } from '../../src/domain/prices.js';
import type { SessionRecord } from '../../src/cli/sim/sessions.js';
import { slotPrices } from '../../src/cli/sim/price-file.js';
import { placeSessions } from '../../src/cli/sim/placement.js';
import type { OutcomeSite } from './site.js';

/**
 * What every policy of the outcome benchmark is given: the same visits (a session placed on an EVSE), the same
 * slot grid and the same price per slot. Policies differ only in how they spread each visit's energy over its
 * slots, so their costs and missed targets are comparable.
 */
export interface Visit {
  session: SessionRecord;
  /** `${prefix}${n}`, n from 1. */
  stationId: string;
  /** 1..evsesPerStation. */
  evseId: number;
  /** The grid slots the visit overlaps: [fromSlot, toSlot). Empty for a zero-length session. */
  fromSlot: number;
  toSlot: number;
  /**
   * Per slot of the visit's window, [fromSlot, toSlot) (capKwh[i] is slot fromSlot + i): the car's power (the EVSE's
   * and the car model's lower) x the hours of the slot the car is plugged in. Only the window is kept: three months
   * of 15-minute slots for thousands of visits would otherwise be gigabytes of zeros.
   */
  capKwh: number[];
  /** The energy fits at full EVSE power alone (no site limit): no policy can do better than this. */
  feasible: boolean;
}

/** UTC-aligned slots: floor(first arrival) .. ceil(last departure) to whole steps. */
export interface Grid {
  startMs: number;
  stepMs: number;
  slots: number;
}

export interface Workload {
  site: OutcomeSite;
  grid: Grid;
  /** EUR/kWh per slot. */
  prices: number[];
  /** In arrival order (ties by session id): the order greedy's clamp serves them in. */
  visits: Visit[];
  /** Sessions that found every EVSE taken: excluded from every policy and reported. */
  turnedAway: SessionRecord[];
}

/**
 * The real sessions were spread over many garages; one garage with enough EVSEs (station 1 EVSE 1, station 1 EVSE 2,
 * ...) keeps every one of them, and a turned-away session is visible rather than silently lost.
 */
function assign(site: OutcomeSite, sessions: readonly SessionRecord[], prefix: string) {
  const evses: Array<{ stationId: string; evseId: number }> = [];
  for (let n = 1; n <= site.stations; n++) {
    for (let e = 1; e <= site.evsesPerStation; e++) evses.push({ stationId: `${prefix}${n}`, evseId: e });
  }
  const { placed, turnedAway } = placeSessions(sessions, evses);
  return { placed: placed.map(({ session, evse }) => ({ session, ...evse })), turnedAway };
}

/** The car every session brings (the same under every policy): phases, the most it draws, its minimum current. */
export interface CarModel {
  name: string;
  phases: 1 | 3;
  /** kW the car draws at most (the EVSE may allow less). */
  maxKw: number;
  /** A (per phase); 0 = none (the car takes any current). */
  minCurrentA: number;
}

/** 230 V x 32 A: a 1-phase car draws at most one phase of a 32 A EVSE. */
export const ONE_PHASE_MAX_KW = 7.36;
export const CAR_MODELS = {
  '3-phase': { name: '3-phase', phases: 3, maxKw: Number.POSITIVE_INFINITY, minCurrentA: 6 },
  '1-phase': { name: '1-phase', phases: 1, maxKw: ONE_PHASE_MAX_KW, minCurrentA: 6 },
} as const satisfies Record<string, CarModel>;

/** What a car of this model draws at most on this site's EVSEs. */
export const carKw = (site: OutcomeSite, car: Pick<CarModel, 'maxKw'>): number => Math.min(site.evseKw, car.maxKw);

/** The energy of a row of a visit (window-relative, see Visit.capKwh). */
export const rowSum = (row: readonly number[]): number => row.reduce((a, b) => a + b, 0);

export function buildWorkload(
  site: OutcomeSite,
  sessions: readonly SessionRecord[],
  series: PriceSeries[],
  stationPrefix = 'CS',
  car: Pick<CarModel, 'maxKw'> = CAR_MODELS['3-phase'],
): Workload {
  const kw = carKw(site, car);
  const { placed, turnedAway } = assign(site, sessions, stationPrefix);
  if (placed.length === 0) throw new Error('buildWorkload: no sessions to replay');
  const stepMs = site.slotMinutes * 60_000;
  const startMs = Math.floor(Math.min(...placed.map((p) => p.session.arrival)) / stepMs) * stepMs;
  const endMs = Math.ceil(Math.max(...placed.map((p) => p.session.departure)) / stepMs) * stepMs;
  const grid: Grid = { startMs, stepMs, slots: (endMs - startMs) / stepMs };
  const prices = slotPrices(series, startMs, endMs, stepMs);

  const visits = placed.map(({ session, stationId, evseId }): Visit => {
    const fromSlot = Math.floor((session.arrival - startMs) / stepMs);
    // A zero-length session overlaps no slot at all (not the one it sits in).
    const toSlot = session.departure > session.arrival ? Math.ceil((session.departure - startMs) / stepMs) : fromSlot;
    const capKwh = new Array<number>(toSlot - fromSlot).fill(0);
    let total = 0;
    for (let t = fromSlot; t < toSlot; t++) {
      const slotStart = startMs + t * stepMs;
      const overlapMs = Math.min(session.departure, slotStart + stepMs) - Math.max(session.arrival, slotStart);
      total += capKwh[t - fromSlot] = (kw * overlapMs) / 3_600_000;
    }
    return { session, stationId, evseId, fromSlot, toSlot, capKwh, feasible: session.energyKwh <= total + 1e-9 };
  });
  return { site, grid, prices, visits, turnedAway };
}
