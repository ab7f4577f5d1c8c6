/**
 * Site ownership on the real product (issue 19): two nodes on one PostgreSQL schema and the machine's NATS, two
 * sites from the config. Each node plans one site; the owner's plan is written under its lease; a stale owner's push
 * is refused by the station's node after a takeover, and its plan write fails with LEASE_LOST; a graceful stop hands
 * the site over at once. Runs under `npm run test:postgres`; skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { postgresUrl } from '../helpers/test-database.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { callFailure, ClusterNodes } from '../helpers/cluster-nodes.js';
import { fencedPlans } from '../../src/wiring/cluster.js';

const PASSWORD = 'correct-horse-battery';

let c: ClusterNodes | null = null;
afterEach(async () => {
  await c?.close();
  c = null;
});

const site = (id: string, stationId: string) => ({
  id, timeZone: 'Europe/Copenhagen', tariff: 'flat', gridLimitKw: 22, slotMinutes: 15, circuits: [],
  evses: [{ stationId, evseId: 1, maxKw: 11 }],
  policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 },
});

function config() {
  return {
    prices: { tariffs: { flat: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.25 }] } } } },
    sites: [site('north', 'CS-N'), site('south', 'CS-S')],
  };
}

async function cluster(names: string[]): Promise<TestServer[]> {
  c = await ClusterNodes.create();
  for (const name of names) await c.start(name, config(), 9);
  return c.nodes;
}

/** Moves the shared clock in 1 s steps, letting every node's lease and presence work finish after each. */
async function run(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    c!.clock.advance(1_000);
    for (let i = 0; i < 2; i++) for (const n of c!.nodes) await n.running.cluster!.settled();
  }
}

const ownedBy = async (n: TestServer) => Object.keys((await n.running.cluster!.health()).sites.owned).sort();

describe.skipIf(!postgresUrl)('one owner per site (PostgreSQL + NATS)', { timeout: 120_000 }, () => {
  it('spreads two sites over two nodes; each node plans only its own; the API on either node sees both', async () => {
    const [a, b] = await cluster(['node-a', 'node-b']);
    await run(4_000);
    const owned = [await ownedBy(a!), await ownedBy(b!)];
    expect(owned.flat().sort()).toEqual(['north', 'south']);
    expect(owned.map((o) => o.length)).toEqual([1, 1]);
    // Every node still knows both sites (API, pages); only the loops differ.
    expect(a!.running.scheduler.sites().map((s) => s.id).sort()).toEqual(['north', 'south']);
    expect(b!.running.scheduler.sites().map((s) => s.id).sort()).toEqual(['north', 'south']);
    // A site created through node A's API reaches node B from the database within a lease period, and gets an owner.
    await a!.running.siteAdmin.create(site('east', 'CS-E'), 'test');
    await run(9_000);
    expect(b!.running.scheduler.sites().map((s) => s.id).sort()).toEqual(['east', 'north', 'south']);
    const after = [await ownedBy(a!), await ownedBy(b!)];
    expect(after.flat().sort()).toEqual(['east', 'north', 'south']);
  });

  it('a stale owner\'s push is refused by the station\'s node after a takeover, and its plan write fails', async () => {
    const [a, b] = await cluster(['node-a', 'node-b']);
    await run(4_000);
    const siteOfA = (await ownedBy(a!))[0]!;
    const stationId = siteOfA === 'north' ? 'CS-N' : 'CS-S';
    await a!.addStation(stationId, PASSWORD);
    const cs = await ScriptedStation.connect(b!.wsUrl, { id: stationId, password: PASSWORD });
    c!.track(cs.ws);
    cs.respond('GetVariables', smartChargingVariables());
    cs.respond('ClearCache', () => ({ status: 'Accepted' }));
    await cs.boot();
    await run(1_000);
    const stale = a!.running.cluster!.fenceFor(siteOfA)!;
    expect(stale.epoch).toBeGreaterThanOrEqual(1);
    // Under its epoch, node A's call reaches the station on node B.
    expect(await a!.running.cluster!.calls.call(stationId, 'ClearCache', {}, stale)).toEqual({ status: 'Accepted' });
    // Node A stops gracefully: node B takes the site under the next epoch at once.
    const staleNode = a!.running.cluster!;
    await c!.stop(a!);
    await run(1_000);
    expect(b!.running.cluster!.fenceFor(siteOfA)).toEqual({ lease: `site:${siteOfA}`, epoch: stale.epoch + 1 });
    // A push under the old epoch (a paused node that wakes up) is refused by the node holding the station.
    const refused = await callFailure(b!.running.cluster!.calls.call(stationId, 'ClearCache', {}, stale));
    expect(refused.kind).toBe('NotAllowed');
    expect(refused.message).toMatch(/epoch \d+ is stale/);
    expect(b!.running.cluster!.calls.counts.fenced).toBe(1);
    // And a plan written by the old owner fails: its fence is gone.
    const plans = fencedPlans(b!.running.db, staleNode, b!.clock);
    await expect(plans.save({ siteId: siteOfA } as never)).rejects.toMatchObject({ code: 'LEASE_LOST' });
  });
});
