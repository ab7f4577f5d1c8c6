import { DateTime } from 'luxon';
import { timedSolve, type Plan, type Problem } from '../../solver/index.js';
import type { ChargerCompliance, PlannedBoost, PlanRecord, PushedProfileRecord, SessionPlan } from '../domain/plans.js';
import type { CapacityLimitInterval } from '../domain/prices.js';
import type { Site } from '../domain/sites.js';
import { phrase, tenth, type Phrase } from '../domain/phrases.js';
import { actualKw, buildProblem, departureSlot, pricesOnGrid, type FixedLoad, type PlannedSession, type SlotGrid } from './problem.js';
import { BOOST_DONE_KWH } from './charge-now.js';
import { enforceLimits } from './limits.js';
import { addBoosts, type BoostPart } from './boost.js';
import { explainShortfall } from './shortfall.js';
import { demandChargeOnGrid } from './demand-peak.js';
import { limitAt } from './power-periods.js';
import { isSteered, type CyclePrices, type CycleSession, type CycleSnapshot } from './snapshot.js';

export interface PlanOptions {
  /** The solver's time is measured on this clock (performance.now in the product, fixed in tests). */
  monotonicMs: () => number;
  /**
   * The site's own solver, kept between its cycles (solver/warm.ts WarmSolver): a re-plan that differs from the
   * last one by a few cars, a shrinking partial slot 0 or cars' remaining needs starts from the last flow instead
   * of from nothing, with the same optimum. Absent: every cycle solves cold.
   */
  solver?: { solve(problem: Problem): Plan };
}

export interface CycleResult {
  plan: Omit<PlanRecord, 'id'>;
  grid: SlotGrid;
  /**
   * Sessions whose charger should receive the plan, with what the profile needs beyond the plan and what the
   * charger holds now (from the snapshot: the push step compares against it).
   */
  controlled: { plan: SessionPlan; phases: 1 | 3; minKw: number; stopAtMs: number | null; held: PushedProfileRecord | undefined }[];
  /** Sessions whose car the scheduler identified differently from what the session record says (to record it). */
  identified: { stationId: string; transactionId: string; vehicleId: string | null }[];
  /** Sessions whose boost is delivered (to clear it, unless a person has set another since: `setAt` tells them apart). */
  boostsDone: { stationId: string; evseId: number; transactionId: string; vehicleId: string; setAt: string }[];
  /** Sessions whose car stopped drawing while offered power, found in this cycle (to keep them done). */
  stopped: { stationId: string; evseId: number; transactionId: string }[];
}

/**
 * One planning cycle for one site, on what the cycle read (snapshot.ts): sessions + targets + prices + limits ->
 * solver -> a plan with its inputs. Pure: no store, no clock but the solver's stopwatch.
 */
export function planSite(snapshot: CycleSnapshot, triggers: string[], options: PlanOptions): CycleResult {
  const { site, now, sessions, grid } = snapshot;
  const controlled = sessions.filter(isSteered);
  const unsteered = sessions.filter((s) => !isSteered(s));
  const { priceRows, currency, priceNote } = gridPrices(grid, snapshot.prices);
  const capacity = capacityOnGrid(grid, snapshot.capacityLimits);
  const fixed = unsteered.map((s) => fixedLoad(site, grid, s));
  const built = buildProblem(site, grid, priceRows.map((p) => p?.total ?? 0), capacity, controlled, fixed);
  const boosts = addBoosts(site, built, controlled);
  const demand = snapshot.demand;
  if (demand && demand.perKw > 0) built.problem.demandCharge = demandChargeOnGrid(grid, demand, fixed, controlled);
  const solved = controlled.length ? solveOnce(built.problem, options) : emptyPlan();
  const prices = priceRows.map((p) => p?.total ?? 0);
  const boostKw = (v: number) => {
    const part = boosts.find((b) => b.vehicle === v);
    return part ? solved.vehicles[part.pseudo]!.powerKw.map((kw, i) => actualKw(grid, i, kw)) : null;
  };
  const powers = controlled.map((s, v) => {
    const boost = boostKw(v);
    const dep = departureSlot(grid, s);
    return solved.vehicles[v]!.powerKw.map((kw, i) => actualKw(grid, i, kw) + (boost?.[i] ?? 0) + (i < dep ? s.floorKw : 0));
  });
  const clamped = enforceLimits(site, grid, built.siteLimitKw,
    controlled.map((s, v) => ({ circuit: s.session.evse.circuit, phases: s.phases, phase: s.session.evse.phase, kw: powers[v]! })),
    fixed.map((f, k) => ({ circuit: f.circuit, phases: unsteered[k]!.phases, phase: null, kw: f.kw })));
  const explain = (s: PlannedSession, steered: boolean, compliance: ChargerCompliance) => (shortfallKwh: number) =>
    explainShortfall({ site, grid, now, session: s, shortfallKwh, compliance, steered, siteLimitKw: built.siteLimitKw, fixed, others: controlled.filter((o) => o !== s) });
  const plans = controlled.map((s, v) => {
    const notes: Note[] = clamped.has(v) ? [{ text: 'slot 0 lowered to keep a phase limit (partial slot)', phrase: phrase('plan.phaseLimitSlot0') }] : [];
    return finish(grid, s, powers[v]!, prices, s.compliance, notes, explain(s, true, s.compliance), boostOf(grid, site, s, boosts.find((b) => b.vehicle === v), boostKw(v)), unusedOf(solved, v));
  });
  const uncontrolled = unsteered.map((s, k) => fixedPlan(grid, s, fixed[k]!, prices, explain));
  const all = [...plans, ...uncontrolled];
  if (priceNote) {
    all.forEach((p) => {
      p.notes.push(priceNote.text);
      p.notePhrases!.push(priceNote.phrase);
    });
  }
  return {
    grid,
    controlled: plans.map((plan, v) => ({
      plan, phases: controlled[v]!.phases, minKw: controlled[v]!.minKw,
      stopAtMs: fullAt(grid, powers[v]!, departureSlot(grid, controlled[v]!), unusedOf(solved, v)),
      held: controlled[v]!.pushed,
    })),
    identified: sessions
      .filter((s) => (s.session.vehicle?.id ?? null) !== s.session.recordedVehicleId)
      .map((s) => ({ stationId: s.session.stationId, transactionId: s.session.transactionId, vehicleId: s.session.vehicle?.id ?? null })),
    stopped: sessions
      .filter((s) => s.stopped && !s.stoppedBefore)
      .map((s) => ({ stationId: s.session.stationId, evseId: s.session.evseId, transactionId: s.session.transactionId })),
    boostsDone: sessions
      .filter((s) => s.session.boost && s.boostKwh === 0)
      .map((s) => ({ stationId: s.session.stationId, evseId: s.session.evseId, transactionId: s.session.transactionId, vehicleId: s.session.boost!.vehicleId, setAt: s.session.boost!.setAt })),
    plan: {
      siteId: site.id,
      createdAt: new Date(now).toISOString(),
      triggers,
      slotStarts: grid.starts,
      endMs: grid.endMs,
      status: all.length === 0 ? 'empty' : all.some((p) => p.shortfallKwh > 1e-6) ? 'shortfall' : 'optimal',
      currency,
      totalCost: round4(all.reduce((a, p) => a + p.cost, 0)),
      prices: priceRows,
      siteLimitKw: built.siteLimitKw,
      sessions: all,
      problem: built.problem,
      solver: solved.solver,
      solveMs: solved.solveMs,
    },
  };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function solveOnce(problem: Problem, options: PlanOptions): Plan {
  if (!options.solver) return timedSolve(problem, {}, options.monotonicMs);
  const t0 = options.monotonicMs();
  // The warm solver's plans share rows with its previous ones: the planner only reads them.
  const plan = { ...options.solver.solve(problem) };
  plan.solveMs = Math.round((options.monotonicMs() - t0) * 1000) / 1000;
  return plan;
}

function emptyPlan(): Plan {
  return { status: 'optimal', totalCost: 0, vehicles: [], solver: 'none', solveMs: 0 };
}

function gridPrices(grid: SlotGrid, prices: CyclePrices) {
  if (prices.slots === null) {
    const priceNote: Note = { text: `prices unavailable (${prices.error}): planned earliest first`, phrase: phrase('plan.pricesUnavailable') };
    return { priceRows: grid.starts.map(() => undefined), currency: '', priceNote };
  }
  const priceRows = pricesOnGrid(grid, prices.slots);
  const missing = priceRows.filter((p) => !p).length;
  return {
    priceRows,
    currency: prices.slots[0]?.currency ?? '',
    priceNote: missing ? { text: `${missing} slot(s) without a price were planned at price 0`, phrase: phrase('plan.slotsUnpriced', { count: missing }) } : null,
  };
}

function capacityOnGrid(grid: SlotGrid, limits: readonly CapacityLimitInterval[] | null): number[] | null {
  if (!limits) return null;
  return grid.starts.map((s, i) => {
    const e = grid.starts[i + 1] ?? grid.endMs;
    return Math.min(Infinity, ...limits.filter((l) => l.start < e && l.end > s).map((l) => l.limitKw));
  });
}

/** What an uncontrolled charger will draw: its held profile while offline, else the car's maximum until it is full. */
function fixedLoad(site: Site, grid: SlotGrid, s: CycleSession): FixedLoad {
  const held = s.compliance === 'unreachable' ? s.pushed : undefined;
  let left = s.requestedKwh;
  const kw = grid.starts.map((start, i) => {
    const hours = ((grid.starts[i + 1] ?? grid.endMs) - start) / 3_600_000;
    let draw = s.maxKw;
    if (held && held.state === 'accepted') draw = start < held.endMs ? limitAt(held.periods, start, s.maxKw) : site.policy.defaultLimitKw;
    draw = Math.max(0, Math.min(draw, s.maxKw, left / hours));
    left -= draw * hours;
    return draw;
  });
  return { stationId: s.session.stationId, evseId: s.session.evseId, circuit: s.session.evse.circuit, kw };
}

function energyOf(grid: SlotGrid, kw: readonly number[]): number[] {
  return kw.map((p, i) => p * (((grid.starts[i + 1] ?? grid.endMs) - grid.starts[i]!) / 3_600_000));
}

type Explain = (shortfallKwh: number) => { reason: SessionPlan['shortfallReason']; message: string; phrase: Phrase };

/** A note in English and as a phrase for the pages' languages (domain/phrases.ts). */
interface Note {
  text: string;
  phrase: Phrase;
}

/**
 * The solver may plan a car at its minimum in the slot where it becomes full, above what it still needs: a target is
 * a floor the car may exceed by what it cannot take (issue 21). The car stops when full, so what the plan counts
 * (energy, cost, shortfall, ready time) leaves out the `unusedKwh` it reports for that slot, the car's last before
 * its departure; the profile keeps the minimum, which is what the car needs to charge at all.
 */
function unusedOf(solved: Plan, v: number): number {
  return (solved.vehicles[v] as { unusedKwh?: number } | undefined)?.unusedKwh ?? 0;
}

/**
 * Where a car planned at its minimum above its need (unusedOf) has taken what it needs, on a whole second rounded up:
 * its profile holds 0 from there, so a car that is not full stops at its target too instead of drawing its minimum
 * to the slot's end (test/scenario/simulated-night measured 0.33 kWh over a 10 kWh target). The solver holds the
 * minimum for the whole slot against the limits, so stopping early only leaves room. Null when nothing is unused.
 */
function fullAt(grid: SlotGrid, powerKw: readonly number[], dep: number, unusedKwh: number): number | null {
  if (!(unusedKwh > 0)) return null;
  let full = -1;
  for (let i = 0; i < dep && i < powerKw.length; i++) if (powerKw[i]! > 1e-9) full = i;
  if (full < 0) return null;
  const start = grid.starts[full]!;
  const end = grid.starts[full + 1] ?? grid.endMs;
  const kw = powerKw[full]!;
  const takesKwh = kw * ((end - start) / 3_600_000) - unusedKwh;
  if (!(takesKwh > 0)) return null;
  const at = start + Math.ceil((takesKwh / kw) * 3_600_000 / 1000) * 1000;
  return at < end ? at : null;
}

function finish(
  grid: SlotGrid, s: PlannedSession, powerKw: number[], prices: readonly number[], compliance: ChargerCompliance, notes: Note[],
  explain: Explain, boost: { plan: PlannedBoost; note: Note } | null, unusedKwh = 0,
): SessionPlan {
  const dep = departureSlot(grid, s);
  const drawn = energyOf(grid, powerKw);
  const full = unusedKwh > 0 ? drawn.slice(0, dep).reduce((at, e, i) => (e > 1e-9 ? i : at), -1) : -1;
  const energy = drawn.map((e, i) => (i === full ? Math.max(0, e - unusedKwh) : e));
  const planned = energy.reduce((a, e) => a + e, 0);
  let acc = 0;
  let readyAtMs: number | null = s.requestedKwh <= 1e-6 ? grid.starts[0]! : null;
  energy.forEach((e, i) => {
    acc += e;
    if (readyAtMs === null && e > 0 && acc >= s.requestedKwh - 1e-6) readyAtMs = grid.starts[i + 1] ?? grid.endMs;
  });
  const byDeparture = energy.slice(0, dep).reduce((a, e) => a + e, 0);
  const bat = s.session.vehicle?.batteryKwh;
  const soc = s.session.socPercent;
  const shortfallKwh = round4(Math.max(0, s.requestedKwh - byDeparture));
  const why = shortfallKwh > 1e-6 ? explain(shortfallKwh) : null;
  const own = [...notes, ...(boost ? [boost.note] : []), ...(why ? [{ text: why.message, phrase: why.phrase }] : [])];
  return {
    stationId: s.session.stationId,
    evseId: s.session.evseId,
    transactionId: s.session.transactionId,
    vehicleId: s.session.vehicle?.id ?? null,
    targetSource: s.source,
    compliance,
    notes: [...s.target.notes, ...own.map((n) => n.text)],
    notePhrases: [...s.target.phrases, ...own.map((n) => n.phrase)],
    departureMs: s.target.departureMs,
    requestedKwh: round4(s.requestedKwh),
    deliveredKwh: round4(s.session.deliveredKwh),
    plannedKwh: round4(planned),
    shortfallKwh,
    cost: round4(energy.reduce((a, e, i) => a + e * (prices[i] ?? 0), 0)),
    // Whole watts, rounded down: these become the chargers' limits, and cars sharing a limit that each round up
    // by half a watt add up to more than it (bench:outcome saw the site 2 W over 40 kW).
    powerKw: powerKw.map((p) => Math.floor(p * 1000 + 1e-6) / 1000),
    readyAtMs,
    socAtDeparturePercent: bat && soc !== null ? Math.min(100, Math.round((soc + (byDeparture / bat) * 100) * 10) / 10) : null,
    expectedEnergyAtDepartureKwh: round4(s.session.deliveredKwh + byDeparture),
    shortfallReason: why?.reason ?? null,
    shortfallMessage: why?.message ?? null,
    shortfallPhrase: why?.phrase ?? null,
    boost: boost?.plan ?? null,
  };
}

/** The boost's part of a session plan, and the note people read ("charge now ... until 17:30, then the plan"). */
function boostOf(grid: SlotGrid, site: Site, s: PlannedSession, part: BoostPart | undefined, kw: number[] | null): { plan: PlannedBoost; note: Note } | null {
  if (!part || !kw) return null;
  const energy = energyOf(grid, kw);
  // A rest below the car's minimum is given a slot at the minimum (boost.ts): what goes beyond is the plan's.
  const plannedKwh = Math.min(part.remainingKwh, energy.reduce((a, e) => a + e, 0));
  const last = energy.reduce((at, e, i) => (e > 1e-9 ? i : at), -1);
  const untilMs = last < 0 ? null : grid.starts[last + 1] ?? grid.endMs;
  const until = untilMs === null ? '' : ` until about ${DateTime.fromMillis(untilMs, { zone: site.timeZone }).toFormat('HH:mm')}`;
  const more = part.remainingKwh - plannedKwh > BOOST_DONE_KWH;
  const rest = more ? ` (${(part.remainingKwh - plannedKwh).toFixed(1)} kWh more than the limits leave room for in this plan)` : '';
  // Four ids rather than pieces: each is a whole sentence a translator can order as the language needs.
  const id = `boost.${untilMs === null ? 'open' : 'until'}${more ? 'Short' : ''}`;
  const params = {
    kwh: tenth(part.remainingKwh),
    ...(untilMs === null ? {} : { untilAt: new Date(untilMs).toISOString() }),
    ...(more ? { moreKwh: tenth(part.remainingKwh - plannedKwh) } : {}),
  };
  return {
    plan: { remainingKwh: round4(part.remainingKwh), plannedKwh: round4(plannedKwh), untilMs },
    note: { text: `charge now: ${part.remainingKwh.toFixed(1)} kWh at full power${until}, then the plan${rest}`, phrase: phrase(id, params) },
  };
}

/** A charger's compliance as an ICU select word (the catalogs' selectors cannot hold a hyphen). */
const chargerWord = (c: ChargerCompliance) => (c === 'unreachable' ? 'unreachable' : c === 'rejects-profiles' ? 'rejects' : 'ignores');

function fixedPlan(grid: SlotGrid, s: CycleSession, load: FixedLoad, prices: readonly number[],
  explain: (s: PlannedSession, steered: boolean, compliance: ChargerCompliance) => Explain): SessionPlan {
  const { compliance } = s;
  const note = { text: `charger ${compliance}: planned as it draws, not steered`, phrase: phrase('plan.unsteered', { charger: chargerWord(compliance) }) };
  return finish(grid, s, load.kw, prices, compliance, [note], explain(s, false, compliance), null);
}
