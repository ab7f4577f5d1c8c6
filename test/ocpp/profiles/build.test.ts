import { describe, expect, it } from 'vitest';
import type { DefaultProfileRequest, TxProfileRequest } from '../../../src/domain/plans.js';
import type { SmartChargingCapabilities } from '../../../src/domain/stations.js';
import { OcppValidator } from '../../../src/ocpp/rpc/validator.js';
import {
  buildDefaultProfile, buildTxProfile, DEFAULT_PERIODS_PER_SCHEDULE, limitToKw, periodsToKw, roundingStep,
  type BuiltProfile, type RateUnit,
} from '../../../src/ocpp/profiles/index.js';
import { mulberry32 } from '../../solver/helpers/prng.js';

const validator = new OcppValidator(['SetChargingProfile']);
const T0 = Date.parse('2026-03-29T01:00:00Z');
const MIN = 60_000;

function caps(over: Partial<SmartChargingCapabilities> = {}): SmartChargingCapabilities {
  return {
    enabled: true, rateUnits: ['A', 'W'], periodsPerSchedule: 24, profileStackLevel: 8, entries: 0,
    phases3to1: false, acPhaseSwitchingSupported: false, ...over,
  };
}

function plan(over: Partial<TxProfileRequest> = {}): TxProfileRequest {
  return {
    stationId: 'CS1', evseId: 1, transactionId: 'TX-1', profileId: 7, stackLevel: 2,
    periods: [
      { startMs: T0, limitKw: 11 }, { startMs: T0 + 15 * MIN, limitKw: 7.4 },
      { startMs: T0 + 30 * MIN, limitKw: 7.4 }, { startMs: T0 + 45 * MIN, limitKw: 0 },
    ],
    endMs: T0 + 60 * MIN, phases: 3, lineVoltageV: 230, minKw: 4.14, ...over,
  };
}

const schedule = (b: BuiltProfile) => b.request.chargingProfile.chargingSchedule[0];
const periods = (b: BuiltProfile) => schedule(b).chargingSchedulePeriod;
const valid = (b: BuiltProfile) => expect(validator.validate('SetChargingProfile', 'Request', b.request)).toBeNull();

describe('TxProfile builder', () => {
  it('K01.FR.03: a TxProfile carries the transactionId', () => {
    const b = buildTxProfile(plan(), caps(), { unit: 'W' });
    expect(b.request.chargingProfile).toMatchObject({ chargingProfilePurpose: 'TxProfile', transactionId: 'TX-1' });
    valid(b);
  });

  it('K01.FR.16: evseId > 0, and evseId 0 is refused before anything is sent', () => {
    expect(buildTxProfile(plan({ evseId: 2 }), caps(), { unit: 'A' }).request.evseId).toBe(2);
    expect(() => buildTxProfile(plan({ evseId: 0 }), caps(), { unit: 'A' })).toThrow(/K01.FR.16/);
  });

  it('K01.FR.19/.20: never phaseToUse, even for a 1-phase car on a phase-switching EVSE', () => {
    const b = buildTxProfile(plan({ phases: 1 }), caps({ acPhaseSwitchingSupported: true }), { unit: 'A' });
    for (const p of periods(b)) expect(p).not.toHaveProperty('phaseToUse');
  });

  it('a period planned at the minimum that rounding puts a hair below it gets the minimum, rounded up (6.0 A, never 5.9 A)', () => {
    // 4.1399 kW is what slot 0's power scaled back from an average can come to for a car at 6 A x 3 x 230 V.
    const at = (unit: 'A' | 'W') => periods(buildTxProfile(plan({ periods: [{ startMs: T0, limitKw: 4.1399 }, { startMs: T0 + 15 * MIN, limitKw: 2 }], minKw: 4.14 }), caps(), { unit }));
    expect(at('A').map((p) => p.limit)).toEqual([6, 2.8]);
    expect(at('W').map((p) => p.limit)).toEqual([4140, 2000]);
  });

  it('K01.FR.21: minKw becomes minChargingRate in the unit sent, absent without minKw', () => {
    expect(schedule(buildTxProfile(plan(), caps(), { unit: 'W' })).minChargingRate).toBe(4140);
    expect(schedule(buildTxProfile(plan(), caps(), { unit: 'A' })).minChargingRate).toBe(6);
    expect(schedule(buildTxProfile(plan({ minKw: undefined }), caps(), { unit: 'A' }))).not.toHaveProperty('minChargingRate');
  });

  it('K01.FR.22: the purpose is never ChargingStationExternalConstraints', () => {
    const purposes = [buildTxProfile(plan(), caps(), { unit: 'W' }), buildDefaultProfile(defaults(), caps(), { unit: 'W' })]
      .map((b) => b.request.chargingProfile.chargingProfilePurpose);
    expect(purposes).toEqual(['TxProfile', 'TxDefaultProfile']);
  });

  it('K01.FR.31: the first period starts at 0', () => {
    expect(periods(buildTxProfile(plan(), caps(), { unit: 'A' }))[0]?.startPeriod).toBe(0);
  });

  it('K01.FR.34: exactly one chargingSchedule', () => {
    expect(buildTxProfile(plan(), caps(), { unit: 'A' }).request.chargingProfile.chargingSchedule).toHaveLength(1);
  });

  it('K01.FR.35: periods strictly increasing; a plan out of order is refused', () => {
    const starts = periods(buildTxProfile(plan(), caps(), { unit: 'W' })).map((p) => p.startPeriod);
    expect(starts).toEqual([0, 900, 2700]);
    const shuffled = plan({ periods: [{ startMs: T0, limitKw: 1 }, { startMs: T0 + 30 * MIN, limitKw: 2 }, { startMs: T0 + 15 * MIN, limitKw: 3 }] });
    expect(() => buildTxProfile(shuffled, caps(), { unit: 'W' })).toThrow(/increasing/);
  });

  it('K01.FR.39/K01.FR.05: the id and stack level are the caller\'s, so a re-plan replaces the profile', () => {
    const a = buildTxProfile(plan(), caps(), { unit: 'W' });
    const b = buildTxProfile(plan({ periods: [{ startMs: T0 + 5 * MIN, limitKw: 3.7 }] }), caps(), { unit: 'W' });
    expect([a.request.chargingProfile.id, b.request.chargingProfile.id]).toEqual([7, 7]);
    expect([a.stackLevel, b.stackLevel]).toEqual([2, 2]);
  });

  it('ProfileStackLevel: a stack level above the station\'s maximum is clamped to it', () => {
    const b = buildTxProfile(plan({ stackLevel: 5 }), caps({ profileStackLevel: 3 }), { unit: 'W' });
    expect([b.stackLevel, b.request.chargingProfile.stackLevel]).toEqual([3, 3]);
    expect(buildTxProfile(plan({ stackLevel: 5 }), caps({ profileStackLevel: null }), { unit: 'W' }).stackLevel).toBe(5);
  });

  it('K01.FR.40: Absolute with a UTC startSchedule at the first period; duration = end - start in seconds', () => {
    const b = buildTxProfile(plan(), caps(), { unit: 'W' });
    expect(b.request.chargingProfile.chargingProfileKind).toBe('Absolute');
    expect(schedule(b)).toMatchObject({ startSchedule: '2026-03-29T01:00:00.000Z', duration: 3600 });
    expect(b.coversUntilMs).toBe(T0 + 60 * MIN);
  });

  it('startSchedule on a whole second (real chargers keep seconds): a plan made at 46.942 s starts at 46 s, its boundaries stay exact', () => {
    // Issue 21: a station reported its composite from the whole second and held its no-profile maximum for the 58 ms
    // before a start at .942; that one moment made a compliant charger look as if it ignored the profile.
    const now = T0 + 46_942;
    const b = buildTxProfile(plan({ periods: [{ startMs: now, limitKw: 0 }, { startMs: T0 + 15 * MIN, limitKw: 11 }] }), caps(), { unit: 'W' });
    expect(schedule(b).startSchedule).toBe('2026-03-29T01:00:46.000Z');
    expect(periods(b).map((p) => p.startPeriod)).toEqual([0, 15 * 60 - 46]);
    expect(schedule(b).duration).toBe(3600 - 46);
    expect(b.coversUntilMs).toBe(T0 + 60 * MIN);
    expect(b.periods.map((p) => p.startMs)).toEqual([T0 + 46_000, T0 + 15 * MIN]);
    const d = buildDefaultProfile(defaults({ startMs: now }), caps(), { unit: 'A' });
    expect(d.request.chargingProfile.chargingSchedule[0].startSchedule).toBe('2026-03-29T01:00:46.000Z');
  });

  describe('K01.FR.49/.50/.51: units and phases', () => {
    const one = (kw: number, phases: 1 | 3, unit: RateUnit) =>
      periods(buildTxProfile(plan({ phases, periods: [{ startMs: T0, limitKw: kw }], minKw: undefined }), caps(), { unit }))[0];

    it('W: whole watts, numberPhases set even for 3 phases (K01.FR.49 would assume 3 for a 1-phase car)', () => {
      expect(one(7.4, 1, 'W')).toEqual({ startPeriod: 0, limit: 7400, numberPhases: 1 });
      expect(one(11.0456, 3, 'W')).toEqual({ startPeriod: 0, limit: 11045, numberPhases: 3 });
    });

    it('A: per phase = W / (V * numberPhases), rounded down to 0.1 A', () => {
      expect(one(11, 3, 'A')).toEqual({ startPeriod: 0, limit: 15.9, numberPhases: 3 }); // 15.94 A
      expect(one(7.4, 1, 'A')).toEqual({ startPeriod: 0, limit: 32.1, numberPhases: 1 }); // 32.17 A
      expect(one(6.9, 3, 'A')).toEqual({ startPeriod: 0, limit: 10, numberPhases: 3 }); // exactly 10 A, not 9.9
    });

    it('rounding never gives more than the plan, and loses less than one step', () => {
      for (const [kw, phases] of [[11, 3], [7.4, 1], [3.68, 1], [22, 3], [1.234, 3]] as const) {
        for (const unit of ['A', 'W'] as const) {
          const sent = limitToKw(one(kw, phases, unit)!.limit, unit, phases, 230);
          expect(sent).toBeLessThanOrEqual(kw);
          expect(kw - sent).toBeLessThan(roundingStep(unit, phases, 230) * (unit === 'A' ? 230 * phases : 1) / 1000 + 1e-9);
        }
      }
    });
  });

  it('PeriodsPerSchedule: keeps the nearest periods and ends the schedule where the first cut one starts', () => {
    const many = plan({ periods: Array.from({ length: 30 }, (_, i) => ({ startMs: T0 + i * 15 * MIN, limitKw: i % 2 ? 11 : 4 })), endMs: T0 + 30 * 15 * MIN });
    const b = buildTxProfile(many, caps({ periodsPerSchedule: 10 }), { unit: 'A' });
    expect(periods(b)).toHaveLength(10);
    expect(schedule(b).duration).toBe(10 * 900);
    expect(b.coversUntilMs).toBe(T0 + 10 * 15 * MIN);
    expect(b.periods).toHaveLength(10);
    expect(periods(buildTxProfile(many, caps({ periodsPerSchedule: null }), { unit: 'A' }))).toHaveLength(DEFAULT_PERIODS_PER_SCHEDULE);
    expect(periods(buildTxProfile(many, caps(), { unit: 'A', maxPeriods: 5 }))).toHaveLength(5);
  });

  it('merges equal neighbours, also two kW values that round to one limit', () => {
    const p = plan({ periods: [{ startMs: T0, limitKw: 11 }, { startMs: T0 + MIN, limitKw: 11.01 }, { startMs: T0 + 2 * MIN, limitKw: 11 }] });
    expect(periods(buildTxProfile(p, caps(), { unit: 'A' }))).toEqual([{ startPeriod: 0, limit: 15.9, numberPhases: 3 }]);
    expect(periods(buildTxProfile(p, caps(), { unit: 'W' })).map((x) => x.limit)).toEqual([11000, 11010, 11000]);
  });

  it('drops periods at or after the end and refuses an empty plan', () => {
    const b = buildTxProfile(plan({ endMs: T0 + 20 * MIN }), caps(), { unit: 'W' });
    expect(periods(b).map((p) => p.startPeriod)).toEqual([0, 900]);
    expect(schedule(b).duration).toBe(1200);
    expect(() => buildTxProfile(plan({ periods: [] }), caps(), { unit: 'W' })).toThrow(/at least one period/);
  });
});

function defaults(over: Partial<DefaultProfileRequest> = {}): DefaultProfileRequest {
  return { stationId: 'CS1', evseId: 1, profileId: 100, stackLevel: 0, limitKw: 4.14, phases: 3, lineVoltageV: 230, startMs: T0, ...over };
}

describe('TxDefaultProfile builder', () => {
  it('K01.FR.10/.12: one period, no duration, no validTo, so it stays active; one per EVSE', () => {
    const b = buildDefaultProfile(defaults({ evseId: 2 }), caps(), { unit: 'A' });
    expect(b.request).toEqual({
      evseId: 2,
      chargingProfile: {
        id: 100, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
        chargingSchedule: [{ id: 100, startSchedule: '2026-03-29T01:00:00.000Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6, numberPhases: 3 }] }],
      },
    });
    expect(b.coversUntilMs).toBe(Number.POSITIVE_INFINITY);
    valid(b);
    expect(() => buildDefaultProfile(defaults({ evseId: 0 }), caps(), { unit: 'A' })).toThrow(/evseId >= 1/);
  });
});

describe('OCPP schedule back to kW', () => {
  it('uses each period\'s numberPhases, else the default given', () => {
    const kw = periodsToKw(T0, [{ startPeriod: 0, limit: 16, numberPhases: 1 }, { startPeriod: 60, limit: 16 }], 'A', 230, 3);
    expect(kw).toEqual([{ startMs: T0, limitKw: 3.68 }, { startMs: T0 + MIN, limitKw: 11.04 }]);
    expect(periodsToKw(T0, [{ startPeriod: 0, limit: 7400 }], 'W', 230, 3)).toEqual([{ startMs: T0, limitKw: 7.4 }]);
  });
});

describe('property: random plans give schema-valid profiles that follow every rule', () => {
  it('holds for 300 seeded random plans', () => {
    const rnd = mulberry32(20260329);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    for (let n = 0; n < 300; n++) {
      const phases = rnd() < 0.4 ? 1 : 3;
      const lineVoltageV = rnd() < 0.8 ? 230 : 120;
      const start = T0 + int(0, 10_000) * 1000;
      const count = int(1, 60);
      const levels = [0, 1.4, 3.7, 4.14, 7.4, 11, 11.04, 22];
      let t = start;
      const planned = Array.from({ length: count }, () => {
        const p = { startMs: t, limitKw: rnd() < 0.5 ? levels[int(0, levels.length - 1)]! : Math.round(rnd() * 22_000) / 1000 };
        t += int(1, 120) * MIN / 4;
        return p;
      });
      const req = plan({ periods: planned, endMs: t - int(0, 3) * 1000, phases, lineVoltageV, stackLevel: int(0, 12), minKw: rnd() < 0.5 ? undefined : rnd() * 5 });
      const c = caps({ periodsPerSchedule: rnd() < 0.2 ? null : int(1, 50), profileStackLevel: rnd() < 0.3 ? null : int(0, 10) });
      const unit: RateUnit = rnd() < 0.5 ? 'A' : 'W';
      checkRules(req, c, buildTxProfile(req, c, { unit }), `seed case ${n}`);
    }
  });
});

function checkRules(req: TxProfileRequest, c: SmartChargingCapabilities, b: BuiltProfile, label: string): void {
  valid(b);
  const s = schedule(b);
  const ps = periods(b);
  const cp = b.request.chargingProfile;
  expect(cp, label).toMatchObject({ chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId: req.transactionId, id: req.profileId });
  expect(cp.chargingSchedule, label).toHaveLength(1);
  expect(cp.stackLevel, label).toBe(Math.min(req.stackLevel, c.profileStackLevel ?? Infinity));
  expect(ps[0]?.startPeriod, label).toBe(0);
  expect(ps.length, label).toBeLessThanOrEqual(c.periodsPerSchedule ?? DEFAULT_PERIODS_PER_SCHEDULE);
  const startMs = Date.parse(s.startSchedule!);
  expect(b.coversUntilMs, label).toBe(startMs + s.duration! * 1000);
  expect(b.coversUntilMs, label).toBeLessThanOrEqual(req.endMs);
  const step = roundingStep(b.unit, req.phases, req.lineVoltageV);
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    expect(p, label).not.toHaveProperty('phaseToUse');
    expect(p.numberPhases, label).toBe(req.phases);
    expect(Math.round(p.limit * 10), label).toBeCloseTo(p.limit * 10, 9); // at most one fractional digit
    if (i > 0) {
      expect(p.startPeriod, label).toBeGreaterThan(ps[i - 1]!.startPeriod);
      expect(p.limit, label).not.toBe(ps[i - 1]!.limit);
    }
  }
  expect(s.duration!, label).toBeGreaterThan(ps.at(-1)!.startPeriod);
  // Every plan period inside the covered window gets a limit at most its power and less than a step below it.
  for (const planned of req.periods.filter((p) => p.startMs < b.coversUntilMs)) {
    const inForce = [...ps].reverse().find((p) => startMs + p.startPeriod * 1000 <= planned.startMs)!;
    const down = b.unit === 'W' ? Math.floor(planned.limitKw * 1000 + 1e-6) : Math.floor((planned.limitKw * 1000) / (req.lineVoltageV * req.phases) * 10 + 1e-6) / 10;
    // A period planned at the car's minimum (within 10 W) holds at least the minimum, rounded up: never a pause.
    const min = req.minKw ?? 0;
    const minUp = b.unit === 'W' ? Math.ceil(min * 1000 - 1e-6) : Math.ceil((min * 1000) / (req.lineVoltageV * req.phases) * 10 - 1e-6) / 10;
    const raised = min > 0 && planned.limitKw > 0 && planned.limitKw >= min - 0.01 && down < minUp;
    const expected = raised ? minUp : down;
    expect(inForce.limit, label).toBeCloseTo(expected, 9);
    expect(limitToKw(inForce.limit, b.unit, req.phases, req.lineVoltageV), label).toBeLessThanOrEqual((raised ? Math.max(planned.limitKw, limitToKw(minUp, b.unit, req.phases, req.lineVoltageV)) : planned.limitKw) + 1e-9);
    expect(expected, label).toBeGreaterThan((b.unit === 'W' ? planned.limitKw * 1000 : (planned.limitKw * 1000) / (req.lineVoltageV * req.phases)) - step - 1e-9);
  }
}
