/**
 * Adopted stations and rotated passwords survive a restart (issue 16): on the real product over real WebSockets, on
 * SQLite and under CHARGEPLAN_TEST_DATABASE_URL PostgreSQL. Before the restart an unknown charger is adopted into a
 * site and another's password is rotated (SetVariables BasicAuthPassword, Accepted); after it, both connect with the
 * passwords they hold and boot Accepted, the old passwords are refused, the placement is still there, and a charger
 * still waiting is still listed.
 */
import { describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { ManualClock } from '../../src/platform/clock.js';
import { SimulatedStation } from '../../src/simulator/station.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { handshake } from '../helpers/ocpp-handshake.js';
import { CONFIG, T0 } from './api-fixture.js';

async function booted(server: TestServer, sims: SimulatedStation[], id: string, password: string | undefined): Promise<{ sim: SimulatedStation; status: string }> {
  const sim = new SimulatedStation({ id, ...(password !== undefined ? { password } : {}), url: `${server.wsUrl}/ocpp`, clock: server.clock, evses: 1, txUpdatedIntervalS: 0, reconnectDelayMs: 1000, vendorName: 'Acme', model: 'R1' });
  sims.push(sim);
  const done = sim.events.once('booted');
  sim.start();
  await sim.idle();
  return { sim, status: (await done).status };
}

describe('after a restart', () => {
  it('adopted stations and rotated passwords hold; the waiting list too', async () => {
    const server = await startTestServer(CONFIG as never, { clock: new ManualClock(T0) });
    let current = server;
    const sims: SimulatedStation[] = [];
    try {
      const token = (await issueApiToken(new ApiTokenRepository(server.running.db), server.clock, { name: 'root', grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }] })).token;
      const as = (opts: InjectOptions) => current.running.http.inject({ ...opts, headers: { authorization: `Bearer ${token}` } });

      // Adopted: NEW-A took its password by SetVariables.
      const newcomer = await booted(server, sims, 'NEW-A', 'factory-default-pass');
      expect(newcomer.status).toBe('Pending');
      const adopted = await as({ method: 'POST', url: '/api/v1/admin/stations/waiting/NEW-A/adopt', payload: { placements: [{ siteId: 'south-depot', evseId: 1 }] } });
      expect(adopted.statusCode, adopted.body).toBe(200);
      // Rotated: CS-ROT accepted a new password.
      const added = (await as({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS-ROT', securityProfile: 1 } })).json();
      await booted(server, sims, 'CS-ROT', added.password);
      const rotated = await as({ method: 'POST', url: '/api/v1/admin/stations/CS-ROT/password', payload: {} });
      expect(rotated.statusCode, rotated.body).toBe(200);
      // Still waiting: NEW-W.
      expect((await booted(server, sims, 'NEW-W', undefined)).status).toBe('Pending');
      const held = { 'NEW-A': newcomer.sim.credentials.password!, 'CS-ROT': sims[1]!.credentials.password! };
      expect(held['NEW-A']).toBe(adopted.json().password);
      expect(held['CS-ROT']).toBe(rotated.json().password);
      for (const s of sims.splice(0)) await s.stop();

      current = await server.restart();
      for (const [id, password] of Object.entries(held)) {
        expect((await booted(current, sims, id, password)).status, id).toBe('Accepted');
      }
      expect((await handshake(current.wsUrl, 'NEW-A', 'factory-default-pass')).status).toBe(401);
      expect((await handshake(current.wsUrl, 'CS-ROT', added.password)).status).toBe(401);
      expect(current.running.scheduler.index.evse('NEW-A', 1)?.site.id).toBe('south-depot');
      const waiting = (await as({ url: '/api/v1/admin/stations/waiting' })).json().waiting;
      expect(waiting.map((w: { stationId: string }) => w.stationId)).toEqual(['NEW-W']);
      expect(waiting[0]).toMatchObject({ vendorName: 'Acme', model: 'R1', connected: false });
    } finally {
      for (const s of sims) await s.stop();
      await current.stop();
    }
    // Two starts of the whole product: minutes when the machine runs whole suites beside it.
  }, 240_000);
});
