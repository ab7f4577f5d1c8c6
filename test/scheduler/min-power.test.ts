import { describe, expect, it } from 'vitest';
import { desiredProfile } from '../../src/scheduler/push.js';
import { fixtureSite, planFixture } from './planner-fixture.js';

/**
 * Issue 21: with 3-phase cars at 6 A (4.14 kW) on a 6.6 kW charger, a need between one quarter at full power (1.65
 * kWh) and two at the minimum (2.07 kWh) cannot be met exactly; the plan left it short although a full car simply
 * stops. A target is a floor the car may exceed by what it cannot take: the plan meets it, and says so. These hold
 * whichever way the solver places the minimum (two quarters at it, or one at full and one at it).
 */
const NOW = Date.parse('2026-11-23T16:00:00Z');

describe('minimum power: a plan at the minimum that exceeds the need meets the target (whichever way the solver rounds)', () => {
  it('1.9 kWh for a 3-phase car at 6.6 kW with 6 A (4.14 kW) minimum: one quarter at full is 1.65, two at the minimum 2.07', async () => {
    const { plan } = await planFixture(fixtureSite({ evseKw: 6.6 }), NOW, [{ evseId: 1, needKwh: 1.9, departure: '2026-11-23T19:00', minCurrentA: 6 }]);
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

  it('the profile stops the car where it has taken its need: a car that is not full does not draw its minimum to the slot\'s end', async () => {
    const result = await planFixture(fixtureSite({ evseKw: 6.6 }), NOW, [{ evseId: 1, needKwh: 1.9, departure: '2026-11-23T19:00', minCurrentA: 6 }]);
    const c = result.controlled[0]!;
    const d = desiredProfile(result.grid, c.plan, c.phases, c.minKw, c.stopAtMs);
    // Energy the held profile allows until departure (18:00Z), period by period.
    const dep = Date.parse('2026-11-23T18:00:00Z');
    const kwh = d.periods.reduce((a, p, k) => a + p.limitKw * (Math.max(p.startMs, Math.min(d.periods[k + 1]?.startMs ?? d.endMs, dep)) - p.startMs) / 3_600_000, 0);
    expect(kwh).toBeGreaterThanOrEqual(1.9 - 1e-6);
    // When the solver says what the car will not take, the profile gives the need to the second; otherwise at most
    // one quarter at the minimum more.
    const unused = (result.plan.sessions[0]!.plannedKwh < 1.9 + 1e-3);
    expect(kwh).toBeLessThanOrEqual(unused ? 1.9 + 4.14 / 3600 + 1e-6 : 1.9 + 4.14 / 4 + 1e-6);
    for (const p of d.periods) expect(p.limitKw === 0 || p.limitKw >= 4.14 - 0.01).toBe(true);
  });
});
