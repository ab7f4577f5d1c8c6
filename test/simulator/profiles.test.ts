import { describe, expect, it } from 'vitest';
import { ChargingProfiles, type ProfilesConfig } from '../../src/simulator/profiles.js';
import type { ChargingProfileType } from '../../src/simulator/schedule.js';

const T0 = Date.parse('2026-03-29T00:00:00Z');
const at = (minutes: number) => T0 + minutes * 60_000;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();

function store(over: Partial<ProfilesConfig> = {}): ChargingProfiles {
  return new ChargingProfiles({
    evses: [{ id: 1, maxCurrentA: 32, phases: 3 }, { id: 2, maxCurrentA: 32, phases: 3 }],
    rateUnits: ['A', 'W'], periodsPerSchedule: 24, maxStackLevel: 8, acPhaseSwitching: false, lineVoltageV: 230,
    ...over,
  });
}

type P = Partial<ChargingProfileType> & { periods?: [number, number, number?][]; unit?: 'A' | 'W'; start?: string; duration?: number };
function profile(id: number, o: P = {}): ChargingProfileType {
  const { periods = [[0, 16]], unit = 'A', start, duration, ...rest } = o;
  const kind = rest.chargingProfileKind ?? 'Absolute';
  return {
    id, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: kind,
    chargingSchedule: [{
      id, chargingRateUnit: unit,
      ...(kind === 'Relative' ? {} : { startSchedule: start ?? iso(0) }),
      ...(duration !== undefined ? { duration } : {}),
      chargingSchedulePeriod: periods.map(([startPeriod, limit, numberPhases]) => ({ startPeriod, limit, ...(numberPhases ? { numberPhases } : {}) })) as ChargingProfileType['chargingSchedule'][0]['chargingSchedulePeriod'],
    }],
    ...rest,
  };
}

describe('profile stacking (K01)', () => {
  it('K01.FR.17: the highest stackLevel in force wins within a purpose; below it when its duration is over (K01.FR.11/.12)', () => {
    const s = store();
    expect(s.set(1, profile(1, { stackLevel: 0, periods: [[0, 20]] })).status).toBe('Accepted');
    expect(s.set(1, profile(2, { stackLevel: 3, periods: [[0, 10]], duration: 3600 })).status).toBe('Accepted');
    expect(s.limitAt(1, at(30)).amps).toBe(10);
    expect(s.limitAt(1, at(60)).amps).toBe(20);
  });

  it('K01.FR.14/.15: a TxDefaultProfile on EVSE 0 applies to every EVSE; an EVSE-specific one at a higher level overrides it there only', () => {
    const s = store();
    s.set(0, profile(1, { periods: [[0, 16]] }));
    s.set(2, profile(2, { stackLevel: 1, periods: [[0, 8]] }));
    expect(s.limitAt(1, at(0)).amps).toBe(16);
    expect(s.limitAt(2, at(0)).amps).toBe(8);
  });

  it('K01.FR.52/.53: a TxDefaultProfile at a stackLevel already used on EVSE 0 or on an EVSE is Rejected DuplicateProfile', () => {
    const s = store();
    s.set(0, profile(1));
    expect(s.set(1, profile(2))).toMatchObject({ status: 'Rejected', reasonCode: 'DuplicateProfile' });
    const t = store();
    t.set(1, profile(1));
    expect(t.set(0, profile(2))).toMatchObject({ status: 'Rejected', reasonCode: 'DuplicateProfile' });
  });

  it('K01.FR.06: same stackLevel, purpose and EVSE with overlapping validity is Rejected; disjoint validity is fine', () => {
    const s = store();
    s.set(1, profile(1, { validFrom: iso(0), validTo: iso(60) }));
    expect(s.set(1, profile(2, { validFrom: iso(30) })).status).toBe('Rejected');
    expect(s.set(1, profile(3, { validFrom: iso(60) })).status).toBe('Accepted');
  });

  it('K01.FR.05: a known id replaces the installed profile', () => {
    const s = store();
    s.set(1, profile(1, { periods: [[0, 16]] }));
    s.set(1, profile(1, { periods: [[0, 7]] }));
    expect(s.count).toBe(1);
    expect(s.limitAt(1, at(0)).amps).toBe(7);
  });

  it('K01.FR.36/.37: a profile limits from validFrom (inclusive) until validTo (exclusive)', () => {
    const s = store();
    s.set(1, profile(1, { periods: [[0, 10]], validFrom: iso(10), validTo: iso(20) }));
    expect(s.limitAt(1, at(9)).amps).toBe(32);
    expect(s.limitAt(1, at(10)).amps).toBe(10);
    expect(s.limitAt(1, at(20)).amps).toBe(32);
  });

  it('K01.FR.09/.33: a TxProfile without a transaction on the EVSE, or for another transaction, is Rejected', () => {
    const s = store();
    expect(s.set(1, profile(1, { chargingProfilePurpose: 'TxProfile', transactionId: 'T1' })).status).toBe('Rejected');
    s.startTransaction(1, 'T1', at(0));
    expect(s.set(1, profile(1, { chargingProfilePurpose: 'TxProfile', transactionId: 'T9' })).status).toBe('Rejected');
    expect(s.set(1, profile(1, { chargingProfilePurpose: 'TxProfile', transactionId: 'T1' })).status).toBe('Accepted');
    expect(s.set(1, profile(2, { chargingProfilePurpose: 'TxProfile', transactionId: 'T1' }))).toMatchObject({ reasonCode: 'DuplicateProfile' }); // K01.FR.39
  });

  it('a TxProfile overrides the TxDefaultProfile (3.5) and is removed when its transaction ends', () => {
    const s = store();
    s.set(0, profile(1, { periods: [[0, 16]] }));
    s.startTransaction(1, 'T1', at(0));
    s.set(1, profile(2, { chargingProfilePurpose: 'TxProfile', transactionId: 'T1', periods: [[0, 24]] }));
    expect(s.limitAt(1, at(5)).amps).toBe(24);
    s.endTransaction(1);
    expect(s.count).toBe(1);
    expect(s.limitAt(1, at(5)).amps).toBe(16);
  });

  it('K01.FR.26 unsupported rate unit, K01.FR.28 unknown EVSE, K01.FR.38 relative station maximum, K01.FR.31 first period: Rejected', () => {
    const s = store({ rateUnits: ['A'] });
    expect(s.set(1, profile(1, { unit: 'W', periods: [[0, 11000]] }))).toMatchObject({ status: 'Rejected', reasonCode: 'UnsupportedRateUnit' });
    expect(s.set(7, profile(1))).toMatchObject({ status: 'Rejected', reasonCode: 'UnknownEVSE' });
    expect(s.set(0, profile(1, { chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Relative' })).status).toBe('Rejected');
    expect(s.set(1, profile(1, { periods: [[60, 10]] })).status).toBe('Rejected');
    expect(store({ periodsPerSchedule: 2 }).set(1, profile(1, { periods: [[0, 1], [60, 2], [120, 3]] })).status).toBe('Rejected');
  });

  it('a Relative TxProfile counts from the transaction start; a Daily Recurring profile repeats', () => {
    const s = store();
    s.startTransaction(1, 'T1', at(100));
    s.set(1, profile(1, { chargingProfilePurpose: 'TxProfile', transactionId: 'T1', chargingProfileKind: 'Relative', periods: [[0, 10], [600, 20]] }));
    expect(s.limitAt(1, at(109)).amps).toBe(10);
    expect(s.limitAt(1, at(110)).amps).toBe(20);
    const r = store();
    r.set(2, profile(2, { chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', start: iso(0), periods: [[0, 6], [3600, 32]] }));
    expect(r.limitAt(2, at(24 * 60 + 30)).amps).toBe(6);
    expect(r.limitAt(2, at(24 * 60 + 90)).amps).toBe(32);
  });
});

describe('composite schedule (K08)', () => {
  it('K08.FR.04: the lowest of ChargingStationMaxProfile and TxProfile at each instant, with intervals of different lengths', () => {
    const s = store();
    s.set(0, profile(1, { chargingProfilePurpose: 'ChargingStationMaxProfile', periods: [[0, 20], [1800, 12]] }));
    s.startTransaction(1, 'T1', at(0));
    s.set(1, profile(2, { chargingProfilePurpose: 'TxProfile', transactionId: 'T1', periods: [[0, 16], [900, 25], [3600, 8]] }));
    const c = s.compositeSchedule(1, at(0), 7200, 'A');
    expect(c).toMatchObject({ evseId: 1, duration: 7200, chargingRateUnit: 'A', scheduleStart: iso(0) });
    expect('chargingSchedulePeriod' in c && c.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit])).toEqual([[0, 16], [900, 20], [1800, 12], [3600, 8]]);
  });

  it('K01.FR.50/.51: W and A convert through the line voltage and numberPhases, for 3 and 1 phases', () => {
    const s = store();
    s.set(1, profile(1, { unit: 'W', periods: [[0, 11040], [900, 3680, 1]] }));
    const a = s.compositeSchedule(1, at(0), 1800, 'A');
    expect('chargingSchedulePeriod' in a && a.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 16, numberPhases: 3 }, { startPeriod: 900, limit: 16, numberPhases: 1 },
    ]);
    const t = store();
    t.set(1, profile(1, { unit: 'A', periods: [[0, 10], [900, 10, 1]] }));
    const w = t.compositeSchedule(1, at(0), 1800, 'W');
    expect('chargingSchedulePeriod' in w && w.chargingSchedulePeriod.map((p) => p.limit)).toEqual([6900, 2300]);
  });

  it('K08.FR.06: without a transaction the TxDefaultProfile is reported, Relative from the request; K08.FR.05/.07 Rejected', () => {
    const s = store({ rateUnits: ['A'] });
    s.set(0, profile(1, { chargingProfileKind: 'Relative', periods: [[0, 10], [600, 20]] }));
    const c = s.compositeSchedule(2, at(50), 1200, 'A');
    expect('chargingSchedulePeriod' in c && c.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit])).toEqual([[0, 10], [600, 20]]);
    expect(s.compositeSchedule(9, at(0), 60, 'A')).toMatchObject({ reasonCode: 'UnknownEVSE' });
    expect(s.compositeSchedule(1, at(0), 60, 'W')).toMatchObject({ reasonCode: 'UnsupportedRateUnit' });
  });

  it('K08.FR.03: EVSE 0 reports the station total under its maximum', () => {
    const s = store();
    s.set(0, profile(1, { periods: [[0, 16]] }));
    expect(s.compositeSchedule(0, at(0), 60, 'A')).toMatchObject({ chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] });
    s.set(0, profile(2, { chargingProfilePurpose: 'ChargingStationMaxProfile', periods: [[0, 20]] }));
    expect(s.compositeSchedule(0, at(0), 60, 'A')).toMatchObject({ chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] });
  });
});

describe('report and clear (K09, K10)', () => {
  it('K09.FR.04/.05/.06 select by EVSE; criteria are ANDed; K10 clears by id or criteria, Unknown when nothing matched', () => {
    const s = store();
    s.set(0, profile(1));
    s.set(1, profile(2, { stackLevel: 2 }));
    s.set(0, profile(3, { chargingProfilePurpose: 'ChargingStationMaxProfile', periods: [[0, 30]] }));
    expect(s.report(undefined, {}).map((p) => p.profile.id)).toEqual([1, 2, 3]);
    expect(s.report(0, {}).map((p) => p.profile.id)).toEqual([1, 3]);
    expect(s.report(1, { chargingProfilePurpose: 'TxDefaultProfile' }).map((p) => p.profile.id)).toEqual([2]);
    expect(s.report(undefined, { chargingLimitSource: ['EMS'] })).toEqual([]);
    expect(s.clear({ chargingProfileId: 42 })).toBe('Unknown');
    expect(s.clear({ chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 } })).toBe('Accepted');
    expect(s.all().map((p) => p.profile.id)).toEqual([1, 3]);
    expect(s.clear({ chargingProfileId: 1 })).toBe('Accepted');
  });
});
