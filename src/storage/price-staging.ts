import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { PriceInterval } from '../domain/prices.js';
import { advisoryKeys, dialectOf, lockKey, type Db } from './sql/dialect.js';

/**
 * A price publication is written staged and then switched live (issue 20, finding 6: a year of quarter-hours was one
 * transaction of ~35,000 rows and their indexes, and the server, stations included, waited for it). Columns and
 * states in migrations/0010-price-staging.ts.
 *
 * - Staging writes in short transactions of at most STAGE_ROWS rows, the event loop turning between them: the new
 *   publication's rows (state 'staged': nobody reads them), the clipped remains of the older rows it cuts
 *   (`staged_by`: they exist once it is live) and the mark on each row it supersedes (`retired_by`: still current
 *   until it is live).
 * - The switch is one small transaction: the publication's state becomes 'live'. Before it a reader sees the whole
 *   old prices, after it the whole new ones (`visibleRow`), on either database, in one statement.
 * - Settling afterwards moves the marks where they belong (`retired_by` to `superseded_by`, `staged_by` cleared), in
 *   chunks again; what it changes reads the same before and after, so a crash before it is harmless.
 * - A failure, or a process that dies while staging, leaves a publication that is not live: nobody sees its rows and
 *   every row it marked still reads as current. `tidy` removes it (chunked) before the zone's next publication, or
 *   at once when the failure is seen.
 * - One publication per zone stages at a time: a per-process queue per zone, and on PostgreSQL the zone's advisory
 *   lock held by the session (the pinned connection all of its work runs on) until it is live; a node that dies
 *   releases it with its connection. A caller's transaction (inTransaction) stages inside it under the zone's
 *   transaction lock instead.
 */

/** Rows per staging transaction (and per settling or tidying statement): each costs a few milliseconds. */
export const STAGE_ROWS = 500;

/** Called after each committed staging step, before the switch (tests hold a publication half-written here). */
export interface StagingHooks {
  afterChunk?(step: { zone: string; publicationId: number; chunk: number }): Promise<void> | void;
}

/** The two marks of a row of `price_intervals as i`. */
const STAGED_BY = sql.ref('i.staged_by');
const RETIRED_BY = sql.ref('i.retired_by');

/** Whether publication `ref` is live; `asLive` are the calling batch's own staged ones, which it sees as live. */
function liveRef(ref: typeof STAGED_BY, asLive: readonly number[]): RawBuilder<SqlBool> {
  const own = asLive.length > 0 ? sql` OR ${ref} IN (${sql.join(asLive)})` : sql``;
  return sql<SqlBool>`(EXISTS (SELECT 1 FROM price_publications s WHERE s.id = ${ref} AND s.state = 'live')${own})`;
}

/**
 * A row of `price_intervals as i` joined to its `price_publications as p` that a reader sees: its publication is live,
 * it is not the remains written by one that is not, and no live publication supersedes it yet. The two marks are set
 * only on rows of a publication being staged or just switched, so the checks on them cost nothing on settled rows.
 */
export function visibleRow(asLive: readonly number[] = []): RawBuilder<SqlBool> {
  const own = asLive.length > 0 ? sql` OR p.id IN (${sql.join(asLive)})` : sql``;
  return sql<SqlBool>`((p.state = 'live'${own}) AND (i.staged_by IS NULL OR ${liveRef(STAGED_BY, asLive)}) AND (i.retired_by IS NULL OR NOT ${liveRef(RETIRED_BY, asLive)}))`;
}

/** A row of `price_intervals as i` (joined to `price_publications as p`) that history shows: what live publications wrote. */
export function storedRow(): RawBuilder<SqlBool> {
  return sql<SqlBool>`(p.state = 'live' AND (i.staged_by IS NULL OR ${liveRef(STAGED_BY, [])}))`;
}

/** The publication that superseded a row of `price_intervals as i`, whether or not its mark is settled yet. */
export function supersededBy(): RawBuilder<number | null> {
  return sql<number | null>`(CASE WHEN i.retired_by IS NOT NULL AND ${liveRef(RETIRED_BY, [])} THEN i.retired_by ELSE i.superseded_by END)`;
}

/**
 * The intervals as the store writes them: in time order without overlaps. A series that overlaps itself means what
 * applying its intervals one by one would: a later one replaces what it covers of an earlier one, whose uncovered
 * parts stay.
 */
export function flatten(intervals: readonly PriceInterval[]): PriceInterval[] {
  if (intervals.every((iv, i) => i === 0 || intervals[i - 1]!.end <= iv.start)) return [...intervals];
  const out: PriceInterval[] = [];
  const firstEndingAfter = (t: number) => {
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (out[mid]!.end > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  for (const iv of intervals) {
    const lo = firstEndingAfter(iv.start);
    let hi = lo;
    while (hi < out.length && out[hi]!.start < iv.end) hi++;
    const pieces: PriceInterval[] = [];
    if (lo < hi && out[lo]!.start < iv.start) pieces.push({ ...out[lo]!, end: iv.start });
    pieces.push(iv);
    if (lo < hi && out[hi - 1]!.end > iv.end) pieces.push({ ...out[hi - 1]!, start: iv.end });
    out.splice(lo, hi - lo, ...pieces);
  }
  return out;
}

/** One turn of the event loop between two steps, and the test hook. */
export async function turn(hooks: StagingHooks | undefined, step: { zone: string; publicationId: number; chunk: number }): Promise<void> {
  await nextTurn();
  await hooks?.afterChunk?.(step);
}

/** A short transaction of its own, or the caller's when `db` is one. */
export function step<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/** Runs an `UPDATE/DELETE ... WHERE id IN (SELECT ... LIMIT STAGE_ROWS)` until it touches fewer rows, yielding between. */
async function inChunks(run: () => Promise<bigint | number>): Promise<void> {
  for (;;) {
    const n = Number(await run());
    if (n < STAGE_ROWS) return;
    await nextTurn();
  }
}

/**
 * Settles the marks of the zone's rows (chunked): those of live publications go where they belong, those of
 * publications that are not live (failed, abandoned) are undone. Reads the same before, during and after.
 */
export async function settle(db: Db, zone: string): Promise<void> {
  const marked = (column: 'staged_by' | 'retired_by', live: boolean) => {
    const ref = column === 'staged_by' ? STAGED_BY : RETIRED_BY;
    return db
      .selectFrom('price_intervals as i')
      .select('i.id')
      .where('i.zone', '=', zone)
      .where(`i.${column}`, 'is not', null)
      .where(live ? liveRef(ref, []) : sql<SqlBool>`NOT ${liveRef(ref, [])}`)
      .limit(STAGE_ROWS);
  };
  await inChunks(async () => (await db.updateTable('price_intervals').set({ staged_by: null })
    .where('id', 'in', marked('staged_by', true)).executeTakeFirst()).numUpdatedRows);
  await inChunks(async () => (await db.deleteFrom('price_intervals')
    .where('id', 'in', marked('staged_by', false)).executeTakeFirst()).numDeletedRows);
  await inChunks(async () => (await db.updateTable('price_intervals').set((eb) => ({ superseded_by: eb.ref('retired_by'), retired_by: null }))
    .where('id', 'in', marked('retired_by', true)).executeTakeFirst()).numUpdatedRows);
  await inChunks(async () => (await db.updateTable('price_intervals').set({ retired_by: null })
    .where('id', 'in', marked('retired_by', false)).executeTakeFirst()).numUpdatedRows);
}

/**
 * Removes what staged publications of the zone left (a failure just now, or a process that died while staging): the
 * marks first (settle), then each one's own rows, walking its span by start, then the publication is 'discarded'
 * (kept, so its id is never given again: SQLite reuses the highest rowid).
 */
export async function tidy(db: Db, zone: string): Promise<void> {
  await settle(db, zone);
  const staged = await db.selectFrom('price_publications').select(['id', 'start_utc', 'end_utc'])
    .where('zone', '=', zone).where('state', '=', 'staged').execute();
  for (const p of staged) {
    let from = p.start_utc;
    for (;;) {
      const rows = await db.selectFrom('price_intervals').select(['id', 'start_utc'])
        .where('zone', '=', zone).where('start_utc', '>=', from).where('start_utc', '<=', p.end_utc).where('publication_id', '=', p.id)
        .orderBy('start_utc').limit(STAGE_ROWS).execute();
      if (rows.length > 0) await db.deleteFrom('price_intervals').where('id', 'in', rows.map((r) => r.id)).execute();
      if (rows.length < STAGE_ROWS) break;
      from = rows.at(-1)!.start_utc;
      await nextTurn();
    }
    await db.updateTable('price_publications').set({ state: 'discarded' }).where('id', '=', p.id).execute();
  }
}

/** One stager per zone and process; the queue of each database handle. */
const queues = new WeakMap<Db, Map<string, Promise<void>>>();

async function queued(db: Db, zone: string): Promise<() => void> {
  let zones = queues.get(db);
  if (!zones) queues.set(db, (zones = new Map()));
  const before = zones.get(zone) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = before.then(() => mine);
  zones.set(zone, tail);
  await before;
  return () => {
    release();
    if (zones.get(zone) === tail) zones.delete(zone);
  };
}

/**
 * Runs `work` as the only stager of these zones (in name order, so two batches never wait for each other
 * crosswise), handing it the handle to work on: the database (SQLite), a pinned connection holding the zones'
 * session locks (PostgreSQL), or the caller's transaction holding their transaction locks.
 */
export async function exclusive<T>(db: Db, zones: readonly string[], work: (db: Db) => Promise<T>): Promise<T> {
  const sorted = [...new Set(zones)].sort();
  if (db.isTransaction) {
    for (const zone of sorted) await lockKey(db, `price-zone:${zone}`);
    return work(db);
  }
  const releases: (() => void)[] = [];
  try {
    for (const zone of sorted) releases.push(await queued(db, zone));
    if (dialectOf(db) !== 'postgres') return await work(db);
    return await db.connection().execute(async (conn) => {
      for (const zone of sorted) await sql`SELECT pg_advisory_lock(${advisoryKeys(`price-zone:${zone}`)})`.execute(conn);
      try {
        return await work(conn);
      } finally {
        await sql`SELECT pg_advisory_unlock_all()`.execute(conn);
      }
    });
  } finally {
    for (const release of releases.reverse()) release();
  }
}
