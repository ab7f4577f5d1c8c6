import { describe, expect, it } from 'vitest';
import { compareComposite, type SentSchedule } from '../../../src/ocpp/profiles/index.js';

const T0 = Date.parse('2026-03-29T01:00:00Z');
const sent: SentSchedule = {
  startMs: T0, endMs: T0 + 3600_000, unit: 'A', phases: 3, lineVoltageV: 230,
  periods: [{ startPeriod: 0, limit: 15.9, numberPhases: 3 }, { startPeriod: 1800, limit: 10, numberPhases: 3 }],
};
const composite = (startMs: number, periods: { startPeriod: number; limit: number }[], unit: 'A' | 'W' = 'A') => ({
  evseId: 1, duration: 3600, scheduleStart: new Date(startMs).toISOString(), chargingRateUnit: unit,
  chargingSchedulePeriod: periods as [{ startPeriod: number; limit: number }],
});

describe('K08: composite schedule against what we sent', () => {
  it('one 0.1 A rounding step either way still matches', () => {
    expect(compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 15.8 }, { startPeriod: 1800, limit: 10.1 }]))).toEqual({ status: 'matches' });
  });

  it('more than a step below is lower, with the composite in kW (numberPhases missing: the car\'s phases)', () => {
    const check = compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 15.9 }, { startPeriod: 1800, limit: 6 }]));
    expect(check).toMatchObject({ status: 'lower', periods: [{ startMs: T0, limitKw: 10.971 }, { startMs: T0 + 1800_000, limitKw: 4.14 }] });
  });

  it('any moment above what we sent wins over moments below it: higher', () => {
    const check = compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 6 }, { startPeriod: 1800, limit: 16 }]));
    expect(check.status).toBe('higher');
  });

  it('compares only where both schedules hold: from the later start to the earlier end', () => {
    // The composite starts 40 minutes in (asked for later) and runs past our end with a high limit.
    const late = composite(T0 + 2400_000, [{ startPeriod: 0, limit: 10 }, { startPeriod: 1200, limit: 32 }]);
    expect(compareComposite(sent, late)).toEqual({ status: 'matches' });
    // A composite asked for before our future schedule starts: the time before it is not ours to judge.
    const early = composite(T0 - 600_000, [{ startPeriod: 0, limit: 32 }, { startPeriod: 600, limit: 15.9 }, { startPeriod: 2400, limit: 10 }]);
    expect(compareComposite(sent, early)).toEqual({ status: 'matches' });
  });

  it('a composite in the other unit is compared in kW, with one 0.1 A step of tolerance', () => {
    // 11,000 W is 15.94 A: within a step of our 15.9 A; from 1800 s it is far above our 10 A.
    expect(compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 11000 }, { startPeriod: 1800, limit: 6900 }], 'W'))).toEqual({ status: 'matches' });
    expect(compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 11000 }], 'W')).status).toBe('higher');
  });
});

describe('K08: one second of tolerance at every step, a deviation must persist (issue 21)', () => {
  it('a station that reports from the whole second before our start (its no-profile maximum for 58 ms) matches', () => {
    // What an independent OCPP 2.0.1 station did: our profile started at .942, its composite at the whole second.
    const ours: SentSchedule = { ...sent, startMs: T0 + 942, endMs: T0 + 3600_000 };
    const check = compareComposite(ours, composite(T0, [{ startPeriod: 0, limit: 32 }, { startPeriod: 1, limit: 15.9 }, { startPeriod: 1801, limit: 10 }]));
    expect(check).toEqual({ status: 'matches' });
  });

  it('a step up to a second late or early, in either direction, matches', () => {
    for (const at of [1799, 1801]) {
      expect(compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 15.9 }, { startPeriod: at, limit: 10 }]))).toEqual({ status: 'matches' });
    }
    const up: SentSchedule = { ...sent, periods: [{ startPeriod: 0, limit: 10 }, { startPeriod: 1800, limit: 15.9 }] };
    for (const at of [1799, 1801]) {
      expect(compareComposite(up, composite(T0, [{ startPeriod: 0, limit: 10 }, { startPeriod: at, limit: 15.9 }]))).toEqual({ status: 'matches' });
    }
  });

  it('a deviation that lasts longer than a second counts: a step 3 s late is higher, 3 s early is lower', () => {
    expect(compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 15.9 }, { startPeriod: 1803, limit: 10 }])).status).toBe('higher');
    expect(compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 15.9 }, { startPeriod: 1797, limit: 10 }])).status).toBe('lower');
  });

  it('a station that reports in A with 0.1 A rounding to the nearest step, asked in W, matches what we sent in W', () => {
    const watts: SentSchedule = { startMs: T0, endMs: T0 + 3600_000, unit: 'W', phases: 3, lineVoltageV: 230, periods: [{ startPeriod: 0, limit: 4139 }, { startPeriod: 900, limit: 7000 }, { startPeriod: 1800, limit: 0 }] };
    // 4,139 W = 5.9986 A -> 6.0 A; 7,000 W = 10.14 A -> 10.1 A.
    expect(compareComposite(watts, composite(T0, [{ startPeriod: 0, limit: 6 }, { startPeriod: 900, limit: 10.1 }, { startPeriod: 1800, limit: 0 }]))).toEqual({ status: 'matches' });
    expect(compareComposite(watts, composite(T0, [{ startPeriod: 0, limit: 6 }, { startPeriod: 900, limit: 16 }])).status).toBe('higher');
  });
});
