/**
 * Two and three product nodes in one test process (issue 19), on one PostgreSQL schema and the machine's NATS under a
 * subject prefix of their own: a call made on one node reaches the station's socket on another and comes back typed
 * (result, CALLERROR, Offline at once when no node holds the station); a station that connects to a second node is
 * closed with 4000 on the first, also when it connects to both at once, and ends with one socket; PostgreSQL without
 * NATS serves one node only. Runs under `npm run test:postgres` (the cluster needs PostgreSQL); skipped on SQLite.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { postgresUrl, testDatabase, type TestDatabase } from '../helpers/test-database.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { callFailure as failure, ClusterNodes, NATS } from '../helpers/cluster-nodes.js';
import { DeploymentError } from '../../src/cluster/deployment.js';
import { ManualClock } from '../../src/platform/clock.js';
import { PresenceRepository } from '../../src/storage/presence-repository.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ADMIN } from '../http/helpers/auth-app.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';

const PASSWORD = 'correct-horse-battery';

let c: ClusterNodes | null = null;
/** The deployment tests start single nodes on a database of their own. */
let database: TestDatabase | null = null;
let nodes: TestServer[] = [];

afterEach(async () => {
  await c?.close();
  c = null;
  for (const n of nodes.splice(0).reverse()) await n.running.close();
  await database?.drop();
  database = null;
});

/** `names.length` nodes on one fresh database and one clock, under a subject prefix of this test. */
async function cluster(names: string[], opts: { callTimeoutSeconds?: number } = {}): Promise<TestServer[]> {
  c = await ClusterNodes.create();
  for (const nodeId of names) await c.start(nodeId, { ocpp: { callTimeoutSeconds: opts.callTimeoutSeconds ?? 30 } });
  return c.nodes;
}

async function connect(node: TestServer, id: string): Promise<ScriptedStation> {
  const cs = await ScriptedStation.connect(node.wsUrl, { id, password: PASSWORD });
  c!.track(cs.ws);
  cs.respond('GetVariables', smartChargingVariables());
  return cs;
}

async function booted(node: TestServer, id: string): Promise<ScriptedStation> {
  const caps = node.running.events.once('station.capabilities', (e) => e.stationId === id);
  const cs = await connect(node, id);
  await cs.boot();
  await caps;
  await node.running.cluster!.settled();
  return cs;
}

/** Every message published so far has reached every node: a round trip on each node's NATS connection. */
async function flushed(...ns: TestServer[]): Promise<void> {
  for (let round = 0; round < 2; round++) for (const n of ns) await n.running.cluster!.health();
}

// Each test starts two or three whole products (schemas compiled, migrations run): generous on a loaded 2-core machine.
describe.skipIf(!postgresUrl)('calls across nodes (PostgreSQL + NATS)', { timeout: 120_000 }, () => {
  it('a call from node A reaches the station on node B and returns its typed answer; a CALLERROR comes back typed', async () => {
    const [a, b] = await cluster(['node-a', 'node-b']);
    await a!.addStation('CS1', PASSWORD);
    const cs = await booted(b!, 'CS1');
    await flushed(a!, b!);
    // The scheduler on any node sees the charger connected (the cluster-wide directory), not only node B.
    expect([a!.running.cluster!.presence.isConnected('CS1'), a!.running.cluster!.presence.holderOf('CS1')]).toEqual([true, 'node-b']);
    expect(a!.running.ocpp.isConnected('CS1')).toBe(false);
    // The station page (its API) on node A says which node holds the charger.
    const { token } = await issueApiToken(new ApiTokenRepository(a!.running.db), c!.clock, { name: 'admin', grants: [ADMIN] });
    const page = await a!.running.http.inject({ method: 'GET', url: '/api/v1/stations/CS1', headers: { authorization: `Bearer ${token}` } });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({ stationId: 'CS1', online: true, node: 'node-b' });
    // /health per node: which node answers, the live nodes, and the stations connected anywhere.
    const health = (await a!.running.http.inject({ url: '/health' })).json();
    expect(health).toMatchObject({ status: 'ok', stationsConnected: 1, cluster: { node: 'node-a', nodes: ['node-a', 'node-b'], stationsHeld: 0, lease: { held: true } } });
    expect((await b!.running.http.inject({ url: '/health' })).json().cluster).toMatchObject({ node: 'node-b', stationsHeld: 1 });
    cs.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    const answer = await a!.running.cluster!.calls.call('CS1', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    expect(answer).toEqual({ status: 'Accepted' });
    expect(cs.calls.filter((c) => c.action === 'TriggerMessage')).toEqual([{ action: 'TriggerMessage', payload: { requestedMessage: 'Heartbeat' } }]);

    cs.respond('ClearCache', () => ({ raw: [4, (cs.received.at(-1) as string[])[1]!, 'NotSupported', 'no cache here', {}] }));
    const err = await failure(a!.running.cluster!.calls.call('CS1', 'ClearCache', {}));
    expect(err).toMatchObject({ kind: 'CallError', code: 'OCPP_CALL_ERROR', stationId: 'CS1', ocppError: { code: 'NotSupported', description: 'no cache here' } });
    expect(a!.running.cluster!.calls.counts.sent).toBe(2);
    expect(b!.running.cluster!.calls.counts.served).toBe(2);
    // Our own payload is checked against the official schema on the node that holds the socket: never sent.
    const invalid = await failure(a!.running.cluster!.calls.call('CS1', 'TriggerMessage', { requestedMessage: 'Nonsense' }));
    expect(invalid.kind).toBe('InvalidRequest');
    expect(cs.calls.filter((c) => c.action === 'TriggerMessage')).toHaveLength(1);
  });

  it('a station no node holds is Offline at once (NATS no-responders), not after the call timeout', async () => {
    // A call that waited for the remote timeout (the 600 s call timeout + 2 s) would outlast the test's own timeout.
    const [a] = await cluster(['node-a', 'node-b'], { callTimeoutSeconds: 600 });
    const err = await failure(a!.running.cluster!.calls.call('NOWHERE', 'TriggerMessage', { requestedMessage: 'Heartbeat' }));
    expect(err).toMatchObject({ kind: 'Offline', code: 'STATION_OFFLINE', stationId: 'NOWHERE' });
    expect(a!.running.cluster!.calls.counts.offline).toBe(1);
  });

  it('the newest connection wins across nodes: the older one is closed with 4000, calls follow the station', async () => {
    const [a, b, c] = await cluster(['node-a', 'node-b', 'node-c']);
    await a!.addStation('CS1', PASSWORD);
    const first = await booted(a!, 'CS1');
    b!.clock.advance(1_000);
    const second = await booted(b!, 'CS1');
    expect((await first.closed).code).toBe(4000);
    await a!.running.cluster!.settled();
    await b!.running.cluster!.settled();
    expect(a!.running.ocpp.connectedSince('CS1')).toBeNull();
    expect(await new PresenceRepository(a!.running.db).of('CS1')).toMatchObject({ node: 'node-b' });
    second.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    expect(await c!.running.cluster!.calls.call('CS1', 'TriggerMessage', { requestedMessage: 'StatusNotification' })).toEqual({ status: 'Accepted' });
    expect(a!.running.cluster!.presence.replaced).toBe(1);
  });

  it('the same station connecting to two nodes at once ends with one socket', async () => {
    const [a, b] = await cluster(['node-a', 'node-b']);
    await a!.addStation('CS1', PASSWORD);
    const [onA, onB] = await Promise.all([connect(a!, 'CS1'), connect(b!, 'CS1')]);
    // Both were accepted at the same instant of the shared clock: the node name decides, node-b's stays.
    const closed = await Promise.race([onA.closed.then((c) => ({ on: 'a', ...c })), onB.closed.then((c) => ({ on: 'b', ...c }))]);
    expect(closed).toMatchObject({ on: 'a', code: 4000 });
    await flushed(a!, b!);
    await a!.running.cluster!.settled();
    await b!.running.cluster!.settled();
    expect([a!.running.ocpp.connectedSince('CS1'), b!.running.ocpp.connectedSince('CS1') !== null]).toEqual([null, true]);
    expect(onB.ws.readyState).toBe(onB.ws.OPEN);
    expect(await new PresenceRepository(a!.running.db).of('CS1')).toMatchObject({ node: 'node-b' });
  });

  it('a graceful stop removes the node\'s presence and its calls go Offline until the station reconnects elsewhere', async () => {
    const [a, b] = await cluster(['node-a', 'node-b']);
    await a!.addStation('CS1', PASSWORD);
    await booted(b!, 'CS1');
    expect((await a!.running.cluster!.health()).nodes).toEqual(['node-a', 'node-b']);
    // A node started later learns from the table who holds what.
    const late = await c!.start('node-late');
    expect(late.running.cluster!.presence.holderOf('CS1')).toBe('node-b');
    await c!.stop(b!);
    await flushed(a!, late);
    expect([a!.running.cluster!.presence.isConnected('CS1'), late.running.cluster!.presence.isConnected('CS1')]).toEqual([false, false]);
    expect(await new PresenceRepository(a!.running.db).of('CS1')).toBeUndefined();
    expect((await a!.running.cluster!.health()).nodes).toEqual(['node-a', 'node-late']);
    expect((await failure(a!.running.cluster!.calls.call('CS1', 'TriggerMessage', { requestedMessage: 'Heartbeat' }))).kind).toBe('Offline');
    const back = await booted(a!, 'CS1');
    back.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    expect(await a!.running.cluster!.calls.call('CS1', 'TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
  });
});

describe.skipIf(!postgresUrl)('what may share one PostgreSQL database', { timeout: 120_000 }, () => {
  it('refuses a second node without NATS, and a node without NATS beside a cluster, naming what to set', async () => {
    database = await testDatabase();
    const clock = new ManualClock('2026-12-06T12:00:00Z');
    nodes.push(await startTestServer({}, { database, clock }));
    const second = startTestServer({}, { database, clock });
    await expect(second).rejects.toThrow(DeploymentError);
    await expect(startTestServer({}, { database, clock })).rejects.toThrow(/PostgreSQL without NATS serves one node only: set cluster\.nats/);
    await expect(startTestServer({ cluster: { nats: NATS, nodeId: 'n1', subjectPrefix: `test_${randomBytes(4).toString('hex')}` } }, { database, clock }))
      .rejects.toThrow(/a node without cluster\.nats .* runs on this database/);
    // Its graceful stop frees the database at once for a cluster.
    await nodes.pop()!.running.close();
    const prefix = `test_${randomBytes(4).toString('hex')}`;
    nodes.push(await startTestServer({ cluster: { nats: NATS, nodeId: 'n1', subjectPrefix: prefix } }, { database, clock }));
    await expect(startTestServer({}, { database, clock })).rejects.toThrow(/a cluster runs on this database \(nodes n1\); set cluster\.nats/);
  });
});
