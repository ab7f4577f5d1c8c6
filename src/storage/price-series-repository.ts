import type { Db } from './database.js';
import type { PriceKind, PriceSeries, PriceSeriesStore, QuotedInterval, TimeWindow } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';

/**
 * Price series in SQLite (table comments in migrations/0002-prices.ts). A restart serves the last fetched series
 * without the network. A newer publication supersedes what it overlaps and the history stays.
 */

interface CurrentRow {
  id: number;
  publication_id: number;
  start_utc: string;
  end_utc: string;
  price_per_kwh: number;
}

interface QuotedRow {
  start_utc: string;
  end_utc: string;
  price_per_kwh: number;
  source: string;
  fetched_at: string;
  kind: PriceKind;
}

export interface PriceHistoryRow extends QuotedRow {
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
/** Rows per multi-row INSERT (5 values each) and ids per UPDATE ... IN (...): far below SQLite's variable limit. */
const BATCH = 100;

export class PriceSeriesRepository implements PriceSeriesStore {
  private readonly insertPublication;
  private readonly coveringStart;
  private readonly startingIn;
  private readonly supersede;
  private readonly supersedeMany;
  private readonly insertInterval;
  private readonly insertIntervals;
  private readonly currentStmt;
  private readonly lastFetchedStmt;
  private readonly zoneCurrencyStmt;
  private readonly historyStmt;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.insertPublication = db.prepare(
      `INSERT INTO price_publications (zone, source, currency, kind, fetched_at, start_utc, end_utc, interval_count, publisher, created_at)
       VALUES (@zone, @source, @currency, @kind, @fetchedAt, @start, @end, @count, @publisher, @createdAt)`,
    );
    // A zone's current rows never overlap (save supersedes whatever a new interval overlaps), so the current rows
    // that overlap [a, b) are the last one starting before a (if it reaches past a) and those starting in [a, b):
    // two index range reads instead of `end_utc > a`, which scanned every current row of the zone before b (issue
    // 20, finding 6: storing a year of quarter-hours one by one was quadratic).
    this.coveringStart = db.prepare<[string, string], CurrentRow>(
      `SELECT id, publication_id, start_utc, end_utc, price_per_kwh FROM price_intervals
       WHERE zone = ? AND superseded_by IS NULL AND start_utc < ? ORDER BY start_utc DESC LIMIT 1`,
    );
    this.startingIn = db.prepare<[string, string, string], CurrentRow>(
      `SELECT id, publication_id, start_utc, end_utc, price_per_kwh FROM price_intervals
       WHERE zone = ? AND superseded_by IS NULL AND start_utc >= ? AND start_utc < ? ORDER BY start_utc`,
    );
    this.supersede = db.prepare<[number, number]>('UPDATE price_intervals SET superseded_by = ? WHERE id = ?');
    this.supersedeMany = db.prepare(`UPDATE price_intervals SET superseded_by = ? WHERE id IN (${Array(BATCH).fill('?').join(',')})`);
    this.insertInterval = db.prepare<[number, string, string, string, number]>(
      'INSERT INTO price_intervals (publication_id, zone, start_utc, end_utc, price_per_kwh) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertIntervals = db.prepare(
      `INSERT INTO price_intervals (publication_id, zone, start_utc, end_utc, price_per_kwh) VALUES ${Array(BATCH).fill('(?, ?, ?, ?, ?)').join(',')}`,
    );
    this.currentStmt = db.prepare<[string, string, string], QuotedRow>(
      `SELECT i.start_utc, i.end_utc, i.price_per_kwh, p.source, p.fetched_at, p.kind
       FROM price_intervals i JOIN price_publications p ON p.id = i.publication_id
       WHERE i.zone = ? AND i.superseded_by IS NULL AND i.start_utc < ? AND i.end_utc > ?
       ORDER BY i.start_utc`,
    );
    this.lastFetchedStmt = db.prepare<[string], { at: string | null }>(
      'SELECT MAX(fetched_at) AS at FROM price_publications WHERE zone = ?',
    );
    this.zoneCurrencyStmt = db.prepare<[string], { currency: string }>(
      'SELECT currency FROM price_publications WHERE zone = ? ORDER BY id DESC LIMIT 1',
    );
    this.historyStmt = db.prepare<[string, string, string], PriceHistoryRow>(
      `SELECT i.start_utc, i.end_utc, i.price_per_kwh, i.publication_id, i.superseded_by,
              p.source, p.fetched_at, p.kind, p.currency, p.publisher
       FROM price_intervals i JOIN price_publications p ON p.id = i.publication_id
       WHERE i.zone = ? AND i.start_utc < ? AND i.end_utc > ?
       ORDER BY i.start_utc, i.publication_id`,
    );
  }

  /** All series in one transaction: a batch is applied whole or not at all. Returns the publication ids. */
  save(series: readonly PriceSeries[], publisher?: string): number[] {
    return this.db.transaction(() => series.map((s) => this.saveOne(s, publisher ?? null)))();
  }

  private saveOne(s: PriceSeries, publisher: string | null): number {
    const known = this.zoneCurrencyStmt.get(s.zone)?.currency;
    if (known !== undefined && known !== s.currency) {
      // One zone, one currency: mixing would make the planner compare DKK with EUR.
      throw new PriceStoreError('PRICES_CURRENCY_MISMATCH', `zone ${s.zone} holds ${known} prices, not ${s.currency}`);
    }
    const first = s.intervals[0];
    const last = s.intervals.at(-1);
    const pubId = Number(
      this.insertPublication.run({
        zone: s.zone,
        source: s.provenance.source,
        currency: s.currency,
        kind: s.provenance.kind,
        fetchedAt: iso(s.provenance.fetchedAt),
        start: first ? iso(first.start) : iso(s.provenance.fetchedAt),
        end: last ? iso(last.end) : iso(s.provenance.fetchedAt),
        count: s.intervals.length,
        publisher,
        createdAt: iso(this.clock.now()),
      }).lastInsertRowid,
    );
    const sorted = s.intervals.every((iv, i) => i === 0 || s.intervals[i - 1]!.end <= iv.start);
    if (sorted) this.saveSorted(s, pubId);
    else this.saveOneByOne(s, pubId);
    return pubId;
  }

  /** The current rows of a zone that overlap [start, end), in time order. */
  private overlappingCurrent(zone: string, start: string, end: string): CurrentRow[] {
    const before = this.coveringStart.get(zone, start);
    const inside = this.startingIn.all(zone, start, end);
    return before && before.end_utc > start ? [before, ...inside] : inside;
  }

  /**
   * Intervals in time order without overlaps (every push, every feed): one read of the current rows they cover,
   * then set-wise writes. The same outcome as one by one: an unchanged interval adds nothing; an old row that new
   * intervals touch is superseded and the parts of it they do not cover are kept as rows of its publication.
   */
  private saveSorted(s: PriceSeries, pubId: number): void {
    const ivs = s.intervals;
    if (ivs.length === 0) return;
    const news = ivs.map((iv) => ({ start: iso(iv.start), end: iso(iv.end), price: iv.pricePerKwh }));
    const old = this.overlappingCurrent(s.zone, news[0]!.start, news.at(-1)!.end);
    const unchanged = new Set<number>();
    const superseded: number[] = [];
    const rows: (string | number)[][] = [];
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
        if (news[j]!.start > from) rows.push([o.publication_id, s.zone, from, news[j]!.start, o.price_per_kwh]);
        from = news[j]!.end;
      }
      if (from < o.end_utc) rows.push([o.publication_id, s.zone, from, o.end_utc, o.price_per_kwh]);
      k = Math.max(k, m - 1); // the last new interval may reach into the next old row
    }
    news.forEach((n, i) => {
      if (!unchanged.has(i)) rows.push([pubId, s.zone, n.start, n.end, n.price]);
    });
    let i = 0;
    for (; i + BATCH <= superseded.length; i += BATCH) this.supersedeMany.run(pubId, ...superseded.slice(i, i + BATCH));
    for (; i < superseded.length; i++) this.supersede.run(pubId, superseded[i]!);
    let j = 0;
    for (; j + BATCH <= rows.length; j += BATCH) this.insertIntervals.run(...rows.slice(j, j + BATCH).flat());
    for (; j < rows.length; j++) this.insertInterval.run(...(rows[j] as [number, string, string, string, number]));
  }

  /** A series whose intervals overlap each other or come out of order: each in turn supersedes what it overlaps. */
  private saveOneByOne(s: PriceSeries, pubId: number): void {
    for (const iv of s.intervals) {
      const start = iso(iv.start);
      const end = iso(iv.end);
      const old = this.overlappingCurrent(s.zone, start, end);
      // Re-fetching an unchanged value adds nothing to the history.
      const same = old.length === 1 && old[0]!.start_utc === start && old[0]!.end_utc === end && old[0]!.price_per_kwh === iv.pricePerKwh;
      if (same) continue;
      for (const o of old) {
        this.supersede.run(pubId, o.id);
        // Keep the parts of an old interval the new one does not cover (an hour replaced by one quarter).
        if (o.start_utc < start) this.insertInterval.run(o.publication_id, s.zone, o.start_utc, start, o.price_per_kwh);
        if (o.end_utc > end) this.insertInterval.run(o.publication_id, s.zone, end, o.end_utc, o.price_per_kwh);
      }
      this.insertInterval.run(pubId, s.zone, start, end, iv.pricePerKwh);
    }
  }

  current(zone: string, window: TimeWindow): QuotedInterval[] {
    return this.currentStmt.all(zone, iso(window.end), iso(window.start)).map((r) => ({
      start: Date.parse(r.start_utc),
      end: Date.parse(r.end_utc),
      pricePerKwh: r.price_per_kwh,
      source: r.source,
      fetchedAt: Date.parse(r.fetched_at),
      kind: r.kind,
    }));
  }

  lastFetchedAt(zone: string): number | undefined {
    const at = this.lastFetchedStmt.get(zone)?.at;
    return at ? Date.parse(at) : undefined;
  }

  /** Every value ever stored for the window, superseded ones included, oldest publication first. */
  history(zone: string, window: TimeWindow): PriceHistoryRow[] {
    return this.historyStmt.all(zone, iso(window.end), iso(window.start));
  }
}
