/**
 * The three-node case (issue 19): "charge now" asked on node R for a car on a station whose socket node H
 * holds, in a site that node O plans, reaches the charger. The station's events travel from H to O over NATS (O
 * plans the new session), the person's change travels from R to O (O re-plans), and O's pushes reach the station
 * through H under O's fence. Real product nodes on one PostgreSQL schema and the machine's NATS; skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/test-database.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, depotConfig, nightPrices, publishPrices, T0 } from '../helpers/depot.js';
import { heldKw } from '../helpers/profile-limits.js';
import { ClusterNodes } from '../helpers/cluster-nodes.js';
import { clusterLiveEvents } from '../../src/wiring/cluster.js';
import type { AppEvents } from '../../src/main.js';

let c: ClusterNodes | null = null;
afterEach(async () => {
  await c?.close();
  c = null;
});

const settle = (rounds = 6) => c!.settle(rounds);

describe.skipIf(!postgresUrl)('charge now across three nodes (PostgreSQL + NATS)', { timeout: 180_000 }, () => {
  it('asked on node R, for a station held by node H, in a site planned by node O: the charger gets full power', async () => {
    c = await ClusterNodes.create(T0);
    const clock = c.clock;
    for (const nodeId of ['node-1', 'node-2', 'node-3']) await c.start(nodeId, depotConfig(), 9);
    const nodes = c.nodes;
    await settle(2);
    const owners = [];
    for (const n of nodes) if (Object.keys((await n.running.cluster!.health()).sites.owned).includes('depot')) owners.push(n);
    expect(owners).toHaveLength(1);
    const owner = owners[0]!;
    const [holder, requester] = nodes.filter((n) => n !== owner);
    await publishPrices(owner, T0, nightPrices()); // cheap only from 01:00Z: the plan waits, "charge now" does not

    const station = await PlanningStation.connect(holder!, { id: 'CS1', evses: 2 });
    c.track(station.cs.ws);
    await station.boot();
    await addVan(requester!, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await station.startTransaction(1, 'TX-1', 'T1');
    await settle();
    // The owner planned the session from the holder's events and pushed its TxProfile through the holder.
    const first = station.txProfile(1);
    expect(first).toBeDefined();
    expect(heldKw(first!, clock.now()) ?? 0).toBe(0);
    expect((await owner.running.scheduler.latestPlan('depot'))!.sessions.map((s) => s.vehicleId)).toEqual(['VAN-1']);

    // The requester's pages redraw on the owner's new plan (the live stream's events come from the whole cluster).
    const before = await requester!.running.scheduler.latestPlan('depot'); // what its fleet page read so far
    const live = clusterLiveEvents<AppEvents>(requester!.running.cluster!, requester!.running.events);
    const redrawn = live.once('plan.created', (e) => e.siteId === 'depot' && e.triggers.includes('boost-set'));
    await requester!.running.scheduler.setBoost('VAN-1', 5);
    await settle();
    await redrawn;
    expect(heldKw(station.txProfile(1)!, clock.now())).toBeCloseTo(11, 1);
    expect((await owner.running.scheduler.latestPlan('depot'))!.triggers).toContain('boost-set');
    // The requester plans nothing itself, and its latest plan is the owner's newest, not the first it read.
    const newest = (await owner.running.scheduler.latestPlan('depot'))!;
    expect(newest.id).not.toBe(before!.id);
    expect((await requester!.running.scheduler.latestPlan('depot'))!.id).toBe(newest.id);
    // Only the owner planned: the other nodes stored no plan of their own.
    expect(owner.running.cluster!.calls.counts.sent).toBeGreaterThan(0);
    expect(holder!.running.cluster!.calls.counts.served).toBeGreaterThan(0);
  });
});
