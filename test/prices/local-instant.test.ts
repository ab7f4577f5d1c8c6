import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { localInstant, zoneOffsetMinutes } from '../../src/prices/bands.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** What luxon says of the instant: the reference the remembered offsets must reproduce. */
function byLuxon(ms: number, zone: string) {
  const dt = DateTime.fromMillis(ms, { zone });
  return { date: dt.toISODate(), weekday: WEEKDAYS[dt.weekday - 1], time: dt.toFormat('HH:mm') };
}

describe('localInstant: the wall clock of a zone, from remembered offsets', () => {
  // Around each zone's changes of 2025: a whole-hour zone both ways, half an hour of DST (Lord Howe), a 45-minute
  // standard offset (Kathmandu), the southern hemisphere (Santiago: midnight changes, so the date moves too).
  const cases: [string, string][] = [
    ['Europe/Copenhagen', '2025-03-30T00:00:00Z'],
    ['Europe/Copenhagen', '2025-10-26T00:00:00Z'],
    ['Australia/Lord_Howe', '2025-04-05T14:00:00Z'],
    ['Australia/Lord_Howe', '2025-10-04T14:00:00Z'],
    ['Asia/Kathmandu', '2025-06-30T17:00:00Z'],
    ['America/Santiago', '2025-04-06T02:00:00Z'],
    ['America/Santiago', '2025-09-07T03:00:00Z'],
  ];
  it.each(cases)('%s around %s: every minute of four hours as luxon reads it, asked twice', (zone, from) => {
    const start = Date.parse(from);
    for (let round = 0; round < 2; round++) {
      for (let t = start; t < start + 4 * 3_600_000; t += 60_000) {
        expect({ t, ...localInstant(t, zone) }).toEqual({ t, ...byLuxon(t, zone) });
      }
    }
    // Not a whole minute: the minute it falls in.
    expect(localInstant(start + 90_500, zone)).toEqual(byLuxon(start + 90_500, zone));
  });

  it('gives the offset that changes at the instant of the change, and refuses an unknown zone', () => {
    const change = Date.parse('2025-10-26T01:00:00Z');
    expect([zoneOffsetMinutes(change - 60_000, 'Europe/Copenhagen'), zoneOffsetMinutes(change, 'Europe/Copenhagen')]).toEqual([120, 60]);
    expect(() => localInstant(change, 'Europe/Atlantis')).toThrow(expect.objectContaining({ code: 'TARIFF_INVALID' }));
  });
});
