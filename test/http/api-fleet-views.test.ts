import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionRepository } from '../../src/storage/plan-repository.js';
import { settle } from '../helpers/depot.js';
import type { PlanningStation } from '../helpers/planning-station.js';
import { planVan1, startApi, type ApiFixture } from './api-fixture.js';

/**
 * Issue 18, the fleet manager's side of the API on the real product: the kept (cached) fleet table and plan stay
 * true when a target, the time or the plan changes; the lean plan; the status of an away van without a target.
 */
let f: ApiFixture;
let cs: PlanningStation;
beforeAll(async () => {
  f = await startApi();
  cs = await planVan1(f);
}, 60_000);
afterAll(async () => f?.close());

const table = (headers: Record<string, string> = {}) => f.as('north', { url: '/api/v1/sites/north-depot/vehicles', headers });
const rowOf = async (id: string) => ((await table()).json() as { vehicleId: string }[]).find((r) => r.vehicleId === id) as Record<string, unknown>;

describe('the fleet table, kept between plans', () => {
  it('answers an unchanged table with 304 to its ETag', async () => {
    const first = await table();
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await table({ 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await table()).body).toBe(first.body);
  });

  it('says an away van without a target is away with no departure, not ready', async () => {
    expect(await rowOf('VAN-2')).toMatchObject({ status: 'away', stationId: null, departureAt: null, target: { kind: 'none' }, warning: null });
    expect(await rowOf('VAN-1')).toMatchObject({ stationId: 'CS1', target: { kind: 'once', energyKwh: 10 }, departureAt: '2026-11-24T06:00:00.000Z' });
  });

  it('shows a target set for an away van at once (no plan follows it)', async () => {
    const before = await table();
    await f.server.running.scheduler.setTarget('VAN-2', { kind: 'once', departure: '2026-11-24T08:15', energyKwh: 12 });
    const after = await table({ 'if-none-match': before.headers.etag as string });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect((after.json() as { vehicleId: string }[]).find((r) => r.vehicleId === 'VAN-2')).toMatchObject({
      status: 'away', departureAt: '2026-11-24T07:15:00.000Z', target: { kind: 'once', energyKwh: 12 },
    });
  });
});

describe('the site plan, kept and lean', () => {
  it('answers the same plan from its kept copy, a new plan at once, and its sums without sessions on request', async () => {
    const full = await f.as('north', { url: '/api/v1/sites/north-depot/plan' });
    expect(full.statusCode).toBe(200);
    expect((await f.as('north', { url: '/api/v1/sites/north-depot/plan', headers: { 'if-none-match': full.headers.etag as string } })).statusCode).toBe(304);
    const lean = await f.as('north', { url: '/api/v1/sites/north-depot/plan?sessions=none' });
    expect(lean.statusCode).toBe(200);
    const [a, b] = [full.json(), lean.json()];
    expect(a.sessions).toHaveLength(1);
    expect(b).toEqual({ ...a, sessions: [] });
    expect(lean.body.length).toBeLessThan(full.body.length);
    // A new plan (the car meters, the deviation re-plans or the boost does): the kept copy goes with the old one.
    await f.server.running.scheduler.setBoost('VAN-1', 2);
    await settle(f.server);
    const next = await f.as('north', { url: '/api/v1/sites/north-depot/plan' });
    expect(next.json().planId).toBeGreaterThan(a.planId);
    expect(next.json().sessions[0].boost).toMatchObject({ remainingKwh: 2 });
    await f.server.running.scheduler.clearBoost('VAN-1');
    await settle(f.server);
  });

  it('gives each note its phrase, one per note, and the fleet row the shortfall\'s (null without one)', async () => {
    const plan = (await f.as('north', { url: '/api/v1/sites/north-depot/plan' })).json() as { sessions: { notes: string[]; notePhrases: unknown[]; shortfallPhrase: unknown }[] };
    for (const s of plan.sessions) {
      expect(s.notePhrases).toHaveLength(s.notes.length);
      expect('shortfallPhrase' in s).toBe(true);
    }
    const row = await rowOf('VAN-1');
    expect(row).toHaveProperty('shortfallPhrase');
    expect(row.shortfallKwh === 0 ? row.shortfallPhrase : null).toBeNull();
  });

  it('refuses an unknown sessions value, naming the field', async () => {
    const res = await f.as('north', { url: '/api/v1/sites/north-depot/plan?sessions=some' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('sessions');
  });
});

describe('GET /api/v1/sites/:siteId/decision-log', () => {
  const log = (query: string) => f.as('north', { url: `/api/v1/sites/north-depot/decision-log?${query}` });
  type Entry = { id: number; count: number; kind: string; stationId: string | null; text: string; message: string };

  beforeAll(async () => {
    const decisions = new DecisionRepository(f.server.running.db);
    const line = (kind: 'profile.accepted' | 'plan.created' | 'profile.failed', stationId: string | null, message: string, minute: number) =>
      decisions.append({ siteId: 'north-depot', at: `2026-11-23T16:${String(minute).padStart(2, '0')}:00.000Z`, kind, stationId, evseId: stationId ? 2 : null, transactionId: null, planId: null, message, details: null });
    await line('plan.created', null, 'plan for 2 session(s): optimal, expected cost 1.20 EUR (prices-updated, target-changed)', 40);
    for (let i = 0; i < 4; i++) await line('profile.accepted', 'CS9', 'CS9 EVSE 2 accepted 5 period(s) in W (interim step down)', 41 + i);
    await line('profile.failed', null, '1 increase(s) held back: a reduction did not land', 45);
    await line('profile.accepted', 'CS9', 'CS9 EVSE 2 accepted 1 period(s) in A on the second attempt', 46);
  });

  it('groups identical lines in a row and says everything in plain words', async () => {
    const res = await log('limit=100');
    expect(res.statusCode).toBe(200);
    const entries = res.json().entries as Entry[];
    const mine = entries.filter((e) => e.stationId === 'CS9' || /increase|2 session/.test(e.message));
    expect(mine.map((e) => [e.kind, e.count, e.text])).toEqual([
      ['profile.accepted', 1, 'Charger CS9, connector 2 took its charging plan (1 power step) on the second try.'],
      ['profile.failed', 1, '1 charger was not given more power yet: another charger did not take its lower limit, so the site could go over its limit.'],
      ['profile.accepted', 4, 'Charger CS9, connector 2 took its charging plan (5 power steps). For now it holds the lower of its old and new limits, until the other chargers have theirs.'],
      ['plan.created', 1, 'New plan for 2 cars: every car gets what it needs, expected cost 1.20 EUR. Because new prices and a departure was changed.'],
    ]);
    expect(entries.find((e) => e.count === 4)).toMatchObject({ at: '2026-11-23T16:44:00.000Z', firstAt: '2026-11-23T16:41:00.000Z' });
    for (const e of entries) expect(e.text).not.toMatch(/\(s\)|interim step down|[A-Z]+_[A-Z]+:/);
  });

  it('serves each line\'s phrase (issue 18): the scheduler\'s own lines carry an id and values, a line stored without one null', async () => {
    const entries = (await log('limit=100')).json().entries as (Entry & { phrase: { id: string; params: Record<string, unknown> } | null })[];
    expect(entries.filter((e) => e.stationId === 'CS9').every((e) => e.phrase === null)).toBe(true);
    const planned = entries.find((e) => e.kind === 'plan.created' && e.phrase !== null);
    expect(planned?.phrase).toMatchObject({ id: 'decision.planCreated', params: { count: expect.any(Number), status: expect.any(String), currency: 'EUR' } });
    const raw = (await f.as('north', { url: '/api/v1/sites/north-depot/decisions?limit=100' })).json() as { message: string; phrase: unknown }[];
    expect(raw.every((d) => 'phrase' in d)).toBe(true);
    expect(raw.find((d) => d.message.startsWith('CS9 EVSE 2 accepted 1 period'))?.phrase).toBeNull();
  });

  it('filters by kind and by charger', async () => {
    const plans = (await log('kind=plan.created')).json().entries as Entry[];
    expect(plans.length).toBeGreaterThan(1);
    expect(new Set(plans.map((e) => e.kind))).toEqual(new Set(['plan.created']));
    const cs9 = (await log('station=CS9')).json().entries as Entry[];
    expect(cs9.map((e) => e.count)).toEqual([1, 4]);
    const both = (await log('station=CS9&kind=profile.failed,plan.created')).json().entries as Entry[];
    expect(both).toEqual([]);
  });

  it('pages with a cursor: every entry once, in order, and a null cursor at the end', async () => {
    const all = (await log('limit=100')).json().entries as Entry[];
    const seen: Entry[] = [];
    let cursor: string | null = '';
    for (let pages = 0; cursor !== null; pages++) {
      expect(pages).toBeLessThan(all.length + 1);
      const page = (await log(`limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json() as { entries: Entry[]; nextCursor: string | null };
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries);
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all);
  });

  it.each([
    ['an unknown kind', 'kind=plan.created,nope', 'kind'],
    ['a page over 100', 'limit=101', 'limit'],
    ['a cursor that is no id', 'cursor=abc', 'cursor'],
  ])('refuses %s, naming the field', async (_what, query, field) => {
    const res = await log(query);
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe(field);
  });

  it('keeps other fleets out', async () => {
    expect((await f.as('south', { url: '/api/v1/sites/north-depot/decision-log' })).statusCode).toBe(403);
    expect((await f.as('anonymous', { url: '/api/v1/sites/north-depot/decision-log' })).statusCode).toBe(401);
  });
});

describe('the month’s CSV by default', () => {
  it('exports the current month (the site’s zone, the server’s clock) when no month is given', async () => {
    await cs.meter(1, 'TX-1', 2_000, 7_000);
    const plain = await f.as('north', { url: '/api/v1/sessions.csv?fleet=north' });
    const named = await f.as('north', { url: '/api/v1/sessions.csv?fleet=north&month=2026-11' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-disposition']).toBe('attachment; filename="sessions-north-2026-11.csv"');
    expect(plain.body).toBe(named.body);
    expect(plain.body.split('\r\n').filter(Boolean)).toHaveLength(2);
    expect(plain.body).toContain(',TX-1,VAN-1,north,');
    const december = await f.as('north', { url: '/api/v1/sessions.csv?fleet=north&month=2026-12' });
    expect(december.body.split('\r\n').filter(Boolean)).toHaveLength(1);
    const bad = await f.as('north', { url: '/api/v1/sessions.csv?fleet=north&month=2026-13' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('month');
  });
});

// Last: the clock goes past the morning's departures.
describe('the fleet table over time', () => {
  it('reads again once the away van’s departure has passed, with no event in between', { timeout: 60_000 }, async () => {
    // Nothing left to plan, so the jump of the clock is only the table's business.
    await cs.endTransaction(1, 'TX-1');
    await settle(f.server);
    await f.server.running.scheduler.setTarget('VAN-2', { kind: 'weekly', days: ['tue', 'wed'], time: '09:00', energyKwh: 5 });
    expect(await rowOf('VAN-2')).toMatchObject({ departureAt: '2026-11-24T07:15:00.000Z', target: { kind: 'once' } });
    // 08:15 Copenhagen passes: the one-off is over, the weekly rule (Tuesday 09:00) is next.
    f.clock.set('2026-11-24T07:16:00Z');
    expect(await rowOf('VAN-2')).toMatchObject({ departureAt: '2026-11-24T08:00:00.000Z', target: { kind: 'weekly', energyKwh: 5 } });
  });
});
