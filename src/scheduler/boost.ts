import type { VehicleSpec } from '../../solver/index.js';
import type { Site } from '../domain/sites.js';
import { circuitChains, departureSlot, type BuiltProblem, type PlannedSession } from './problem.js';

/**
 * "Charge now" (issue 6): from now, the fastest the car, the EVSE and the site's limits allow, ignoring price, until
 * the boost's energy is in; then the normal plan continues in the same profile.
 *
 * The boost is carried by a second solver vehicle on the same EVSE (circuit, phases) whose per-slot maximum is
 * exactly the greedy as-soon-as-possible draw and whose energy is the sum of it, at a higher priority than every car.
 * The solver must then give it exactly that draw, and every limit (site, circuit kW, per-phase fuse) sees the sum of
 * the boost and everything else. The car itself keeps what the boost leaves of its own maximum, and its target is
 * lowered by the boost energy that arrives before departure: the target still holds, on top of the boost if it is
 * bigger. Only chargers we cannot steer come before a boost; the other cars are planned around it.
 */
export interface BoostPart {
  /** Index of the car in problem.vehicles, and of its boost vehicle. */
  vehicle: number;
  pseudo: number;
  remainingKwh: number;
}

/** Higher than every car's default 0 (solver/types.ts: higher is served first). */
export const BOOST_PRIORITY = 1;

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export function addBoosts(site: Site, built: BuiltProblem, sessions: readonly PlannedSession[]): BoostPart[] {
  const { problem, grid } = built;
  const T = grid.starts.length;
  const h = grid.slotMs / 3_600_000;
  const scale = (i: number) => grid.fractions[i]!;
  const chainOf = circuitChains(site);
  const siteFree = problem.siteLimitKw as number[];
  const circuitFree = new Map((problem.circuits ?? []).filter((c) => Array.isArray(c.limitKw)).map((c) => [c.id, [...(c.limitKw as number[])]]));
  const used = Array.from({ length: T }, () => 0);
  const parts: BoostPart[] = [];
  sessions.forEach((s, v) => {
    if (s.boostKwh <= 0) return;
    const spec = problem.vehicles[v]!;
    const carMax = spec.maxKw as number[];
    const chain = [...chainOf(s.session.evse.circuit)];
    const fuses = site.circuits.filter((c) => chain.includes(c.id) && c.phaseLimitA !== undefined);
    // One car alone under a fuse: a 3-phase car puts a third of its power on each phase.
    const fuseKw = Math.min(Infinity, ...fuses.map((c) => (c.phaseLimitA! * site.lineVoltageV * (s.phases === 3 ? 3 : 1)) / 1000));
    const dep = departureSlot(grid, s);
    // The car's own minimum (the spec's is already scaled for a part slot; scale(i) does that here).
    const minKw = spec.minKw === undefined ? 0 : s.minKw;
    let left = s.boostKwh;
    const draw = Array.from({ length: T }, () => 0);
    for (let i = 0; i < T && left > 1e-6; i++) {
      // Under pause = 'minimum' the car draws its floor anyway, and that counts for the boost too.
      if (i < dep && s.floorKw > 0) left -= s.floorKw * scale(i) * h;
      if (left <= 1e-6) break;
      let room = Math.min(carMax[i] ?? 0, siteFree[i]! - used[i]!, fuseKw * scale(i));
      for (const c of chain) {
        const free = circuitFree.get(c);
        if (free) room = Math.min(room, free[i]!);
      }
      // The car takes 0 or at least its minimum; a rest below the minimum is given the minimum (it stops when done).
      if (room <= 1e-9 || room < minKw * scale(i) - 1e-9) continue;
      const kw = Math.min(room, Math.max(left / h, minKw * scale(i)));
      draw[i] = round(kw);
      left -= kw * h;
      used[i] = used[i]! + kw;
      for (const c of chain) {
        const free = circuitFree.get(c);
        if (free) free[i] = free[i]! - kw;
      }
    }
    const energy = draw.reduce((a, kw) => a + kw * h, 0);
    if (energy <= 1e-9) return;
    const beforeBy = (slot: number) => draw.slice(0, slot).reduce((a, kw) => a + kw * h, 0);
    spec.maxKw = carMax.map((kw, i) => round(Math.max(0, kw - draw[i]!)));
    spec.energyKwh = round(Math.max(0, spec.energyKwh - beforeBy(spec.departure)));
    if (spec.targets) spec.targets = spec.targets.map((t) => ({ ...t, energyKwh: round(Math.max(0, t.energyKwh - beforeBy(t.bySlot))) }));
    const pseudo: VehicleSpec = {
      id: `${spec.id}#boost`,
      availableFrom: 0,
      departure: T,
      energyKwh: round(energy),
      maxKw: draw,
      phases: s.phases,
      priority: BOOST_PRIORITY,
    };
    if (spec.circuit) pseudo.circuit = spec.circuit;
    if (spec.phase) pseudo.phase = spec.phase;
    problem.vehicles.push(pseudo);
    parts.push({ vehicle: v, pseudo: problem.vehicles.length - 1, remainingKwh: s.boostKwh });
  });
  return parts;
}
