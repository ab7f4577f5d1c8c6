/**
 * A homeowner's charging mode (domain/charging-modes.ts) as solver inputs (issue 18). The mode is read with the
 * targets (planned-session.ts) and applied to the car's VehicleSpec where the problem is built (problem.ts), so the
 * next plan, and the TxProfile made from it (K01.FR.01 via push.ts), carries it:
 *
 * - paused until T: maxKw = 0 in every slot that starts before T. A slot that straddles T (only when T is not on a
 *   slot boundary) waits for the next boundary: never energy before the time the person named. The departure target
 *   is then planned in what remains; if that is too little, the plan is short and says so.
 * - price cap X: maxKw = 0 in every slot whose effective price is above X. The cap is firm: a target it makes
 *   infeasible is planned as far as the slots at or below X allow, and the plan reports the shortfall (the page
 *   says the cap is why, and that raising it or "charge now" helps). Slots without a price are not excluded.
 * - minimum N kWh / N %: an intermediate target (solver TargetSpec) for the energy still missing to N, due by the
 *   earliest slot in which the car, at its own maximum in every slot from now, could have it: the solver then
 *   charges it at once (at the site's limits) and plans the rest of the departure target at the cheapest hours.
 *   The session's energy is raised to N if the departure target asks for less.
 */
import { DateTime } from 'luxon';
import type { VehicleSpec } from '../../solver/index.js';
import type { ChargingMode } from '../domain/charging-modes.js';
import { phrase, type Phrase } from '../domain/phrases.js';
import type { Site } from '../domain/sites.js';
import type { ActiveSession } from './sessions.js';
import type { SlotGrid } from './slot-grid.js';
import { localDateTime } from './targets.js';

export type ResolvedMode =
  | { kind: 'paused'; untilMs: number }
  | { kind: 'price-cap'; maxPrice: number }
  | { kind: 'minimum'; needKwh: number };

/** A mode that is in force now, with the sentence the plan carries; null when none is (smart, or a pause that ended). */
export function resolveMode(
  site: Site,
  now: number,
  session: Pick<ActiveSession, 'deliveredKwh' | 'socPercent' | 'vehicle'>,
  mode: ChargingMode | null | undefined,
  stopped: boolean,
): { mode: ResolvedMode | null; note: string | null; phrase?: Phrase } {
  if (!mode) return { mode: null, note: null };
  if (mode.kind === 'paused') {
    const untilMs = localDateTime(mode.until, site.timeZone);
    if (untilMs <= now) return { mode: null, note: null };
    const at = DateTime.fromMillis(untilMs, { zone: site.timeZone });
    const sameDay = at.hasSame(DateTime.fromMillis(now, { zone: site.timeZone }), 'day');
    return {
      mode: { kind: 'paused', untilMs },
      note: `paused at your request until ${at.toFormat(sameDay ? 'HH:mm' : 'ccc HH:mm')}: no charging before then`,
      phrase: phrase('mode.paused', { untilAt: new Date(untilMs).toISOString() }),
    };
  }
  if (mode.kind === 'price-cap') {
    return {
      mode: { kind: 'price-cap', maxPrice: mode.maxPrice },
      note: `your price cap: no charging in hours that cost more than ${mode.maxPrice.toFixed(3)} per kWh`,
      phrase: phrase('mode.priceCap', { maxPrice: mode.maxPrice }),
    };
  }
  if (stopped) return { mode: null, note: null };
  const battery = session.vehicle?.batteryKwh ?? null;
  if (mode.energyKwh !== undefined) {
    const needKwh = Math.max(0, mode.energyKwh - session.deliveredKwh);
    if (!(needKwh > 0)) return { mode: { kind: 'minimum', needKwh }, note: null };
    const kwh = Math.round(mode.energyKwh * 10) / 10;
    return { mode: { kind: 'minimum', needKwh }, note: `${fmt(mode.energyKwh)} kWh at once at your request, the rest at the cheapest hours`, phrase: phrase('mode.minimumKwh', { kwh }) };
  }
  if (mode.socPercent !== undefined && battery && session.socPercent !== null) {
    const needKwh = Math.max(0, ((mode.socPercent - session.socPercent) / 100) * battery);
    if (!(needKwh > 0)) return { mode: { kind: 'minimum', needKwh }, note: null };
    const percent = Math.round(mode.socPercent * 10) / 10;
    return { mode: { kind: 'minimum', needKwh }, note: `${fmt(mode.socPercent)} % at once at your request, the rest at the cheapest hours`, phrase: phrase('mode.minimumPercent', { percent }) };
  }
  return {
    mode: null,
    note: `the minimum of ${fmt(mode.socPercent ?? 0)} % needs the car’s battery level and size, which are unknown: set it in kWh instead`,
    phrase: phrase('mode.minimumUnknown', { percent: Math.round((mode.socPercent ?? 0) * 10) / 10 }),
  };
}

const fmt = (x: number) => String(Math.round(x * 10) / 10);
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Applies a mode to one car's spec (arrays per slot, as buildProblem makes them). `prices`: effective, per slot. */
export function applyMode(spec: VehicleSpec, mode: ResolvedMode, grid: SlotGrid, prices: readonly number[]): void {
  const maxKw = Array.isArray(spec.maxKw) ? [...spec.maxKw] : grid.starts.map(() => spec.maxKw as number);
  // A slot with no power has no minimum either (the solver's "0 or at least minKw" per slot).
  // buildProblem shares a car's arrays with the cars of the same power: copy before writing.
  if (typeof spec.minKw === 'number' && spec.minKw > 0 && mode.kind !== 'minimum') spec.minKw = grid.starts.map(() => spec.minKw as number);
  else if (Array.isArray(spec.minKw)) spec.minKw = [...spec.minKw];
  const off = (i: number) => {
    maxKw[i] = 0;
    if (Array.isArray(spec.minKw)) spec.minKw[i] = 0;
  };
  if (mode.kind === 'paused') {
    grid.starts.forEach((start, i) => start < mode.untilMs && off(i));
  } else if (mode.kind === 'price-cap') {
    prices.forEach((p, i) => p > mode.maxPrice + 1e-9 && off(i));
  } else if (mode.needKwh > 0.05) {
    const hours = grid.slotMs / 3_600_000;
    let sum = 0;
    let by = 0;
    while (by < spec.departure && sum < mode.needKwh - 1e-9) sum += maxKw[by++]! * hours;
    const energy = round(Math.min(mode.needKwh, sum));
    if (by > 0 && energy > 0) {
      spec.energyKwh = Math.max(spec.energyKwh, energy);
      spec.targets = [...(spec.targets ?? []), { bySlot: by, energyKwh: energy }].sort((a, b) => a.bySlot - b.bySlot);
    }
  }
  spec.maxKw = maxKw;
}
