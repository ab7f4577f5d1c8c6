/**
 * A certificate renewal (A02) asked for through one node's API for a station whose socket another node holds (issue
 * 15: whether a renewal waits is kept in memory per connected station, src/ocpp/auth/certificate-renewal.ts). The
 * node that stores the request says so over NATS (src/wiring/cluster.ts shareRenewalRequests), so the station's next
 * Heartbeat on its own node delivers it, although that node read "none" at the Heartbeat before. Two real product
 * nodes on one PostgreSQL schema and the machine's NATS; skipped on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/test-database.js';
import { ClusterNodes } from '../helpers/cluster-nodes.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { makeCa, writeCa } from '../helpers/test-pki.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { ADMIN } from '../http/helpers/auth-app.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PASSWORD = 'correct-horse-battery';
const ORG = 'Chargeplan Test CSO';

let c: ClusterNodes | null = null;
let pkiDir: string | null = null;
afterEach(async () => {
  await c?.close();
  c = null;
  if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  pkiDir = null;
});

describe.skipIf(!postgresUrl)('certificate renewal across nodes (PostgreSQL + NATS)', { timeout: 120_000 }, () => {
  it('stored through node A\'s API, it reaches the next Heartbeat of the station connected to node B', async () => {
    const ca = await makeCa(`CN=Chargeplan Test Root, O=${ORG}`, '2026-01-01T00:00:00Z');
    pkiDir = mkdtempSync(join(tmpdir(), 'chargeplan-pki-'));
    // A CA key to sign the renewed certificate with (without one the API refuses, A02.FR.12).
    const tls = { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', ...writeCa(ca, pkiDir), organizationName: ORG };
    c = await ClusterNodes.create();
    const a = await c.start('node-a', { ocpp: { tlsPort: 0, tls } });
    const b = await c.start('node-b', { ocpp: { tlsPort: 0, tls } });
    await a.addStation('CS1', PASSWORD, 1);
    const cs = await ScriptedStation.connect(b.wsUrl, { id: 'CS1', password: PASSWORD });
    c.track(cs.ws);
    cs.respond('GetVariables', smartChargingVariables()).respond('TriggerMessage', () => ({ status: 'Accepted' }));
    await cs.boot();
    await b.running.cluster!.settled();
    // A Heartbeat on node B: read, nothing waits; node B keeps that in memory for this connection.
    await cs.call('Heartbeat', {});
    await b.running.certificateRenewals.idle();
    await cs.call('Heartbeat', {});
    expect(cs.calls.filter((x) => x.action === 'TriggerMessage')).toHaveLength(0);

    const { token } = await issueApiToken(new ApiTokenRepository(a.running.db), c.clock, { name: 'admin', grants: [ADMIN] });
    const res = await a.running.http.inject({
      method: 'POST', url: '/api/v1/stations/CS1/certificate-renewal', headers: { authorization: `Bearer ${token}` },
    });
    // Node A holds no socket for CS1: the request is stored for the station's next boot or Heartbeat.
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ stationId: 'CS1', outcome: 'stored' });
    // What node A published has reached node B (a health call is a NATS round trip), and no time has passed.
    for (let i = 0; i < 2; i++) for (const n of [a, b]) await n.running.cluster!.health();

    const trigger = cs.nextCall('TriggerMessage');
    await cs.call('Heartbeat', {});
    expect(await trigger).toEqual({ requestedMessage: 'SignChargingStationCertificate' });
    await b.running.certificateRenewals.idle();
    expect((await a.running.repositories.stations.get('CS1'))!.certificateRenewalRequestedAt).toBeNull();
    // Delivered once: the next Heartbeat reads "none" again.
    await cs.call('Heartbeat', {});
    await b.running.certificateRenewals.idle();
    expect(cs.calls.filter((x) => x.action === 'TriggerMessage')).toHaveLength(1);
  });
});
