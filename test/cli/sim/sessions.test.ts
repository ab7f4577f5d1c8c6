import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  DURATION_FLAG,
  loadSessions,
  parseSessions,
  SESSIONS_TO_DK1_2025_MS,
  shiftSessions,
  type SessionRecord,
} from '../../../src/cli/sim/sessions.js';

const dir = fileURLToPath(new URL('../../fixtures/sessions/', import.meta.url));
const RAW = `${dir}trondheim_2019-10-24_to_2019-10-29_slice.csv`;
const NORMALISED = `${dir}trondheim_2019-10-24_to_2019-10-29.normalised.csv`;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const RAW_HEADER =
  'session_ID;Garage_ID;User_ID;User_type;Shared_ID;Start_plugin;Start_plugin_hour;End_plugout;End_plugout_hour;El_kWh;Duration_hours;month_plugin;weekdays_plugin';
const rawRow = (id: string, from: string, to: string, kwh: string, hours: string) =>
  `${id};UT7;UT7-2;Private;NA;${from};0;${to};0;${kwh};${hours};Oct;Sunday`;
const raw = (...rows: string[]) => [RAW_HEADER, ...rows].join('\r\n') + '\r\n';

const NORM_HEADER = 'session_id,site,station_id,user_id,arrival_utc,departure_utc,done_charging_utc,energy_kwh,requested_kwh,requested_departure_utc,flags';
const norm = (...rows: string[]) => [NORM_HEADER, ...rows].join('\n') + '\n';

describe('the Trondheim sessions', () => {
  const fromRaw = loadSessions(RAW);
  const fromNormalised = loadSessions(NORMALISED);

  it('reads the raw export exactly as the normalised answer, row for row', () => {
    expect(fromRaw).toHaveLength(198);
    expect(fromRaw).toEqual(fromNormalised);
  });

  it('turns naive Oslo wall time into UTC on both sides of the 2019-10-27 fall-back', () => {
    const byId = new Map(fromRaw.map((s) => [s.id, s]));
    // 24.10.2019 00:10 CEST is 22:10Z the day before.
    expect(iso(byId.get('3119')!.arrival)).toBe('2019-10-23T22:10:00Z');
    // 26.10.2019 20:27 (CEST) to 27.10.2019 08:48 (CET): 13 h 21 min, not the 12 h 21 min the clocks show.
    const s3214 = byId.get('3214')!;
    expect([iso(s3214.arrival), iso(s3214.departure)]).toEqual(['2019-10-26T18:27:00Z', '2019-10-27T07:48:00Z']);
    expect(s3214.energyKwh).toBe(63.3);
  });

  it('flags the 17 rows whose Duration_hours the source corrected for DST and its clock times not', () => {
    const flagged = fromRaw.filter((s) => s.flags.includes(DURATION_FLAG));
    expect(flagged).toHaveLength(17);
    // Every one spans the fall-back (01:00Z on 2019-10-27).
    const fallBack = Date.parse('2019-10-27T01:00:00Z');
    for (const s of flagged) expect(s.arrival < fallBack && s.departure > fallBack).toBe(true);
    expect(fromRaw.filter((s) => s.flags.length > 0)).toEqual(flagged);
  });

  it('keeps the one zero-length session (3283) with its 0.01 kWh', () => {
    const zero = fromRaw.filter((s) => s.arrival === s.departure);
    expect(zero.map((s) => [s.id, s.energyKwh, iso(s.arrival)])).toEqual([['3283', 0.01, '2019-10-29T07:04:00Z']]);
  });

  it('replays 313 weeks later on the same weekdays, with the 2019 fall-back on the 2025 one', () => {
    const shifted = shiftSessions(fromRaw, SESSIONS_TO_DK1_2025_MS);
    expect(SESSIONS_TO_DK1_2025_MS).toBe(313 * 7 * 86_400_000);
    expect(iso(Math.min(...shifted.map((s) => s.arrival)))).toBe('2025-10-22T22:10:00Z');
    expect(iso(Math.max(...shifted.map((s) => s.departure)))).toBe('2025-10-29T20:32:00Z');
    expect(shifted.reduce((n, s) => n + s.energyKwh, 0)).toBeCloseTo(2329.96, 6);
    expect(new Set(shifted.map((s) => s.userId)).size).toBe(57);
    shifted.forEach((s, i) => {
      const was = fromRaw[i]!;
      expect(new Date(s.arrival).getUTCDay()).toBe(new Date(was.arrival).getUTCDay());
      // Same UTC offset in Oslo before and after the shift: the DST change moved with the sessions.
      for (const k of ['arrival', 'departure'] as const) {
        expect(DateTime.fromMillis(s[k], { zone: 'Europe/Oslo' }).offset).toBe(DateTime.fromMillis(was[k], { zone: 'Europe/Oslo' }).offset);
      }
    });
    // Peak occupancy: 26 cars plugged in at once (sweep over arrivals and departures; a departure frees first).
    const events = shifted.flatMap((s) => [[s.arrival, 1], [s.departure, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (now += d));
    expect(peak).toBe(26);
    expect(fromRaw[0]!.arrival).toBe(Date.parse('2019-10-23T22:10:00Z')); // the input is not changed
  });
});

describe('parseSessions on the edges of the raw format', () => {
  const one = (text: string): SessionRecord => parseSessions(text, 'x.csv')[0]!;

  it('tells the two 02:30s of the fall-back apart by the DST-corrected duration', () => {
    // 02:30 (CEST) -> 02:15 (CET) is 45 minutes although the clock went back.
    const s = one(raw(rawRow('1', '27.10.2019 02:30', '27.10.2019 02:15', '8,25', '0,75')));
    expect([iso(s.arrival), iso(s.departure)]).toEqual(['2019-10-27T00:30:00Z', '2019-10-27T01:15:00Z']);
    expect(s.flags).toEqual([DURATION_FLAG]);
    // Inside one side of the repeated hour: the earlier reading (CEST), as the clock shows it first.
    const t = one(raw(rawRow('2', '27.10.2019 02:30', '27.10.2019 02:45', '2,75', '0,25')));
    expect([iso(t.arrival), iso(t.departure), t.flags]).toEqual(['2019-10-27T00:30:00Z', '2019-10-27T00:45:00Z', []]);
  });

  it('names file, line and field for every kind of bad row', () => {
    const bad: Array<[string, RegExp]> = [
      [raw(rawRow('1', '31.03.2019 02:30', '31.03.2019 04:00', '1', '1')), /^x\.csv line 2, Start_plugin: "31\.03\.2019 02:30" does not exist/],
      [raw(rawRow('1', '24.10.2019 7:54', '24.10.2019 08:58', '1', '1')), /^x\.csv line 2, Start_plugin: "24\.10\.2019 7:54" is not a time/],
      [raw(rawRow('1', '24.10.2019 07:54', '24.10.2019 06:58', '1', '1')), /^x\.csv line 2, End_plugout: .* is before Start_plugin/],
      [raw(rawRow('1', '24.10.2019 07:54', '24.10.2019 08:58', '1', '1'), rawRow('2', '24.10.2019 07:54', '24.10.2019 08:58', 'lots', '1')), /^x\.csv line 3, El_kWh: "lots" is not a non-negative number/],
      [raw(rawRow('1', '24.10.2019 07:54', '24.10.2019 08:58', '-1', '1')), /^x\.csv line 2, El_kWh/],
      [raw(rawRow('1', '24.10.2019 07:54', '24.10.2019 08:58', '1', 'NA')), /^x\.csv line 2, Duration_hours: "NA" is not a number/],
      [raw(rawRow('7', '24.10.2019 07:54', '24.10.2019 08:58', '1', '1'), rawRow('7', '24.10.2019 09:54', '24.10.2019 10:58', '1', '1')), /^x\.csv line 3, session_ID: "7" is already used on line 2/],
      [raw('1;UT7;UT7-2;Private'), /^x\.csv line 2, row: has 4 fields, the header has 13/],
      [RAW_HEADER.replace(';El_kWh', ';kWh') + '\r\n', /^x\.csv line 1, El_kWh: column missing/],
      ['id,when\n1,2\n', /^x\.csv line 1, header: neither the raw Trondheim export/],
    ];
    for (const [text, message] of bad) expect(() => parseSessions(text, 'x.csv')).toThrow(message);
  });

  it('names the path when loading a file, and carries a stable code', () => {
    try {
      parseSessions(raw(rawRow('', '24.10.2019 07:54', '24.10.2019 08:58', '1', '1')), 'garage.csv');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'SESSIONS_INVALID', file: 'garage.csv', line: 2, field: 'session_ID' });
    }
    expect(() => loadSessions(`${dir}README.md`)).toThrow(`${dir}README.md line 1, header`);
  });
});

describe('parseSessions on the normalised format', () => {
  it('reads flags, separated by "|", and an empty flags cell as none', () => {
    const [a, b] = parseSessions(norm(
      '1,site:a,,u1,2025-10-26T00:30:00Z,2025-10-26T01:15:00Z,,8.25,,,x|y',
      '2,site:a,,u2,2025-10-26T00:30:00Z,2025-10-26T00:30:00Z,,0,,,',
    ));
    expect(a).toEqual({ id: '1', site: 'site:a', userId: 'u1', arrival: Date.parse('2025-10-26T00:30:00Z'), departure: Date.parse('2025-10-26T01:15:00Z'), energyKwh: 8.25, flags: ['x', 'y'] });
    expect(b!.flags).toEqual([]);
  });

  it('refuses local times, bad numbers and missing columns, naming where', () => {
    const bad: Array<[string, RegExp]> = [
      [norm('1,s,,u,2025-10-26T00:30:00+01:00,2025-10-26T01:15:00Z,,1,,,'), /^n\.csv line 2, arrival_utc: .* is not a UTC time/],
      [norm('1,s,,u,2025-10-26T00:30:00Z,2025-10-26T01:15:00Z,,1,,,', '2,s,,u,2025-10-26T00:30:00Z,2025-10-26T01:75:00Z,,1,,,'), /^n\.csv line 3, departure_utc/],
      [norm('1,s,,u,2025-10-26T00:30:00Z,2025-10-26T01:15:00Z,,,,,'), /^n\.csv line 2, energy_kwh: "" is not/],
      [norm('1,,,u,2025-10-26T00:30:00Z,2025-10-26T01:15:00Z,,1,,,'), /^n\.csv line 2, site: must not be empty/],
      [NORM_HEADER.replace(',flags', '') + '\n', /^n\.csv line 1, flags: column missing/],
    ];
    for (const [text, message] of bad) expect(() => parseSessions(text, 'n.csv')).toThrow(message);
  });
});

describe("Caltech's garage in the normalised format (ACN-Data)", () => {
  const caltech = loadSessions(fileURLToPath(new URL('../../fixtures/sessions/caltech_2019-07_to_2019-09.normalised.csv', import.meta.url)));

  it('reads all 2,508 sessions with arrival, departure, energy and the driver request where the app had one', () => {
    expect(caltech).toHaveLength(2508);
    const first = caltech[0]!;
    // 2_39_127_19_2019-07-01 03:02:54.473303: 15.658 kWh delivered, 35.04 asked for by 05:05:54Z.
    expect(first).toMatchObject({
      site: 'caltech', arrival: Date.parse('2019-07-01T03:02:54Z'), departure: Date.parse('2019-07-01T05:35:45Z'), energyKwh: 15.658,
      requestedKwh: 35.04, requestedDeparture: Date.parse('2019-07-01T05:05:54Z'),
    });
    // No user ids in the export: each session is its own driver.
    expect(first.userId).toBe(first.id);
    expect(caltech.every((s) => s.departure >= s.arrival && s.energyKwh >= 0)).toBe(true);
  });

  it('moves the requested departure with the session when shifted', () => {
    const [s] = shiftSessions(caltech.slice(0, 1), 7 * 86_400_000);
    expect(s!.requestedDeparture).toBe(Date.parse('2019-07-08T05:05:54Z'));
  });

  it('names file, line and field of a bad request or a departure before the arrival', () => {
    const bad: Array<[string, RegExp]> = [
      [norm('1,s,,,2019-07-01T03:02:54Z,2019-07-01T05:35:45Z,,15.6,lots,2019-07-01T05:05:54Z,'), /^c\.csv line 2, requested_kwh: "lots" is not a non-negative number/],
      [norm('1,s,,,2019-07-01T03:02:54Z,2019-07-01T05:35:45Z,,15.6,35,07:05,'), /^c\.csv line 2, requested_departure_utc: "07:05" is not a UTC time/],
      [norm('1,s,,,2019-07-01T03:02:54Z,2019-07-01T02:35:45Z,,15.6,,,'), /^c\.csv line 2, departure_utc: .* is before arrival_utc/],
    ];
    for (const [text, message] of bad) expect(() => parseSessions(text, 'c.csv')).toThrow(message);
  });
});
