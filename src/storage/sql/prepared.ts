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
import { runDirect } from './sqlite.js';

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
  const compiled = new Map<string, Compiled>();
  const execute = (db: Db, params: P): Promise<QueryResult<R>> => {
    const names = Object.keys(params);
    const dialect: DialectName = dialectOf(db);
    const key = `${dialect}/${names.join(',')}`;
    let c = compiled.get(key);
    if (c === undefined) {
      c = compile(db, build as unknown as (db: Db, params: Params) => Compilable<unknown>, names, what);
      compiled.set(key, c);
    }
    const parameters = c.slots.map((s) => ('name' in s ? params[s.name] ?? null : s.constant));
    if (dialect === 'sqlite') {
      const done = runDirect(db, c.query.sql, parameters);
      if (done !== undefined) return Promise.resolve(done as QueryResult<R>);
    }
    return db.executeQuery<R>({ ...(c.query as CompiledQuery<R>), parameters });
  };
  return {
    all: async (db, params) => (await execute(db, params)).rows,
    first: async (db, params) => (await execute(db, params)).rows[0],
    run: async (db, params) => execute(db, params),
  };
}
