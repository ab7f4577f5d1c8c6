/**
 * Issue 20, finding 7: an OpenADR 3 event with only a capacity payload skipped the zone check (the check ran per price
 * row) and answered 201 while nothing was stored (the limits went to the zone of the first price series, of which
 * there was none); capacity values were unbounded (-5 kW and 1e308 kW were stored).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPACITY_LIMIT_MAX_KW } from '../../src/prices/sources/openadr3.js';
import { startIntakeApp, type IntakeApp } from './helpers/intake-app.js';

let x: IntakeApp;
beforeEach(async () => {
  x = await startIntakeApp();
});
afterEach(async () => x.close());

const DAY = { start: Date.parse('2025-10-26T00:00:00Z'), end: Date.parse('2025-10-27T00:00:00Z') };
const event = (payloads: unknown[], units?: string) => ({
  programID: 'grid-limits',
  ...(units ? { payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units }] } : {}),
  intervalPeriod: { start: '2025-10-26T06:00:00Z', duration: 'PT1H' },
  intervals: [{ id: 0, payloads }],
});
const limit = (value: unknown, type = 'IMPORT_CAPACITY_LIMIT') => ({ type, values: [value] });
const postEvent = (body: unknown, query: string, token?: string) =>
  x.post(body, { url: `/api/v1/tariffs/openadr3/events${query}`, ...(token ? { token } : {}) });
const issuesOf = (res: { json(): unknown }) => (res.json() as { issues: Array<{ row: number | null; field: string; rule: string; message: string }> }).issues;

describe('OpenADR capacity limits (finding 7)', () => {
  it('a capacity-only event for an unknown zone is refused naming the zone, and nothing is stored', async () => {
    const res = await postEvent(event([limit(22)]), '?zone=NOPE');
    // Before the fix: 201 {capacityLimits: 1} and nothing stored.
    expect(res.statusCode).toBe(422);
    expect(issuesOf(res)).toEqual([{ row: null, field: 'zone', rule: 'unknown-zone', message: 'zone "NOPE" is not configured' }]);
    expect(await x.limits.limits('NOPE', DAY)).toEqual([]);
  });

  it('a capacity-only event needs the publisher’s grant over its zone', async () => {
    const res = await postEvent(event([limit(22)]), '?zone=DK2', await x.token(['DK1']));
    expect(res.statusCode).toBe(403);
    expect(await x.limits.limits('DK2', DAY)).toEqual([]);
  });

  it('a capacity-only event for a zone of the publisher is stored, as its 201 says', async () => {
    const res = await postEvent(event([limit(22)]), '?zone=DK2', await x.token(['DK2']));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ zones: ['DK2'], intervals: 0, capacityLimits: 1, publicationIds: [] });
    expect(await x.limits.limits('DK2', DAY)).toEqual([{ start: Date.parse('2025-10-26T06:00:00Z'), end: Date.parse('2025-10-26T07:00:00Z'), direction: 'import', limitKw: 22 }]);
  });

  it.each<[string, unknown, string | undefined, string]>([
    ['a negative limit', -5, undefined, 'out-of-bounds'],
    ['a zero limit', 0, undefined, 'out-of-bounds'],
    ['1e308 kW', 1e308, undefined, 'out-of-bounds'],
    ['more than the maximum in MW', CAPACITY_LIMIT_MAX_KW / 1000 + 1, 'MW', 'out-of-bounds'],
    ['a text', '22', undefined, 'not-numeric'],
    ['null', null, undefined, 'not-numeric'],
  ])('refuses %s, naming the interval and the payload, and stores nothing', async (_what, value, units, rule) => {
    const res = await postEvent(event([limit(value)], units), '?zone=DK2');
    expect(res.statusCode).toBe(422);
    const issues = issuesOf(res);
    expect(issues).toEqual([{ row: 1, field: 'IMPORT_CAPACITY_LIMIT', rule, message: expect.stringContaining('intervals[0] IMPORT_CAPACITY_LIMIT') }]);
    expect(await x.limits.limits('DK2', DAY)).toEqual([]);
  });

  it('a bad limit next to good prices refuses the whole event', async () => {
    const body = event([{ type: 'PRICE', values: [0.2] }, limit(-5, 'EXPORT_CAPACITY_LIMIT')]);
    const res = await postEvent(body, '?zone=DK2&currency=EUR');
    expect(res.statusCode).toBe(422);
    expect(issuesOf(res)).toMatchObject([{ row: 1, field: 'EXPORT_CAPACITY_LIMIT', rule: 'out-of-bounds' }]);
    expect(await x.store.current('DK2', DAY)).toEqual([]);
  });

  it(`takes the maximum itself (${CAPACITY_LIMIT_MAX_KW} kW), in W too`, async () => {
    expect((await postEvent(event([limit(CAPACITY_LIMIT_MAX_KW)]), '?zone=DK2')).statusCode).toBe(201);
    expect((await postEvent(event([limit(11_000)], 'W'), '?zone=DK2')).statusCode).toBe(201);
    expect(await x.limits.limits('DK2', DAY)).toMatchObject([{ limitKw: 11 }]);
  });
});
