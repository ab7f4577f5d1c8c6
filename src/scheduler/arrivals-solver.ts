/**
 * The cars still to come, at solve time (issue 21). The planner builds the problem of the cars that are here
 * (problem.ts, with boosts and a demand charge added after); this solver adds the site's expected cars to it, solves
 * the whole, and hands back the plan of the cars that were in the problem it was given, on its slots only. So the
 * expected cars and the soft tiers' overflow slots never reach a stored plan, a pushed profile or a page: the
 * planner never sees them, and the problem it stores is the one of the real cars.
 *
 * Two ways to hold room for them (the site's `policy.arrivalReservation`):
 * - 'soft' (arrivals-soft.ts): Poisson tiers per hour, each with an overflow slot priced by how likely its cars come;
 *   the tiers at least SOFT.hardAbove (one half) likely are held hard. On the outcome bench (docs/outcome.md) it is
 *   the cheaper per kWh offline over whole months; in the product over two weeks it matched the phantoms at the
 *   workplace and cost more at home, so a site opts in. It needs slots outside the grid, which a demand charge would bill as peaks:
 *   a problem with a demand charge gets the hard phantoms instead (they meet more targets than no expected cars at
 *   about the same cost per kWh, bench:outcome --replan on the Caltech garage).
 * - 'phantoms' (arrivals.ts, the default): one hard phantom per hour at the mean, served after every real car.
 * Either way the expected cars have a lower priority than every real car: the solver delivers the real cars' energy
 * first, so an expected car never takes a real car's feasible target in the plan.
 */
import { solve as coldSolve, type Plan, type Problem, type VehicleSpec } from '../../solver/index.js';
import type { ArrivalModel } from './arrivals-model.js';
import { expectedVehicles, typicalCarKw, type ExpectedGrid } from './arrivals.js';
import { withSoftExpected, type SoftOptions } from './arrivals-soft.js';
import type { Site } from '../domain/sites.js';

export type ArrivalReservation = 'soft' | 'phantoms';

/**
 * The soft tiers as the product plans them, chosen on the bench (docs/outcome.md, issue 21: learned from the four
 * weeks before each day, chosen on August, measured on September). Tiers at least half likely are held hard: on
 * August that met as many targets as the hard phantoms on both sites (Caltech 40 kW: all 829; Trondheim 20 kW: 353
 * of 362) for less per kWh (2.81 against 2.92 % above hindsight; 1.10 against 1.86 %), where 0.6 was cheaper
 * (1.96 %, 1.00 %) but missed 4 more at home. The value of room at its probability (x1): x0.7 and x1.4 cost more.
 */
export const SOFT: Readonly<SoftOptions> = { value: 1, tiers: 3, minProbability: 0.02, hardAbove: 0.5 };

/** What a solve is asked for: the site's model (undefined: none), the grid the problem is on, a car's power. */
export interface ExpectedCars {
  model: ArrivalModel | undefined;
  grid: ExpectedGrid;
  carKw: number;
  /** The site's EVSEs: expected cars come only to free ones (arrivals.ts ChargerRoom). */
  evses?: number;
  reservation: ArrivalReservation;
  soft?: SoftOptions;
}

export interface PlanSolver {
  solve(problem: Problem): Plan;
}

/** How the last solve held room for the expected cars (for tests and logs). */
export type ExpectedMode = 'none' | 'soft' | 'phantoms' | 'phantoms (demand charge)';

export class ArrivalAwareSolver implements PlanSolver {
  lastMode: ExpectedMode = 'none';
  /** How many expected cars (phantoms or tiers) the last solve planned beside the real ones. */
  lastExpected = 0;
  /** Whether the last solve held the expected cars' room from the relaxation (reserveFromRelaxation). */
  lastHeld = false;

  /**
   * `relaxation` solves the problem with the expected cars and without the minimum (default: a cold solve; the
   * planning loop keeps a warm one per site).
   */
  constructor(private readonly base: PlanSolver, private readonly expected: ExpectedCars, private readonly relaxation: PlanSolver = { solve: (p) => coldSolve(p) }) {}

  solve(problem: Problem): Plan {
    const { augmented, mode } = withExpected(problem, this.expected);
    this.lastMode = mode;
    this.lastExpected = augmented.vehicles.length - problem.vehicles.length;
    this.lastHeld = false;
    if (augmented === problem) return this.base.solve(problem);
    if (!hasMinimum(problem) || problem.demandCharge) return realPart(this.base.solve(augmented), problem);
    return this.reserveFromRelaxation(problem, augmented);
  }

  /**
   * With a minimum current the expected cars are room held, not cars to round (bench:outcome, issue 21). Solved
   * jointly, the rounding of the real cars' minimum ran against the expected cars (which have none), and paid for it
   * with real energy in the dearest slots: on Trondheim's busiest week a re-plan at 19:42, 3 minutes before a slot's
   * end, put 20 kW of real cars into that slot at the evening's peak price because no expected car could be there
   * (their plan 16 % dearer than the same problem without the minimum, where without expected cars the minimum cost
   * 1 %). So: the expected cars' power per slot comes from the exact relaxation (real cars first, no minimum: the
   * offline re-plan's plan), and the real cars are planned with their minimum in what that leaves. If the held room
   * leaves the real cars less energy than planning them jointly with the expected cars, the joint plan stands: an
   * expected car never takes a real car's energy.
   */
  private reserveFromRelaxation(problem: Problem, augmented: Problem): Plan {
    this.lastHeld = true;
    const T = problem.prices.length;
    const V = problem.vehicles.length;
    const relaxed = this.relaxation.solve({ ...augmented, vehicles: augmented.vehicles.map(({ minKw: _minKw, ...v }) => v) });
    const held = new Array<number>(T).fill(0);
    for (const v of relaxed.vehicles.slice(V)) for (let t = 0; t < T; t++) held[t]! += v.powerKw[t] ?? 0;
    const limit = problem.siteLimitKw;
    const siteLimitKw = Array.from({ length: T }, (_, t) => {
      const kw = limit === undefined ? Infinity : typeof limit === 'number' ? limit : limit[t] ?? Infinity;
      return Math.max(0, Math.round((kw - held[t]!) * 1e6) / 1e6);
    });
    // An unlimited site holds nothing: the expected cars take no room from anyone.
    if (siteLimitKw.every((kw) => kw === Infinity)) return this.base.solve(problem);
    const plan = this.base.solve({ ...problem, siteLimitKw });
    const energy = (p: Plan) => p.vehicles.slice(0, V).reduce((a, v) => a + v.energyKwh, 0);
    if (plan.status === 'optimal') return plan;
    const joint = realPart(this.base.solve(augmented), problem);
    this.lastHeld = energy(plan) >= energy(joint) - 1e-6;
    return this.lastHeld ? plan : joint;
  }
}

/** Does some real car have a minimum power (the 6 A of AC charging)? */
function hasMinimum(problem: Problem): boolean {
  return problem.vehicles.some((v) => v.minKw !== undefined && (typeof v.minKw === 'number' ? v.minKw > 0 : v.minKw.some((kw) => kw > 0)));
}

/** The solver of one site's cycle: the site's own solver, with its expected cars when it has a model. */
export function expectedCarsSolver(base: PlanSolver, site: Pick<Site, 'evses' | 'policy'>, model: ArrivalModel | undefined, grid: ExpectedGrid, relaxation?: PlanSolver): PlanSolver {
  if (!model || model.sessions === 0) return base;
  return new ArrivalAwareSolver(base, { model, grid, carKw: typicalCarKw(site), evses: site.evses.length, reservation: site.policy.arrivalReservation }, relaxation);
}

/** The problem with the expected cars after the real ones (the same object when there are none to add). */
export function withExpected(problem: Problem, e: ExpectedCars): { augmented: Problem; mode: ExpectedMode } {
  const none = { augmented: problem, mode: 'none' as const };
  // The expected cars are built on the grid's slots: a problem on another grid is planned as it is.
  if (!e.model || e.model.sessions === 0 || problem.prices.length !== e.grid.starts.length) return none;
  // A real car holds its EVSE until its departure (the end of its last slot); without `evses` (bench/outcome/replan.ts
  // plans expected cars without EVSEs) there is no cap.
  const chargers = e.evses === undefined ? undefined : {
    evses: e.evses,
    busyUntilMs: problem.vehicles.map((v) => e.grid.starts[v.departure] ?? e.grid.endMs),
  };
  if (e.reservation === 'soft' && !problem.demandCharge) {
    const soft = withSoftExpected(problem, e.model, e.grid, e.carKw, e.soft ?? SOFT, chargers);
    return soft === problem ? none : { augmented: soft, mode: 'soft' };
  }
  const phantoms: VehicleSpec[] = expectedVehicles(e.model, e.grid, e.carKw, 1, chargers);
  if (phantoms.length === 0) return none;
  return { augmented: { ...problem, vehicles: [...problem.vehicles, ...phantoms] }, mode: problem.demandCharge && e.reservation === 'soft' ? 'phantoms (demand charge)' : 'phantoms' };
}

/**
 * The plan of `real`'s vehicles on `real`'s slots, out of the plan of the problem with the expected cars: they come
 * after the real ones, and the overflow slots after the grid's. A real car has no power in an overflow slot (its
 * maximum there is 0), so its energy and cost are the same on the grid's slots alone.
 */
export function realPart(plan: Plan, real: Problem): Plan {
  const T = real.prices.length;
  const vehicles = plan.vehicles.slice(0, real.vehicles.length).map((v) => (v.powerKw.length > T ? { ...v, powerKw: v.powerKw.slice(0, T) } : v));
  return {
    ...plan,
    status: vehicles.some((v) => v.shortfallKwh > 1e-6) ? 'shortfall' : 'optimal',
    totalCost: Math.round(vehicles.reduce((a, v) => a + v.cost, 0) * 1e6) / 1e6,
    vehicles,
  };
}
