/**
 * Issue 20, finding 6: tariff CSVs took time quadratic in their rows (8,000 quarter-hours 2.3 s, 16,000 12.5 s, a
 * year estimated at a minute) because each row was appended by copying its zone's list, and nothing bounded a
 * publication. Now: at most TARIFF_ROWS_MAX intervals (a leap year of quarter-hours is 35,136), a body limit to
 * match, a named rule for too many rows, and a year of quarter-hours is taken and stored exactly, in both formats.
 * Speed itself is measured by `npm run bench:upload`, not here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TARIFF_BODY_LIMIT_BYTES, TARIFF_ROWS_MAX } from '../../src/prices/limits.js';
import { quarterHours, quarterHoursCsv, startIntakeApp, type IntakeApp } from './helpers/intake-app.js';

let x: IntakeApp;
beforeEach(async () => {
  x = await startIntakeApp();
});
afterEach(async () => x.close());

const YEAR = 35_040; // 2025: 365 days of 96 quarter-hours
const Y0 = '2025-01-01T00:00:00Z';
const yearWindow = { start: Date.parse(Y0), end: Date.parse('2026-01-01T00:00:00Z') };
const price = (i: number) => Math.round((0.05 + ((i * 7919) % 1000) / 4000) * 1e5) / 1e5;

// Two years of 35,040 rows written and read back: on PostgreSQL under a loaded CI machine this passed 20 s once.
describe('a year of quarter-hours (finding 6)', { timeout: 90_000 }, () => {
  it('as JSON: accepted, every interval stored with its price, in order', async () => {
    const res = await x.post(quarterHours('DK2', Y0, YEAR, price));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ zones: ['DK2'], intervals: YEAR });
    const stored = await x.store.current('DK2', yearWindow);
    expect(stored).toHaveLength(YEAR);
    expect(stored.map((s) => s.pricePerKwh)).toEqual(Array.from({ length: YEAR }, (_, i) => price(i)));
    expect(stored.every((s, i) => s.start === yearWindow.start + i * 900_000 && s.end === s.start + 900_000)).toBe(true);
  });

  it('as CSV, then the same year again with every other price changed: the new prices replace the old, history kept', async () => {
    expect((await x.post(quarterHoursCsv('DK2', Y0, YEAR, price), { contentType: 'text/csv' })).statusCode).toBe(201);
    x.clock.advance(60_000);
    const changed = (i: number) => (i % 2 === 0 ? price(i) : Math.round((price(i) + 0.5) * 1e5) / 1e5);
    const res = await x.post(quarterHoursCsv('DK2', Y0, YEAR, changed), { contentType: 'text/csv' });
    expect(res.statusCode).toBe(201);
    const stored = await x.store.current('DK2', yearWindow);
    expect(stored.map((s) => s.pricePerKwh)).toEqual(Array.from({ length: YEAR }, (_, i) => changed(i)));
    // An unchanged interval adds nothing; a changed one supersedes the old value, which stays in the history.
    const history = await x.store.history('DK2', yearWindow);
    expect(history).toHaveLength(YEAR + YEAR / 2);
    expect(history.filter((h) => h.superseded_by !== null)).toHaveLength(YEAR / 2);
  });

  it(`a leap year (35,136) and the cap itself (${TARIFF_ROWS_MAX}) are accepted`, async () => {
    expect((await x.post(quarterHours('DK2', '2024-01-01T00:00:00Z', 35_136))).statusCode).toBe(201);
    expect((await x.post(quarterHours('DK1', '2024-01-01T00:00:00Z', TARIFF_ROWS_MAX))).statusCode).toBe(201);
  });
});

describe('caps (finding 6)', () => {
  it('refuses one interval more than the cap, in JSON, naming the rule, and stores nothing', async () => {
    const res = await x.post(quarterHours('DK2', Y0, TARIFF_ROWS_MAX + 1));
    expect(res.statusCode).toBe(422);
    expect(res.json().issues).toEqual([{ row: null, field: 'intervals', rule: 'too-many-rows', message: expect.stringContaining(`at most ${TARIFF_ROWS_MAX}`) }]);
    expect(await x.store.current('DK2', { start: yearWindow.start, end: yearWindow.end + 366 * 86_400_000 })).toEqual([]);
  });

  it('refuses one row more than the cap in CSV, without reading the rest', async () => {
    const csv = quarterHoursCsv('DK2', Y0, TARIFF_ROWS_MAX + 1) + 'not,even,a,row\n'.repeat(10);
    const res = await x.post(csv, { contentType: 'text/csv' });
    expect(res.statusCode).toBe(422);
    expect(res.json().issues).toEqual([{ row: null, field: 'intervals', rule: 'too-many-rows', message: expect.stringContaining(`more than ${TARIFF_ROWS_MAX}`) }]);
  });

  it('refuses a body over the limit with 413 before reading it', async () => {
    const res = await x.post('x'.repeat(TARIFF_BODY_LIMIT_BYTES + 1), { contentType: 'text/csv' });
    expect(res.statusCode).toBe(413);
  });

  it('a year of bad rows: every problem counted, the first 1,000 listed', async () => {
    const res = await x.post(quarterHours('DK2', Y0, YEAR, () => 99));
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toBe(`${YEAR} problems (the first 1000 listed); nothing was applied`);
    expect(res.json().issues).toHaveLength(1000);
    expect(res.json().issues[999]).toMatchObject({ row: 1000, field: 'price', rule: 'out-of-bounds' });
  });

  it('an anonymous upload is refused before its body is read', async () => {
    const res = await x.app.inject({ method: 'POST', url: '/api/v1/tariffs', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect(res.statusCode).toBe(401);
  });
});
