/**
 * A price publication is staged in short transactions and switched live in one (issue 20, finding 6;
 * src/storage/price-staging.ts). Readers see the whole old publication or the whole new one, never half: checked at
 * every staging step through the store's hook, not by timing. A failure half-way, or a process that dies half-way,
 * leaves the old prices, and the zone's next publication removes what was left. Both databases.
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { PriceSeries } from '../../src/domain/prices.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Db, Storage } from '../../src/storage/database.js';
import { openPool, postgresKysely } from '../../src/storage/sql/postgres.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import { STAGE_ROWS, type StagingHooks } from '../../src/storage/price-staging.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';

const Q = 900_000;
const H = 4 * Q;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const ZONE = `Z${process.pid}`;
const clock = new ManualClock('2026-03-01T00:00:00Z');

const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const d of databases.splice(0)) await d.drop();
});

async function open(): Promise<{ database: TestDatabase; storage: Storage }> {
  const database = await testDatabase({ file: true });
  databases.push(database);
  return { database, storage: await database.open() };
}

/** 400 hours at 0.10, the old publication. */
const hours: PriceSeries = {
  zone: ZONE, currency: 'EUR', provenance: { source: 'old', fetchedAt: T0, kind: 'final' },
  intervals: Array.from({ length: 400 }, (_, h) => ({ start: T0 + h * H, end: T0 + (h + 1) * H, pricePerKwh: 0.1 })),
};
/**
 * 1,200 quarter-hours from a quarter past the first hour: it retires 301 hours, keeps the first quarter of the first
 * and the last three of the last as clipped remains of the old publication, and stages in several steps.
 */
const quarters = (source: string, price: number): PriceSeries => ({
  zone: ZONE, currency: 'EUR', provenance: { source, fetchedAt: T0 + 1, kind: 'final' },
  intervals: Array.from({ length: 1200 }, (_, i) => ({ start: T0 + Q + i * Q, end: T0 + Q + (i + 1) * Q, pricePerKwh: price })),
});
const window = { start: T0 - H, end: T0 + 401 * H };

/** Everything a reader can see of the zone. */
async function view(prices: PriceSeriesRepository) {
  return { current: await prices.current(ZONE, window), history: await prices.history(ZONE, window), lastFetchedAt: await prices.lastFetchedAt(ZONE) };
}

/** Rows still carrying a staging mark, and publications by state. */
async function leftovers(storage: Storage) {
  const marks = await storage.db.selectFrom('price_intervals').select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('staged_by', 'is not', null), eb('retired_by', 'is not', null)])).executeTakeFirstOrThrow();
  const states = await storage.db.selectFrom('price_publications').select('state').orderBy('id').execute();
  return { marks: Number(marks.n), states: states.map((s) => s.state) };
}

/**
 * Another process on the same database, and how it dies: its connection is gone, and with it (PostgreSQL) the
 * zone's session lock. On PostgreSQL its own pool, whose connections' sockets are cut (their clients told to ignore
 * it: the product's pool is not the point here); on SQLite the handle closed.
 */
async function process_(database: TestDatabase): Promise<{ db: Db; kill(): Promise<void> }> {
  if (database.dialect === 'sqlite') {
    const storage = await database.open();
    return { db: storage.db, kill: () => storage.close() };
  }
  const pool = await openPool({ ...database.options, url: database.options.url! });
  const clients = new Set<pg.PoolClient>();
  pool.on('error', () => {});
  pool.on('acquire', (client) => {
    if (!clients.has(client)) client.on('error', () => {});
    clients.add(client);
  });
  databasePools.push(pool);
  return {
    db: postgresKysely(pool),
    // The connection's socket is cut: the server ends the session and releases its locks.
    kill: () => {
      for (const c of clients) (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      return Promise.resolve();
    },
  };
}
const databasePools: pg.Pool[] = [];
afterEach(async () => {
  for (const p of databasePools.splice(0)) await p.end().catch(() => {});
});

describe('a staged price publication', () => {
  it('is invisible at every step of its staging, then visible whole', async () => {
    const { storage } = await open();
    const prices = new PriceSeriesRepository(storage.db, clock);
    await prices.save([hours]);
    const before = await view(prices);
    const steps: number[] = [];
    const hooks: StagingHooks = {
      async afterChunk({ chunk }) {
        steps.push(chunk);
        // Another reader, on the same database, while the publication is half-written.
        expect(await view(new PriceSeriesRepository(storage.db, clock))).toEqual(before);
      },
    };
    await new PriceSeriesRepository(storage.db, clock, hooks).save([quarters('new', 0.2)]);
    expect(steps.length).toBeGreaterThanOrEqual(Math.ceil(1200 / STAGE_ROWS) + 1);

    const after = await view(prices);
    const slot = (c: { start: number; end: number; source: string; pricePerKwh: number }) => [(c.start - T0) / Q, (c.end - T0) / Q, c.source, c.pricePerKwh];
    expect(after.current.map(slot)).toEqual([
      [0, 1, 'old', 0.1],
      ...Array.from({ length: 1200 }, (_, i) => [i + 1, i + 2, 'new', 0.2]),
      [1201, 1204, 'old', 0.1],
      ...Array.from({ length: 99 }, (_, h) => [(301 + h) * 4, (302 + h) * 4, 'old', 0.1]),
    ]);
    expect(after.lastFetchedAt).toBe(T0 + 1);
    // History: the 400 old hours (301 of them superseded), the two clipped remains and the 1,200 new quarters.
    expect(after.history).toHaveLength(400 + 2 + 1200);
    expect(after.history.filter((r) => r.superseded_by !== null)).toHaveLength(301);
    expect(await leftovers(storage)).toEqual({ marks: 0, states: ['live', 'live'] });
  });

  it('that fails half-way leaves the old prices, and nothing of it', async () => {
    const { storage } = await open();
    const prices = new PriceSeriesRepository(storage.db, clock);
    await prices.save([hours]);
    const before = await view(prices);
    const failing = new PriceSeriesRepository(storage.db, clock, {
      afterChunk({ chunk }) {
        if (chunk === 2) throw new Error('disk full (injected)');
      },
    });
    await expect(failing.save([quarters('failed', 0.3)])).rejects.toThrow('disk full (injected)');
    expect(await view(prices)).toEqual(before);
    expect(await leftovers(storage)).toEqual({ marks: 0, states: ['live', 'discarded'] });
    // The zone takes the next publication as if nothing had happened.
    await prices.save([quarters('next', 0.2)]);
    expect((await prices.current(ZONE, { start: T0 + Q, end: T0 + 2 * Q }))[0]).toMatchObject({ source: 'next', pricePerKwh: 0.2 });
    expect(await leftovers(storage)).toEqual({ marks: 0, states: ['live', 'discarded', 'live'] });
  });

  it('whose process dies half-way is invisible, and the zone\'s next publication removes it', async () => {
    const { database, storage: other } = await open();
    await new PriceSeriesRepository(other.db, clock).save([hours]);
    const doomed = await process_(database);
    const dying = new PriceSeriesRepository(doomed.db, clock, {
      async afterChunk({ chunk }) {
        if (chunk < 2) return;
        await doomed.kill();
        throw new Error('killed (injected)');
      },
    });
    await expect(dying.save([quarters('dying', 0.3)])).rejects.toThrow();
    const prices = new PriceSeriesRepository(other.db, clock);
    const left = await leftovers(other);
    expect(left.states).toEqual(['live', 'staged']);
    expect(left.marks).toBeGreaterThan(0);
    // What a reader sees: the old publication, whole.
    expect((await prices.current(ZONE, window)).every((c) => c.source === 'old' && c.pricePerKwh === 0.1)).toBe(true);
    expect(await prices.current(ZONE, window)).toHaveLength(400);
    expect(await prices.lastFetchedAt(ZONE)).toBe(T0);

    await prices.save([quarters('next', 0.2)]);
    expect(await leftovers(other)).toEqual({ marks: 0, states: ['live', 'discarded', 'live'] });
    const current = await prices.current(ZONE, window);
    expect(current.filter((c) => c.source === 'next')).toHaveLength(1200);
    expect(current.some((c) => c.source === 'dying')).toBe(false);
    expect((await prices.history(ZONE, window)).some((r) => r.source === 'dying')).toBe(false);
  });
});
