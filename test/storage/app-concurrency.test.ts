/**
 * Read-then-write sequences of the app's stores under concurrency (issue 15): a synchronous store was safe because
 * one tick could not interleave; async stores on a shared database must be safe by a unique key, an upsert or a
 * lock. Each case fires 20 calls at once (Promise.all) and checks that one outcome came of them, on SQLite and,
 * under `npm run test:postgres`, on PostgreSQL (a pool of connections, where the calls really overlap).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { ProfileRepository } from '../../src/storage/plan-repository.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { VehicleRepository } from '../../src/storage/vehicle-repository.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import { IdTokenInUseError, type Vehicle } from '../../src/domain/vehicles.js';
import type { PriceSeries } from '../../src/domain/prices.js';
import { ManualClock } from '../../src/platform/clock.js';
import { openTestStorage } from '../helpers/test-database.js';

const N = 20;
const AT = '2026-11-23T16:00:00.000Z';
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const van = (id: string, idTokens: string[], fleet = 'north'): Vehicle =>
  ({ id, name: id, fleet, batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens });

let db: Db;
beforeEach(async () => {
  db = (await openTestStorage()).db;
});

describe('profile ids', () => {
  it('one key asked for 20 times at once gets one id, allocated once', async () => {
    const profiles = new ProfileRepository(db);
    const ids = await Promise.all(range(N).map(() => profiles.profileId('CS1', 'tx:T-1')));
    expect(new Set(ids)).toEqual(new Set([1000]));
    expect(await db.selectFrom('profile_ids').selectAll().execute()).toEqual([{ station_id: 'CS1', key: 'tx:T-1', profile_id: 1000 }]);
  });

  it('20 keys of one station at once get 20 different ids from 1000 up; another station counts on its own', async () => {
    const profiles = new ProfileRepository(db);
    const [one, other] = await Promise.all([
      Promise.all(range(N).map((i) => profiles.profileId('CS1', `tx:T-${i}`))),
      Promise.all(range(N).map((i) => profiles.profileId('CS2', `tx:T-${i}`))),
    ]);
    expect([...one].sort((a, b) => a - b)).toEqual(range(N).map((i) => 1000 + i));
    expect([...other].sort((a, b) => a - b)).toEqual(range(N).map((i) => 1000 + i));
    // Kept: asking again gives the same ids.
    expect(await Promise.all(range(N).map((i) => profiles.profileId('CS1', `tx:T-${i}`)))).toEqual(one);
  });
});

describe('user accounts', () => {
  it('20 sign-ups of one username in different cases give one account and 19 refusals', async () => {
    const users = new UserRepository(db);
    const names = range(N).map((i) => (i % 2 === 0 ? 'Alice' : 'aLiCe'));
    const created = await Promise.all(names.map((username, i) => users.create({
      id: `u${i}`, username, name: `Alice ${i}`, passwordHash: 'scrypt$x', createdAt: Date.parse(AT),
      grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: `f${i}` }],
    })));
    expect(created.filter(Boolean)).toHaveLength(1);
    const winner = created.indexOf(true);
    const list = await users.list();
    expect(list.map((u) => [u.id, u.username, u.grants.map((g) => g.scopeId)])).toEqual([[`u${winner}`, 'alice', [`f${winner}`]]]);
    // The losers left no grants behind.
    expect(await db.selectFrom('user_grants').select('user_id').execute()).toEqual([{ user_id: `u${winner}` }]);
  });
});

describe('id token claims', () => {
  it('20 vehicles claiming one token at once: one holds it, 19 get ID_TOKEN_IN_USE and are not written', async () => {
    const vehicles = new VehicleRepository(db);
    const results = await Promise.allSettled(range(N).map((i) => vehicles.upsert(van(`v${i}`, [`own-${i}`, 'CARD-1']), AT)));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IdTokenInUseError);
      if (r.status === 'rejected') expect((r.reason as IdTokenInUseError).field).toBe('idTokens[1]');
    }
    expect((await vehicles.byIdToken('CARD-1'))?.id).toBe(`v${won[0]}`);
    expect((await vehicles.list()).map((v) => [v.id, v.idTokens])).toEqual([[`v${won[0]}`, [`own-${won[0]}`, 'CARD-1'].sort()]]);
  });

  it('claims of overlapping token sets in opposite orders finish (no deadlock) with each token on one vehicle', async () => {
    const vehicles = new VehicleRepository(db);
    const results = await Promise.allSettled(range(N).map((i) => vehicles.upsert(van(`v${i}`, i % 2 === 0 ? ['A', 'B'] : ['B', 'A']), AT)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const holders = await db.selectFrom('vehicle_id_tokens').select(['id_token', 'vehicle_id']).orderBy('id_token').execute();
    expect(holders.map((h) => h.id_token)).toEqual(['A', 'B']);
    expect(holders[0]!.vehicle_id).toBe(holders[1]!.vehicle_id);
  });

  it('one vehicle written 20 times at once ends with exactly one of the token sets written', async () => {
    const vehicles = new VehicleRepository(db);
    const sets = range(N).map((i) => [`T-${i}`, `T-${i + 1}`]);
    await Promise.all(sets.map((tokens) => vehicles.upsert(van('v1', tokens), AT)));
    const stored = (await vehicles.get('v1'))!.idTokens;
    expect(sets.map((s) => [...s].sort().join())).toContain(stored.join());
  });

  it('20 moves of one card to 20 vehicles at once: the card ends on exactly one of them', async () => {
    const vehicles = new VehicleRepository(db);
    await vehicles.upsert(van('holder', ['CARD-9']), AT);
    const results = await Promise.allSettled(range(N).map((i) => vehicles.transferring(['CARD-9'], `v${i}`, () => true,
      (store) => store.upsert(van(`v${i}`, ['CARD-9']), AT))));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IdTokenInUseError);
    expect(won.length).toBeGreaterThanOrEqual(1);
    const holders = await db.selectFrom('vehicle_id_tokens').select(['id_token', 'vehicle_id']).where('id_token', '=', 'CARD-9').execute();
    expect(holders).toHaveLength(1);
    expect(won.map((i) => `v${i}`)).toContain(holders[0]!.vehicle_id);
    expect((await vehicles.get('holder'))?.idTokens).toEqual([]);
  });

  it('a move refused by mayTake changes nothing', async () => {
    const vehicles = new VehicleRepository(db);
    await vehicles.upsert(van('theirs', ['CARD-7'], 'south'), AT);
    await expect(vehicles.transferring(['CARD-7'], 'mine', (holder) => holder.fleet === 'north',
      (store) => store.upsert(van('mine', ['CARD-7']), AT))).rejects.toBeInstanceOf(IdTokenInUseError);
    expect((await vehicles.byIdToken('CARD-7'))?.id).toBe('theirs');
    expect(await vehicles.get('mine')).toBeUndefined();
  });
});

describe('price publications', () => {
  it('20 overlapping publications for one zone at once leave non-overlapping current rows, the last applied on top', async () => {
    const prices = new PriceSeriesRepository(db, new ManualClock(AT));
    const H = 3_600_000;
    const T0 = Date.parse('2026-11-24T00:00:00.000Z');
    // Publication i covers hours i..i+5 at price i; each overlaps the five before it.
    const pub = (i: number): PriceSeries => ({
      zone: 'Z1', currency: 'EUR', provenance: { source: `p${i}`, fetchedAt: Date.parse(AT) + i, kind: 'final' },
      intervals: range(6).map((h) => ({ start: T0 + (i + h) * H, end: T0 + (i + h + 1) * H, pricePerKwh: i / 100 })),
    });
    const ids = (await Promise.all(range(N).map((i) => prices.save([pub(i)])))).map(([id]) => id!);
    const current = await prices.current('Z1', { start: T0, end: T0 + (N + 6) * H });
    for (let k = 1; k < current.length; k++) expect(current[k]!.start).toBeGreaterThanOrEqual(current[k - 1]!.end);
    expect(current).toHaveLength(N + 5);
    // Each hour holds the publication applied last among those covering it (ids grow in the order applied).
    for (const slot of current) {
      const hour = (slot.start - T0) / H;
      const covering = range(N).filter((i) => hour >= i && hour < i + 6);
      const last = covering.reduce((a, b) => (ids[b]! > ids[a]! ? b : a));
      expect([hour, slot.source, slot.pricePerKwh]).toEqual([hour, `p${last}`, last / 100]);
    }
  });
});
