/**
 * Queries on the hot path compiled once and run with new parameters (issue 15: the async layer may cost at most 10 %
 * of bench:ocpp). Building a query with Kysely and compiling it costs about as much as SQLite takes to run a
 * primary-key read (8-10 µs of builder, visitor and frozen nodes per query against 6-7 µs of SQLite); a Heartbeat
 * reads one station and a TransactionEvent runs six statements, so for them that overhead was the largest part of
 * what the async layer added. `prepare` builds the query once per dialect with marker values in place of its
 * parameters, finds where each marker landed among the compiled parameters, and from then on only swaps the
 * parameters: the SQL text is the same, so SQLite's statement cache (sqlite.ts) and PostgreSQL's plan for it apply.
 *
 * The rule for a builder: use each parameter as a whole bound value (`.where('id', '=', p.id)`, `.set({ a: p.at })`),
 * never a value computed from it (`p.x ? 1 : 0`, `JSON.stringify(p.x)`, a length or a branch on it): compute those
 * before the call and pass the result. A builder that breaks the rule is caught on its first compile (a parameter
 * that reaches no bound value, or a bound value that changes with the markers), not silently run with a stale value.
 */
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import { dialectOf, type Db, type DialectName } from './dialect.js';
import { runDirect, runEachNow, runNow, runOnHandle, type Outcome } from './sqlite.js';

/** A value no caller passes: markers are recognised by their text, per parameter name and per compile. */
const MARK = '\u0000chargeplan-prepared-parameter\u0000';
const marker = (round: 'a' | 'b', name: string) => `${MARK}${round}:${name}`;

/** Where each compiled parameter comes from: the caller's parameter `name`, or a constant of the query itself. */
type Slot = { name: string } | { constant: unknown };

interface Compiled {
  query: CompiledQuery;
  slots: Slot[];
}

/** Named parameters of a prepared query. */
export type Params = Record<string, unknown>;

export interface Prepared<P extends Params, R> {
  /** Every row. */
  all(db: Db, params: P): Promise<R[]>;
  /** The first row, or undefined. */
  first(db: Db, params: P): Promise<R | undefined>;
  /** The driver's result: rows (for RETURNING) and numAffectedRows. */
  run(db: Db, params: P): Promise<QueryResult<R>>;
  /** This query with these parameters as one statement of a sequence (Steps): yields its result, as run would. */
  step(params: P): Step;
}

/**
 * One statement of a sequence written once as a generator of steps (`const r = yield query.step(params)`), run either
 * statement by statement through the executor (runSteps) or, on SQLite, all at once in one synchronous transaction
 * (runStepsNow). A step without `now` exists only on the asynchronous way (a query the builder makes each time).
 */
export interface Step {
  run(db: Db): Promise<QueryResult<unknown>>;
  now?: ((db: Db) => QueryResult<unknown>) | undefined;
}

/** A prepared query's step: a class, so that a step costs one object and no closures on the hot path. */
class PreparedStep<P extends Params, R> implements Step {
  constructor(
    private readonly params: P,
    private readonly then: (db: Db, params: P, pick: (r: QueryResult<R>) => QueryResult<R>) => Promise<QueryResult<R>>,
    private readonly runNow: (db: Db, params: P) => QueryResult<unknown>,
  ) {}

  run(db: Db): Promise<QueryResult<unknown>> {
    return this.then(db, this.params, same);
  }

  now(db: Db): QueryResult<unknown> {
    return this.runNow(db, this.params);
  }
}
const same = <T>(r: T): T => r;

/** A sequence of statements: yields steps, is resumed with each one's result, returns what the sequence computed. */
export type Steps<T> = Generator<Step, T, QueryResult<never>>;

/** Runs the steps one after another on `db` (a database or a transaction: the caller decides about atomicity). */
export async function runSteps<T>(db: Db, steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next((await next.value.run(db)) as QueryResult<never>);
  return next.value;
}

/**
 * Runs the steps at once in one transaction on SQLite (the caller's, or one of its own: sqlite.ts runNow says when
 * that is safe), or returns undefined and leaves them unstarted: then the caller runs them with runSteps.
 */
export function runStepsNow<T>(db: Db, steps: () => Steps<T>): { value: T } | undefined {
  if (dialectOf(db) !== 'sqlite') return undefined;
  return runNow(db, () => stepThrough(db, steps()));
}

/**
 * Several sequences at once in one transaction on SQLite, each in a savepoint of its own (sqlite.ts runEachNow: one
 * that throws is undone alone), or undefined when they must take the asynchronous way (none started). Throws when
 * the transaction failed as a whole: then none of them is stored.
 */
export function runEachStepsNow<T>(db: Db, sequences: readonly (() => Steps<T>)[]): Outcome<T>[] | undefined {
  if (dialectOf(db) !== 'sqlite') return undefined;
  return runEachNow(db, sequences.map((steps) => () => stepThrough(db, steps())));
}

/** Runs a sequence's steps at once (inside a transaction that runNow or runEachNow admitted). */
function stepThrough<T>(db: Db, g: Steps<T>): T {
  let next = g.next();
  while (!next.done) {
    const step = next.value;
    if (step.now === undefined) throw new Error('a statement of a synchronous sequence cannot run at once on SQLite');
    next = g.next(step.now(db) as QueryResult<never>);
  }
  return next.value;
}

function compile(db: Db, build: (db: Db, params: Params) => Compilable<unknown>, names: string[], what: string): Compiled {
  const round = (r: 'a' | 'b') => build(db, Object.fromEntries(names.map((n) => [n, marker(r, n)]))).compile();
  const a = round('a');
  const b = round('b');
  if (a.sql !== b.sql || a.parameters.length !== b.parameters.length) {
    throw new Error(`prepared query ${what}: its SQL depends on a parameter's value; compute that before the call`);
  }
  const used = new Set<string>();
  const slots = a.parameters.map((p, j): Slot => {
    const q = b.parameters[j];
    if (typeof p === 'string' && p.startsWith(MARK)) {
      const name = p.slice(MARK.length + 2);
      if (q !== marker('b', name)) throw new Error(`prepared query ${what}: parameter ${name} is transformed inside the builder`);
      used.add(name);
      return { name };
    }
    if (JSON.stringify(p) !== JSON.stringify(q)) {
      throw new Error(`prepared query ${what}: bound value ${j + 1} is computed from a parameter; pass the computed value instead`);
    }
    return { constant: p };
  });
  for (const n of names) {
    if (!used.has(n)) throw new Error(`prepared query ${what}: parameter ${n} reaches no bound value (used in a computation?)`);
  }
  return { query: a, slots };
}

/**
 * A query built by `build` from named parameters, compiled on first use per dialect and set of names. `what` names
 * it in errors. Every parameter is bound, also when undefined (as NULL: the builder would have left such a column
 * out of a SET or VALUES list, so pass null or a value, never undefined, where that matters). See the module
 * comment for the one rule a builder must keep.
 */
export function prepare<P extends Params, R>(what: string, build: (db: Db, params: P) => Compilable<R>): Prepared<P, R> {
  // Per dialect and set of parameter names (a caller may leave optional ones out); most queries have one. Found by
  // walking the names in place: a TransactionEvent's update has 19, and building a key string of them each call cost
  // more than the lookup it served.
  const compiled: { dialect: DialectName; names: string[]; c: Compiled }[] = [];
  const compiledFor = (db: Db, dialect: DialectName, params: P): Compiled => {
    next: for (const entry of compiled) {
      if (entry.dialect !== dialect) continue;
      let i = 0;
      for (const name in params) if (entry.names[i++] !== name) continue next;
      if (i === entry.names.length) return entry.c;
    }
    const names = Object.keys(params);
    const c = compile(db, build as unknown as (db: Db, params: Params) => Compilable<unknown>, names, what);
    compiled.push({ dialect, names, c });
    return c;
  };
  const bind = (c: Compiled, params: P): unknown[] => {
    const slots = c.slots;
    const out = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      out[i] = 'name' in s ? params[s.name] ?? null : s.constant;
    }
    return out;
  };
  const execute = (db: Db, params: P): QueryResult<R> | Promise<QueryResult<R>> => {
    const dialect: DialectName = dialectOf(db);
    const c = compiledFor(db, dialect, params);
    const parameters = bind(c, params);
    if (dialect === 'sqlite') {
      const done = runDirect(db, c.query.sql, parameters);
      if (done !== undefined) return done as QueryResult<R>;
    }
    return db.executeQuery<R>({ ...(c.query as CompiledQuery<R>), parameters });
  };
  const now = (db: Db, params: P): QueryResult<unknown> => {
    const c = compiledFor(db, 'sqlite', params);
    return runOnHandle(db, c.query.sql, bind(c, params));
  };
  // Errors reject, as from the async functions these were: never a synchronous throw to a caller that chains .catch.
  const then = <T>(db: Db, params: P, pick: (r: QueryResult<R>) => T): Promise<T> => {
    try {
      const r = execute(db, params);
      return r instanceof Promise ? r.then(pick) : Promise.resolve(pick(r));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  };
  return {
    all: (db, params) => then(db, params, (r) => r.rows),
    first: (db, params) => then(db, params, (r) => r.rows[0]),
    run: (db, params) => then(db, params, same),
    step: (params) => new PreparedStep(params, then, now),
  };
}

/** Where each compiled parameter of a multi-row statement comes from: a row's column, or a constant. */
type RowSlot = { row: number; column: string } | { constant: unknown };

export interface PreparedRows<R extends Params> {
  /** Rows per statement: `run` and `step` take exactly this many. */
  readonly size: number;
  run(db: Db, rows: readonly R[]): Promise<QueryResult<unknown>>;
  /** The statement for these rows as one step of a sequence (Steps). */
  step(rows: readonly R[]): Step;
}

/**
 * A statement over `size` rows at once (a multi-row INSERT), compiled on first use per dialect like `prepare`, its
 * parameters taken from the rows' `columns` in place. On SQLite one INSERT of ~20 rows costs less per row than 20
 * single-row ones inside the same transaction (bench/storage/write-behind-cpu.ts; the message log's upserts: ~5.1
 * against ~7.2 µs of CPU per row in raw better-sqlite3), and it is one round trip on PostgreSQL. `build` gets `size`
 * parameter objects and must keep `prepare`'s rule for each of their columns.
 */
export function prepareRows<R extends Params>(
  what: string, columns: readonly (keyof R & string)[], size: number, build: (db: Db, rows: R[]) => Compilable<unknown>,
): PreparedRows<R> {
  const SEP = '.'; // names read `row.column` in compile's errors
  const names: string[] = [];
  for (let i = 0; i < size; i++) for (const c of columns) names.push(`${i}${SEP}${c}`);
  const compiled: { dialect: DialectName; query: CompiledQuery; slots: RowSlot[] }[] = [];
  const compiledFor = (db: Db, dialect: DialectName) => {
    for (const entry of compiled) if (entry.dialect === dialect) return entry;
    const asRows = (d: Db, p: Params): Compilable<unknown> => build(d, Array.from({ length: size }, (__, i) =>
      Object.fromEntries(columns.map((c) => [c, p[`${i}${SEP}${c}`]])) as R));
    const c = compile(db, asRows, names, what);
    const slots = c.slots.map((s): RowSlot => {
      if (!('name' in s)) return s;
      const at = s.name.indexOf(SEP);
      return { row: Number(s.name.slice(0, at)), column: s.name.slice(at + 1) };
    });
    const entry = { dialect, query: c.query, slots };
    compiled.push(entry);
    return entry;
  };
  const bind = (slots: RowSlot[], rows: readonly R[]): unknown[] => {
    if (rows.length !== size) throw new Error(`prepared rows ${what}: ${rows.length} rows given for a statement of ${size}`);
    const out = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      out[i] = 'row' in s ? rows[s.row]![s.column] ?? null : s.constant;
    }
    return out;
  };
  const execute = (db: Db, rows: readonly R[]): QueryResult<unknown> | Promise<QueryResult<unknown>> => {
    const dialect = dialectOf(db);
    const c = compiledFor(db, dialect);
    const parameters = bind(c.slots, rows);
    if (dialect === 'sqlite') {
      const done = runDirect(db, c.query.sql, parameters);
      if (done !== undefined) return done;
    }
    return db.executeQuery({ ...c.query, parameters });
  };
  const run = (db: Db, rows: readonly R[]): Promise<QueryResult<unknown>> => {
    try {
      const r = execute(db, rows);
      return r instanceof Promise ? r : Promise.resolve(r);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  };
  const now = (db: Db, rows: readonly R[]): QueryResult<unknown> => {
    const c = compiledFor(db, 'sqlite');
    return runOnHandle(db, c.query.sql, bind(c.slots, rows));
  };
  return { size, run, step: (rows) => new RowsStep(rows, run, now) };
}

class RowsStep<R> implements Step {
  constructor(
    private readonly rows: readonly R[],
    private readonly runIt: (db: Db, rows: readonly R[]) => Promise<QueryResult<unknown>>,
    private readonly runNow: (db: Db, rows: readonly R[]) => QueryResult<unknown>,
  ) {}

  run(db: Db): Promise<QueryResult<unknown>> {
    return this.runIt(db, this.rows);
  }

  now(db: Db): QueryResult<unknown> {
    return this.runNow(db, this.rows);
  }
}

/**
 * Steps that write `rows` with as few statements as the sizes allow: as many of `chunk`'s statements as fit, the
 * rest one row at a time with `one`.
 */
export function* rowSteps<R extends Params>(rows: readonly R[], chunk: PreparedRows<R>, one: Prepared<R, unknown>): Steps<void> {
  let i = 0;
  for (; i + chunk.size <= rows.length; i += chunk.size) yield chunk.step(rows.slice(i, i + chunk.size));
  for (; i < rows.length; i++) yield one.step(rows[i]!);
}
