import { sql } from 'kysely';
import { inTransaction, type Db } from './sql/dialect.js';
import type { StationFramesTable } from './sql/schema-frames.js';
import { prepare, prepareRows, rowSteps, runStepsNow, type Steps } from './sql/prepared.js';
import { stringsOfJson } from './sql/json-params.js';
import { FRAMES_KEPT_PER_STATION, type StationFrame, type StationFrameStore } from '../domain/station-frames.js';

/** A row (a type alias: prepared queries take an indexable parameter object). */
type Row = { [K in keyof StationFramesTable]: StationFramesTable[K] };

/** Rows per upsert on PostgreSQL: 10 parameters each stays far below its limit on bound parameters. */
const UPSERT_CHUNK = 500;
/** Stations whose next sequence number is remembered; beyond it the memory starts again (each re-read once). */
const MAX_REMEMBERED = 50_000;

/** The upsert into a station's slot: the newest frame of the slot replaces the one 100 frames older. */
function upsertRows(db: Db, rows: Row[]) {
  return db.insertInto('station_frames').values(rows)
    .onConflict((oc) => oc.columns(['station_id', 'slot']).doUpdateSet((eb) => ({
      seq: eb.ref('excluded.seq'), at: eb.ref('excluded.at'), direction: eb.ref('excluded.direction'),
      message_type: eb.ref('excluded.message_type'), message_id: eb.ref('excluded.message_id'),
      action: eb.ref('excluded.action'), payload: eb.ref('excluded.payload'), payload_chars: eb.ref('excluded.payload_chars'),
    })));
}

/* Compiled once (sql/prepared.ts): a busy station's frames are written every turn. */
const lastSeq = prepare('station_frames.last', (db: Db, p: { stationId: string }) =>
  db.selectFrom('station_frames').select(sql<number | null>`max(seq)`.as('seq')).where('station_id', '=', p.stationId));
/** The stale stations' last numbers of one batch in one statement (a connect storm's batch has hundreds). */
const lastSeqs = prepare('station_frames.lastOfMany', (db: Db, p: { stations: string }) =>
  db.selectFrom('station_frames').select(['station_id', sql<number | null>`max(seq)`.as('seq')])
    .where(sql<boolean>`${sql.ref('station_id')} IN ${stringsOfJson(db, p.stations)}`).groupBy('station_id'));
/** Stations per read of their last numbers at most. */
const LAST_SEQ_CHUNK = 500;
const upsertOne = prepare('station_frames.upsert', (db: Db, p: Row) => upsertRows(db, [p]));
const COLUMNS = ['station_id', 'slot', 'seq', 'at', 'direction', 'message_type', 'message_id', 'action', 'payload', 'payload_chars'] as const;
/** A batch's frames 20 per upsert on SQLite: ~30 % less CPU per frame than one upsert each (sql/prepared.ts prepareRows). */
const upsertChunk = prepareRows<Row>('station_frames.upsert-20', COLUMNS, 20, (db, rows) => upsertRows(db, rows));

/**
 * The station page's message log (issue 16, migration 0024): each station's newest FRAMES_KEPT_PER_STATION frames
 * in as many slots. A batch upserts each frame into slot seq mod 100, so the table never holds more than 100 rows
 * per station and needs no delete to stay so. A station's last sequence number is read once per connection (the
 * frame names it) and remembered: a station that moved to another node and back continues where that node left.
 * On SQLite a batch runs as one synchronous transaction of prepared multi-row upserts (runStepsNow), on PostgreSQL
 * as one transaction with multi-row upserts of up to UPSERT_CHUNK rows.
 */
export class StationFrameRepository implements StationFrameStore {
  /** Per station: the connection whose frames were written last, and the next sequence number. */
  private readonly next = new Map<string, { connection: string | undefined; seq: number }>();

  constructor(private readonly db: Db) {}

  async append(frames: readonly StationFrame[]): Promise<void> {
    if (frames.length === 0) return;
    const stale = [...new Set(frames.filter((f) => !this.knows(f)).map((f) => f.stationId))];
    try {
      const now = runStepsNow(this.db, () => this.steps(frames, stale));
      if (now) return this.remember(now.value);
      await inTransaction(this.db, async (trx) => {
        const seqs = new Map<string, number>();
        for (const stationId of stale) seqs.set(stationId, await this.readNext(trx, stationId));
        const { rows, next } = this.rows(frames, seqs);
        for (let i = 0; i < rows.length; i += UPSERT_CHUNK) await upsertRows(trx, rows.slice(i, i + UPSERT_CHUNK)).execute();
        this.remember(next);
      });
    } catch (err) {
      // What this batch would have numbered is unknown now: read again next time.
      for (const f of frames) this.next.delete(f.stationId);
      throw err;
    }
  }

  async newest(stationId: string, limit: number): Promise<StationFrame[]> {
    const rows = await this.db.selectFrom('station_frames')
      .select(['station_id', 'at', 'direction', 'message_type', 'message_id', 'action', 'payload', 'payload_chars'])
      .where('station_id', '=', stationId)
      .orderBy('seq', 'desc')
      .limit(Math.max(0, Math.min(limit, FRAMES_KEPT_PER_STATION)))
      .execute();
    return rows.map((r) => ({
      stationId: r.station_id, at: r.at, direction: r.direction, type: r.message_type, messageId: r.message_id,
      action: r.action, payload: r.payload, payloadChars: r.payload_chars,
    }));
  }

  private knows(f: StationFrame): boolean {
    const n = this.next.get(f.stationId);
    return n !== undefined && f.connection !== undefined && n.connection === f.connection;
  }

  /** The SQLite sequence: the stale stations' last numbers read, then one prepared upsert per frame. */
  private *steps(frames: readonly StationFrame[], stale: readonly string[]): Steps<Map<string, { connection: string | undefined; seq: number }>> {
    const seqs = new Map<string, number>();
    if (stale.length === 1) {
      const r = yield lastSeq.step({ stationId: stale[0]! });
      seqs.set(stale[0]!, nextOf((r.rows[0] as { seq: number | null } | undefined)?.seq));
    } else {
      // Several stations' numbers in one statement: a station without frames has no row (and starts at 0).
      for (let i = 0; i < stale.length; i += LAST_SEQ_CHUNK) {
        const chunk = stale.slice(i, i + LAST_SEQ_CHUNK);
        const r = yield lastSeqs.step({ stations: JSON.stringify(chunk) });
        for (const row of r.rows as { station_id: string; seq: number | null }[]) seqs.set(row.station_id, nextOf(row.seq));
        for (const stationId of chunk) if (!seqs.has(stationId)) seqs.set(stationId, 0);
      }
    }
    const { rows, next } = this.rows(frames, seqs);
    yield* rowSteps(rows, upsertChunk, upsertOne);
    return next;
  }

  private async readNext(trx: Db, stationId: string): Promise<number> {
    return nextOf((await lastSeq.first(trx, { stationId }))?.seq);
  }

  /** The rows of a batch, numbered on from `seqs` (read) or the memory; a slot written twice keeps the newer frame. */
  private rows(frames: readonly StationFrame[], seqs: Map<string, number>) {
    const next = new Map<string, { connection: string | undefined; seq: number; first: number }>();
    const rows: Row[] = [];
    let wraps = false;
    for (const f of frames) {
      let n = next.get(f.stationId);
      if (n === undefined) {
        const seq = seqs.get(f.stationId) ?? this.next.get(f.stationId)?.seq ?? 0;
        n = { connection: f.connection, seq, first: seq };
        next.set(f.stationId, n);
      }
      const seq = n.seq++;
      n.connection = f.connection;
      if (seq - n.first === FRAMES_KEPT_PER_STATION) wraps = true;
      rows.push({
        station_id: f.stationId, slot: seq % FRAMES_KEPT_PER_STATION, seq, at: f.at, direction: f.direction, message_type: f.type,
        message_id: f.messageId, action: f.action, payload: f.payload, payload_chars: f.payloadChars,
      });
    }
    // More than a station's slots in one batch (the frame log keeps each station's newest 100 per batch, so only a
    // caller of its own): a slot written twice keeps the newer frame.
    return { rows: wraps ? rows.filter((r) => r.seq >= next.get(r.station_id)!.seq - FRAMES_KEPT_PER_STATION) : rows, next };
  }

  private remember(next: Map<string, { connection: string | undefined; seq: number }>): void {
    if (this.next.size + next.size > MAX_REMEMBERED) this.next.clear();
    for (const [stationId, n] of next) this.next.set(stationId, n);
  }
}

/** The number after a station's last one (none: 0). */
function nextOf(last: number | null | undefined): number {
  return last === null || last === undefined ? 0 : Number(last) + 1;
}
