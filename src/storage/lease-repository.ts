/**
 * Named leases with a fencing epoch on either database (issue 19; migrations/0011-cluster-leases.ts). Every operation
 * is one statement, so nodes racing for a lease are decided by the database's row lock and no advisory lock is
 * needed: acquire is an INSERT ... ON CONFLICT DO UPDATE whose WHERE admits only a free, expired or own lease (on
 * PostgreSQL the losers of a race wait for the winner's row and then find the WHERE false); renew and release are
 * UPDATEs guarded by holder and epoch. Instants are the caller's clock (`now`), compared through `instant()`.
 */
import { sql, type Selectable } from 'kysely';
import { dialectOf, instant, type Db } from './sql/dialect.js';
import type { ClusterLeasesTable } from './sql/schema.js';
import { checkLeaseArgs, type Lease, type LeaseRecord, type LeaseStore } from '../domain/leases.js';
import { isoUtc } from '../platform/clock.js';

type Row = Selectable<ClusterLeasesTable>;

const toRecord = (r: Row): LeaseRecord => ({
  name: r.name, holder: r.holder, epoch: Number(r.epoch), expiresAt: r.expires_at, acquiredAt: r.acquired_at, renewedAt: r.renewed_at,
});

function toLease(r: Row | undefined): Lease | null {
  if (!r || r.holder === null) return null;
  return { name: r.name, holder: r.holder, epoch: Number(r.epoch), expiresAt: r.expires_at };
}

/** Names are few (sites and jobs): a bound that only guards the list against a runaway. */
const MAX_LIST = 100_000;

/** The row already stored, in an upsert's SET and WHERE (each a constant reference: SQL is never built from values). */
const EXISTING = {
  holder: sql.ref('cluster_leases.holder'),
  epoch: sql.ref('cluster_leases.epoch'),
  expires_at: sql.ref('cluster_leases.expires_at'),
  acquired_at: sql.ref('cluster_leases.acquired_at'),
};

export class LeaseRepository implements LeaseStore {
  /** `db` may be a caller's transaction: `holds` on it is the fencing check inside that transaction. */
  constructor(private readonly db: Db) {}

  async acquire(name: string, holder: string, ttlMs: number, now: number): Promise<Lease | null> {
    checkLeaseArgs(name, holder, ttlMs);
    const db = this.db;
    const at = isoUtc(now);
    const expires = isoUtc(now + ttlMs);
    // Still held by this holder: an extension that keeps the epoch (and when the epoch began).
    const ownLive = sql<boolean>`(${EXISTING.holder} = ${holder} AND ${instant(db, EXISTING.expires_at)} > ${instant(db, at)})`;
    const row = await db
      .insertInto('cluster_leases')
      .values({ name, holder, epoch: 1, expires_at: expires, acquired_at: at, renewed_at: at })
      .onConflict((oc) => oc.column('name')
        .doUpdateSet({
          holder,
          epoch: sql<number>`CASE WHEN ${ownLive} THEN ${EXISTING.epoch} ELSE ${EXISTING.epoch} + 1 END`,
          expires_at: expires,
          acquired_at: sql<string>`CASE WHEN ${ownLive} THEN ${EXISTING.acquired_at} ELSE ${at} END`,
          renewed_at: at,
        })
        // Free (released), expired at the caller's now, or its own: anything else belongs to another holder.
        .where(sql<boolean>`${EXISTING.holder} IS NULL OR ${EXISTING.holder} = ${holder} OR ${instant(db, EXISTING.expires_at)} <= ${instant(db, at)}`))
      .returningAll()
      .executeTakeFirst();
    return toLease(row);
  }

  async renew(name: string, holder: string, epoch: number, ttlMs: number, now: number): Promise<Lease | null> {
    checkLeaseArgs(name, holder, ttlMs);
    const at = isoUtc(now);
    const row = await this.db
      .updateTable('cluster_leases')
      .set({ expires_at: isoUtc(now + ttlMs), renewed_at: at })
      .where('name', '=', name).where('holder', '=', holder).where('epoch', '=', epoch)
      .where(instant(this.db, sql.ref('expires_at')), '>', instant(this.db, at))
      .returningAll()
      .executeTakeFirst();
    return toLease(row);
  }

  async release(name: string, holder: string, epoch: number): Promise<void> {
    checkLeaseArgs(name, holder);
    // The row stays with its epoch, so that the next taker gets epoch + 1 and no epoch is ever given out twice.
    await this.db
      .updateTable('cluster_leases')
      .set({ holder: null })
      .where('name', '=', name).where('holder', '=', holder).where('epoch', '=', epoch)
      .execute();
  }

  async holds(name: string, holder: string, epoch: number, now: number): Promise<boolean> {
    checkLeaseArgs(name, holder);
    let query = this.db
      .selectFrom('cluster_leases')
      .select('epoch')
      .where('name', '=', name).where('holder', '=', holder).where('epoch', '=', epoch)
      .where(instant(this.db, sql.ref('expires_at')), '>', instant(this.db, isoUtc(now)));
    // PostgreSQL: a share lock on the row until the caller's transaction ends, so a takeover (the acquire's UPDATE)
    // waits for the fenced write to commit and cannot slip in between this check and it. SQLite runs one
    // transaction at a time, which gives the same order without a lock.
    if (dialectOf(this.db) === 'postgres') query = query.forShare();
    return (await query.executeTakeFirst()) !== undefined;
  }

  async current(name: string): Promise<LeaseRecord | undefined> {
    const row = await this.db.selectFrom('cluster_leases').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(): Promise<LeaseRecord[]> {
    const rows = await this.db.selectFrom('cluster_leases').selectAll().orderBy('name').limit(MAX_LIST).execute();
    return rows.map(toRecord);
  }
}
