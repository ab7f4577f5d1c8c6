/**
 * What the PostgreSQL sessions of the test database wait for: printed when a test fails under `npm run test:postgres`
 * (test/setup/storage.ts), so that a test that timed out in CI says whether a lock held it, which session held the
 * lock and what that session last ran. Also used by the schema pool to end sessions a test file left behind.
 */
import pg from 'pg';

export interface Session {
  pid: number;
  state: string | null;
  waitEvent: string | null;
  /** Seconds since its query started (waiting on a lock) or since it went idle in its transaction. */
  seconds: number;
  blockedBy: number[];
  query: string;
  schema: string | null;
}

/** Sessions of the database that wait on a lock, or sit idle inside a transaction, for at least `minSeconds`. */
export async function stuckSessions(url: string, minSeconds = 1): Promise<Session[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number; state: string | null; wait: string | null; seconds: number; blocked_by: number[]; query: string; schema: string | null }>(
      `SELECT a.pid, a.state, a.wait_event_type || ':' || a.wait_event AS wait,
              extract(epoch FROM now() - CASE WHEN a.state LIKE 'idle in transaction%' THEN a.state_change ELSE a.query_start END)::float8 AS seconds,
              pg_blocking_pids(a.pid) AS blocked_by, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 200) AS query,
              (SELECT min(n.nspname) FROM pg_locks l JOIN pg_class k ON k.oid = l.relation JOIN pg_namespace n ON n.oid = k.relnamespace
                WHERE l.pid = a.pid AND n.nspname NOT IN ('pg_catalog', 'information_schema')) AS schema
         FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
          AND (a.wait_event_type = 'Lock' OR a.state LIKE 'idle in transaction%')`,
    );
    return rows.filter((r) => r.seconds >= minSeconds).map((r) => ({
      pid: r.pid, state: r.state, waitEvent: r.wait, seconds: Math.round(r.seconds * 10) / 10, blockedBy: r.blocked_by,
      query: r.query, schema: r.schema,
    }));
  } finally {
    await c.end();
  }
}

/** One line per session, for a failed test's output. */
export function describeSessions(sessions: readonly Session[]): string {
  if (sessions.length === 0) return 'PostgreSQL: no session waits on a lock or sits idle in a transaction';
  return ['PostgreSQL sessions waiting on a lock or idle in a transaction:',
    ...sessions.map((s) => `  pid ${s.pid} ${s.state ?? '?'}${s.waitEvent ? ` (${s.waitEvent})` : ''} for ${s.seconds} s` +
      `${s.blockedBy.length > 0 ? `, blocked by ${s.blockedBy.join(', ')}` : ''}${s.schema ? `, schema ${s.schema}` : ''}: ${s.query}`)].join('\n');
}
