/**
 * Chargers from the browser (issue 16) on the real product (main.ts with its database, scheduler and OCPP server on a
 * ManualClock) over real WebSockets with the simulator, on SQLite and, under CHARGEPLAN_TEST_DATABASE_URL, PostgreSQL:
 * a station added through the API connects with the password shown once; a password is rotated on a connected station
 * only when it accepts SetVariables BasicAuthPassword (A01.FR.03/.04); a station is removed unless a transaction runs;
 * an unknown station waits (Pending, B02) with its vendor and model, is adopted with a new password, reconnects and is
 * planned; admins only; validation names the field; every change is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { startApi, T0, type ApiFixture, type Who } from './api-fixture.js';
import { publishPrices, settle } from '../helpers/depot.js';
import { handshake } from '../helpers/ocpp-handshake.js';
import { SimulatedStation, type StationOptions } from '../../src/simulator/station.js';
import { car } from '../../src/simulator/car.js';
import { AuditRepository } from '../../src/storage/audit-repository.js';
import { adminTranslator } from '../../src/http/pages/admin-messages.js';

let f: ApiFixture;
const sims: SimulatedStation[] = [];
beforeAll(async () => {
  f = await startApi();
  await publishPrices(f.server, T0, Array.from({ length: 40 }, (_, h) => (h === 9 ? 0.05 : 0.3)));
  // Cards the stations' sessions start with (an unknown one is stopped at once, StopTxOnInvalidId).
  for (const idToken of ['CARD-D', 'CARD-N2']) {
    await f.server.running.repositories.idTokens.upsert({ idToken, type: 'ISO14443', status: 'Accepted', groupIdToken: null, expiresAt: null, vehicleId: null }, T0);
  }
}, 180_000);
afterAll(async () => {
  for (const s of sims) await s.stop();
  await f?.close();
});

const admin = (opts: InjectOptions) => f.as('admin', opts);
const events = () => f.server.running.events;

/** A simulated charger with this id and password, started; resolves once it has booted (with whatever status). */
async function charger(id: string, password: string | undefined, opts: Partial<StationOptions> = {}): Promise<{ sim: SimulatedStation; status: string; calls: string[] }> {
  // The CSMS's CALLs this charger received, by action.
  const calls: string[] = [];
  const tap = (direction: 'sent' | 'received', frame: unknown[]) => void (direction === 'received' && frame[0] === 2 && calls.push(String(frame[2])));
  const sim = new SimulatedStation({ id, ...(password !== undefined ? { password } : {}), url: `${f.server.wsUrl}/ocpp`, clock: f.clock, txUpdatedIntervalS: 0, evses: 1, reconnectDelayMs: 1000, tap, ...opts });
  sims.push(sim);
  const booted = sim.events.once('booted');
  sim.start();
  await sim.idle();
  return { sim, status: (await booted).status, calls };
}

/** The simulator reconnects (its reconnect delay on the manual clock) and, when it must, boots again. */
async function reconnect(sim: SimulatedStation): Promise<void> {
  // A close the server sent reaches the simulator a moment later: wait for it while the connection is open or
  // closing (a closing one is no longer isOnline, but its reconnect is only scheduled once it has closed).
  if (sim.hasConnection) await sim.events.once('disconnected');
  const connected = sim.events.once('connected');
  for (let i = 0; i < 5 && !sim.isOnline; i++) {
    f.clock.advance(1000);
    await sim.idle();
  }
  await connected;
  await sim.idle();
}

async function audited(stationId: string): Promise<string[]> {
  const rows = await new AuditRepository(f.server.running.db).list({ limit: 50, targetKind: 'station', targetId: stationId });
  return rows.map((r) => r.action);
}

describe('adding a station', { timeout: 60_000 }, () => {
  it('generates a password, shows it once with the URL and username, and the charger connects with it', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS7', securityProfile: 1, placements: [{ siteId: 'south-depot', evseId: 1, maxKw: 7.4 }] } });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.password).toMatch(/^[A-Za-z0-9]{24}$/); // A00.FR.205: 16-40
    expect(body.connection).toEqual({
      securityProfile: 1, url: `ws://localhost:${f.server.running.ports.ocpp}/ocpp/CS7`, username: 'CS7', note: expect.stringContaining('password'),
      notePhrase: { id: 'connection.password', params: { profile: 1, missing: 'none' } },
    });
    // The note's phrase (issue 18), said from the English operator catalog, is the note word for word.
    expect(adminTranslator({ language: 'en', tag: 'en-GB' })('server.connection.password', body.connection.notePhrase.params)).toBe(body.connection.note);
    expect(body.station).toMatchObject({ id: 'CS7', securityProfile: 1, connected: false, placements: [{ siteId: 'south-depot', evseId: 1, circuit: null }] });
    // Only the hash is stored.
    const stored = await f.server.running.repositories.stations.get('CS7');
    expect(stored!.passwordHash).not.toContain(body.password);
    expect(f.server.running.scheduler.index.evse('CS7', 1)?.site.id).toBe('south-depot');
    const { status } = await charger('CS7', body.password);
    expect(status).toBe('Accepted');
    expect(await audited('CS7')).toEqual(['station.added']);
    // The list shows it connected, with its placement; no password in it.
    const list = (await admin({ url: '/api/v1/admin/stations' })).json();
    expect(list.endpoints.ws).toBe(`ws://localhost:${f.server.running.ports.ocpp}/ocpp`);
    expect(list.stations.find((s: { id: string }) => s.id === 'CS7')).toMatchObject({ connected: true, vendorName: 'ChargeplanSim' });
    expect(JSON.stringify(list)).not.toContain(body.password);
  });

  it('a profile 3 station gets no password; its URL is wss:// (none configured here)', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS-P3', securityProfile: 3 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ password: null, connection: { securityProfile: 3, url: null, username: null } });
  });

  it('refuses an id that exists, naming the field', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS7', securityProfile: 1 } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'STATION_EXISTS', field: 'id' });
  });
});

describe('validation names the field; a refused add registers nothing', { timeout: 60_000 }, () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['a missing id', { securityProfile: 1 }, 400, 'id'],
    ['an id with a space', { id: 'CS 8', securityProfile: 1 }, 400, 'id'],
    ['security profile 4', { id: 'CS8', securityProfile: 4 }, 400, 'securityProfile'],
    ['an unknown property', { id: 'CS8', securityProfile: 1, pasword: 'x' }, 400, 'pasword'],
    ['EVSE 0', { id: 'CS8', securityProfile: 1, placements: [{ siteId: 'south-depot', evseId: 0 }] }, 400, 'placements[0].evseId'],
    ['an unknown site', { id: 'CS8', securityProfile: 1, placements: [{ siteId: 'nowhere', evseId: 1 }] }, 422, 'placements[0].siteId'],
    ['an unknown circuit', { id: 'CS8', securityProfile: 1, placements: [{ siteId: 'north-depot', evseId: 1, circuit: 'row-z' }] }, 422, 'placements[0].circuit'],
    ['an EVSE twice', { id: 'CS8', securityProfile: 1, placements: [{ siteId: 'south-depot', evseId: 2 }, { siteId: 'north-depot', evseId: 2 }] }, 422, 'placements[1].evseId'],
  ];
  it.each(cases)('%s', async (_what, payload, status, field) => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations', payload });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().field).toBe(field);
    expect(res.json().message).toContain(field);
    expect(await f.server.running.repositories.stations.get('CS8')).toBeUndefined();
    expect(f.server.running.scheduler.index.evse('CS8', 1)).toBeUndefined();
  });
});

describe('rotating a password (A01)', { timeout: 60_000 }, () => {
  it('Accepted: the new password is stored and works after a reconnect; the old one no longer does', async () => {
    const old = (await admin({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS-R', securityProfile: 1 } })).json().password as string;
    const { sim } = await charger('CS-R', old);
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations/CS-R/password', payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    const fresh = res.json().password as string;
    expect(res.json().stationAnswer).toBe('Accepted');
    expect(fresh).not.toBe(old);
    expect(sim.credentials.password).toBe(fresh);
    sim.dropConnection(1000);
    await reconnect(sim);
    expect(f.server.running.ocpp.isConnected('CS-R')).toBe(true);
    expect((await handshake(f.server.wsUrl, 'CS-R', old)).status).toBe(401); // A01.FR.03
    expect(await audited('CS-R')).toEqual(['station.password.rotated', 'station.added']);
  });

  it('Rejected: the stored hash stays and the old password keeps working (A01.FR.04)', async () => {
    const old = (await admin({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS-X', securityProfile: 1 } })).json().password as string;
    await charger('CS-X', old, { rejectBasicAuthPassword: true });
    const before = (await f.server.running.repositories.stations.get('CS-X'))!.passwordHash;
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations/CS-X/password', payload: {} });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({ code: 'STATION_REFUSED', message: expect.stringContaining('Rejected') });
    expect((await f.server.running.repositories.stations.get('CS-X'))!.passwordHash).toBe(before);
    expect(await audited('CS-X')).toEqual(['station.added']);
  });

  it('a station that is not connected is refused, unless the admin sets it by hand (mode manual)', async () => {
    await admin({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS-OFF', securityProfile: 1 } });
    const before = (await f.server.running.repositories.stations.get('CS-OFF'))!.passwordHash;
    const refused = await admin({ method: 'POST', url: '/api/v1/admin/stations/CS-OFF/password', payload: { mode: 'station' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'STATION_OFFLINE', field: 'stationId', message: expect.stringContaining('manual') });
    expect((await f.server.running.repositories.stations.get('CS-OFF'))!.passwordHash).toBe(before);
    const manual = await admin({ method: 'POST', url: '/api/v1/admin/stations/CS-OFF/password', payload: { mode: 'manual' } });
    expect(manual.statusCode).toBe(200);
    expect(manual.json().stationAnswer).toBeNull();
    const { status } = await charger('CS-OFF', manual.json().password);
    expect(status).toBe('Accepted');
    expect(await audited('CS-OFF')).toEqual(['station.password.set-manually', 'station.added']);
  });

  it('names a bad mode and an unknown station', async () => {
    const bad = await admin({ method: 'POST', url: '/api/v1/admin/stations/CS-R/password', payload: { mode: 'sms' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('mode');
    const unknown = await admin({ method: 'POST', url: '/api/v1/admin/stations/NOPE/password', payload: {} });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'STATION_UNKNOWN', field: 'stationId' });
  });
});

describe('removing a station', { timeout: 60_000 }, () => {
  it('is refused while a transaction runs, naming it; then removed with its placement', async () => {
    const res = (await admin({ method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS-D', securityProfile: 1, placements: [{ siteId: 'south-depot', evseId: 1 }] } })).json();
    const { sim } = await charger('CS-D', res.password);
    const started = events().once('transaction.event', (e) => e.stationId === 'CS-D' && e.eventType === 'Started');
    sim.plugIn(1, car({ idToken: 'CARD-D', maxPowerKW: 11, batteryKWh: 60 }, 20));
    await sim.idle();
    const tx = (await started).transaction.transactionId;
    const busy = await admin({ method: 'DELETE', url: '/api/v1/admin/stations/CS-D' });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'STATION_BUSY', field: 'stationId', message: expect.stringContaining(tx) });
    expect(await f.server.running.repositories.stations.get('CS-D')).toBeDefined();
    const ended = events().once('transaction.event', (e) => e.stationId === 'CS-D' && e.eventType === 'Ended');
    sim.unplug(1);
    await sim.idle();
    await ended;
    await f.server.running.ocpp.framesWritten();
    const logged = new Set((await f.server.running.repositories.frames.newest('CS-D', 100)).map((fr) => `${fr.direction}${fr.messageId}`));
    expect(logged.size).toBeGreaterThan(0);
    expect((await admin({ method: 'DELETE', url: '/api/v1/admin/stations/CS-D' })).statusCode).toBe(204);
    expect(await f.server.running.repositories.stations.get('CS-D')).toBeUndefined();
    // Its page's message log goes with it (a frame of the closing socket may follow; none from before the removal).
    await f.server.running.ocpp.framesWritten();
    const left = await f.server.running.repositories.frames.newest('CS-D', 100);
    expect(left.filter((fr) => logged.has(`${fr.direction}${fr.messageId}`))).toEqual([]);
    expect(f.server.running.scheduler.index.evse('CS-D', 1)).toBeUndefined();
    expect(await audited('CS-D')).toEqual(['station.removed', 'station.added']);
    expect((await admin({ method: 'DELETE', url: '/api/v1/admin/stations/CS-D' })).statusCode).toBe(404);
  });
});

describe('waiting to be adopted', { timeout: 60_000 }, () => {
  it('an unknown station boots Pending, is listed with vendor and model, is adopted, reconnects with the new password and is planned', async () => {
    const { sim, status, calls } = await charger('NEW-1', 'factory-default-pass', { vendorName: 'Acme', model: 'Wallbox 22' });
    expect(status).toBe('Pending'); // B02: nothing accepted automatically
    // Its boot retries stay Pending, and the server sends it nothing on its own.
    f.clock.advance(60_000);
    await sim.idle();
    expect(sim.registrationStatus).toBe('Pending');
    expect(calls).toEqual([]);
    expect(await f.server.running.repositories.stations.get('NEW-1')).toBeUndefined();
    const list = (await admin({ url: '/api/v1/admin/stations/waiting' })).json();
    expect(list.waiting.find((w: { stationId: string }) => w.stationId === 'NEW-1')).toMatchObject({
      stationId: 'NEW-1', remoteAddress: expect.stringContaining('127.0.0.1'), tls: false, connected: true, attempts: 1, vendorName: 'Acme', model: 'Wallbox 22',
    });
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations/waiting/NEW-1/adopt', payload: { placements: [{ siteId: 'north-depot', evseId: 1, circuit: 'row-a' }] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ stationAnswer: 'Accepted', station: { id: 'NEW-1', securityProfile: 1, placements: [{ siteId: 'north-depot', evseId: 1, circuit: 'row-a' }] }, connection: { username: 'NEW-1' } });
    expect(await f.server.running.repositories.stations.get('NEW-1')).toBeDefined();
    expect(sim.credentials.password).not.toBe('factory-default-pass');
    expect(calls).toEqual(['SetVariables']);
    const booted = events().once('station.booted', (e) => e.stationId === 'NEW-1');
    await reconnect(sim);
    expect((await booted).status).toBe('Accepted');
    expect(await audited('NEW-1')).toEqual(['station.adopted']);
    expect((await admin({ url: '/api/v1/admin/stations/waiting' })).json().waiting.map((w: { stationId: string }) => w.stationId)).not.toContain('NEW-1');
    expect((await handshake(f.server.wsUrl, 'NEW-1', 'factory-default-pass')).status).toBe(401);
  });

  it('adopted into a site it is planned: a car that plugs in gets a TxProfile', async () => {
    const { sim, status } = await charger('NEW-2', undefined, { vendorName: 'Acme', model: 'Pole 2' });
    expect(status).toBe('Pending');
    // A placement refused after the station took its password: adopted all the same, the refusal named.
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations/waiting/NEW-2/adopt', payload: { placements: [{ siteId: 'south-depot', evseId: 1, circuit: 'row-z' }] } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ field: 'placements[0].circuit', message: expect.stringContaining('adopted, but') });
    expect(await f.server.running.repositories.stations.get('NEW-2')).toBeDefined();
    await reconnect(sim);
    expect(sim.registrationStatus).toBe('Accepted');
    expect((await admin({ method: 'PUT', url: '/api/v1/sites/south-depot/evses/NEW-2/1', payload: { maxKw: 11 } })).statusCode).toBe(200);
    const pushed = events().once('plan.pushed', (e) => e.pushes.some((x) => x.stationId === 'NEW-2' && x.state === 'accepted'));
    sim.plugIn(1, car({ idToken: 'CARD-N2', maxPowerKW: 11, batteryKWh: 60 }, 20));
    await sim.idle();
    await settle(f.server);
    expect((await pushed).siteId).toBe('south-depot');
    expect(sim.profiles.count).toBeGreaterThan(0);
  });

  it('a dismissed station leaves the list; a second dismiss is 404', async () => {
    await charger('NEW-3', 'whatever-it-has-1234');
    expect((await admin({ method: 'DELETE', url: '/api/v1/admin/stations/waiting/NEW-3' })).statusCode).toBe(204);
    expect((await admin({ url: '/api/v1/admin/stations/waiting' })).json().waiting.map((w: { stationId: string }) => w.stationId)).not.toContain('NEW-3');
    expect(await audited('NEW-3')).toEqual(['station.dismissed']);
    expect((await admin({ method: 'DELETE', url: '/api/v1/admin/stations/waiting/NEW-3' })).statusCode).toBe(404);
  });

  it('adopting an id that is not waiting is 404, naming stationId', async () => {
    const res = await admin({ method: 'POST', url: '/api/v1/admin/stations/waiting/GHOST/adopt', payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'STATION_UNKNOWN', field: 'stationId' });
  });
});

describe('only admins manage stations', { timeout: 60_000 }, () => {
  const routes: InjectOptions[] = [
    { method: 'GET', url: '/api/v1/admin/stations' },
    { method: 'POST', url: '/api/v1/admin/stations', payload: { id: 'CS-Z', securityProfile: 1 } },
    { method: 'POST', url: '/api/v1/admin/stations/CS7/password', payload: { mode: 'manual' } },
    { method: 'DELETE', url: '/api/v1/admin/stations/CS7' },
    { method: 'GET', url: '/api/v1/admin/stations/waiting' },
    { method: 'POST', url: '/api/v1/admin/stations/waiting/NEW-9/adopt', payload: {} },
    { method: 'DELETE', url: '/api/v1/admin/stations/waiting/NEW-9' },
  ];
  it.each<Who>(['north', 'south', 'homeH', 'publisher'])('%s gets 403 on every route and changes nothing', async (who) => {
    const before = (await f.server.running.repositories.stations.get('CS7'))!.passwordHash;
    for (const r of routes) {
      const res = await f.as(who, r);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      expect(res.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    }
    expect((await f.server.running.repositories.stations.get('CS7'))!.passwordHash).toBe(before);
    expect(await f.server.running.repositories.stations.get('CS-Z')).toBeUndefined();
  });

  it('anonymous gets 401', async () => {
    for (const r of routes) expect((await f.as('anonymous', r)).statusCode).toBe(401);
  });
});
