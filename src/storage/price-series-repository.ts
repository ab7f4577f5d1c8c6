import { inTransaction, lockKey, type Db } from './sql/dialect.js';
import type { PriceKind, PriceSeries, PriceSeriesStore, QuotedInterval, TimeWindow } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';

/**
 * Price series (table comments in migrations/0002-prices.ts), on SQLite or PostgreSQL. A restart serves the last
 * fetched series without the network. A newer publication supersedes what it overlaps and the history stays.
 * Instants are compared as the UTC ISO text both databases hand back (every value is written by toISOString).
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
/** Rows per multi-row INSERT (5 values each) and ids per UPDATE ... IN (...): far below either database's parameter limit. */
const BATCH = 500;

export class PriceSeriesRepository implements PriceSeriesStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * All series in one transaction: a batch is applied whole or not at all. Returns the publication ids. Each zone
   * is locked first (PostgreSQL; in name order, so two batches never wait for each other crosswise): two
   * publications for one zone read and supersede its current rows one after the other, never both from one view.
   */
  save(series: readonly PriceSeries[], publisher?: string): Promise<number[]> {
    return inTransaction(this.db, async (trx) => {
      for (const zone of [...new Set(series.map((s) => s.zone))].sort()) await lockKey(trx, `price-zone:${zone}`);
      const ids: number[] = [];
      for (const s of series) ids.push(await this.saveOne(trx, s, publisher ?? null));
      return ids;
    });
  }

  private async saveOne(trx: Db, s: PriceSeries, publisher: string | null): Promise<number> {
    const known = (
      await trx.selectFrom('price_publications').select('currency').where('zone', '=', s.zone).orderBy('id', 'desc').limit(1).executeTakeFirst()
    )?.currency;
    if (known !== undefined && known !== s.currency) {
      // One zone, one currency: mixing would make the planner compare DKK with EUR.
      throw new PriceStoreError('PRICES_CURRENCY_MISMATCH', `zone ${s.zone} holds ${known} prices, not ${s.currency}`);
    }
    const first = s.intervals[0];
    const last = s.intervals.at(-1);
    const { id: pubId } = await trx
      .insertInto('price_publications')
      .values({
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
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const sorted = s.intervals.every((iv, i) => i === 0 || s.intervals[i - 1]!.end <= iv.start);
    if (sorted) await this.saveSorted(trx, s, pubId);
    else await this.saveOneByOne(trx, s, pubId);
    return pubId;
  }

  /**
   * The current rows of a zone that overlap [start, end), in time order, in one query. A zone's current rows never
   * overlap (save supersedes whatever a new interval overlaps), so they are the last one starting before `start`
   * (if it reaches past it) and those starting in [start, end): an index range read from the start of that last
   * row (itself one backward step on the same index) instead of `end_utc > start`, which scanned every current row of the zone before
   * `end` (issue 20, finding 6: storing a year of quarter-hours one by one was quadratic).
   */
  private async overlappingCurrent(trx: Db, zone: string, start: string, end: string): Promise<CurrentRow[]> {
    const rows = await trx
      .selectFrom('price_intervals')
      .select(['id', 'publication_id', 'start_utc', 'end_utc', 'price_per_kwh'])
      .where('zone', '=', zone)
      .where('superseded_by', 'is', null)
      .where('start_utc', '>=', (eb) => eb.fn.coalesce(
        eb.selectFrom('price_intervals')
          .select('start_utc')
          .where('zone', '=', zone)
          .where('superseded_by', 'is', null)
          .where('start_utc', '<', start)
          .orderBy('start_utc', 'desc')
          .limit(1),
        eb.val(start),
      ))
      .where('start_utc', '<', end)
      .orderBy('start_utc')
      .execute();
    return rows.length > 0 && rows[0]!.start_utc < start && rows[0]!.end_utc <= start ? rows.slice(1) : rows;
  }

  /**
   * Intervals in time order without overlaps (every push, every feed): one read of the current rows they cover,
   * then set-wise writes. The same outcome as one by one: an unchanged interval adds nothing; an old row that new
   * intervals touch is superseded and the parts of it they do not cover are kept as rows of its publication.
   */
  private async saveSorted(trx: Db, s: PriceSeries, pubId: number): Promise<void> {
    const ivs = s.intervals;
    if (ivs.length === 0) return;
    const news = ivs.map((iv) => ({ start: iso(iv.start), end: iso(iv.end), price: iv.pricePerKwh }));
    const old = await this.overlappingCurrent(trx, s.zone, news[0]!.start, news.at(-1)!.end);
    const unchanged = new Set<number>();
    const superseded: number[] = [];
    const rows: IntervalInsert[] = [];
    const row = (publicationId: number, start: string, end: string, price: number): IntervalInsert =>
      ({ publication_id: publicationId, zone: s.zone, start_utc: start, end_utc: end, price_per_kwh: price });
    let k = 0;
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
      superseded.push(o.id);
      // What of the old row no new interval covers: before the first, between them, after the last.
      let from = o.start_utc;
      for (let j = k; j < m; j++) {
        if (news[j]!.start > from) rows.push(row(o.publication_id, from, news[j]!.start, o.price_per_kwh));
        from = news[j]!.end;
      }
      if (from < o.end_utc) rows.push(row(o.publication_id, from, o.end_utc, o.price_per_kwh));
      k = Math.max(k, m - 1); // the last new interval may reach into the next old row
    }
    news.forEach((n, i) => {
      if (!unchanged.has(i)) rows.push(row(pubId, n.start, n.end, n.price));
    });
    for (let i = 0; i < superseded.length; i += BATCH) {
      await trx.updateTable('price_intervals').set({ superseded_by: pubId }).where('id', 'in', superseded.slice(i, i + BATCH)).execute();
    }
    for (let j = 0; j < rows.length; j += BATCH) await trx.insertInto('price_intervals').values(rows.slice(j, j + BATCH)).execute();
  }

  /** A series whose intervals overlap each other or come out of order: each in turn supersedes what it overlaps. */
  private async saveOneByOne(trx: Db, s: PriceSeries, pubId: number): Promise<void> {
    for (const iv of s.intervals) {
      const start = iso(iv.start);
      const end = iso(iv.end);
      const old = await this.overlappingCurrent(trx, s.zone, start, end);
      // Re-fetching an unchanged value adds nothing to the history.
      const same = old.length === 1 && old[0]!.start_utc === start && old[0]!.end_utc === end && old[0]!.price_per_kwh === iv.pricePerKwh;
      if (same) continue;
      const rows: IntervalInsert[] = [];
      for (const o of old) {
        // Keep the parts of an old interval the new one does not cover (an hour replaced by one quarter).
        if (o.start_utc < start) rows.push({ publication_id: o.publication_id, zone: s.zone, start_utc: o.start_utc, end_utc: start, price_per_kwh: o.price_per_kwh });
        if (o.end_utc > end) rows.push({ publication_id: o.publication_id, zone: s.zone, start_utc: end, end_utc: o.end_utc, price_per_kwh: o.price_per_kwh });
      }
      rows.push({ publication_id: pubId, zone: s.zone, start_utc: start, end_utc: end, price_per_kwh: iv.pricePerKwh });
      if (old.length > 0) await trx.updateTable('price_intervals').set({ superseded_by: pubId }).where('id', 'in', old.map((o) => o.id)).execute();
      await trx.insertInto('price_intervals').values(rows).execute();
    }
  }

  /** The current prices over the window: one query, however long the window (a year of quarter-hours included). */
  async current(zone: string, window: TimeWindow): Promise<QuotedInterval[]> {
    const rows = await this.db
      .selectFrom('price_intervals as i')
      .innerJoin('price_publications as p', 'p.id', 'i.publication_id')
      .select(['i.start_utc', 'i.end_utc', 'i.price_per_kwh', 'p.source', 'p.fetched_at', 'p.kind'])
      .where('i.zone', '=', zone)
      .where('i.superseded_by', 'is', null)
      .where('i.start_utc', '<', iso(window.end))
      .where('i.end_utc', '>', iso(window.start))
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
    const row = await this.db
      .selectFrom('price_publications')
      .select((eb) => eb.fn.max('fetched_at').as('at'))
      .where('zone', '=', zone)
      .executeTakeFirst();
    return row?.at ? Date.parse(row.at) : undefined;
  }

  /** Every value ever stored for the window, superseded ones included, oldest publication first (one query). */
  async history(zone: string, window: TimeWindow): Promise<PriceHistoryRow[]> {
    const rows = await this.db
      .selectFrom('price_intervals as i')
      .innerJoin('price_publications as p', 'p.id', 'i.publication_id')
      .select([
        'i.start_utc', 'i.end_utc', 'i.price_per_kwh', 'i.publication_id', 'i.superseded_by',
        'p.source', 'p.fetched_at', 'p.kind', 'p.currency', 'p.publisher',
      ])
      .where('i.zone', '=', zone)
      .where('i.start_utc', '<', iso(window.end))
      .where('i.end_utc', '>', iso(window.start))
      .orderBy('i.start_utc')
      .orderBy('i.publication_id')
      .execute();
    return rows.map((r) => ({ ...r, kind: r.kind as PriceKind }));
  }
}
