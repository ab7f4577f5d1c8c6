import type { PolicyResult } from './policies.js';
import type { Workload } from './workload.js';

/**
 * What the outcome benchmark reports per policy: did the cars get their energy, what did it cost, and did the
 * garage stay under its grid limit. One row per policy, the same definitions for all.
 */
export interface OutcomeRow {
  policy: string;
  energyKwh: number;
  /** Feasible targets this policy met (a policy cannot be blamed for a target nobody can meet). */
  targetsMet: number;
  /** Targets the hindsight optimum meets: the most any policy can be asked for. */
  targetsFeasible: number;
  targetsMetPct: number;
  /** EUR. */
  cost: number;
  costPerKwh: number;
  /** Against the reference's cost per kWh; null on the reference's own row. */
  savingPct: number | null;
  /** Above the bound's cost per kWh; null on the bound's own row. */
  gapPct: number | null;
  /** Largest slot-average site power. */
  peakKw: number;
  /** Slots whose average site power exceeds gridLimitKw. */
  violations: number;
  replans: number | null;
  solverMs: { total: number; max: number } | null;
}

/** A target counts as met within 0.1 kWh: a meter's rounding, not a car left short. */
export const MET_TOLERANCE_KWH = 0.1;
// Slot averages are sums of float kWh: a limit met exactly must not count as broken.
const LIMIT_TOLERANCE_KW = 1e-6;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function find(results: readonly PolicyResult[], name: string, role: string): PolicyResult {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`outcomeRows: no ${role} policy "${name}" among ${results.map((x) => x.name).join(', ')}`);
  return r;
}

/** Session ids whose delivered energy meets their target within MET_TOLERANCE_KWH. */
export function metTargets(w: Workload, r: PolicyResult): Set<string> {
  const met = new Set<string>();
  for (const v of w.visits) {
    const got = sum(r.kwh.get(v.session.id) ?? []);
    if (got >= v.session.energyKwh - MET_TOLERANCE_KWH) met.add(v.session.id);
  }
  return met;
}

/** Summed site power (kW) per slot. */
export function siteKw(w: Workload, r: PolicyResult): number[] {
  const h = w.grid.stepMs / 3_600_000;
  const kw = new Array<number>(w.grid.slots).fill(0);
  for (const row of r.kwh.values()) row.forEach((e, t) => (kw[t]! += e / h));
  return kw;
}

/**
 * Savings and gaps compare cost per kWh delivered, not total cost: a policy that misses targets delivers less
 * energy and would otherwise look cheaper for it. The denominator is the magnitude so that a sign flip (a week of
 * mostly negative prices) does not invert what "cheaper" means.
 */
const relPct = (x: number, base: number): number | null => (base === 0 ? null : ((x - base) / Math.abs(base)) * 100);
const negate = (x: number | null): number | null => (x === null ? null : -x);

export function outcomeRows(w: Workload, results: readonly PolicyResult[], opts: { reference: 'uncontrolled'; bound: 'hindsight' }): OutcomeRow[] {
  const feasible = metTargets(w, find(results, opts.bound, 'bound'));
  const perKwh = (r: PolicyResult) => {
    const e = energyOf(r);
    return e === 0 ? 0 : costOf(w, r) / e;
  };
  const refPerKwh = perKwh(find(results, opts.reference, 'reference'));
  const boundPerKwh = perKwh(find(results, opts.bound, 'bound'));
  return results.map((r): OutcomeRow => {
    const energyKwh = energyOf(r);
    const cost = costOf(w, r);
    const costPerKwh = perKwh(r);
    const met = [...metTargets(w, r)].filter((id) => feasible.has(id)).length;
    const kw = siteKw(w, r);
    return {
      policy: r.name,
      energyKwh,
      targetsMet: met,
      targetsFeasible: feasible.size,
      targetsMetPct: feasible.size === 0 ? 100 : (met / feasible.size) * 100,
      cost,
      costPerKwh,
      savingPct: r.name === opts.reference ? null : negate(relPct(costPerKwh, refPerKwh)),
      gapPct: r.name === opts.bound ? null : relPct(costPerKwh, boundPerKwh),
      peakKw: Math.max(0, ...kw),
      violations: kw.filter((x) => x > w.site.gridLimitKw + LIMIT_TOLERANCE_KW).length,
      replans: r.replans ?? null,
      solverMs: r.solverMs ? { total: r.solverMs.total, max: r.solverMs.max } : null,
    };
  });
}

const energyOf = (r: PolicyResult): number => sum([...r.kwh.values()].map(sum));

/** EUR: each slot's energy at that slot's price. */
export function costOf(w: Workload, r: PolicyResult): number {
  let cost = 0;
  for (const row of r.kwh.values()) row.forEach((e, t) => (cost += e * w.prices[t]!));
  return cost;
}

const fix = (x: number, d: number) => x.toFixed(d);
const pct = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '' : '−'}${Math.abs(x).toFixed(1)} %`);

/** The rows as a GitHub markdown table, numbers right-aligned, for the bench's output and docs. */
export function markdownTable(rows: readonly OutcomeRow[]): string {
  const head = ['policy', 'energy kWh', 'targets met', 'cost EUR', 'EUR/kWh', 'saving', 'gap to bound', 'peak kW', 'slots over limit', 'replans', 'solver ms total / max'];
  const lines = rows.map((r) => [
    r.policy,
    fix(r.energyKwh, 1),
    `${r.targetsMet}/${r.targetsFeasible} (${fix(r.targetsMetPct, 1)} %)`,
    fix(r.cost, 2),
    fix(r.costPerKwh, 4),
    pct(r.savingPct),
    pct(r.gapPct),
    fix(r.peakKw, 1),
    String(r.violations),
    r.replans === null ? '–' : String(r.replans),
    r.solverMs === null ? '–' : `${fix(r.solverMs.total, 0)} / ${fix(r.solverMs.max, 1)}`,
  ]);
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [row(head), `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...lines.map(row)].join('\n') + '\n';
}
