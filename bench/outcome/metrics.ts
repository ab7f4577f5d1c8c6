import { hindsight, type PolicyResult } from './policies.js';
import { rowSum, type Workload } from './workload.js';

/**
 * What the outcome benchmark reports per policy: did the cars get their energy, what did it cost, and did the
 * garage stay under its grid limit. One row per policy, the same definitions for all.
 */
export interface OutcomeRow {
  policy: string;
  energyKwh: number;
  /** Feasible targets this policy met within 0.1 kWh (a policy cannot be blamed for a target nobody can meet). */
  targetsMet: number;
  /** Targets the hindsight optimum meets within 0.1 kWh: the most any policy can be asked for. */
  targetsFeasible: number;
  targetsMetPct: number;
  /** The same within 0.01 kWh: a car left a little short by rounding shows here. */
  targetsMetStrict: number;
  targetsFeasibleStrict: number;
  /** EUR. */
  cost: number;
  costPerKwh: number;
  /** Against the reference's cost per kWh; null on the reference's own row. */
  savingPct: number | null;
  /** Above the bound's cost per kWh; null on the bound's own row. */
  gapPct: number | null;
  /**
   * Above the cost of the cheapest plan that gives every session exactly the energy this policy gave it (the bound
   * re-solved at this policy's per-session energies): a policy that delivers less, or more, is compared on what
   * it did deliver. null on the bound's row, and when the limit cannot give those energies (the unlimited row).
   */
  gapSameEnergyPct: number | null;
  /** Largest slot-average site power. */
  peakKw: number;
  /** Slots whose average site power exceeds gridLimitKw. */
  violations: number;
  replans: number | null;
  solverMs: { total: number; max: number } | null;
}

/** A target counts as met within 0.1 kWh: a meter's rounding, not a car left short. */
export const MET_TOLERANCE_KWH = 0.1;
/** The strict count: 10 Wh, below which nobody can tell. */
export const MET_STRICT_KWH = 0.01;
// Slot averages are sums of float kWh: a limit met exactly must not count as broken.
const LIMIT_TOLERANCE_KW = 1e-6;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function find(results: readonly PolicyResult[], name: string, role: string): PolicyResult {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`outcomeRows: no ${role} policy "${name}" among ${results.map((x) => x.name).join(', ')}`);
  return r;
}

/** Session ids whose delivered energy meets their target within `toleranceKwh` (MET_TOLERANCE_KWH). */
export function metTargets(w: Workload, r: PolicyResult, toleranceKwh = MET_TOLERANCE_KWH): Set<string> {
  const met = new Set<string>();
  for (const v of w.visits) {
    const got = sum(r.kwh.get(v.session.id) ?? []);
    if (got >= v.session.energyKwh - toleranceKwh) met.add(v.session.id);
  }
  return met;
}

/** Summed site power (kW) per slot. */
export function siteKw(w: Workload, r: PolicyResult): number[] {
  const h = w.grid.stepMs / 3_600_000;
  const kw = new Array<number>(w.grid.slots).fill(0);
  for (const v of w.visits) r.kwh.get(v.session.id)?.forEach((e, i) => (kw[v.fromSlot + i]! += e / h));
  return kw;
}

/**
 * The bound at a policy's own per-session energies: hindsight asked for exactly what the policy gave each session.
 * null when the limit cannot give all of it (a policy that ignored the limit).
 */
export function boundAtSameEnergies(w: Workload, r: PolicyResult): number | null {
  const given = new Map([...r.kwh].map(([id, row]) => [id, rowSum(row)]));
  const bound = hindsight(w, (v) => given.get(v.session.id) ?? 0);
  const short = w.visits.some((v) => rowSum(bound.kwh.get(v.session.id)!) < given.get(v.session.id)! - 1e-6);
  return short ? null : costOf(w, bound);
}

/**
 * Savings and gaps compare cost per kWh delivered, not total cost: a policy that misses targets delivers less
 * energy and would otherwise look cheaper for it. The denominator is the magnitude so that a sign flip (a week of
 * mostly negative prices) does not invert what "cheaper" means.
 */
const relPct = (x: number, base: number): number | null => (base === 0 ? null : ((x - base) / Math.abs(base)) * 100);
const negate = (x: number | null): number | null => (x === null ? null : -x);

/**
 * One row per result. With `whole`, `w` is the measured part of it (the sessions that arrive after the learning
 * weeks): targets and costs count those sessions, and the peak and the slots over the limit count every car's power
 * (the site's) from the first measured slot on.
 */
export function outcomeRows(w: Workload, results: readonly PolicyResult[], opts: { reference: string; bound: 'hindsight'; whole?: Workload }): OutcomeRow[] {
  const boundResult = find(results, opts.bound, 'bound');
  const feasible = metTargets(w, boundResult);
  const feasibleStrict = metTargets(w, boundResult, MET_STRICT_KWH);
  const perKwh = (r: PolicyResult) => {
    const e = energyOf(w, r);
    return e === 0 ? 0 : costOf(w, r) / e;
  };
  const refPerKwh = perKwh(find(results, opts.reference, 'reference'));
  const boundPerKwh = perKwh(find(results, opts.bound, 'bound'));
  return results.map((r): OutcomeRow => {
    const energyKwh = energyOf(w, r);
    const cost = costOf(w, r);
    const costPerKwh = perKwh(r);
    const met = [...metTargets(w, r)].filter((id) => feasible.has(id)).length;
    const metStrict = [...metTargets(w, r, MET_STRICT_KWH)].filter((id) => feasibleStrict.has(id)).length;
    const firstSlot = opts.whole ? Math.min(...w.visits.map((v) => v.fromSlot)) : 0;
    const kw = siteKw(opts.whole ?? w, r).slice(firstSlot);
    const same = r.name === opts.bound ? null : boundAtSameEnergies(w, r);
    return {
      policy: r.name,
      energyKwh,
      targetsMet: met,
      targetsFeasible: feasible.size,
      targetsMetPct: feasible.size === 0 ? 100 : (met / feasible.size) * 100,
      targetsMetStrict: metStrict,
      targetsFeasibleStrict: feasibleStrict.size,
      cost,
      costPerKwh,
      savingPct: r.name === opts.reference ? null : negate(relPct(costPerKwh, refPerKwh)),
      gapPct: r.name === opts.bound ? null : relPct(costPerKwh, boundPerKwh),
      gapSameEnergyPct: same === null ? null : relPct(cost, same),
      peakKw: Math.max(0, ...kw),
      violations: kw.filter((x) => x > w.site.gridLimitKw + LIMIT_TOLERANCE_KW).length,
      replans: r.replans ?? null,
      solverMs: r.solverMs ? { total: r.solverMs.total, max: r.solverMs.max } : null,
    };
  });
}

const energyOf = (w: Workload, r: PolicyResult): number => sum(w.visits.map((v) => sum(r.kwh.get(v.session.id) ?? [])));

/** EUR: each slot's energy at that slot's price. */
export function costOf(w: Workload, r: PolicyResult): number {
  let cost = 0;
  for (const v of w.visits) r.kwh.get(v.session.id)?.forEach((e, i) => (cost += e * w.prices[v.fromSlot + i]!));
  return cost;
}

const fix = (x: number, d: number) => x.toFixed(d);
const pct = (x: number | null, d = 1) => (x === null ? '–' : `${x >= 0 ? '' : '−'}${Math.abs(x).toFixed(d)} %`);

/** The rows as a GitHub markdown table, numbers right-aligned, for the bench's output and docs. */
export function markdownTable(rows: readonly OutcomeRow[]): string {
  const head = ['policy', 'energy kWh', 'targets met (0.1 kWh)', 'met (0.01 kWh)', 'cost EUR', 'EUR/kWh', 'saving', 'gap to bound per kWh', 'gap at same energies', 'peak kW', 'slots over limit', 'replans', 'solver ms total / max'];
  const lines = rows.map((r) => [
    r.policy,
    fix(r.energyKwh, 1),
    `${r.targetsMet}/${r.targetsFeasible} (${fix(r.targetsMetPct, 1)} %)`,
    `${r.targetsMetStrict}/${r.targetsFeasibleStrict}`,
    fix(r.cost, 2),
    fix(r.costPerKwh, 4),
    pct(r.savingPct),
    pct(r.gapPct, 2),
    pct(r.gapSameEnergyPct, 2),
    fix(r.peakKw, 1),
    String(r.violations),
    r.replans === null ? '–' : String(r.replans),
    r.solverMs === null ? '–' : `${fix(r.solverMs.total, 0)} / ${fix(r.solverMs.max, 1)}`,
  ]);
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [row(head), `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...lines.map(row)].join('\n') + '\n';
}
