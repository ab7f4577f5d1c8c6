import { describe, expect, it } from 'vitest';
import { fixtureSite, planFixture } from './planner-fixture.js';

/**
 * Issue 21: with 3-phase cars at 6 A (4.14 kW) on a 6.6 kW charger, a need between one quarter at full power (1.65
 * kWh) and two at the minimum (2.07 kWh) cannot be met exactly; the plan left it short although a full car simply
 * stops. A target is a floor the car may exceed by what it cannot take: the plan meets it, and says so. These hold
 * whichever way the solver places the minimum (two quarters at it, or one at full and one at it).
 */
const NOW = Date.parse('2026-11-23T16:00:00Z');

describe('minimum power: a plan at the minimum that exceeds the need meets the target (whichever way the solver rounds)', () => {
  it('1.9 kWh for a 3-phase car at 6.6 kW with 6 A (4.14 kW) minimum: one quarter at full is 1.65, two at the minimum 2.07', () => {
    const { plan } = planFixture(fixtureSite({ evseKw: 6.6 }), NOW, [{ evseId: 1, needKwh: 1.9, departure: '2026-11-23T19:00', minCurrentA: 6 }]);
    const s = plan.sessions[0]!;
    expect(s).toMatchObject({ shortfallKwh: 0, shortfallReason: null, shortfallMessage: null });
    expect(plan.status).toBe('optimal');
    expect(s.expectedEnergyAtDepartureKwh).toBeGreaterThanOrEqual(1.9 - 1e-6);
    // What the plan counts is what the car takes: the need, at most one quarter at the minimum above it.
    expect(s.plannedKwh).toBeGreaterThanOrEqual(1.9 - 1e-6);
    expect(s.plannedKwh).toBeLessThanOrEqual(1.9 + 4.14 / 4 + 1e-6);
    // Every slot is 0 or within the car's range.
    for (const kw of s.powerKw) expect(kw === 0 || (kw >= 4.14 - 0.01 && kw <= 6.6 + 1e-9)).toBe(true);
  });
});
