import type { PowerPeriod } from '../domain/plans.js';

/** The limit of a PowerPeriod list at `ms` (the last period starting at or before it), `fallback` before the first. */
export function limitAt(periods: readonly PowerPeriod[], ms: number, fallback: number): number {
  let v = fallback;
  for (const p of periods) if (p.startMs <= ms) v = p.limitKw;
  return v;
}
