import { describe, expect, it } from 'vitest';
import { planSite } from '../../src/scheduler/planner.js';
import { WarmSolver } from '../../solver/warm.js';
import { fixtureSite, fixtureSnapshot, planOf, pricesBy, type FixtureCar } from './planner-fixture.js';

/**
 * Issue 21: the planning loop keeps each site's WarmSolver between cycles. A re-plan minutes later in the same
 * quarter hour (slot 0, the part of it that is left, has shrunk: every car's cap and every limit moved there) with
 * one car's target changed starts from the last flow, and its plan is the cold cycle's plan of the same snapshot.
 */
const NOW = Date.parse('2026-11-23T16:01:00Z');
const prices = pricesBy((ms) => 0.2 + 0.1 * Math.cos(((new Date(ms).getUTCHours() - 18) / 24) * 2 * Math.PI) + ((ms / 900_000) % 7) * 0.003);
const cars = (need3: number): FixtureCar[] => [1, 2, 3, 4, 5, 6].map((evseId) => ({
  evseId, needKwh: evseId === 3 ? need3 : 6 + evseId * 3, departure: `2026-11-24T0${5 + (evseId % 3)}:30`, minCurrentA: 0,
}));

describe('re-plans start from the last flow (WarmSolver kept per site)', () => {
  it('a cycle 7 minutes later with one target changed is warm and plans what a cold cycle plans', async () => {
    const site = fixtureSite({ gridLimitKw: 22, evseKw: 11 });
    const solver = new WarmSolver();
    const options = { monotonicMs: () => 0, solver };
    const first = planSite(await fixtureSnapshot(site, NOW, cars(12), prices), ['test'], options);
    expect(first.plan.solver).toBe('flow');
    expect(first.grid.firstFraction).toBeCloseTo(14 / 15, 9);

    const later = await fixtureSnapshot(site, NOW + 7 * 60_000, cars(20), prices);
    const warm = planSite(later, ['test'], options);
    expect(solver.lastMode).toBe('warm');
    expect(warm.plan.solver).toBe('flow (warm)');
    const cold = planOf(later);
    expect(cold.plan.solver).toBe('flow');
    // Session costs are rounded to 1e-4 each: the same optimum may split between cars differently.
    expect(Math.abs(warm.plan.totalCost - cold.plan.totalCost)).toBeLessThanOrEqual(6e-4);
    warm.plan.sessions.forEach((s, i) => {
      const c = cold.plan.sessions[i]!;
      expect(s.plannedKwh, s.evseId.toString()).toBeCloseTo(c.plannedKwh, 6);
      expect(s.shortfallKwh).toBe(c.shortfallKwh);
    });
    // The site limit holds in every slot (whole watts, rounded down, as pushed).
    warm.plan.slotStarts.forEach((_, t) => expect(warm.plan.sessions.reduce((a, s) => a + s.powerKw[t]!, 0)).toBeLessThanOrEqual(22 + 1e-9));
  });
});
