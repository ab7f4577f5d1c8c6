import type { Problem, VehicleSpec } from '../../solver/index.js';
import type { EffectiveSlot } from '../domain/prices.js';
import type { PowerPeriod, TargetSource } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import type { ActiveSession } from './sessions.js';
import type { ResolvedTarget } from './targets.js';
import { limitAt } from './power-periods.js';
import { applyMode, type ResolvedMode } from './charging-modes.js';

/**
 * The one place where instants become slot indices. The grid starts now: slot 0 runs from now to the next
 * boundary of the site's slot length (UTC-aligned, as market intervals are) and may be partial; the others are
 * whole, except that a car's departure inside a slot cuts it in two (to the minute), so that the car is planned
 * until it leaves and not to the slot's start. The solver works in average power per whole slot, so every power
 * limit of a part slot is scaled by the fraction `f` of the slot it covers, and its planned power is divided by
 * `f` again when it becomes a limit on the charger (`actualKw`). Cutting the grid, rather than scaling only the
 * departing car's limit, keeps every limit at every moment: inside a part slot every car holds one power.
 */
export type { SlotGrid } from './slot-grid.js';
import type { SlotGrid } from './slot-grid.js';

/**
 * Every cut is a slot more for the solver: at fleet size with departures at scattered minutes (224 of them between
 * 05:00 and 09:00) the problem grew from 62 to 288 slots and the solve 8-fold (bench:scheduler). Beyond this many
 * cuts, departures are rounded down to 5 minutes, then to half slots: earlier, never later, than the car leaves.
 */
const MAX_CUTS = 32;

/**
 * A car's last watt-hours: a rest it takes within a minute at its minimum (69 Wh for a 3-phase car at 6 A) is charged
 * now, in a part of the grid that ends two minutes from now (a cut, floored to the minute like a departure). At its
 * minimum in a whole slot the solver held 4.1 kW of the site's room for the quarter-hour, and moved other cars to
 * dearer slots, for seconds of charging; in the part it holds at most two minutes of it. What it costs at the price
 * of now is a few watt-hours. Null for a car without a minimum (it is planned below it anyway) or with more to take.
 */
export function lastWattHoursEnd(now: number, s: Pick<PlannedSession, 'requestedKwh' | 'minKw' | 'floorKw'>): number | null {
  if (!(s.requestedKwh > 0) || !(s.minKw > 0) || s.floorKw > 0 || s.requestedKwh > s.minKw / 60) return null;
  return now + 2 * 60_000;
}

/** `cutsMs`: departures; each one inside a slot (rounded down to the minute) becomes a slot boundary. */
export function slotGrid(now: number, slotMinutes: number, untilMs: number, cutsMs: readonly number[] = []): SlotGrid {
  const slotMs = slotMinutes * 60_000;
  const firstEnd = Math.floor(now / slotMs) * slotMs + slotMs;
  const endMs = Math.max(firstEnd, Math.ceil(untilMs / slotMs) * slotMs);
  const starts = [now];
  for (let t = firstEnd; t < endMs; t += slotMs) starts.push(t);
  let cuts = new Set<number>();
  for (const step of [60_000, 300_000, slotMs / 2]) {
    cuts = new Set(cutsMs.map((t) => Math.floor(t / step) * step).filter((t) => t > now && t < endMs && t % slotMs !== 0));
    if (cuts.size <= MAX_CUTS) break;
  }
  if (cuts.size) {
    starts.push(...cuts);
    starts.sort((a, b) => a - b);
  }
  const fractions = starts.map((s, i) => ((starts[i + 1] ?? endMs) - s) / slotMs);
  return { starts, endMs, slotMs, firstFraction: fractions[0]!, fractions };
}

const slotEnd = (g: SlotGrid, i: number) => g.starts[i + 1] ?? g.endMs;

/** How many whole slots end by `ms` (a car that leaves mid-slot does not count on that slot). */
export function slotsEndingBy(g: SlotGrid, ms: number): number {
  let n = 0;
  while (n < g.starts.length && slotEnd(g, n) <= ms) n++;
  return n;
}

/** Planned average power of slot i -> the limit the charger should hold during it. */
export function actualKw(g: SlotGrid, i: number, kw: number): number {
  return kw / g.fractions[i]!;
}

/** A session the planner must take as it is: its charger does not follow our profiles, or cannot be reached. */
export interface FixedLoad {
  stationId: string;
  evseId: number;
  circuit: string | null;
  /** Expected draw per slot, kW (actual power, not scaled). */
  kw: number[];
}

export interface PlannedSession {
  session: ActiveSession;
  target: ResolvedTarget;
  source: TargetSource;
  requestedKwh: number;
  maxKw: number;
  minKw: number;
  phases: 1 | 3;
  /** Lower per-slot caps the charger reported (GetCompositeSchedule 'lower'), actual kW. */
  caps: PowerPeriod[] | null;
  /** Under pause = 'minimum' the car always draws minKw; the solver plans what comes on top. */
  floorKw: number;
  /** A person's "charge now": energy still to give at full power from now (0: none). See boost.ts. */
  boostKwh: number;
  /** The homeowner's charging mode in force (charging-modes.ts); absent or null: smart. */
  mode?: ResolvedMode | null;
}

export interface BuiltProblem {
  problem: Problem;
  grid: SlotGrid;
  siteLimitKw: number[];
  vehicleIds: string[];
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export function buildProblem(
  site: Site,
  grid: SlotGrid,
  prices: readonly number[],
  capacityKw: readonly number[] | null,
  sessions: readonly PlannedSession[],
  fixed: readonly FixedLoad[],
): BuiltProblem {
  const T = grid.starts.length;
  const scale = (i: number, kw: number) => kw * grid.fractions[i]!;
  // What is taken before the optimiser starts: uncontrolled chargers and the minimum floor of paused cars.
  const chainOf = circuitChains(site);
  const taken = [
    ...fixed.map((f) => ({ chain: chainOf(f.circuit), kw: (i: number) => f.kw[i] ?? 0 })),
    ...sessions.filter((s) => s.floorKw > 0).map((s) => ({ chain: chainOf(s.session.evse.circuit), kw: (i: number) => (i < departureSlot(grid, s) ? s.floorKw : 0) })),
  ];
  /** Free power in slot i under a limit (null = the grid connection), scaled for a partial slot 0. */
  const free = (limitKw: number, under: string | null, i: number) =>
    round(scale(i, Math.max(0, limitKw - taken.reduce((a, l) => a + (under === null || l.chain.has(under) ? l.kw(i) : 0), 0))));
  const siteLimitKw = Array.from({ length: T }, (_, i) => Math.min(site.gridLimitKw, capacityKw?.[i] ?? Infinity));
  const siteFree = siteLimitKw.map((kw, i) => free(kw, null, i));
  const circuits = site.circuits.map((c) => ({
    id: c.id,
    ...(c.parent ? { parent: c.parent } : {}),
    ...(c.limitKw !== undefined ? { limitKw: Array.from({ length: T }, (_, i) => free(c.limitKw!, c.id, i)) } : {}),
    ...(c.phaseLimitA !== undefined ? { phaseLimitA: c.phaseLimitA, voltage: site.lineVoltageV } : {}),
  }));
  // Cars of one power share their per-slot arrays (1,000 cars are a handful of powers): built once, and the warm
  // solver compares them by reference (solver/warm-slots.ts). Whoever edits a car's array copies it first
  // (charging-modes.ts, boost.ts replace them).
  const perSlot = new Map<number, number[]>();
  const scaled = (kw: number) => {
    let a = perSlot.get(kw);
    if (!a) perSlot.set(kw, (a = Array.from({ length: T }, (_, i) => round(scale(i, kw)))));
    return a;
  };
  const vehicles: VehicleSpec[] = sessions.map((s) => {
    const dep = departureSlot(grid, s);
    const top = Math.max(0, s.maxKw - s.floorKw);
    const spec: VehicleSpec = {
      id: `${s.session.stationId}#${s.session.evseId}`,
      availableFrom: 0,
      departure: dep,
      energyKwh: round(Math.max(0, s.requestedKwh - floorEnergy(grid, s, dep))),
      maxKw: s.caps
        ? Array.from({ length: T }, (_, i) => round(scale(i, Math.max(0, Math.min(top, limitAt(s.caps!, grid.starts[i]!, top) - s.floorKw)))))
        : scaled(top),
      phases: s.phases,
    };
    const last = lastWattHoursEnd(grid.starts[0]!, s);
    if (last !== null) spec.departure = Math.min(dep, Math.max(1, slotsEndingBy(grid, last)));
    if (s.session.evse.circuit) spec.circuit = s.session.evse.circuit;
    if (s.session.evse.phase) spec.phase = s.session.evse.phase;
    // The minimum is an average over the slot like every power here: in a partial slot 0 the car at its minimum
    // for the time that remains averages the minimum times that fraction. Unscaled, a re-plan in the last minutes
    // of a slot could not charge at all (the slot's scaled maximum fell below the minimum) and a car with no slack
    // lost those minutes on every late trigger.
    if (s.minKw > 0 && s.floorKw === 0) {
      spec.minKw = grid.fractions.some((f) => f < 1) ? scaled(s.minKw) : round(s.minKw);
    }
    if (s.target.minimum) {
      const by = slotsEndingBy(grid, s.target.minimum.byMs);
      const need = Math.max(0, s.target.minimum.energyKwh - s.session.deliveredKwh);
      if (by > 0 && need > 0) spec.targets = [{ bySlot: Math.min(by, dep), energyKwh: round(Math.min(need, spec.energyKwh)) }];
    }
    // Issue 18: paused until, price cap, minimum at once: solver inputs (charging-modes.ts).
    if (s.mode) applyMode(spec, s.mode, grid, prices);
    return spec;
  });
  const problem: Problem = {
    slotMinutes: (grid.slotMs / 60_000) as 15 | 30 | 60,
    prices: [...prices],
    siteLimitKw: siteFree,
    vehicles,
    tieBreak: 'earlier',
    // Issue 21: when not every target fits, complete as many cars as the same energy and cost allow rather than leave
    // every car of a full night a little short (solver/fewest-short.ts; docs/outcome.md "Fewest cars short"); with
    // policy.shortfall 'even', then share what the cars still short get evenly (solver/even-share.ts).
    shortfall: site.policy.shortfall,
  };
  if (circuits.length) problem.circuits = circuits;
  return { problem, grid, siteLimitKw, vehicleIds: vehicles.map((v) => v.id) };
}

/**
 * The slots a car can count on: those that end by its departure. A car whose departure falls inside slot 0 still
 * gets slot 0, and one past its departure but still plugged in gets the next whole slot too: charge what is
 * missing as soon as possible.
 */
export function departureSlot(grid: SlotGrid, s: PlannedSession): number {
  return departureSlotOf(grid, s.target.departureMs);
}

function floorEnergy(grid: SlotGrid, s: PlannedSession, dep: number): number {
  let e = 0;
  for (let i = 0; i < dep; i++) e += s.floorKw * ((slotEnd(grid, i) - grid.starts[i]!) / 3_600_000);
  return e;
}

/** The circuits a load on `circuit` counts against (itself and its ancestors), computed once per circuit. */
export function circuitChains(site: Site): (circuit: string | null | undefined) => ReadonlySet<string> {
  const parent = new Map(site.circuits.map((c) => [c.id, c.parent ?? null]));
  const memo = new Map<string | null, Set<string>>();
  return (circuit) => {
    const key = circuit ?? null;
    let chain = memo.get(key);
    if (!chain) {
      chain = new Set();
      for (let at = key; at; at = parent.get(at) ?? null) chain.add(at);
      memo.set(key, chain);
    }
    return chain;
  };
}

/** Effective prices mapped onto the grid: slot i gets the price of the interval that contains its start. */
export function pricesOnGrid(grid: SlotGrid, slots: readonly EffectiveSlot[]): (EffectiveSlot | undefined)[] {
  return grid.starts.map((s) => slots.find((p) => p.start <= s && s < p.end));
}

/** departureSlot for a stored session plan (same rule, from the departure instant). */
export function departureSlotOf(grid: SlotGrid, departureMs: number): number {
  const T = grid.starts.length;
  if (departureMs <= grid.starts[0]!) return Math.min(2, T);
  return Math.max(1, slotsEndingBy(grid, departureMs));
}
