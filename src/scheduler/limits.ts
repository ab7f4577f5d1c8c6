import type { Site } from '../domain/sites.js';
import { isUnder, type SlotGrid } from './problem.js';

export interface Load {
  circuit: string | null;
  phases: 1 | 3;
  phase: 1 | 2 | 3 | null;
  /** Actual power per slot, kW (mutated when lowered). */
  kw: number[];
}

const EPS = 1e-6;

/**
 * The last line of defence for "a site limit is never exceeded by the sum of our profiles": checks the actual
 * power of every slot against the site limit, each circuit's kW limit and each circuit's per-phase current, and
 * lowers the steerable loads of a slot proportionally where the sum is above. The solver already keeps every
 * limit on average power per slot; the one place actual power can be higher is a partial slot 0 under a
 * per-phase limit (the solver's phase limit is not per slot), so this changes nothing in every other case.
 * Returns the indices of the steerable loads it lowered.
 */
export function enforceLimits(site: Site, grid: SlotGrid, siteLimitKw: readonly number[], steerable: Load[], fixed: readonly Load[]): Set<number> {
  const lowered = new Set<number>();
  const all = [...steerable, ...fixed];
  for (let i = 0; i < grid.starts.length; i++) {
    const checks: { members: (l: Load) => number; limit: number }[] = [{ members: (l) => l.kw[i] ?? 0, limit: siteLimitKw[i]! }];
    for (const c of site.circuits) {
      const under = (l: Load) => isUnder(site, l.circuit, c.id);
      if (c.limitKw !== undefined) checks.push({ members: (l) => (under(l) ? l.kw[i] ?? 0 : 0), limit: c.limitKw });
      if (c.phaseLimitA !== undefined) {
        for (const ph of [1, 2, 3] as const) {
          // Current on phase ph in A, expressed as kW at the line voltage: a 3-phase car puts a third on each.
          const share = (l: Load) => (!under(l) ? 0 : l.phases === 3 ? 1 / 3 : (l.phase ?? 1) === ph ? 1 : 0);
          checks.push({ members: (l) => share(l) * (l.kw[i] ?? 0), limit: (c.phaseLimitA * site.lineVoltageV) / 1000 });
        }
      }
    }
    for (const check of checks) {
      const total = all.reduce((a, l) => a + check.members(l), 0);
      if (total <= check.limit + EPS) continue;
      const fixedPart = fixed.reduce((a, l) => a + check.members(l), 0);
      const steerPart = total - fixedPart;
      const factor = steerPart > 0 ? Math.max(0, (check.limit - fixedPart) / steerPart) : 1;
      steerable.forEach((l, k) => {
        if (check.members(l) > 0) {
          l.kw[i] = (l.kw[i] ?? 0) * factor;
          lowered.add(k);
        }
      });
    }
  }
  return lowered;
}
