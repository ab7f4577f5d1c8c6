/**
 * PostgreSQL only: a connection the server terminates while the product holds it (a transaction under way, the
 * server restarted or an administrator's pg_terminate_backend) fails that transaction with an error and nothing
 * else: the process does not die of the client's 'error' event, and the next query runs on a new connection.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openTestStorage, postgresUrl } from '../helpers/test-database.js';

describe.skipIf(!postgresUrl)('a PostgreSQL connection lost under a transaction', () => {
  it('rejects the transaction, keeps the process alive and serves the next query', async () => {
    const lost: Error[] = [];
    const s = await openTestStorage({ onConnectionError: (err) => lost.push(err) });
    let pid!: number;
    let terminated!: () => void;
    const gate = new Promise<void>((resolve) => (terminated = resolve));
    let ready!: () => void;
    const inside = new Promise<void>((resolve) => (ready = resolve));
    const tx = s.db.transaction().execute(async (trx) => {
      pid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid;
      ready();
      await gate;
      await sql`SELECT 1`.execute(trx);
    });
    await inside;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    // The server's close reaches the checked-out client as an 'error' event (an I/O callback: turns, not time).
    while (lost.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(lost[0]!.message).toMatch(/terminat/i);
    terminated();
    await expect(tx).rejects.toThrow();
    const after = await sql<{ one: number }>`SELECT 1 AS one`.execute(s.db);
    expect(after.rows).toEqual([{ one: 1 }]);
  });
});
