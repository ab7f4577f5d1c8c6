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

  it('a composite in another unit than asked for cannot be compared', () => {
    expect(compareComposite(sent, composite(T0, [{ startPeriod: 0, limit: 11000 }], 'W')).status).toBe('unavailable');
  });
});
