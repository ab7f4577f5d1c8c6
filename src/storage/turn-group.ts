import { dialectOf, type Db } from './sql/dialect.js';
import { runEachStepsNow, runStepsNow, type Steps } from './sql/prepared.js';

/** One write waiting for its turn's commit: its statements, the way it takes alone, and its caller. */
interface Entry<T> {
  steps: () => Steps<T>;
  alone: () => Promise<T>;
  /** Called when the write's statements were rolled back (its savepoint, its group, or its own transaction). */
  undone: (() => void) | undefined;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/**
 * Writes per grouped transaction at most: a connect storm's boots and Started events commit in transactions of this
 * many, one per event-loop turn. A TransactionEvent with its meter values costs ~0.15-0.2 ms in a group, so a group
 * holds the loop for ~15-20 ms at most (200 held it for 36 ms in bench:ocpp's load phase, 5x its p99 round trip).
 */
export const MAX_GROUP = 100;

/**
 * Writes asked for in one turn (a TransactionEvent; a connecting station's boot row and capability read's device model)
 * of the event loop, committed together in the next (issue 15): on SQLite each commit writes every page its
 * transaction touched to the WAL, and the boots of one turn touch mostly the same pages, so a commit per turn costs
 * less than one per station (at 1,000 connecting stations a turn had 2-3 boots on average, up to ~30). The group is
 * one transaction with a savepoint per write (sql/sqlite.ts runEachNow, the TransactionEvents' group commit): a write
 * that fails is undone and fails alone. Each write's promise resolves once its group is committed, as its own commit
 * would have; the writes of a group run in the order they were asked for. Should the group fail as a whole, or
 * another transaction hold the connection, each write runs alone, as it would have without the group. SQLite only,
 * outside any transaction: `groupFor` answers undefined otherwise (PostgreSQL's commit waits for I/O, not the CPU).
 */
export class TurnGroup {
  private queued: Entry<unknown>[] = [];

  constructor(private readonly db: Db) {}

  /**
   * Runs `steps` with the other writes of this turn in one transaction, next turn; `alone` is how the write is done
   * by itself (when the group fails as a whole, or another transaction holds the connection then).
   */
  write<T>(steps: () => Steps<T>, alone: () => Promise<T>, undone?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // From the next turn (setImmediate, after pending I/O): the writes asked for until then join.
      if (this.queued.length === 0) setImmediate(() => this.commit());
      this.queued.push({ steps, alone, undone, resolve, reject } as Entry<unknown>);
    });
  }

  private commit(): void {
    const all = this.queued;
    const group = all.length <= MAX_GROUP ? all : all.slice(0, MAX_GROUP);
    this.queued = all.length <= MAX_GROUP ? [] : all.slice(MAX_GROUP);
    // A backlog beyond one group is committed from the next turn on, a group per turn, so that the messages that
    // arrived meanwhile are read in between; writes asked for meanwhile queue behind it (order kept).
    if (this.queued.length > 0) setImmediate(() => this.commit());
    this.together(group);
  }

  private together(group: readonly Entry<unknown>[]): void {
    let outcomes;
    try {
      // A turn's only write runs as its own transaction, as it would have without the group.
      outcomes = group.length > 1 ? runEachStepsNow(this.db, group.map((e) => e.steps)) : undefined;
    } catch {
      // Nothing of the group is stored: each on its own below.
      for (const e of group) e.undone?.();
      outcomes = undefined;
    }
    if (outcomes === undefined) {
      for (const e of group) void this.alone(e);
      return;
    }
    group.forEach((e, i) => {
      const o = outcomes[i]!;
      if ('error' in o) {
        e.undone?.(); // its savepoint was rolled back
        e.reject(o.error);
      } else e.resolve(o.value);
    });
  }

  /** One write in a transaction of its own: at once on SQLite where that is safe, else its own asynchronous way. */
  private async alone(e: Entry<unknown>): Promise<void> {
    let now;
    try {
      now = runStepsNow(this.db, e.steps);
    } catch (err) {
      e.undone?.(); // rolled back
      return e.reject(err);
    }
    try {
      e.resolve(now !== undefined ? now.value : await e.alone());
    } catch (err) {
      e.reject(err);
    }
  }
}

const groups = new WeakMap<Db, TurnGroup>();

/** The turn group of `db` (one per database, shared by its repositories), or undefined where writes are not grouped. */
export function groupFor(db: Db): TurnGroup | undefined {
  if (db.isTransaction || dialectOf(db) !== 'sqlite') return undefined;
  let g = groups.get(db);
  if (g === undefined) {
    g = new TurnGroup(db);
    groups.set(db, g);
  }
  return g;
}
