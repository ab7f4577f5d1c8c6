/**
 * A person's price configuration change across nodes (issue 19, "people's changes go over NATS";
 * src/wiring/price-config-sync.ts): a tariff edited through one node is in every node's tariff book at once (the
 * database holds it; `tariffs.changed` says which), the node that plans a site paying it re-plans with the new
 * prices, and a deleted tariff leaves every book; a price source saved on a node that does not run the cluster's
 * price pulls is pulled by the node that does. Real product nodes on one PostgreSQL schema and the machine's NATS, a
 * price feed on loopback; skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/test-database.js';
import { addVan, depotConfig, nightPrices, publishPrices, T0 } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { ClusterNodes } from '../helpers/cluster-nodes.js';
import type { TestServer } from '../helpers/test-server.js';
import { startPriceFeed } from '../helpers/price-feed-server.js';

let c: ClusterNodes | null = null;
afterEach(async () => {
  await c?.close();
  c = null;
});

const settle = (rounds = 3) => c!.settle(rounds);

const ACTOR = { kind: 'cli' as const, id: null, name: 'test' };
const tariffOf = async (n: TestServer, name: string) => (await n.running.priceAdmin.tariffs.list()).find((t) => t.name === name)?.tariff;

describe.skipIf(!postgresUrl)('tariffs edited on one node (PostgreSQL + NATS)', { timeout: 180_000 }, () => {
  it('reach every node\'s book, the owner of a site that pays one re-plans, and a deleted one leaves every book', async () => {
    c = await ClusterNodes.create(T0);
    for (const id of ['node-1', 'node-2']) await c.start(id, depotConfig(), 9);
    await settle();
    const owner = (await Promise.all(c.nodes.map(async (n) => [n, Object.keys((await n.running.cluster!.health()).sites.owned)] as const)))
      .find(([, owned]) => owned.includes('depot'))![0];
    const other = c.nodes.find((n) => n !== owner)!;
    const station = await PlanningStation.connect(other, { id: 'CS1', evses: 2 });
    c.track(station.cs.ws);
    await station.boot();
    await addVan(other, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await publishPrices(other, T0, nightPrices());
    await station.startTransaction(1, 'TX-1', 'T1');
    await settle();
    const before = (await owner.running.scheduler.latestPlan('depot'))!;
    expect(before.id).toBeGreaterThan(0);

    // The other node (not the site's planner) adds a supplier margin to the tariff the depot pays.
    const edited = { ...((await tariffOf(other, 'depot')) as Record<string, unknown>), energy: { kind: 'market' as const, zone: 'TEST', markupPerKwh: 0.05 } };
    await other.running.priceAdmin.tariffs.put('depot', edited, ACTOR);
    await settle();
    expect(await tariffOf(owner, 'depot')).toEqual(edited);
    const after = (await owner.running.scheduler.latestPlan('depot'))!;
    expect(after.id).toBeGreaterThan(before.id);
    expect(after.triggers).toContain('tariff-changed');
    // The new plan prices every slot 0.05 higher (per kWh, before VAT: the test tariff has none).
    expect(after.totalCost).toBeGreaterThan(before.totalCost);

    // A new tariff, then deleted: in both books, then in neither.
    await owner.running.priceAdmin.tariffs.put('spare', edited, ACTOR);
    await settle(1);
    expect(await tariffOf(other, 'spare')).toEqual(edited);
    await owner.running.priceAdmin.tariffs.remove('spare', ACTOR);
    await settle(1);
    expect(other.running.priceAdmin.tariffs.names()).not.toContain('spare');
  });

  it('a price source saved on a node without the price-pull job is pulled by the node that has it', async () => {
    const feed = await startPriceFeed();
    try {
      c = await ClusterNodes.create(T0);
      for (const id of ['node-1', 'node-2']) await c.start(id, depotConfig(), 9);
      await settle();
      const held = await Promise.all(c.nodes.map(async (n) => (await n.running.cluster!.health()).jobs));
      const other = c.nodes.find((_, i) => !held[i]!.includes('prices'))!;
      const source = { kind: 'entsoe', zone: 'TEST', area: '10Y1001A1001A82H', classificationSequence: 2, baseUrl: feed.entsoeUrl, token: 'entsoe-secret-0042' };
      await other.running.priceAdmin.sources.put('entsoe-test', source, ACTOR);
      await settle();
      for (const n of c.nodes) await n.running.priceAdmin.sources.done();
      expect(feed.requests.length).toBeGreaterThan(0);
      expect(feed.requests.every((u) => u.searchParams.get('securityToken') === 'entsoe-secret-0042')).toBe(true);
    } finally {
      await feed.close();
    }
  });
});
