import { describe, expect, it } from 'vitest';
import { localDateTime, nextLocalTime, resolveTarget, type TargetInput } from '../../src/scheduler/targets.js';
import { resolveSites, SiteConfigError } from '../../src/scheduler/sites.js';
import { slotGrid, slotsEndingBy } from '../../src/scheduler/problem.js';
import type { Site } from '../../src/domain/sites.js';

const [site] = resolveSites([{ id: 'home', timeZone: 'Europe/Berlin', tariff: 't', gridLimitKw: 11, evses: [{ stationId: 'H1', evseId: 1 }] }], ['t']) as [Site];
const ms = (iso: string) => Date.parse(iso);

function input(over: Partial<TargetInput>): TargetInput {
  return { site, now: ms('2026-11-23T16:00:00Z'), sessionStartMs: ms('2026-11-23T16:00:00Z'), vehicle: null, targets: undefined, needs: undefined, socPercent: null, ...over };
}
const vehicle = { id: 'V', name: 'V', fleet: null, batteryKwh: 50, maxAcKw: 11, phases: 3 as const, minCurrentA: null, idTokens: [] };

describe('departure times in the site’s zone', () => {
  it('the weekly rule on the 23-hour day (spring forward, 2026-03-29 in Berlin)', () => {
    // Saturday 20:00 local; the next Sunday 07:30 is 05:30Z because the clocks went forward at 02:00.
    expect(nextLocalTime(ms('2026-03-28T19:00:00Z'), 'Europe/Berlin', '07:30', ['sun'])).toBe(ms('2026-03-29T05:30:00Z'));
  });

  it('the weekly rule on the 25-hour day (fall back, 2026-10-25 in Berlin)', () => {
    expect(nextLocalTime(ms('2026-10-24T18:00:00Z'), 'Europe/Berlin', '07:30', ['sun'])).toBe(ms('2026-10-25T06:30:00Z'));
  });

  it('a local time in the spring gap moves forward; an ambiguous one in the fall is the earlier instant', () => {
    expect(localDateTime('2026-03-29T02:30', 'Europe/Berlin')).toBe(ms('2026-03-29T01:30:00Z'));
    expect(localDateTime('2026-10-25T02:30', 'Europe/Berlin')).toBe(ms('2026-10-25T00:30:00Z'));
  });

  it('weekdays only: Friday evening plans for Monday morning', () => {
    expect(nextLocalTime(ms('2026-11-27T18:00:00Z'), 'Europe/Berlin', '07:30', ['mon', 'tue', 'wed', 'thu', 'fri'])).toBe(ms('2026-11-30T06:30:00Z'));
  });
});

describe('resolveTarget', () => {
  it('site default without anything else', () => {
    expect(resolveTarget(input({}))).toMatchObject({ source: 'site-default', departureMs: ms('2026-11-24T06:00:00Z'), sessionKwh: 20 });
  });

  it('a one-off target wins until its departure has passed, then the weekly rule applies', () => {
    const targets = { vehicleId: 'V', once: { kind: 'once' as const, departure: '2026-11-24T09:00', energyKwh: 12 }, weekly: { kind: 'weekly' as const, days: ['tue' as const], time: '06:00', energyKwh: 30 }, updatedAt: '2026-11-23T15:00:00Z' };
    expect(resolveTarget(input({ vehicle, targets }))).toMatchObject({ source: 'vehicle-once', departureMs: ms('2026-11-24T08:00:00Z'), sessionKwh: 12 });
    expect(resolveTarget(input({ vehicle, targets, now: ms('2026-11-24T08:30:00Z') }))).toMatchObject({ source: 'vehicle-weekly', departureMs: ms('2026-12-01T05:00:00Z'), sessionKwh: 30 });
  });

  it('a one-off target holds for 15 minutes after its departure while the session it was set for goes on', () => {
    const targets = { vehicleId: 'V', once: { kind: 'once' as const, departure: '2026-11-24T09:00', energyKwh: 12 }, weekly: { kind: 'weekly' as const, days: ['tue' as const], time: '06:00', energyKwh: 30 }, updatedAt: '2026-11-23T15:00:00Z' };
    // Plugged in since the evening before, still there at 09:10 local: what is missing of the 12 kWh, at once.
    const late = resolveTarget(input({ vehicle, targets, now: ms('2026-11-24T08:10:00Z') }));
    expect(late).toMatchObject({ source: 'vehicle-once', departureMs: ms('2026-11-24T08:00:00Z'), sessionKwh: 12 });
    expect(late.phrases).toContainEqual({ id: 'target.late', params: { departureAt: '2026-11-24T08:00:00.000Z' } });
    // From 09:15 on, the weekly rule; and a car that plugs in after the departure never takes the old target.
    expect(resolveTarget(input({ vehicle, targets, now: ms('2026-11-24T08:15:00Z') }))).toMatchObject({ source: 'vehicle-weekly' });
    expect(resolveTarget(input({ vehicle, targets, now: ms('2026-11-24T08:10:00Z'), sessionStartMs: ms('2026-11-24T08:05:00Z') }))).toMatchObject({ source: 'vehicle-weekly' });
  });

  it('reach S %: from the live SoC when the car reports it, else from the SoC a person gave', () => {
    const once = { kind: 'once' as const, departure: '2026-11-24T07:00', socPercent: 80, currentSocPercent: 30 };
    const targets = { vehicleId: 'V', once, weekly: null, updatedAt: '2026-11-23T15:00:00Z' };
    expect(resolveTarget(input({ vehicle, targets, socPercent: 50 }))).toMatchObject({ remainingKwh: 15 });
    expect(resolveTarget(input({ vehicle, targets }))).toMatchObject({ sessionKwh: 25, remainingKwh: null });
  });

  it('reach S % without any SoC falls back to the site default energy and says why', () => {
    const targets = { vehicleId: 'V', once: { kind: 'once' as const, departure: '2026-11-24T07:00', socPercent: 80 }, weekly: null, updatedAt: '2026-11-23T15:00:00Z' };
    const t = resolveTarget(input({ vehicle, targets }));
    expect(t).toMatchObject({ sessionKwh: 20, source: 'vehicle-once' });
    expect(t.notes.join(' ')).toContain('current SoC');
    // Issue 18: each note also as an id and values, in the same order.
    expect(t.phrases).toEqual([{ id: 'target.socUnknown', params: { percent: 80 } }, { id: 'target.siteDefault', params: { kwh: 20 } }]);
    expect(t.notes).toHaveLength(2);
    const noBattery = resolveTarget(input({ vehicle: { ...vehicle, batteryKwh: null }, targets }));
    expect(noBattery.phrases[0]).toEqual({ id: 'target.batteryUnknown', params: { percent: 80 } });
  });

  it('ISO 15118 needs: override by default, only fill under "fill", nothing under "ignore"', () => {
    const needs = { stationId: 'H1', evseId: 1, transactionId: 'T', requestedEnergyTransfer: 'AC_three_phase', departureTime: '2026-11-24T04:00:00Z', energyAmountWh: 9000, evMinCurrentA: 6, evMaxCurrentA: 16, evMaxVoltageV: 400, evMaxPowerW: null, maxScheduleTuples: null, receivedAt: '2026-11-23T16:00:00Z' };
    const targets = { vehicleId: 'V', once: { kind: 'once' as const, departure: '2026-11-24T09:00', energyKwh: 12 }, weekly: null, updatedAt: '2026-11-23T15:00:00Z' };
    expect(resolveTarget(input({ vehicle, targets, needs }))).toMatchObject({ source: 'charging-needs', departureMs: ms('2026-11-24T04:00:00Z'), sessionKwh: 9 });
    const fill = { ...site, policy: { ...site.policy, chargingNeeds: 'fill' as const } };
    expect(resolveTarget(input({ site: fill, vehicle, targets, needs }))).toMatchObject({ source: 'vehicle-once', sessionKwh: 12 });
    expect(resolveTarget(input({ site: fill, needs }))).toMatchObject({ source: 'charging-needs', sessionKwh: 9 });
    const ignore = { ...site, policy: { ...site.policy, chargingNeeds: 'ignore' as const } };
    expect(resolveTarget(input({ site: ignore, needs }))).toMatchObject({ source: 'site-default' });
  });

  it('minimum range now becomes an intermediate target', () => {
    const targets = { vehicleId: 'V', once: { kind: 'once' as const, departure: '2026-11-24T07:00', energyKwh: 30, minimumNow: { energyKwh: 5, withinMinutes: 60 } }, weekly: null, updatedAt: '2026-11-23T16:00:00Z' };
    expect(resolveTarget(input({ vehicle, targets })).minimum).toEqual({ energyKwh: 5, byMs: ms('2026-11-23T17:00:00Z') });
  });
});

describe('the slot grid', () => {
  it('starts now with a partial first slot and counts only slots that end by a departure', () => {
    const g = slotGrid(ms('2026-11-23T16:05:00Z'), 15, ms('2026-11-23T17:10:00Z'));
    expect(g.starts.map((s) => new Date(s).toISOString().slice(11, 16))).toEqual(['16:05', '16:15', '16:30', '16:45', '17:00']);
    expect(g.firstFraction).toBeCloseTo(10 / 15);
    expect(slotsEndingBy(g, ms('2026-11-23T17:10:00Z'))).toBe(4);
  });
});

describe('sites from config', () => {
  const base = { id: 's', timeZone: 'Europe/Berlin', tariff: 't', gridLimitKw: 20, evses: [] as unknown[] };
  it.each([
    [{ ...base, timeZone: 'Mars/Olympus' }, 'sites[0].timeZone'],
    [{ ...base, tariff: 'nope' }, 'sites[0].tariff'],
    [{ ...base, circuits: [{ id: 'a', parent: 'b' }] }, 'sites[0].circuits[0].parent'],
    [{ ...base, circuits: [{ id: 'a', parent: 'b' }, { id: 'b', parent: 'a' }] }, 'sites[0].circuits[0].parent'],
    [{ ...base, evses: [{ stationId: 'X', evseId: 1, circuit: 'none' }] }, 'sites[0].evses[0].circuit'],
    [{ ...base, evses: [{ stationId: 'X', evseId: 1 }, { stationId: 'X', evseId: 1 }] }, 'sites[0].evses[1]'],
    [{ ...base, gridLimitKw: -1 }, 'sites[0].gridLimitKw'],
  ])('names the field that is wrong (%#)', (bad, field) => {
    try {
      resolveSites([bad], ['t']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SiteConfigError);
      expect((e as SiteConfigError).field).toBe(field);
    }
  });
});
