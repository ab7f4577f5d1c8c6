/**
 * Shared limits (issue 19): failed logins count against one window for the whole cluster, not one per node, so a
 * guesser who spreads attempts over the nodes behind a load balancer gets no more tries than against one node; and
 * a session made on one node works on the other (sessions and their CSRF tokens are rows in the database). Real
 * product nodes on one PostgreSQL schema and the machine's NATS; skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/test-database.js';
import { ClusterNodes } from '../helpers/cluster-nodes.js';
import type { TestServer } from '../helpers/test-server.js';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { UserRepository } from '../../src/storage/user-repository.js';

let c: ClusterNodes | null = null;
afterEach(async () => {
  await c?.close();
  c = null;
});

const login = (n: TestServer, password: string) => n.running.http.inject({
  method: 'POST', url: '/api/v1/session', payload: { username: 'alice', password }, remoteAddress: '203.0.113.7',
});

describe.skipIf(!postgresUrl)('limits shared by the nodes (PostgreSQL + NATS)', { timeout: 180_000 }, () => {
  it('five failed logins a minute per username and address hold for the cluster, and a session works on every node', async () => {
    c = await ClusterNodes.create();
    const [a, b] = [await c.start('node-a'), await c.start('node-b')];
    await createUser(new UserRepository(a.running.db), c.clock, {
      username: 'alice', name: 'Alice', password: 'correct horse battery staple', grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }],
    }, { N: 1024, r: 8, p: 1 });
    // Three wrong passwords through node A, two through node B: the limit of five is reached across the cluster.
    for (const n of [a, a, a, b, b]) expect((await login(n, 'wrong password, sorry')).statusCode).toBe(401);
    for (const n of [a, b]) {
      const refused = await login(n, 'correct horse battery staple');
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // A minute later the window is over: the right password logs in on node B, and the session works on node A.
    c.clock.advance(60_000);
    const ok = await login(b, 'correct horse battery staple');
    expect(ok.statusCode).toBe(200);
    const cookie = ok.cookies.find((k) => k.name === 'cp_session')!;
    const me = await a.running.http.inject({ method: 'GET', url: '/api/v1/me', cookies: { cp_session: cookie.value } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'user', name: 'Alice' });
  });
});
