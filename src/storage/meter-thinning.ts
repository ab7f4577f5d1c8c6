import type { MeterSample } from '../domain/stations.js';

/** How many meter samples a station may store (config `retention.meterBucketSeconds`, `meterRowsPerStationPerMinute`). */
export interface MeterLimits {
  /** Per series, at most the earliest and the latest sample of each bucket of this many seconds (and the highest power). */
  bucketSeconds: number;
  /** Rows one station may add per minute of the server's clock; beyond it only each series' latest row is updated. */
  rowsPerStationPerMinute: number;
}

/**
 * 10 s buckets leave a station that samples every 5 s or slower untouched; 6,000 rows a minute is 20 measurands on 4
 * EVSEs every 10 s eight times over, and leaves room for a day of queued offline events arriving at once.
 */
export const DEFAULT_METER_LIMITS: MeterLimits = { bucketSeconds: 10, rowsPerStationPerMinute: 6000 };

/** A row's roles in its bucket, as bits: the earliest, the latest and (Power.Active.Import) the highest sample. */
const FIRST = 1;
const LAST = 2;
const PEAK = 4;
type Role = typeof FIRST | typeof LAST | typeof PEAK;

/**
 * A stored row of a series' current bucket and the roles it holds (FIRST | LAST | PEAK); `id` is null until its INSERT
 * returned it. `sample` is what the next write stores in the row, and null once written (released: a station's held
 * rows stay for as long as it sends samples, and the sample with its strings was most of what each one kept).
 */
export interface HeldRow {
  id: number | null;
  ms: number;
  w: number;
  roles: number;
  sample: MeterSample | null;
}

interface Series {
  bucket: number;
  rows: HeldRow[];
  /** The receive minute it was last used in (stale series are forgotten). */
  touched: number;
}

interface StationState {
  minute: number;
  added: number;
  dropped: number;
  series: Map<string, Series>;
}

/** What to write for one append: new rows (their ids go back into `held`), rows to overwrite, how many were left out. */
export interface ThinPlan {
  inserts: HeldRow[];
  updates: HeldRow[];
  thinned: number;
  dropped: number;
}

const POWER = 'Power.Active.Import';
const ALL_ROLES: readonly Role[] = [FIRST, LAST, PEAK];
const FIRST_LAST: readonly Role[] = [FIRST, LAST];

/**
 * `target` (a row of a series) takes `row`'s sample and roles: an UPDATE of its row, or, when its INSERT is still in
 * this plan (id null), that INSERT's values.
 */
function overwrite(target: HeldRow, row: HeldRow, out: ThinPlan): void {
  target.ms = row.ms;
  target.w = row.w;
  target.sample = row.sample;
  target.roles = row.roles;
  if (target.id !== null && !out.updates.includes(target)) out.updates.push(target);
}
const wattsOf = (s: MeterSample) => (s.unit === 'kW' ? s.value * 1000 : s.value);

/**
 * Thins meter samples at intake so that a station sampling every 100 ms cannot grow the database without limit
 * (issue 20), without changing any figure the product computes from them. Per series (EVSE, transaction,
 * measurand, phase, location, context) and per bucket of `bucketSeconds` of the samples' own time, only the earliest
 * and the latest sample are kept (and, for Power.Active.Import, also the highest): a later sample in the bucket
 * overwrites the row that held "latest" instead of adding one. Why the figures stay the same:
 *
 * - delivered energy and the latest register/SoC/power read the first and the latest sample of a session: kept;
 * - session costs and the demand peak interpolate the register linearly at slot and quarter-hour boundaries, which
 *   are whole minutes and so bucket boundaries: the last reading before and the first after each boundary are kept,
 *   the interpolated register at every boundary is unchanged, and so is each slot's energy (a non-decreasing
 *   register: what lies between two kept readings telescopes to their difference);
 * - the uncontrolled comparison uses the highest power measured: kept per bucket.
 *
 * Beyond `rowsPerStationPerMinute` new rows (many series, or timestamps spread over many buckets), a sample that is a
 * series' newest overwrites that series' latest row, so the latest register of every transaction stays current;
 * everything else is dropped and counted. The state is per process and small (one bucket per series, series unused
 * for two minutes forgotten); after a restart a bucket may get a row or two more, never fewer.
 */
export class MeterThinning {
  private readonly stations = new Map<string, StationState>();
  /** Samples not stored since start: overwritten within their bucket (thinned) or refused beyond the row budget (dropped). */
  readonly counts = { thinned: 0, dropped: 0 };

  constructor(
    private readonly limits: MeterLimits = DEFAULT_METER_LIMITS,
    /** Told once per station and minute of the server's clock that its samples are being dropped (main.ts logs it). */
    private readonly onDrop: (stationId: string) => void = () => undefined,
  ) {}

  plan(stationId: string, evseId: number, transactionId: string | null, samples: readonly MeterSample[], receivedAt: string): ThinPlan {
    const st = this.station(stationId, Math.floor(Date.parse(receivedAt) / 60_000));
    const out: ThinPlan = { inserts: [], updates: [], thinned: 0, dropped: 0 };
    const bucketMs = this.limits.bucketSeconds * 1000;
    for (const sample of samples) {
      const ms = Date.parse(sample.timestamp);
      const key = [evseId, transactionId ?? '', sample.measurand, sample.phase ?? '', sample.location ?? '', sample.context ?? ''].join('\u0000');
      const row: HeldRow = { id: null, ms, w: wattsOf(sample), roles: 0, sample };
      const series = st.series.get(key);
      if (series) series.touched = st.minute;
      const bucket = Math.floor(ms / bucketMs);
      if (!Number.isFinite(ms) || (series && bucket < series.bucket)) {
        // Unreadable time, or a late sample of a bucket already left behind: stored as it is, within the budget.
        if (!this.add(st, out, row)) this.drop(stationId, st, out);
        continue;
      }
      const roles: readonly Role[] = sample.measurand === POWER ? ALL_ROLES : FIRST_LAST;
      if (!series || bucket > series.bucket) {
        row.roles = sample.measurand === POWER ? FIRST | LAST | PEAK : FIRST | LAST;
        if (this.add(st, out, row)) st.series.set(key, { bucket, rows: [row], touched: st.minute });
        else if (series && this.overwriteLatest(series, row, bucket, out)) this.tell(stationId, st);
        else this.drop(stationId, st, out);
        continue;
      }
      this.intoBucket(series, row, roles, st, out, stationId);
    }
    this.counts.thinned += out.thinned;
    return out;
  }

  /** Forgets a station's state (after a failed write its row ids may not exist). */
  forget(stationId: string): void {
    this.stations.delete(stationId);
  }

  private intoBucket(series: Series, row: HeldRow, roles: readonly Role[], st: StationState, out: ThinPlan, stationId: string): void {
    const holder = (r: Role) => series.rows.find((h) => (h.roles & r) !== 0)!;
    const won = roles.filter((r) => (r === FIRST ? row.ms < holder(r).ms : r === LAST ? row.ms >= holder(r).ms : row.w > holder(r).w));
    if (won.length === 0) {
      out.thinned++;
      return;
    }
    const previous = won.map((r) => [r, holder(r)] as const);
    for (const [r, h] of previous) h.roles &= ~r;
    row.roles = won.reduce((bits, r) => bits | r, 0);
    const free = series.rows.find((h) => h.roles === 0);
    if (free) {
      // The row that lost all its roles now holds this sample: an UPDATE (or, if not yet inserted, its INSERT changes).
      out.thinned++;
      overwrite(free, row, out);
      return;
    }
    if (this.add(st, out, row)) series.rows.push(row);
    else {
      // Beyond the budget: the roles go back to their holders, the sample is not stored.
      for (const [r, h] of previous) h.roles |= r;
      this.drop(stationId, st, out);
    }
  }

  /** Over the budget, a series' newest sample still replaces its latest row: the register stays current. */
  private overwriteLatest(series: Series, row: HeldRow, bucket: number, out: ThinPlan): boolean {
    const latest = series.rows.find((h) => (h.roles & LAST) !== 0);
    if (!latest || row.ms < latest.ms) return false;
    // The sample it held is the one not kept.
    overwrite(latest, row, out);
    series.bucket = bucket;
    series.rows = [latest];
    this.counts.dropped++;
    out.dropped++;
    return true;
  }

  private add(st: StationState, out: ThinPlan, row: HeldRow): boolean {
    if (st.added >= this.limits.rowsPerStationPerMinute) return false;
    st.added++;
    out.inserts.push(row);
    return true;
  }

  private drop(stationId: string, st: StationState, out: ThinPlan): void {
    out.dropped++;
    this.counts.dropped++;
    this.tell(stationId, st);
  }

  private tell(stationId: string, st: StationState): void {
    if (st.dropped++ === 0) this.onDrop(stationId);
  }

  private station(stationId: string, minute: number): StationState {
    let st = this.stations.get(stationId);
    if (!st) {
      st = { minute, added: 0, dropped: 0, series: new Map() };
      this.stations.set(stationId, st);
    } else if (st.minute !== minute) {
      st.minute = minute;
      st.added = 0;
      st.dropped = 0;
      for (const [key, s] of st.series) if (s.touched < minute - 1) st.series.delete(key);
    }
    return st;
  }
}
