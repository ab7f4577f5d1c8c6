/**
 * Once-per-cluster jobs (issue 19): price pulls, the clean-up passes and the alerts run on the node that holds their job lease,
 * one node at a time, and move at once when it stops; prices stored on one node reach the scheduler of the node that
 * plans the site (prices.updated goes over NATS). Real product nodes on one PostgreSQL schema and the machine's NATS;
 * skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/test-database.js';
import { addVan, depotConfig, nightPrices, publishPrices, T0 } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { ClusterNodes } from '../helpers/cluster-nodes.js';
import type { TestServer } from '../helpers/test-server.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { ADMIN } from '../http/helpers/auth-app.js';

let c: ClusterNodes | null = null;
afterEach(async () => {
  await c?.close();
  c = null;
});

const settle = (rounds = 3) => c!.settle(rounds);

const jobsOf = async (n: TestServer) => (await n.running.cluster!.health()).jobs;

describe.skipIf(!postgresUrl)('once-per-cluster jobs (PostgreSQL + NATS)', { timeout: 180_000 }, () => {
  it('runs price pulls and clean-up on one node at a time, and hands them over at once on a graceful stop', async () => {
    c = await ClusterNodes.create(T0);
    for (const id of ['node-1', 'node-2']) await c.start(id, depotConfig(), 9);
    await settle();
    const held = await Promise.all(c.nodes.map(jobsOf));
    // Each job on exactly one node (the alerts' too: every node keeps their detectors, one opens and closes them).
    expect(held.flat().sort()).toEqual(['alerts', 'prices', 'retention']);
    const holder = c.nodes.find((_, i) => held[i]!.includes('prices'))!;
    const other = c.nodes.find((n) => n !== holder)!;
    // /metrics on the node says the same (issue 19: per node, the presence, sites, leases, calls and NATS).
    const { token } = await issueApiToken(new ApiTokenRepository(holder.running.db), c.clock, { name: 'scraper', grants: [ADMIN] });
    const scrape = await holder.running.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toContain('chargeplan_cluster_jobs_held{job="prices"} 1');
    expect(scrape.body).toMatch(/chargeplan_cluster_nodes_live 2\n/);
    expect(scrape.body).toMatch(/chargeplan_cluster_lease_held 1\n/);
    expect(scrape.body).toMatch(/chargeplan_cluster_sites_owned [01]\n/);
    expect(scrape.body).toMatch(/chargeplan_cluster_nats_rtt_seconds [0-9.e-]+\n/);
    await c.stop(holder);
    await settle(1);
    expect((await jobsOf(other)).sort()).toEqual(['alerts', 'prices', 'retention']);
    expect((await other.running.cluster!.health()).lease.held).toBe(true);
  });

  it('prices stored through one node make the node that plans the site re-plan', async () => {
    c = await ClusterNodes.create(T0);
    for (const id of ['node-1', 'node-2']) await c.start(id, depotConfig(), 9);
    await settle();
    const owners = [];
    for (const n of c.nodes) if (Object.keys((await n.running.cluster!.health()).sites.owned).includes('depot')) owners.push(n);
    expect(owners).toHaveLength(1);
    const owner = owners[0]!;
    const other = c.nodes.find((n) => n !== owner)!;
    // A van charging at a station held by the other node: the owner plans it.
    const station = await PlanningStation.connect(other, { id: 'CS1', evses: 2 });
    c.track(station.cs.ws);
    await station.boot();
    await addVan(other, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await station.startTransaction(1, 'TX-1', 'T1');
    await settle();
    const before = (await owner.running.scheduler.latestPlan('depot'))?.id ?? 0;
    expect(before).toBeGreaterThan(0);
    await publishPrices(other, T0, nightPrices());
    await settle();
    const after = await owner.running.scheduler.latestPlan('depot');
    expect(after?.id ?? 0).toBeGreaterThan(before);
    expect(after!.triggers.some((t) => t.startsWith('prices'))).toBe(true);
    // The node that stored them planned nothing: it does not own the site.
    expect(other.running.scheduler.sites().map((s) => s.id)).toContain('depot');
    expect(Object.keys((await other.running.cluster!.health()).sites.owned)).not.toContain('depot');
  });
});
