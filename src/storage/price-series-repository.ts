import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db } from './sql/dialect.js';
import type { PriceInterval, PriceKind, PriceSeries, PriceSeriesStore, QuotedInterval, TimeWindow } from '../domain/prices.js';
import { exclusive, flatten, settle, STAGE_ROWS, step, storedRow, supersededBy, tidy, turn, visibleRow, type StagingHooks } from './price-staging.js';
import type { Clock } from '../platform/clock.js';

/**
 * Price series (table comments in migrations/0002-prices.ts), on SQLite or PostgreSQL. A restart serves the last
 * fetched series without the network. A newer publication supersedes what it overlaps and the history stays.
 * Instants are compared as the UTC ISO text both databases hand back (every value is written by toISOString).
 * A publication is staged in short transactions and then switched live in one (price-staging.ts): readers see the
 * whole old prices or the whole new ones, and a year of quarter-hours holds nobody up for long.
 */

interface CurrentRow {
  id: number;
  publication_id: number;
  start_utc: string;
  end_utc: string;
  price_per_kwh: number;
}

interface IntervalInsert {
  publication_id: number;
  zone: string;
  start_utc: string;
  end_utc: string;
  price_per_kwh: number;
  staged_by: number | null;
}

export interface PriceHistoryRow {
  start_utc: string;
  end_utc: string;
  price_per_kwh: number;
  source: string;
  fetched_at: string;
  kind: PriceKind;
  publication_id: number;
  superseded_by: number | null;
  currency: string;
  publisher: string | null;
}

export class PriceStoreError extends Error {
  override readonly name = 'PriceStoreError';
  readonly retryable = false;
  constructor(
    readonly code: 'PRICES_CURRENCY_MISMATCH',
    message: string,
  ) {
    super(message);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export class PriceSeriesRepository implements PriceSeriesStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Tests only: called between the staging steps of a publication (price-staging.ts). */
    private readonly hooks?: StagingHooks,
  ) {}

  /**
   * All series as one publication each, applied whole or not at all (price-staging.ts): each is staged in short
   * transactions, then all go live in one. Returns the publication ids. While a batch stages, its zones take no other
   * publication (in name order, so two batches never wait for each other crosswise): two publications for one zone
   * read and supersede its current rows one after the other, never both from one view.
   */
  save(series: readonly PriceSeries[], publisher?: string): Promise<number[]> {
    const zones = [...new Set(series.map((s) => s.zone))].sort();
    return exclusive(this.db, zones, async (db) => {
      if (!db.isTransaction) for (const zone of zones) await tidy(db, zone);
      const ids: number[] = [];
      try {
        // A batch's earlier series are live to its later ones (one zone twice: the later one on top).
        for (const s of series) ids.push(await this.stage(db, s, publisher ?? null, [...ids]));
        if (ids.length > 0) {
          await step(db, async (trx) => {
            const switched = await trx.updateTable('price_publications').set({ state: 'live' })
              .where('id', 'in', ids).where('state', '=', 'staged').executeTakeFirst();
            // Only a tidy by another process on the same SQLite file (a CLI beside the server) can get here.
            if (Number(switched.numUpdatedRows) !== ids.length) throw new Error('a staged price publication was discarded before it went live');
          });
        }
      } catch (e) {
        // Nothing of the batch is visible; its rows and marks go now (or with the zone's next publication).
        if (!db.isTransaction) for (const zone of zones) await tidy(db, zone).catch(() => undefined);
        throw e;
      }
      // Reads the same settled or not: a failure here is settled by the zone's next publication.
      for (const zone of zones) await settle(db, zone).catch(() => undefined);
      return ids;
    });
  }

  private async stage(db: Db, s: PriceSeries, publisher: string | null, asLive: readonly number[]): Promise<number> {
    const intervals = flatten(s.intervals);
    const first = intervals[0];
    const last = intervals.at(-1);
    const pubId = await step(db, async (trx) => {
      const known = (await trx.selectFrom('price_publications').select('currency').where('zone', '=', s.zone)
        .where((eb) => eb.or([eb('state', '=', 'live'), ...(asLive.length > 0 ? [eb('id', 'in', asLive)] : [])]))
        .orderBy('id', 'desc').limit(1).executeTakeFirst())?.currency;
      if (known !== undefined && known !== s.currency) {
        // One zone, one currency: mixing would make the planner compare DKK with EUR.
        throw new PriceStoreError('PRICES_CURRENCY_MISMATCH', `zone ${s.zone} holds ${known} prices, not ${s.currency}`);
      }
      return (await trx.insertInto('price_publications').values({
        zone: s.zone,
        source: s.provenance.source,
        currency: s.currency,
        kind: s.provenance.kind,
        fetched_at: iso(s.provenance.fetchedAt),
        start_utc: first ? iso(first.start) : iso(s.provenance.fetchedAt),
        end_utc: last ? iso(last.end) : iso(s.provenance.fetchedAt),
        interval_count: s.intervals.length,
        publisher,
        created_at: iso(this.clock.now()),
        state: 'staged',
      }).returning('id').executeTakeFirstOrThrow()).id;
    });
    if (intervals.length > 0) await this.stageRows(db, s.zone, pubId, intervals, asLive);
    return pubId;
  }

  /**
   * Intervals in time order without overlaps, against the zone's current rows they cover, read STAGE_ROWS at a time
   * in time order. An unchanged interval adds nothing; an old row that new intervals touch is marked retired by the
   * publication, and the parts of it they do not cover are written as rows of its own publication (staged_by). Then
   * the publication's own rows. Each step is one short transaction.
   */
  private async stageRows(db: Db, zone: string, pubId: number, intervals: readonly PriceInterval[], asLive: readonly number[]): Promise<void> {
    // As text, STAGE_ROWS at a time too: 35,000 at once was a stall of its own.
    const news: { start: string; end: string; price: number }[] = [];
    for (const iv of intervals) {
      if (news.length > 0 && news.length % (4 * STAGE_ROWS) === 0) await nextTurn();
      news.push({ start: iso(iv.start), end: iso(iv.end), price: iv.pricePerKwh });
    }
    const row = (publicationId: number, start: string, end: string, price: number, stagedBy: number | null): IntervalInsert =>
      ({ publication_id: publicationId, zone, start_utc: start, end_utc: end, price_per_kwh: price, staged_by: stagedBy });
    const unchanged = new Set<number>();
    let chunk = 0;
    let k = 0;
    let after: string | undefined;
    for (;;) {
      const { rows: old, more } = await this.currentPage(db, zone, news[0]!.start, news.at(-1)!.end, after, asLive);
      const retired: number[] = [];
      const rows: IntervalInsert[] = [];
      for (const o of old) {
        while (k < news.length && news[k]!.end <= o.start_utc) k++;
        let m = k;
        while (m < news.length && news[m]!.start < o.end_utc) m++;
        if (m === k) continue; // in a gap of the new series: stays current
        const only = news[k]!;
        if (m === k + 1 && only.start === o.start_utc && only.end === o.end_utc && only.price === o.price_per_kwh) {
          unchanged.add(k); // re-fetching an unchanged value adds nothing to the history
          continue;
        }
        retired.push(o.id);
        // What of the old row no new interval covers: before the first, between them, after the last.
        let from = o.start_utc;
        for (let j = k; j < m; j++) {
          if (news[j]!.start > from) rows.push(row(o.publication_id, from, news[j]!.start, o.price_per_kwh, pubId));
          from = news[j]!.end;
        }
        if (from < o.end_utc) rows.push(row(o.publication_id, from, o.end_utc, o.price_per_kwh, pubId));
        k = Math.max(k, m - 1); // the last new interval may reach into the next old row
      }
      if (retired.length > 0 || rows.length > 0) {
        await step(db, async (trx) => {
          if (retired.length > 0) await trx.updateTable('price_intervals').set({ retired_by: pubId }).where('id', 'in', retired).execute();
          for (let j = 0; j < rows.length; j += STAGE_ROWS) await trx.insertInto('price_intervals').values(rows.slice(j, j + STAGE_ROWS)).execute();
        });
        await turn(this.hooks, { zone, publicationId: pubId, chunk: ++chunk });
      }
      if (!more) break;
      after = old.at(-1)!.start_utc;
    }
    let own: IntervalInsert[] = [];
    for (let i = 0; i <= news.length; i++) {
      if (own.length === STAGE_ROWS || (i === news.length && own.length > 0)) {
        const values = own;
        own = [];
        await step(db, (trx) => trx.insertInto('price_intervals').values(values).execute());
        await turn(this.hooks, { zone, publicationId: pubId, chunk: ++chunk });
      }
      const n = news[i];
      if (n && !unchanged.has(i)) own.push(row(pubId, n.start, n.end, n.price, null));
    }
  }

  /**
   * Up to STAGE_ROWS of the zone's current rows that overlap [start, end), in time order, from after `after` (the
   * last start of the page before). A zone's current rows never overlap, so the first page starts at the last one
   * starting before `start` (if it reaches past it): an index range read from there (itself one backward step on
   * the same index) instead of `end_utc > start`, which scanned every current row of the zone before `end` (issue
   * 20, finding 6). `asLive`: the batch's own staged publications, current to it.
   */
  private async currentPage(db: Db, zone: string, start: string, end: string, after: string | undefined, asLive: readonly number[]): Promise<{ rows: CurrentRow[]; more: boolean }> {
    const rows = await db
      .selectFrom('price_intervals as i')
      .innerJoin('price_publications as p', 'p.id', 'i.publication_id')
      .select(['i.id', 'i.publication_id', 'i.start_utc', 'i.end_utc', 'i.price_per_kwh'])
      .where('i.zone', '=', zone)
      .where('i.superseded_by', 'is', null)
      .where(visibleRow(asLive))
      .$if(after !== undefined, (q) => q.where('i.start_utc', '>', after!))
      .$if(after === undefined, (q) => q.where('i.start_utc', '>=', (eb) => eb.fn.coalesce(
        eb.selectFrom('price_intervals as i')
          .innerJoin('price_publications as p', 'p.id', 'i.publication_id')
          .select('i.start_utc')
          .where('i.zone', '=', zone)
          .where('i.superseded_by', 'is', null)
          .where(visibleRow(asLive))
          .where('i.start_utc', '<', start)
          .orderBy('i.start_utc', 'desc')
          .limit(1),
        eb.val(start),
      )))
      .where('i.start_utc', '<', end)
      .orderBy('i.start_utc')
      .limit(STAGE_ROWS)
      .execute();
    const more = rows.length === STAGE_ROWS;
    const skip = after === undefined && rows.length > 0 && rows[0]!.start_utc < start && rows[0]!.end_utc <= start;
    return { rows: skip ? rows.slice(1) : rows, more };
  }

  /** The current prices over the window: one query, however long the window (a year of quarter-hours included). */
  async current(zone: string, window: TimeWindow): Promise<QuotedInterval[]> {
    const start = iso(window.start);
    // From the last current row that starts before the window (current rows never overlap, see currentPage): an
    // index range, not every current row of the zone before the window's end. Every planning cycle reads its horizon
    // here, and a zone gains ~100 rows a day: over a quarter the scan was 6 % of the product's time (issue 21).
    const rows = await this.db
      .selectFrom('price_intervals as i')
      .innerJoin('price_publications as p', 'p.id', 'i.publication_id')
      .select(['i.start_utc', 'i.end_utc', 'i.price_per_kwh', 'p.source', 'p.fetched_at', 'p.kind'])
      .where('i.zone', '=', zone)
      .where('i.superseded_by', 'is', null)
      .where(visibleRow())
      .where('i.start_utc', '>=', (eb) => eb.fn.coalesce(
        eb.selectFrom('price_intervals as i')
          .innerJoin('price_publications as p', 'p.id', 'i.publication_id')
          .select('i.start_utc')
          .where('i.zone', '=', zone)
          .where('i.superseded_by', 'is', null)
          .where(visibleRow())
          .where('i.start_utc', '<', start)
          .orderBy('i.start_utc', 'desc')
          .limit(1),
        eb.val(start),
      ))
      .where('i.start_utc', '<', iso(window.end))
      .where('i.end_utc', '>', start)
      .orderBy('i.start_utc')
      .execute();
    return rows.map((r) => ({
      start: Date.parse(r.start_utc),
      end: Date.parse(r.end_utc),
      pricePerKwh: r.price_per_kwh,
      source: r.source,
      fetchedAt: Date.parse(r.fetched_at),
      kind: r.kind as PriceKind,
    }));
  }

  async lastFetchedAt(zone: string): Promise<number | undefined> {
    // The newest live one, read backwards on the index on (zone, fetched_at): max() with the state filter read all the
    // zone's publications, one more each day, on every price read.
    const row = await this.db
      .selectFrom('price_publications')
      .select('fetched_at as at')
      .where('zone', '=', zone)
      .where('state', '=', 'live')
      .orderBy('fetched_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.at ? Date.parse(row.at) : undefined;
  }

  /** Every value ever stored for the window, superseded ones included, oldest publication first (one query). */
  async history(zone: string, window: TimeWindow): Promise<PriceHistoryRow[]> {
    const rows = await this.db
      .selectFrom('price_intervals as i')
      .innerJoin('price_publications as p', 'p.id', 'i.publication_id')
      .select([
        'i.start_utc', 'i.end_utc', 'i.price_per_kwh', 'i.publication_id', supersededBy().as('superseded_by'),
        'p.source', 'p.fetched_at', 'p.kind', 'p.currency', 'p.publisher',
      ])
      .where('i.zone', '=', zone)
      .where(storedRow())
      .where('i.start_utc', '<', iso(window.end))
      .where('i.end_utc', '>', iso(window.start))
      .orderBy('i.start_utc')
      .orderBy('i.publication_id')
      .execute();
    return rows.map((r) => ({ ...r, kind: r.kind as PriceKind }));
  }
}
