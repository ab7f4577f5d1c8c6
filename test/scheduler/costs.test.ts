import { describe, expect, it } from 'vitest';
import { costOf, cumulativeKwh, type CostInput } from '../../src/scheduler/costs.js';
import { monthWindow } from '../../src/scheduler/session-costs.js';
import type { EffectiveSlot } from '../../src/domain/prices.js';

/** Session costs from meter readings and effective prices, checked against numbers worked out by hand. */
const ms = (iso: string) => Date.parse(iso);
const Q = 15 * 60_000;
const H = 60 * 60_000;

/** Effective slots of `stepMs` from `startIso`, one total price each (null = no price for that slot). */
function prices(startIso: string, stepMs: number, totals: (number | null)[], kind: 'final' | 'estimate' = 'final'): (t: number) => EffectiveSlot | undefined {
  const start = ms(startIso);
  const map = new Map<number, EffectiveSlot>();
  totals.forEach((total, i) => {
    const s = start + i * stepMs;
    if (total !== null) map.set(s, { start: s, end: s + stepMs, energy: total, gridFee: 0, taxes: {}, vat: 0, total, currency: 'EUR', kind, source: 'test' });
  });
  return (t) => map.get(t);
}

const readings = (...r: [string, number][]) => r.map(([iso, wh]) => ({ ms: ms(iso), wh }));

function input(over: Partial<CostInput>): CostInput {
  return { startMs: ms('2026-11-23T16:40:00Z'), readings: [], slotMs: Q, fullPowerKw: 11, priceAt: () => undefined, ...over };
}

describe('session costs', () => {
  it('a session across a price change: the energy of each slot at that slot’s price, against full power on arrival', () => {
    // 0.40 EUR/kWh until 17:00Z, 0.20 after. The car plugs in at 16:40 and charges 11 kW from 17:00 to 17:30.
    const r = costOf(input({
      readings: readings(['2026-11-23T16:40:00Z', 1_000_000], ['2026-11-23T17:00:00Z', 1_000_000], ['2026-11-23T17:30:00Z', 1_005_500]),
      priceAt: prices('2026-11-23T16:30:00Z', Q, [0.4, 0.4, 0.2, 0.2, 0.2, 0.2]),
    }));
    // Measured: 2.75 + 2.75 kWh at 0.20 = 1.10. Full power from 16:40: 0.9167 (16:40-16:45) + 2.75 (16:45-17:00) at
    // 0.40 and 1.8333 (17:00-17:10) at 0.20 = 1.4667 + 0.3667 = 1.8333. Saved 0.7333.
    expect(r).toMatchObject({ energyKwh: 5.5, cost: 1.1, currency: 'EUR', unpricedKwh: 0, estimatedKwh: 0, uncontrolledCost: 1.8333, savings: 0.7333 });
    expect(r.uncontrolledEndMs).toBe(ms('2026-11-23T17:10:00Z'));
    expect(r.slots.map((s) => [s.start.slice(11, 16), s.energyKwh, s.uncontrolledKwh, s.pricePerKwh])).toEqual([
      ['16:30', 0, 0.9167, 0.4],
      ['16:45', 0, 2.75, 0.4],
      ['17:00', 2.75, 1.8333, 0.2],
      ['17:15', 2.75, 0, 0.2],
    ]);
  });

  it('interpolates the register linearly at slot boundaries', () => {
    // 3 kWh in the 20 minutes to 17:20, 2 kWh in the 20 minutes to 17:40.
    const r = costOf(input({
      startMs: ms('2026-11-23T17:00:00Z'),
      readings: readings(['2026-11-23T17:00:00Z', 0], ['2026-11-23T17:20:00Z', 3000], ['2026-11-23T17:40:00Z', 5000]),
      priceAt: prices('2026-11-23T17:00:00Z', Q, [0.1, 0.2, 0.3]),
    }));
    // 17:00-17:15: 2.25; 17:15-17:30: 0.75 + 1.0 = 1.75; 17:30-17:45: 1.0. Cost 0.225 + 0.35 + 0.3 = 0.875.
    expect(r.slots.map((s) => s.energyKwh)).toEqual([2.25, 1.75, 1]);
    expect(r).toMatchObject({ energyKwh: 5, cost: 0.875 });
  });

  it('the 25-hour day (Copenhagen, 2026-10-25): 25 hourly slots, each at its own price', () => {
    // Local midnight to midnight is 2026-10-24T22:00Z .. 2026-10-25T23:00Z: 25 hours. 1 kWh in each hour; the price of
    // hour k is 0.10 + 0.01 k, so the cost is 25 * 0.10 + 0.01 * (0 + 1 + ... + 24) = 2.50 + 3.00 = 5.50.
    const hourly = Array.from({ length: 26 }, (_, k) => [new Date(ms('2026-10-24T22:00:00Z') + k * H).toISOString(), k * 1000] as [string, number]);
    const r = costOf(input({
      startMs: ms('2026-10-24T22:00:00Z'),
      slotMs: H,
      readings: readings(...hourly),
      priceAt: prices('2026-10-24T22:00:00Z', H, Array.from({ length: 25 }, (_, k) => 0.1 + 0.01 * k)),
    }));
    expect(r.slots).toHaveLength(25);
    expect(r.slots.every((s) => s.energyKwh === 1)).toBe(true);
    // Full power (11 kW) would have taken 11 + 11 + 3 kWh in the first three hours: 1.10 + 1.21 + 0.36 = 2.67.
    expect(r).toMatchObject({ energyKwh: 25, cost: 5.5, uncontrolledCost: 2.67, savings: -2.83 });
    expect(monthWindow('2026-10', 'Europe/Copenhagen')).toEqual({ fromMs: ms('2026-09-30T22:00:00Z'), toMs: ms('2026-10-31T23:00:00Z') });
    expect(monthWindow('2026-03', 'Europe/Copenhagen')).toEqual({ fromMs: ms('2026-02-28T23:00:00Z'), toMs: ms('2026-03-31T22:00:00Z') });
    expect(() => monthWindow('2026-13', 'Europe/Copenhagen')).toThrow(RangeError);
  });

  it('a running session is costed up to its latest reading', () => {
    const r = costOf(input({
      startMs: ms('2026-11-23T16:00:00Z'),
      readings: readings(['2026-11-23T16:00:00Z', 0], ['2026-11-23T16:20:00Z', 2000]),
      priceAt: prices('2026-11-23T16:00:00Z', Q, [0.3, 0.3, 0.3, 0.3]),
    }));
    // 6 kW so far: 1.5 kWh in the first quarter, 0.5 in the second; nothing is assumed beyond 16:20.
    expect(r.slots.map((s) => [s.start.slice(11, 16), s.energyKwh])).toEqual([['16:00', 1.5], ['16:15', 0.5]]);
    expect(r).toMatchObject({ energyKwh: 2, cost: 0.6, uncontrolledCost: 0.6, savings: 0 });
  });

  it('says which energy has no price instead of inventing one, and which was priced by an estimate', () => {
    const known = prices('2026-11-23T16:00:00Z', Q, [0.3]);
    const r = costOf(input({
      startMs: ms('2026-11-23T16:00:00Z'),
      readings: readings(['2026-11-23T16:00:00Z', 0], ['2026-11-23T16:30:00Z', 4000]),
      priceAt: known,
    }));
    expect(r).toMatchObject({ energyKwh: 4, cost: 0.6, unpricedKwh: 2, uncontrolledCost: null, savings: null });
    expect(r.slots[1]).toMatchObject({ energyKwh: 2, pricePerKwh: null, priceKind: null, cost: null });
    const est = costOf(input({
      startMs: ms('2026-11-23T16:00:00Z'),
      readings: readings(['2026-11-23T16:00:00Z', 0], ['2026-11-23T16:30:00Z', 4000]),
      priceAt: prices('2026-11-23T16:00:00Z', Q, [0.3, 0.3], 'estimate'),
    }));
    expect(est).toMatchObject({ cost: 1.2, unpricedKwh: 0, estimatedKwh: 4, uncontrolledCost: 1.2 });
  });

  it('a register that steps back (meter reset) adds nothing; readings at one instant count once', () => {
    expect(cumulativeKwh(readings(['2026-11-23T16:00:00Z', 0], ['2026-11-23T16:10:00Z', 2000], ['2026-11-23T16:10:00Z', 2000],
      ['2026-11-23T16:20:00Z', 500], ['2026-11-23T16:30:00Z', 1500])).map((p) => p.kwh)).toEqual([0, 2, 2, 3]);
  });

  it('no readings: nothing delivered, nothing to pay', () => {
    expect(costOf(input({ priceAt: prices('2026-11-23T16:30:00Z', Q, [0.3]) }))).toMatchObject({ energyKwh: 0, cost: 0, uncontrolledCost: 0, savings: 0 });
  });
});
