/**
 * Utilisation figures against the hand-computed week of test/fixtures/utilisation/week.ts (issue 17): per EVSE,
 * station and site, the hour-of-week heat map across the fall-back night, and the saturation sentence. The
 * computation is pure: the history is given as the storage read returns it (test/storage/utilisation.test.ts reads
 * the same week from both databases).
 */
import { describe, expect, it } from 'vitest';
import type { EvseStateRow } from '../../src/domain/utilisation.js';
import { computeUtilisation } from '../../src/scheduler/utilisation.js';
import { hourGrid, PeriodError, utilisationPeriod } from '../../src/scheduler/utilisation-calendar.js';
import { EVSES, FROM, NOW, TO, ZONE } from '../fixtures/utilisation/week.js';
import { expectFixtureWeek, fixtureHistory, fixtureWeek } from '../fixtures/utilisation/expected.js';

describe('utilisation over the fixture week (Europe/Copenhagen, fall-back Sunday)', () => {
  it('per EVSE, station and site, heat map and sentence, as computed by hand', () => {
    expectFixtureWeek(fixtureWeek(fixtureHistory()));
  });

  it('the same figures when only the latest row before the week is given per key (what storage returns)', () => {
    const h = fixtureHistory();
    const start = utilisationPeriod(ZONE, Date.parse(NOW), FROM, TO).startMs;
    const latest = new Map<string, EvseStateRow>();
    for (const r of h.log) if (Date.parse(r.at) < start && r.kind !== 'authorize') latest.set(`${r.stationId}#${r.evseId}#${r.connectorId}#${r.kind}`, r);
    const log = [...latest.values(), ...h.log.filter((r) => Date.parse(r.at) >= start)];
    expectFixtureWeek(fixtureWeek({ ...h, log }));
  });

  it('a period measured only up to now: the future part is not counted, a running session counts to now', () => {
    const now = Date.parse('2026-10-19T18:00:00Z'); // Monday 20:00 local
    const h = fixtureHistory();
    h.sessions = h.sessions.filter((s) => Date.parse(s.startedAt) < now).map((s) => (Date.parse(s.endedAt!) > now ? { ...s, endedAt: null } : s));
    h.log = h.log.filter((r) => Date.parse(r.at) <= now);
    const u = computeUtilisation({ site: { id: 'depot', evses: EVSES }, period: utilisationPeriod(ZONE, now, FROM, TO), nowMs: now, history: h });
    expect(u.periodH).toBe(20);
    // F 2 h; A 16:00Z-18:00Z, B 16:30Z-18:00Z, C 17:00Z-18:00Z; all taken 17:00Z-18:00Z; the Authorize at 18:00Z is the end.
    expect([u.pluggedH, u.allTakenH, u.foundNone, u.sessions]).toEqual([2 + 2 + 1.5 + 1, 1, 0, 3]);
    // A's 40 kWh are the whole session's: a running one has no end, so all of its energy so far counts.
    expect(u.evseRows[0]!.energyKwh).toBe(40);
  });

  it('a site with nothing measured says so; an EVSE never linked has no availability figure', () => {
    const now = Date.parse(NOW);
    const u = computeUtilisation({ site: { id: 'empty', evses: [{ stationId: 'X', evseId: 1 }] }, period: utilisationPeriod(ZONE, now, FROM, TO), nowMs: now, history: { sessions: [], log: [] } });
    expect([u.pluggedH, u.availability, u.chargingShare, u.saturation.saturated, u.saturation.sentence]).toEqual([0, null, null, false, 'Not saturated: at least one charger was always free.']);
  });
});

describe('the utilisation calendar', () => {
  it('a period is local dates in the zone: the spring-forward week is 167 hours, the fall-back week 169', () => {
    const spring = utilisationPeriod(ZONE, 0, '2026-03-23', '2026-03-30');
    expect([(spring.endMs - spring.startMs) / 3_600_000, new Date(spring.startMs).toISOString()]).toEqual([167, '2026-03-22T23:00:00.000Z']);
    const fall = utilisationPeriod(ZONE, 0, FROM, TO);
    expect((fall.endMs - fall.startMs) / 3_600_000).toBe(169);
  });

  it('the spring-forward Sunday files no hour under 02:00', () => {
    const p = utilisationPeriod(ZONE, 0, '2026-03-29', '2026-03-30');
    const grid = hourGrid(ZONE, p.startMs, p.endMs);
    expect([...grid.keys]).toEqual([144, 145, ...Array.from({ length: 21 }, (_, i) => 147 + i)]);
  });

  it('defaults: the last 7 days including today; bad input names the field', () => {
    const p = utilisationPeriod(ZONE, Date.parse('2026-10-21T12:00:00Z'));
    expect([p.from, p.to]).toEqual(['2026-10-15', '2026-10-22']);
    const fail = (f: () => unknown) => { try { f(); return null; } catch (e) { return [(e as PeriodError).field, (e as Error).message]; } };
    expect(fail(() => utilisationPeriod(ZONE, 0, '2026-13-01', TO))).toEqual(['from', 'from must be a date YYYY-MM-DD, not "2026-13-01"']);
    expect(fail(() => utilisationPeriod(ZONE, 0, TO, FROM))).toEqual(['to', 'to (2026-10-19) must be after from (2026-10-26)']);
    expect(fail(() => utilisationPeriod(ZONE, 0, '2025-01-01', '2026-03-01'))).toEqual(['to', 'a period is at most 367 days; 2025-01-01 to 2026-03-01 is longer']);
  });
});
