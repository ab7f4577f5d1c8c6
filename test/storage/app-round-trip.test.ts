/**
 * Every method of the app's repositories gives the same records on SQLite and PostgreSQL (issue 15): instants come
 * back as the UTC ISO text they were written as (timestamptz on PostgreSQL), numbers as numbers, JSON as written,
 * lists in the same order.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { DecisionRepository, PlanRepository, ProfileRepository } from '../../src/storage/plan-repository.js';
import { CapacityLimitRepository } from '../../src/storage/price-capacity-limit-repository.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { AssignmentRepository, TargetRepository, VehicleRepository } from '../../src/storage/vehicle-repository.js';
import type { PlanRecord, PushedProfileRecord } from '../../src/domain/plans.js';
import { IdTokenInUseError, type Vehicle } from '../../src/domain/vehicles.js';
import { ManualClock } from '../../src/platform/clock.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { openTestStorage } from '../helpers/test-database.js';

const T0 = Date.parse('2026-03-29T00:30:00.000Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const van = (id: string, idTokens: string[], over: Partial<Vehicle> = {}): Vehicle =>
  ({ id, name: `Van ${id}`, fleet: 'north', batteryKwh: 75.5, maxAcKw: 11, phases: 3, minCurrentA: 6, idTokens, ...over });

let db: Db;
beforeEach(async () => {
  db = (await openTestStorage()).db;
});

function plan(siteId: string, at: number): Omit<PlanRecord, 'id'> {
  return {
    siteId, createdAt: iso(at), triggers: ['arrival', 'prices'], slotStarts: [at, at + 900_000], endMs: at + 1_800_000, status: 'optimal',
    currency: 'EUR', totalCost: 1.2345, prices: [0.21, 0.19], siteLimitKw: [22, 22], sessions: [], problem: { slots: 2 }, solver: 'lp', solveMs: 12.5,
  };
}

describe('plans, profiles and decisions', () => {
  it('saves plans and reads the latest of a site and any by id', async () => {
    const plans = new PlanRepository(db);
    const a1 = await plans.save(plan('A', T0));
    const b1 = await plans.save(plan('B', T0 + H));
    const a2 = await plans.save(plan('A', T0 + 2 * H));
    expect(new Set([a1, b1, a2]).size).toBe(3);
    expect(await plans.latest('A')).toEqual({ id: a2, ...plan('A', T0 + 2 * H) });
    expect(await plans.get(a1)).toEqual({ id: a1, ...plan('A', T0) });
    expect(await plans.latest('nowhere')).toBeUndefined();
    expect(await plans.get(999_999)).toBeUndefined();
  });

  it('keeps one push per transaction (a re-push replaces it) and lists the pushes of running sessions', async () => {
    const profiles = new ProfileRepository(db);
    const at = iso(T0);
    for (const id of ['CS1', 'CS2']) await new StationRepository(db).register({ id, passwordHash: null, securityProfile: 0 }, at);
    await db.insertInto('transactions').values([
      { station_id: 'CS1', transaction_id: 'T1', evse_id: 2, state: 'Started', started_at: at, last_seq_no: 0, last_event_at: at, updated_at: at },
      { station_id: 'CS1', transaction_id: 'T0', evse_id: 1, state: 'Started', started_at: at, last_seq_no: 0, last_event_at: at, updated_at: at },
      { station_id: 'CS2', transaction_id: 'T9', evse_id: 1, state: 'Ended', started_at: at, last_seq_no: 3, last_event_at: at, updated_at: at },
    ]).execute();
    const push = (tx: string, stationId: string, evseId: number, over: Partial<PushedProfileRecord> = {}): PushedProfileRecord => ({
      stationId, evseId, transactionId: tx, siteId: 'A', planId: 7, profileId: 1000, stackLevel: 1, unit: 'W',
      periods: [{ startMs: T0, limitKw: 7.4 }, { startMs: T0 + 900_000, limitKw: 0 }], endMs: T0 + H, coversUntilMs: null,
      state: 'sending', detail: null, sentAt: at, ...over,
    });
    await profiles.recordPush(push('T1', 'CS1', 2));
    await profiles.recordPush(push('T0', 'CS1', 1));
    await profiles.recordPush(push('T9', 'CS2', 1));
    const accepted = push('T1', 'CS1', 2, { planId: 8, profileId: 1001, state: 'accepted', coversUntilMs: T0 + H / 2, detail: 'cut at 24 periods', sentAt: iso(T0 + 60_000) });
    await profiles.recordPush(accepted);
    expect(await profiles.pushed('CS1', 2, 'T1')).toEqual(accepted);
    expect(await profiles.pushed('CS1', 2, 'nope')).toBeUndefined();
    expect((await profiles.activePushes('A')).map((p) => [p.stationId, p.evseId, p.transactionId])).toEqual([['CS1', 1, 'T0'], ['CS1', 2, 'T1']]);
    expect(await profiles.activePushes('B')).toEqual([]);
  });

  it('moves a charger status\'s `since` only when its compliance changes', async () => {
    const profiles = new ProfileRepository(db);
    await profiles.setCompliance({ stationId: 'CS1', evseId: 1, compliance: 'follows', detail: null, since: iso(T0) });
    await profiles.setCompliance({ stationId: 'CS1', evseId: 1, compliance: 'follows', detail: 'still', since: iso(T0 + H) });
    expect(await profiles.compliance('CS1', 1)).toEqual({ stationId: 'CS1', evseId: 1, compliance: 'follows', detail: 'still', since: iso(T0) });
    await profiles.setCompliance({ stationId: 'CS1', evseId: 1, compliance: 'ignores-profiles', detail: 'drew 11 kW', since: iso(T0 + 2 * H) });
    expect(await profiles.compliance('CS1', 1)).toMatchObject({ compliance: 'ignores-profiles', since: iso(T0 + 2 * H) });
    expect(await profiles.compliance('CS1', 2)).toBeUndefined();
  });

  it('appends decisions and pages through them newest first', async () => {
    const decisions = new DecisionRepository(db);
    const written = [];
    for (let i = 0; i < 5; i++) {
      written.push(await decisions.append({
        siteId: 'A', at: iso(T0 + i * 60_000), kind: 'plan.created', stationId: i % 2 ? 'CS1' : null, evseId: i % 2 ? 1 : null,
        transactionId: null, planId: i, message: `plan ${i}`, details: i === 0 ? null : { costs: [i, 0.5], note: 'x' },
      }));
    }
    await decisions.append({ siteId: 'B', at: iso(T0), kind: 'plan.created', stationId: null, evseId: null, transactionId: null, planId: null, message: 'other', details: null });
    const all = await decisions.list('A');
    expect(all).toEqual([...written].reverse());
    expect((await decisions.list('A', { limit: 2 })).map((d) => d.message)).toEqual(['plan 4', 'plan 3']);
    expect((await decisions.list('A', { limit: 2, beforeId: written[3]!.id })).map((d) => d.message)).toEqual(['plan 2', 'plan 1']);
  });

  it('keeps a decision\'s phrase (id and values, migration 0025) as written; one without has none', async () => {
    const decisions = new DecisionRepository(db);
    const phrase = { id: 'decision.planCreated', params: { count: 2, status: 'optimal', cost: 1.23, currency: 'EUR', triggers: 'start,prices-updated' } };
    const withPhrase = await decisions.append({
      siteId: 'A', at: iso(T0), kind: 'plan.created', stationId: null, evseId: null, transactionId: null, planId: 1, message: 'plan for 2 session(s)', details: null, phrase,
    });
    await decisions.append({ siteId: 'A', at: iso(T0 + 1), kind: 'plan.created', stationId: null, evseId: null, transactionId: null, planId: 2, message: 'older words', details: null });
    const [older, first] = await decisions.list('A');
    expect(first).toEqual(withPhrase);
    expect(first!.phrase).toEqual(phrase);
    expect(older!.phrase).toBeUndefined();
  });
});

describe('capacity limits and API tokens', () => {
  it('serves the newest limit where several cover the same time, per direction', async () => {
    const clock = new ManualClock(iso(T0));
    const limits = new CapacityLimitRepository(db, clock);
    await limits.saveLimits('site:A', 'utility', [
      { start: T0, end: T0 + 4 * H, direction: 'import', limitKw: 40 },
      { start: T0, end: T0 + 4 * H, direction: 'export', limitKw: 10 },
    ]);
    clock.advance(60_000);
    await limits.saveLimits('site:A', 'utility', [{ start: T0 + H, end: T0 + 2 * H, direction: 'import', limitKw: 25.5 }]);
    await limits.saveLimits('site:B', 'utility', [{ start: T0, end: T0 + H, direction: 'import', limitKw: 5 }]);
    expect(await limits.limits('site:A', { start: T0, end: T0 + 3 * H })).toEqual([
      { start: T0, end: T0 + 4 * H, direction: 'export', limitKw: 10 },
      { start: T0 + H, end: T0 + 2 * H, direction: 'import', limitKw: 25.5 },
    ]);
    expect(await limits.limits('site:A', { start: T0 + 5 * H, end: T0 + 6 * H })).toEqual([]);
  });

  it('stores a token by its hash with its grants, marks it used, lists and revokes once', async () => {
    const tokens = new ApiTokenRepository(db);
    const grants = [{ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: 'DK1' }, { role: 'admin', scopeKind: '*', scopeId: '*' }];
    await tokens.create({ id: 'aaaa', name: 'publisher', secretSha256: 'ab'.repeat(32), createdAt: T0, expiresAt: T0 + 24 * H, grants });
    await tokens.create({ id: 'bbbb', name: 'cli', secretSha256: 'cd'.repeat(32), createdAt: T0 + 1, grants: [] });
    await tokens.markUsed('aaaa', T0 + 5);
    const found = await tokens.find('aaaa');
    expect(found).toEqual({
      id: 'aaaa', name: 'publisher', secretSha256: 'ab'.repeat(32), createdAt: T0, expiresAt: T0 + 24 * H, lastUsedAt: T0 + 5,
      grants: [grants[1], grants[0]],
    });
    expect(await tokens.revoke('bbbb', T0 + 9)).toBe(true);
    expect(await tokens.revoke('bbbb', T0 + 10)).toBe(false);
    expect((await tokens.list()).map((t) => [t.id, t.grants.length, t.revokedAt])).toEqual([['aaaa', 2, undefined], ['bbbb', 0, T0 + 9]]);
    expect(await tokens.find('cccc')).toBeUndefined();
  });
});

describe('vehicles, targets and assignments', () => {
  it('reads a vehicle with its tokens by id, by any token and in the list; a rewrite replaces the tokens', async () => {
    const vehicles = new VehicleRepository(db);
    await vehicles.upsert(van('v2', ['zeta', 'alpha']), iso(T0));
    await vehicles.upsert(van('v1', [], { fleet: null, batteryKwh: null, minCurrentA: null, phases: 1 }), iso(T0));
    expect(await vehicles.get('v2')).toEqual(van('v2', ['alpha', 'zeta']));
    expect(await vehicles.byIdToken('zeta')).toEqual(van('v2', ['alpha', 'zeta']));
    expect(await vehicles.get('v1')).toEqual(van('v1', [], { fleet: null, batteryKwh: null, minCurrentA: null, phases: 1 }));
    expect((await vehicles.list()).map((v) => [v.id, v.idTokens])).toEqual([['v1', []], ['v2', ['alpha', 'zeta']]]);
    await vehicles.upsert(van('v2', ['beta'], { name: 'renamed' }), iso(T0 + H));
    expect(await vehicles.get('v2')).toEqual(van('v2', ['beta'], { name: 'renamed' }));
    expect(await vehicles.byIdToken('zeta')).toBeUndefined();
    expect(await vehicles.get('v3')).toBeUndefined();
  });

  it('reads many vehicles by id with their tokens, in steps past 500, unknown ids absent', async () => {
    const vehicles = new VehicleRepository(db);
    for (let i = 0; i < 1203; i++) await vehicles.upsert(van(`m${i}`, i % 2 ? [`tok-${i}-b`, `tok-${i}-a`] : []), iso(T0));
    const ids = [...Array.from({ length: 1203 }, (_, i) => `m${i}`), 'unknown', 'm7'];
    const many = await vehicles.many(ids);
    expect(many.size).toBe(1203);
    expect(many.get('m7')).toEqual(van('m7', ['tok-7-a', 'tok-7-b']));
    expect(many.get('m1202')).toEqual(van('m1202', []));
    expect(many.get('m501')?.idTokens).toEqual(['tok-501-a', 'tok-501-b']);
    expect(many.has('unknown')).toBe(false);
    expect((await vehicles.many([])).size).toBe(0);
  });

  it('refuses a token another vehicle holds, naming its index, and writes nothing; a token listed twice is an error', async () => {
    const vehicles = new VehicleRepository(db);
    await vehicles.upsert(van('v1', ['card-1']), iso(T0));
    const refused = await vehicles.upsert(van('v2', ['card-2', 'card-1']), iso(T0)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IdTokenInUseError);
    expect((refused as IdTokenInUseError).field).toBe('idTokens[1]');
    expect(await vehicles.get('v2')).toBeUndefined();
    expect(await vehicles.byIdToken('card-2')).toBeUndefined();
    await expect(vehicles.upsert(van('v3', ['x', 'y', 'x']), iso(T0))).rejects.toThrow('idTokens[2] repeats idTokens[0]');
  });

  it('reads many vehicles\' targets at once and clears a one-off target, keeping the weekly one', async () => {
    const vehicles = new VehicleRepository(db);
    for (const id of ['v1', 'v2', 'v3']) await vehicles.upsert(van(id, []), iso(T0));
    const targets = new TargetRepository(db);
    await targets.set('v1', { kind: 'weekly', days: ['mon', 'fri'], time: '07:00', socPercent: 80 }, iso(T0));
    const once = await targets.set('v1', { kind: 'once', departure: '2026-03-30T07:30', energyKwh: 20 }, iso(T0 + H));
    expect(once).toEqual({
      vehicleId: 'v1', once: { kind: 'once', departure: '2026-03-30T07:30', energyKwh: 20 },
      weekly: { kind: 'weekly', days: ['mon', 'fri'], time: '07:00', socPercent: 80 }, updatedAt: iso(T0 + H),
      // Issue 18: the charging mode is stored beside the targets (none set: smart).
      mode: null,
    });
    await targets.set('v2', { kind: 'once', departure: '2026-03-30T08:00', energyKwh: 5 }, iso(T0));
    const many = await targets.many(['v1', 'v2', 'v3', 'ghost']);
    expect([...many.keys()].sort()).toEqual(['v1', 'v2']);
    expect(many.get('v1')).toEqual(once);
    await targets.clearOnce('v1', iso(T0 + 2 * H));
    expect(await targets.get('v1')).toMatchObject({ once: null, weekly: { time: '07:00' }, updatedAt: iso(T0 + 2 * H) });
    expect(await targets.many([])).toEqual(new Map());
  });

  it('puts a vehicle on an EVSE, moves it and takes it off', async () => {
    const vehicles = new VehicleRepository(db);
    for (const id of ['v1', 'v2']) await vehicles.upsert(van(id, []), iso(T0));
    const assignments = new AssignmentRepository(db);
    await assignments.assign('v1', 'CS1', 1, iso(T0));
    await assignments.assign('v2', 'CS1', 1, iso(T0 + 1));
    expect(await assignments.onEvse('CS1', 1)).toBe('v2');
    expect(await assignments.onEvse('CS1', 2)).toBeUndefined();
    await assignments.unassign('CS1', 1);
    expect(await assignments.onEvse('CS1', 1)).toBeUndefined();
  });
});
