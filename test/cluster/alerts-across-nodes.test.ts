/**
 * Alerts in a cluster (issue 17 on issue 19's nodes): a station's messages arrive on the node that holds its socket,
 * but one node at a time, the holder of the `alerts` job, opens and closes the alerts, from the whole cluster's events.
 * A connector that goes Faulted on a station held by the other node opens one alert; the station moves to the job's
 * node and reports Available: the alert closes, although a different node saw it open. When the job's node stops,
 * the other takes the job over with the open alerts and the detectors' state it already kept. Real product nodes on
 * one PostgreSQL schema and the machine's NATS; skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/test-database.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { depotConfig, T0 } from '../helpers/depot.js';
import { ClusterNodes, bounded } from '../helpers/cluster-nodes.js';
import type { TestServer } from '../helpers/test-server.js';

let c: ClusterNodes | null = null;
afterEach(async () => {
  // Bounded: a node stuck in a wait (below) must not also hold the retry; the file's clean-up drops the schema.
  await bounded('closing the cluster', c?.close() ?? Promise.resolve(), 20_000).catch((err: unknown) => console.error(err));
  c = null;
});

/** What the test does now: named in the failure when a wait below does not end (CI, stop 28: a 180 s timeout). */
let step = 'start';
const settle = async (rounds = 6) => {
  await bounded(`${step}: the cluster to settle`, c!.settle(rounds), 90_000);
  for (const n of c!.nodes) await bounded(`${step}: ${n.running.cluster!.node} alerts.settled()`, n.running.alerts.settled());
};

async function jobHolder(nodes: TestServer[]): Promise<TestServer[]> {
  const holders = [];
  for (const n of nodes) if ((await n.running.cluster!.health()).jobs.includes('alerts')) holders.push(n);
  return holders;
}

const openOf = async (n: TestServer, kind: string) => (await n.running.alerts.store.openAlerts()).filter((a) => a.kind === kind);

async function faulted(st: PlanningStation, status: 'Faulted' | 'Available') {
  await bounded(`${step}: StatusNotification ${status} answered`, st.cs.call('StatusNotification', { timestamp: st.now, connectorStatus: status, evseId: 1, connectorId: 1 }));
}

// One retry: twice in CI (stop 28, both times beside the other worker's cluster files) this test sat at its timeout
// with no PostgreSQL session waiting, and it never failed here in 20 runs alone, beside the other cluster files or
// under load. The bounded waits above name the step and the node's wait that held it; the retry keeps such a hang
// from failing the run until that is known. A real fault fails both attempts.
describe.skipIf(!postgresUrl)('alerts across two nodes (PostgreSQL + NATS)', { timeout: 180_000, retry: 1 }, () => {
  it('one node opens and closes them from every node\'s events, and the other takes over when it stops', async () => {
    step = 'two nodes start';
    c = await ClusterNodes.create(T0);
    for (const nodeId of ['node-1', 'node-2']) await c.start(nodeId, { ...depotConfig(), alerts: { settleSeconds: 1 } }, 9);
    await settle(2);
    const holders = await jobHolder(c.nodes);
    expect(holders).toHaveLength(1);
    const leader = holders[0]!;
    const other = c.nodes.find((n) => n !== leader)!;

    // The station is on the node that does not hold the job: its Faulted connector reaches the job's node.
    step = 'Faulted on the other node';
    const st = await PlanningStation.connect(other, { id: 'CS1', evses: 2 });
    c.track(st.cs.ws);
    await bounded(`${step}: boot answered`, st.boot());
    await faulted(st, 'Faulted');
    await settle();
    const opened = await openOf(leader, 'connector-faulted');
    expect(opened.map((a) => a.stationId)).toEqual(['CS1']);
    expect(leader.running.alerts.engine.openAlerts().map((a) => a.id)).toContain(opened[0]!.id);
    expect(other.running.alerts.engine.openAlerts()).toEqual([]); // it keeps the detectors, not the alerts

    // The station moves to the job's node and says Available: the alert closes there.
    step = 'moved to the job\'s node';
    st.cs.ws.terminate();
    await settle(2);
    const moved = await PlanningStation.connect(leader, { id: 'CS1', evses: 2 }, false);
    c.track(moved.cs.ws);
    await bounded(`${step}: boot answered`, moved.boot()); // boots with every connector Available
    await settle();
    expect(await openOf(leader, 'connector-faulted')).toEqual([]);

    // Faulted again on the job's node; then the job's node stops: the other node takes the job and the alert over, and
    // closes it when the station, now on the remaining node, reports Available.
    step = 'Faulted on the job\'s node';
    await faulted(moved, 'Faulted');
    await settle();
    const again = await openOf(other, 'connector-faulted');
    expect(again).toHaveLength(1);
    step = 'the job\'s node stops';
    await bounded(step, c.stop(leader));
    moved.cs.ws.terminate();
    await settle(8);
    expect(await jobHolder(c.nodes)).toEqual([other]);
    expect(other.running.alerts.engine.openAlerts().map((a) => a.id)).toContain(again[0]!.id);
    step = 'back on the remaining node';
    const last = await PlanningStation.connect(other, { id: 'CS1', evses: 2 }, false);
    c.track(last.cs.ws);
    await bounded(`${step}: boot answered`, last.boot());
    await settle();
    expect(await openOf(other, 'connector-faulted')).toEqual([]);
  });
});
