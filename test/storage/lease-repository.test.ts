/**
 * Leases with a fencing epoch (issue 19), on SQLite and, under `npm run test:postgres`, on PostgreSQL: epochs rise
 * with every takeover and never repeat, a stale holder is refused everywhere, a lease is over at exactly its ttl,
 * and 20 holders racing for one lease give one winner (on PostgreSQL a real race over the pool's connections).
 */
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { dialectOf, type Db } from '../../src/storage/database.js';
import { LeaseRepository } from '../../src/storage/lease-repository.js';
import { assertHolds, LeaseLostError } from '../../src/domain/leases.js';
import { openTestStorage } from '../helpers/test-database.js';

const T0 = Date.parse('2026-12-06T12:00:00.000Z');
const TTL = 10_000;
const SITE = 'site:oslo-depot';

let db: Db;
let leases: LeaseRepository;
beforeEach(async () => {
  db = (await openTestStorage()).db;
  leases = new LeaseRepository(db);
});

describe('acquire', () => {
  it('takes a free lease with epoch 1 and refuses another holder while it runs', async () => {
    expect(await leases.acquire(SITE, 'node-a', TTL, T0)).toEqual({ name: SITE, holder: 'node-a', epoch: 1, expiresAt: '2026-12-06T12:00:10.000Z' });
    expect(await leases.acquire(SITE, 'node-b', TTL, T0 + TTL - 1)).toBeNull();
    expect(await leases.current(SITE)).toEqual({
      name: SITE, holder: 'node-a', epoch: 1, expiresAt: '2026-12-06T12:00:10.000Z',
      acquiredAt: '2026-12-06T12:00:00.000Z', renewedAt: '2026-12-06T12:00:00.000Z',
    });
  });

  it('by the holder within its lease keeps the epoch and extends it', async () => {
    await leases.acquire(SITE, 'node-a', TTL, T0);
    expect(await leases.acquire(SITE, 'node-a', TTL, T0 + 4_000)).toEqual({ name: SITE, holder: 'node-a', epoch: 1, expiresAt: '2026-12-06T12:00:14.000Z' });
    expect(await leases.current(SITE)).toMatchObject({ acquiredAt: '2026-12-06T12:00:00.000Z', renewedAt: '2026-12-06T12:00:04.000Z' });
  });

  it('is over at exactly its ttl: another holder takes it then, with the next epoch, not a millisecond before', async () => {
    await leases.acquire(SITE, 'node-a', TTL, T0);
    expect(await leases.acquire(SITE, 'node-b', TTL, T0 + TTL - 1)).toBeNull();
    expect(await leases.holds(SITE, 'node-a', 1, T0 + TTL - 1)).toBe(true);
    expect(await leases.holds(SITE, 'node-a', 1, T0 + TTL)).toBe(false);
    expect(await leases.renew(SITE, 'node-a', 1, TTL, T0 + TTL)).toBeNull();
    expect(await leases.acquire(SITE, 'node-b', TTL, T0 + TTL)).toMatchObject({ holder: 'node-b', epoch: 2 });
    expect(await leases.current(SITE)).toMatchObject({ acquiredAt: '2026-12-06T12:00:10.000Z' });
  });

  it('by the same holder after its lease expired is a new epoch (it was told it lost the old one)', async () => {
    await leases.acquire(SITE, 'node-a', TTL, T0);
    expect(await leases.acquire(SITE, 'node-a', TTL, T0 + TTL)).toMatchObject({ holder: 'node-a', epoch: 2 });
  });

  it('epochs rise with every takeover and never repeat, also after a release', async () => {
    const epochs: number[] = [];
    let now = T0;
    for (let i = 0; i < 6; i++) {
      const holder = `node-${'abc'[i % 3]}`;
      const lease = await leases.acquire(SITE, holder, TTL, now);
      expect(lease, `takeover ${i}`).not.toBeNull();
      epochs.push(lease!.epoch);
      // Alternate the ways a lease ends: released by its holder, or left to expire.
      if (i % 2 === 0) await leases.release(SITE, holder, lease!.epoch);
      else now += TTL;
    }
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6]);
    // Released, the row stays (free), so that the next epoch is 7 and not 1 again.
    await leases.release(SITE, 'node-c', 6);
    expect(await leases.current(SITE)).toMatchObject({ holder: null, epoch: 6 });
    expect(await leases.acquire(SITE, 'node-c', TTL, now)).toMatchObject({ epoch: 7 });
  });

  it('keeps names apart', async () => {
    await leases.acquire('site:a', 'node-a', TTL, T0);
    await leases.acquire('job:prices', 'node-b', TTL, T0);
    expect(await leases.acquire('site:b', 'node-b', TTL, T0)).toMatchObject({ epoch: 1 });
    expect((await leases.list()).map((l) => [l.name, l.holder, l.epoch])).toEqual([['job:prices', 'node-b', 1], ['site:a', 'node-a', 1], ['site:b', 'node-b', 1]]);
  });

  it('names what is wrong with bad arguments', async () => {
    await expect(leases.acquire(SITE, 'node-a', 0, T0)).rejects.toThrow(/ttlMs must be a positive integer.*got 0/);
    await expect(leases.acquire('', 'node-a', TTL, T0)).rejects.toThrow(/lease name must not be empty/);
    await expect(leases.renew(SITE, '', 1, TTL, T0)).rejects.toThrow(/holder must not be empty/);
  });
});

describe('a stale holder after a takeover', () => {
  it('cannot renew, release or pass the fencing check; the new holder can', async () => {
    await leases.acquire(SITE, 'node-a', TTL, T0);
    const b = await leases.acquire(SITE, 'node-b', TTL, T0 + TTL);
    expect(b).toMatchObject({ epoch: 2 });
    expect(await leases.renew(SITE, 'node-a', 1, TTL, T0 + TTL + 1)).toBeNull();
    await leases.release(SITE, 'node-a', 1);
    expect(await leases.current(SITE)).toMatchObject({ holder: 'node-b', epoch: 2 });
    expect(await leases.holds(SITE, 'node-a', 1, T0 + TTL + 1)).toBe(false);
    await expect(assertHolds(leases, SITE, 'node-a', 1, T0 + TTL + 1)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(assertHolds(leases, SITE, 'node-a', 1, T0 + TTL + 1)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await leases.holds(SITE, 'node-b', 2, T0 + TTL + 1)).toBe(true);
    await assertHolds(leases, SITE, 'node-b', 2, T0 + TTL + 1);
  });

  it('even the same holder with an old epoch is stale (it lost the lease and took it again)', async () => {
    await leases.acquire(SITE, 'node-a', TTL, T0);
    await leases.release(SITE, 'node-a', 1);
    await leases.acquire(SITE, 'node-a', TTL, T0 + 1);
    expect(await leases.renew(SITE, 'node-a', 1, TTL, T0 + 2)).toBeNull();
    expect(await leases.holds(SITE, 'node-a', 1, T0 + 2)).toBe(false);
    expect(await leases.renew(SITE, 'node-a', 2, TTL, T0 + 2)).toMatchObject({ epoch: 2, expiresAt: '2026-12-06T12:00:10.002Z' });
  });
});

describe('renew and release', () => {
  it('renew extends from the caller\'s now and keeps the epoch; release frees the lease for another at once', async () => {
    await leases.acquire(SITE, 'node-a', TTL, T0);
    expect(await leases.renew(SITE, 'node-a', 1, TTL, T0 + 3_000)).toEqual({ name: SITE, holder: 'node-a', epoch: 1, expiresAt: '2026-12-06T12:00:13.000Z' });
    await leases.release(SITE, 'node-a', 1);
    expect(await leases.renew(SITE, 'node-a', 1, TTL, T0 + 3_001)).toBeNull();
    expect(await leases.acquire(SITE, 'node-b', TTL, T0 + 3_001)).toMatchObject({ holder: 'node-b', epoch: 2 });
  });

  it('renewing a lease never taken is null', async () => {
    expect(await leases.renew(SITE, 'node-a', 1, TTL, T0)).toBeNull();
    expect(await leases.current(SITE)).toBeUndefined();
  });
});

describe('fencing inside a writer\'s transaction', () => {
  it('a write checked with holds on the transaction commits for the holder and is refused for a stale one', async () => {
    await leases.acquire(SITE, 'node-a', TTL, T0);
    await leases.acquire(SITE, 'node-b', TTL, T0 + TTL);
    const write = (holder: string, epoch: number) => db.transaction().execute(async (trx) => {
      await assertHolds(new LeaseRepository(trx), SITE, holder, epoch, T0 + TTL + 5);
      await trx.insertInto('profile_ids').values({ station_id: 'CS1', key: `by:${holder}`, profile_id: 1000 + epoch }).execute();
    });
    await expect(write('node-a', 1)).rejects.toBeInstanceOf(LeaseLostError);
    await write('node-b', 2);
    expect(await db.selectFrom('profile_ids').select('key').execute()).toEqual([{ key: 'by:node-b' }]);
  });

  it('PostgreSQL: a takeover waits until the fenced write has committed (holds keeps a share lock on the row)', async (ctx) => {
    if (dialectOf(db) !== 'postgres') return ctx.skip();
    await leases.acquire(SITE, 'node-a', TTL, T0);
    let takeover: Promise<unknown> | undefined;
    await db.transaction().execute(async (trx) => {
      await assertHolds(new LeaseRepository(trx), SITE, 'node-a', 1, T0 + TTL - 1);
      takeover = leases.acquire(SITE, 'node-b', TTL, T0 + TTL);
      // Wait (by round trips, not time) until the takeover is blocked on the row this transaction holds.
      let waiting = 0;
      for (let i = 0; i < 1_000 && waiting === 0; i++) {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND a.query LIKE '%cluster_leases%' AND a.pid <> pg_backend_pid()`.execute(db);
        waiting = rows[0]!.n;
      }
      expect(waiting).toBeGreaterThan(0);
      await trx.insertInto('profile_ids').values({ station_id: 'CS1', key: 'by:node-a', profile_id: 1001 }).execute();
    });
    // Only now, after node-a's write, does node-b take over (with the next epoch).
    expect(await takeover).toMatchObject({ holder: 'node-b', epoch: 2 });
  });
});

describe('20 holders at once', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('racing for a new lease: exactly one wins, with epoch 1', async () => {
    const got = await Promise.all(range(20).map((i) => leases.acquire(SITE, `node-${i}`, TTL, T0)));
    const winners = got.filter((l) => l !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.epoch).toBe(1);
    expect(await leases.current(SITE)).toMatchObject({ holder: winners[0]!.holder, epoch: 1 });
  });

  it('racing for an expired lease: exactly one wins, with the next epoch; the old holder\'s renewal in the race loses', async () => {
    await leases.acquire(SITE, 'node-old', TTL, T0);
    const [renewed, ...got] = await Promise.all([
      leases.renew(SITE, 'node-old', 1, TTL, T0 + TTL),
      ...range(20).map((i) => leases.acquire(SITE, `node-${i}`, TTL, T0 + TTL)),
    ]);
    expect(renewed).toBeNull();
    const winners = got.filter((l) => l !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.epoch).toBe(2);
  });
});
