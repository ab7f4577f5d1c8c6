import { describe, expect, it } from 'vitest';
import { compare, minimumOf, mergePeriods, type Desired } from '../../src/scheduler/push.js';
import { enforceLimits } from '../../src/scheduler/limits.js';
import { slotGrid } from '../../src/scheduler/problem.js';
import { resolveSites } from '../../src/scheduler/sites.js';
import type { PushedProfileRecord, SessionPlan } from '../../src/domain/plans.js';

const H = 3_600_000;
const now = Date.parse('2026-11-23T16:00:00Z');
const desired = (periods: [number, number][], endH = 6): Desired => ({
  plan: {} as SessionPlan,
  periods: periods.map(([h, kw]) => ({ startMs: now + h * H, limitKw: kw })),
  endMs: now + endH * H,
  phases: 3,
  minKw: undefined,
});
const held = (periods: [number, number][], endH = 6): PushedProfileRecord => ({
  stationId: 'S', evseId: 1, transactionId: 'T', siteId: 'x', planId: 1, profileId: 1000, stackLevel: 1, unit: 'W',
  periods: periods.map(([h, kw]) => ({ startMs: now + h * H, limitKw: kw })), endMs: now + endH * H, coversUntilMs: now + endH * H,
  state: 'accepted', detail: null, sentAt: new Date(now).toISOString(),
});

describe('ordering pushes so the limit holds between plans', () => {
  it('same, lower, higher and mixed, from now on', () => {
    expect(compare(held([[0, 0], [2, 11]]), desired([[0, 0], [2, 11]]), now, 3.7)).toBe('same');
    expect(compare(held([[0, 0], [2, 11]]), desired([[0, 0], [2, 7]]), now, 3.7)).toBe('lower');
    expect(compare(held([[0, 0], [2, 7]]), desired([[0, 0], [2, 11]]), now, 3.7)).toBe('higher');
    expect(compare(held([[0, 0], [2, 11]]), desired([[0, 11], [2, 0]]), now, 3.7)).toBe('mixed');
  });

  it('without a profile the charger holds the site default: planning 0 now is a reduction', () => {
    expect(compare(undefined, desired([[0, 0]]), now, 3.7)).toBe('lower');
    expect(compare(undefined, desired([[0, 11]]), now, 3.7)).toBe('higher');
  });

  it('a schedule that ends earlier falls back to the default after its end', () => {
    expect(compare(held([[0, 0]], 6), desired([[0, 0]], 3), now, 3.7)).toBe('higher');
  });

  it('the interim step is the lower of old and new at every breakpoint', () => {
    const m = minimumOf(held([[0, 0], [2, 11], [3, 0]]), desired([[0, 11], [1, 0], [3, 11], [4, 0]]), now, 3.7);
    expect(m.periods.map((p) => [(p.startMs - now) / H, p.limitKw])).toEqual([[0, 0]]);
  });

  it('merges equal neighbours', () => {
    expect(mergePeriods([{ startMs: 0, limitKw: 1 }, { startMs: 1, limitKw: 1 }, { startMs: 2, limitKw: 2 }])).toEqual([{ startMs: 0, limitKw: 1 }, { startMs: 2, limitKw: 2 }]);
  });
});

describe('enforceLimits, the last line of defence', () => {
  const [site] = resolveSites([{ id: 's', timeZone: 'Europe/Berlin', tariff: 't', gridLimitKw: 30, circuits: [{ id: 'c', phaseLimitA: 16 }], evses: [] }], ['t']);

  it('lowers steerable loads of a slot where a phase of a fuse would be over, and nothing else', () => {
    const g = slotGrid(now + 10 * 60_000, 15, now + H); // slot 0 is 5 minutes long
    // Two 1-phase cars on L1 at 3.68 kW each = 32 A on a 16 A fuse in slot 0 only.
    const a = { circuit: 'c', phases: 1 as const, phase: 1 as const, kw: [3.68, 1.84, 0, 0] };
    const b = { circuit: 'c', phases: 1 as const, phase: 1 as const, kw: [3.68, 1.84, 0, 0] };
    const lowered = enforceLimits(site!, g, g.starts.map(() => 30), [a, b], []);
    expect([...lowered]).toEqual([0, 1]);
    expect(a.kw[0]! + b.kw[0]!).toBeCloseTo(3.68, 6);
    expect(a.kw[1]).toBe(1.84);
  });

  it('takes uncontrolled loads as given and gives the rest of the limit to the steerable ones', () => {
    const g = slotGrid(now, 60, now + H);
    const fixed = { circuit: null, phases: 3 as const, phase: null, kw: [22] };
    const car = { circuit: null, phases: 3 as const, phase: null, kw: [11] };
    enforceLimits(site!, g, [30], [car], [fixed]);
    expect(car.kw[0]).toBeCloseTo(8, 9);
  });
});
