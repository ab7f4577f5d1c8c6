import { sql } from 'kysely';
import type { StoredVersion } from '../domain/stored-version.js';
import { dialectOf, type Db } from './sql/dialect.js';
import { prepare } from './sql/prepared.js';

/**
 * StoredVersion read from the database itself, so that every process and cluster node sees every other's writes
 * (issue 18: the fleet views' caches; VehicleRepository's ChangeRevision counts only this process's writes).
 *
 * PostgreSQL: per table, the number of rows and the sum of their xmin (the id of the transaction that wrote each
 * row version). An insert or update gives its row a transaction id newer than every committed one, and a delete
 * lowers the count, so any committed change moves the pair (short of transaction-id wraparound); no migration, no
 * write pays anything. 1,000 vans: a scan of two small tables in one statement. Requests that arrive while a read
 * is under way share the next one (FreshRead), so the database sees at most two of these reads in flight whatever the
 * request rate, and every answer still comes from a read that started after its request arrived.
 *
 * SQLite: one process writes through one connection; `PRAGMA data_version` moves when another connection (a CLI on
 * the same file) commits, and this process's own writes are ChangeRevision's.
 */
export class VehicleDataVersion implements StoredVersion {
  private readonly shared: FreshRead<string>;

  constructor(private readonly db: Db) {
    this.shared = new FreshRead(() => this.read());
  }

  vehicles(): Promise<string> {
    return dialectOf(this.db) === 'postgres' ? this.shared.read() : this.read();
  }

  private async read(): Promise<string> {
    const row = await (dialectOf(this.db) === 'postgres' ? pgVersion : sqliteVersion).first(this.db, {});
    return String(row?.v ?? '');
  }
}

const pgVersion = prepare('vehicles.version', (db: Db) =>
  db.selectNoFrom(sql<string>`(SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM vehicles) || '/' || (SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM departure_targets)`.as('v')));
const sqliteVersion = prepare('vehicles.version', (db: Db) => db.selectNoFrom(sql<number>`(SELECT data_version FROM pragma_data_version)`.as('v')));

/**
 * One read shared by the callers that arrive while none has started yet: a caller never gets the result of a read
 * that started before it asked (it waits for the next one), and at most one read runs plus one waits to start.
 */
export class FreshRead<T> {
  private running: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly fn: () => Promise<T>) {}

  read(): Promise<T> {
    if (this.queued) return this.queued;
    const before = this.running;
    const next: Promise<T> = (before ? before.then(nothing, nothing) : Promise.resolve()).then(() => {
      // From here on, a new caller must wait for a read after this one.
      if (this.queued === next) this.queued = undefined;
      this.running = next;
      return this.fn();
    });
    this.queued = next;
    void next.then(nothing, nothing).then(() => {
      if (this.running === next) this.running = undefined;
    });
    return next;
  }
}
const nothing = () => undefined;
