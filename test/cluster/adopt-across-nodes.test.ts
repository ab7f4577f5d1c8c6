/**
 * Adoption across nodes (issue 16 in a cluster): an unknown station waits on node H; an admin adopts it through node
 * R. The new password reaches the station through H (a cluster call), and so must the "close and reconnect with the
 * new password" that follows: before, R closed only its own sockets (it holds none of this station's), so the station
 * stayed on its old, Pending connection. Real product nodes on one PostgreSQL schema and the machine's NATS; skipped
 * on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/test-database.js';
import { ClusterNodes } from '../helpers/cluster-nodes.js';
import { depotConfig, T0 } from '../helpers/depot.js';
import { SimulatedStation } from '../../src/simulator/station.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';

let c: ClusterNodes | null = null;
let sim: SimulatedStation | null = null;
afterEach(async () => {
  await sim?.stop();
  sim = null;
  await c?.close();
  c = null;
});

describe.skipIf(!postgresUrl)('adopting a station held by another node (PostgreSQL + NATS)', { timeout: 180_000 }, () => {
  it('asked on node R, for a station waiting on node H: the station takes its password, is closed on H and comes back Accepted', async () => {
    c = await ClusterNodes.create(T0);
    const holder = await c.start('node-1', depotConfig(), 9);
    const requester = await c.start('node-2', depotConfig(), 9);
    const { token } = await issueApiToken(new ApiTokenRepository(requester.running.db), c.clock, { name: 'admin', grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] });

    sim = new SimulatedStation({ id: 'NEW-X', password: 'factory-default-pass', url: `${holder.wsUrl}/ocpp`, clock: c.clock, evses: 1, txUpdatedIntervalS: 0, reconnectDelayMs: 1000 });
    const pending = sim.events.once('booted');
    sim.start();
    await sim.idle();
    expect((await pending).status).toBe('Pending');
    await c.settle(1);
    expect([holder.running.ocpp.isConnected('NEW-X'), requester.running.ocpp.isConnected('NEW-X')]).toEqual([true, false]);

    let dropped = false;
    void sim.events.once('disconnected').then(() => { dropped = true; });
    const accepted = holder.running.events.once('station.booted', (e) => e.stationId === 'NEW-X' && e.status === 'Accepted');
    const res = await requester.running.http.inject({ method: 'POST', url: '/api/v1/admin/stations/waiting/NEW-X/adopt', headers: { authorization: `Bearer ${token}` }, payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ stationAnswer: 'Accepted', station: { id: 'NEW-X', securityProfile: 1 } });
    expect(sim.credentials.password).not.toBe('factory-default-pass');
    // The close travels to H over NATS; then the station reconnects (its delay on the shared clock) and boots again.
    await requester.running.cluster!.settled();
    await holder.running.cluster!.health();
    await c.settle(1);
    expect(dropped).toBe(true);
    for (let i = 0; i < 5 && !sim.isOnline; i++) await c.settle(1);
    await sim.idle();
    expect((await accepted).status).toBe('Accepted');
    expect(sim.registrationStatus).toBe('Accepted');
  });
});
