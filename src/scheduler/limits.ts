import type { Site } from '../domain/sites.js';
import { circuitChains, type SlotGrid } from './problem.js';

export interface Load {
  circuit: string | null;
  phases: 1 | 3;
  phase: 1 | 2 | 3 | null;
  /** Actual power per slot, kW (mutated when lowered). */
  kw: number[];
}

const EPS = 1e-6;

interface Check {
  limit: number;
  /** The loads under this limit (indices into steerable then fixed) and the share of each one's power that counts. */
  members: number[];
  share: number[];
}

/**
 * The last line of defence for "a site limit is never exceeded by the sum of our profiles": checks the actual
 * power of every slot against the site limit, each circuit's kW limit and each circuit's per-phase current, and
 * lowers the steerable loads of a slot proportionally where the sum is above. The solver already keeps every
 * limit on average power per slot; the one place actual power can be higher is a partial slot 0 under a
 * per-phase limit (the solver's phase limit is not per slot), so this changes nothing in every other case.
 * Returns the indices of the steerable loads it lowered.
 */
export function enforceLimits(site: Site, grid: SlotGrid, siteLimitKw: readonly number[], steerable: Load[], fixed: readonly Load[]): Set<number> {
  const all = [...steerable, ...fixed];
  const checks = buildChecks(site, all);
  const lowered = new Set<number>();
  const everyone: Check = { limit: 0, members: all.map((_, j) => j), share: all.map(() => 1) };
  for (let i = 0; i < grid.starts.length; i++) {
    everyone.limit = siteLimitKw[i]!;
    for (const check of [everyone, ...checks]) {
      // Each check reads only the loads under it: a fleet's circuits each hold a few of its cars.
      let total = 0;
      let fixedPart = 0;
      for (let k = 0; k < check.members.length; k++) {
        const j = check.members[k]!;
        const p = check.share[k]! * (all[j]!.kw[i] ?? 0);
        total += p;
        if (j >= steerable.length) fixedPart += p;
      }
      if (total <= check.limit + EPS) continue;
      const steerPart = total - fixedPart;
      const factor = steerPart > 0 ? Math.max(0, (check.limit - fixedPart) / steerPart) : 1;
      for (let k = 0; k < check.members.length; k++) {
        const j = check.members[k]!;
        const l = steerable[j];
        if (l && check.share[k]! > 0 && (l.kw[i] ?? 0) > 0) {
          l.kw[i] = l.kw[i]! * factor;
          lowered.add(j);
        }
      }
    }
  }
  return lowered;
}

/** One check per circuit kW limit and per phase of each fuse, with its loads and their shares found once. */
function buildChecks(site: Site, loads: readonly Load[]): Check[] {
  const chainOf = circuitChains(site);
  const under = new Map<string, number[]>(site.circuits.map((c) => [c.id, []]));
  loads.forEach((l, j) => {
    for (const c of chainOf(l.circuit)) under.get(c)?.push(j);
  });
  const checks: Check[] = [];
  for (const c of site.circuits) {
    const members = under.get(c.id)!;
    if (members.length === 0) continue;
    if (c.limitKw !== undefined) checks.push({ limit: c.limitKw, members, share: members.map(() => 1) });
    if (c.phaseLimitA === undefined) continue;
    for (const ph of [1, 2, 3] as const) {
      // Current on phase ph, expressed as kW at the line voltage: a 3-phase car puts a third on each phase.
      const share = members.map((j) => (loads[j]!.phases === 3 ? 1 / 3 : (loads[j]!.phase ?? 1) === ph ? 1 : 0));
      checks.push({ limit: (c.phaseLimitA * site.lineVoltageV) / 1000, members, share });
    }
  }
  return checks;
}
