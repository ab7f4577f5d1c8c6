/**
 * Remote operations through the API against simulated stations over real WebSockets (issue 17, docs/operations.md):
 * every operation's success and the station's failure answers (its status and reasonCode in the shared error body),
 * a station that does not answer (504), one that is offline (409), and who may operate which station.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle } from '../helpers/depot.js';
import { arrive, opsFixture, statuses, type OpsFixture } from './api-operations-fixture.js';

let f: OpsFixture;
// Starting the product and connecting the stations takes a few seconds, more on PostgreSQL on a busy machine.
beforeAll(async () => {
  f = await opsFixture();
  await f.station('OPS1', { evses: 2 });
  await f.station('OPS2');
  await f.station('OPS3', { silentOn: ['ClearCache'], unlockFails: true });
  await f.station('OPS-B');
}, 120_000);
afterAll(async () => f.close());

const body = (res: { body: string }) => JSON.parse(res.body) as Record<string, unknown>;

describe('who may operate a station', () => {
  it('admins and the fleet managers of its sites; others get 404 as for an unknown station, homeowners 403', async () => {
    expect((await f.post('fmA', 'OPS1', 'trigger', { message: 'Heartbeat' })).statusCode).toBe(200);
    const outside = await f.post('fmA', 'OPS-B', 'trigger', { message: 'Heartbeat' });
    const unknown = await f.post('fmA', 'NOPE', 'trigger', { message: 'Heartbeat' });
    expect([outside.statusCode, body(outside).code]).toEqual([404, 'STATION_UNKNOWN']);
    expect(body(unknown)).toEqual(body(outside));
    expect((await f.post('admin', 'NOPE', 'trigger', { message: 'Heartbeat' })).statusCode).toBe(404);
    expect((await f.post('home', 'OPS1', 'trigger', { message: 'Heartbeat' })).statusCode).toBe(403);
    expect((await f.as('anonymous', { method: 'POST', url: '/api/v1/stations/OPS1/clear-cache' })).statusCode).toBe(401);
  });

  it('bad input names the field', async () => {
    const res = await f.post('admin', 'OPS1', 'reset', { type: 'Soon' });
    expect([res.statusCode, body(res).field]).toEqual([400, 'type']);
    const extra = await f.post('admin', 'OPS1', 'unlock', { evseId: 1, connectorId: 1, force: true });
    expect([extra.statusCode, body(extra).field]).toEqual([400, 'force']);
    const big = await f.post('admin', 'OPS1', 'transactions/start', { idToken: 'x'.repeat(37), evseId: 1 });
    expect([big.statusCode, body(big).field]).toEqual([400, 'idToken']);
    const cache = await f.post('admin', 'OPS1', 'clear-cache', { now: true });
    expect([cache.statusCode, body(cache).field]).toEqual([400, 'body']);
  });
});

describe('operations and the station’s answers', () => {
  it('TriggerMessage: the status follows (Accepted); a BootNotification is Rejected by an accepted station (F06.FR.17)', async () => {
    const status = f.server.running.events.once('connector.status', (e) => e.stationId === 'OPS2');
    const res = await f.post('admin', 'OPS2', 'trigger', { message: 'StatusNotification', evseId: 1 });
    expect(body(res)).toMatchObject({ action: 'TriggerMessage', status: 'Accepted', detail: 'the station sends StatusNotification for EVSE 1 now' });
    expect((await status).status).toBe('Available');
    const boot = await f.post('admin', 'OPS2', 'trigger', { message: 'BootNotification' });
    expect([boot.statusCode, body(boot).code]).toEqual([409, 'STATION_REFUSED']);
    expect(body(boot).message).toBe('OPS2 answered TriggerMessage with Rejected');
  });

  it('UnlockConnector: Unlocked; OngoingAuthorizedTransaction while one runs; UnknownConnector; UnlockFailed on a stuck lock', async () => {
    const ops1 = f.stations.get('OPS1')!;
    expect(body(await f.post('fmA', 'OPS1', 'unlock', { evseId: 2, connectorId: 1 }))).toMatchObject({ status: 'Unlocked', detail: 'connector 1 of EVSE 2 is unlocked' });
    const txId = await arrive(f, ops1, 2);
    const busy = await f.post('fmA', 'OPS1', 'unlock', { evseId: 2, connectorId: 1 });
    expect([busy.statusCode, body(busy).message]).toEqual([409, 'OPS1 answered UnlockConnector with OngoingAuthorizedTransaction: connector 1 of EVSE 2 has an authorized transaction: stop it first (F05.FR.02)']);
    const unknown = await f.post('fmA', 'OPS1', 'unlock', { evseId: 9, connectorId: 1 });
    expect(body(unknown).message).toMatch(/UnknownConnector/);
    const stuck = await f.post('admin', 'OPS3', 'unlock', { evseId: 1, connectorId: 1 });
    expect([stuck.statusCode, body(stuck).code, body(stuck).message]).toEqual([409, 'STATION_REFUSED', 'OPS3 answered UnlockConnector with UnlockFailed: connector 1 of EVSE 1 could not be unlocked (F05.FR.05)']);
    // Leave EVSE 2 without a transaction for the next tests.
    const ended = f.server.running.events.once('transaction.event', (e) => e.stationId === 'OPS1' && e.eventType === 'Ended');
    expect(body(await f.post('fmA', 'OPS1', 'transactions/stop', { transactionId: txId }))).toMatchObject({ status: 'Accepted' });
    expect((await ended).transaction.stoppedReason).toBe('Remote');
    ops1.unplug(2);
    await ops1.idle();
  });

  it('RequestStopTransaction of an unknown transaction: Rejected', async () => {
    const res = await f.post('admin', 'OPS1', 'transactions/stop', { transactionId: 'no-such-tx' });
    expect([res.statusCode, body(res).message]).toEqual([409, 'OPS1 answered RequestStopTransaction with Rejected']);
  });

  it('RequestStartTransaction without a car: Rejected with the station’s reasonCode', async () => {
    const res = await f.post('admin', 'OPS2', 'transactions/start', { idToken: 'APP-1', evseId: 1 });
    expect([res.statusCode, body(res).code, body(res).message]).toEqual([409, 'STATION_REFUSED', 'OPS2 answered RequestStartTransaction with Rejected (reasonCode NoCable)']);
  });

  it('ClearCache: Accepted; Rejected (AuthCacheDisabled) once the cache is switched off with SetVariables', async () => {
    expect(body(await f.post('admin', 'OPS2', 'clear-cache'))).toMatchObject({ action: 'ClearCache', status: 'Accepted' });
    const set = await f.post('admin', 'OPS2', 'device-model/variables', { variables: [{ component: 'AuthCacheCtrlr', variable: 'Enabled', value: 'false' }] });
    expect((body(set).results as { status: string }[]).map((r) => r.status)).toEqual(['Accepted']);
    const res = await f.post('admin', 'OPS2', 'clear-cache', {});
    expect([res.statusCode, body(res).message]).toEqual([409, 'OPS2 answered ClearCache with Rejected (reasonCode AuthCacheDisabled)']);
  });

  it('a station that does not answer: 504 OCPP_TIMEOUT after ocpp.callTimeoutSeconds', async () => {
    const frames = f.received.get('OPS3')!;
    const pending = f.post('admin', 'OPS3', 'clear-cache');
    // The call is on the wire once the station has received it; then the server's clock passes the timeout.
    while (!frames.some((fr) => fr[0] === 2 && fr[2] === 'ClearCache')) await new Promise((r) => setImmediate(r));
    f.server.clock.advance(30_000);
    const res = await pending;
    expect([res.statusCode, body(res).code, body(res).message]).toEqual([504, 'OCPP_TIMEOUT', 'OPS3 did not answer ClearCache in time']);
  });

  it('Reset: an EVSE reset of an unknown EVSE is Rejected; OnIdle with a transaction is Scheduled; Immediate reboots the station', async () => {
    const ops2 = f.stations.get('OPS2')!;
    const unknown = await f.post('admin', 'OPS2', 'reset', { type: 'Immediate', evseId: 7 });
    expect(body(unknown).message).toBe('OPS2 answered Reset with Rejected (reasonCode UnknownEvse)');
    const txId = await arrive(f, ops2);
    expect(body(await f.post('fmA', 'OPS2', 'reset', { type: 'OnIdle' }))).toMatchObject({ status: 'Scheduled', detail: 'the station resets once its transactions have ended (OnIdle)' });
    const booted = f.server.running.events.once('station.booted', (e) => e.stationId === 'OPS2');
    const ended = f.server.running.events.once('transaction.event', (e) => e.stationId === 'OPS2' && e.eventType === 'Ended');
    const res = await f.post('fmA', 'OPS2', 'reset', { type: 'Immediate' });
    expect(body(res)).toMatchObject({ status: 'Accepted', detail: 'the station resets now; running transactions end (ImmediateReset)' });
    expect((await ended).transaction).toMatchObject({ transactionId: txId, stoppedReason: 'ImmediateReset' });
    await ops2.idle();
    f.server.clock.advance(10_000); // the simulator's reboot delay
    await ops2.idle();
    await booted;
    const stored = await f.server.running.repositories.stations.get('OPS2');
    expect(stored?.lastBootStatus).toBe('Accepted');
    expect(f.server.running.ocpp.isConnected('OPS2')).toBe(true);
  });

  it('an offline station: 409 STATION_OFFLINE, nothing sent', async () => {
    await f.stations.get('OPS3')!.stop();
    const res = await f.post('admin', 'OPS3', 'trigger', { message: 'Heartbeat' });
    expect([res.statusCode, body(res).code, body(res).message]).toEqual([409, 'STATION_OFFLINE', 'OPS3 is not connected: TriggerMessage was not sent']);
  });
});

describe('availability and the scheduler', () => {
  it('Inoperative EVSE: Unavailable at once, a remote start there is Rejected; with a transaction it is Scheduled until the transaction ends', async () => {
    const ops1 = f.stations.get('OPS1')!;
    const res = await f.post('fmA', 'OPS1', 'availability', { operationalStatus: 'Inoperative', evseId: 2 });
    expect(body(res)).toMatchObject({ action: 'ChangeAvailability', status: 'Accepted', detail: 'EVSE 2 is Inoperative now' });
    await ops1.idle();
    await f.server.running.scheduler.done();
    expect(await statuses(f, 'OPS1')).toMatchObject({ 2: 'Unavailable' });
    const refused = await f.post('fmA', 'OPS1', 'transactions/start', { idToken: 'APP-2', evseId: 2 });
    expect(body(refused).message).toBe('OPS1 answered RequestStartTransaction with Rejected (reasonCode Inoperative: EVSE 2 is Inoperative)');

    const txId = await arrive(f, ops1, 1);
    const scheduled = await f.post('fmA', 'OPS1', 'availability', { operationalStatus: 'Inoperative', evseId: 1 });
    expect(body(scheduled)).toMatchObject({ status: 'Scheduled', detail: 'EVSE 1 becomes Inoperative when its running transaction ends' });
    expect(await statuses(f, 'OPS1')).toMatchObject({ 1: 'Occupied' });
    const ended = f.server.running.events.once('transaction.event', (e) => e.stationId === 'OPS1' && e.eventType === 'Ended');
    await f.post('fmA', 'OPS1', 'transactions/stop', { transactionId: txId });
    await ended;
    await ops1.idle();
    await settle(f.server);
    await ops1.idle();
    expect(await statuses(f, 'OPS1')).toMatchObject({ 1: 'Unavailable', 2: 'Unavailable' });
    // Out of service: the site's next plan has no session on the station.
    const plan = await f.server.running.scheduler.latestPlan('depot-a');
    expect(plan?.sessions.filter((s) => s.stationId === 'OPS1') ?? []).toEqual([]);
    // Back in service: the waiting car's connector shows Occupied again.
    for (const evseId of [1, 2]) {
      expect(body(await f.post('admin', 'OPS1', 'availability', { operationalStatus: 'Operative', evseId }))).toMatchObject({ status: 'Accepted' });
    }
    await ops1.idle();
    expect(await statuses(f, 'OPS1')).toMatchObject({ 1: 'Occupied', 2: 'Available' });
  });

  it('RequestStartTransaction carries our TxProfile and the session is planned at once', async () => {
    const ops1 = f.stations.get('OPS1')!;
    await f.server.running.scheduler.done();
    const started = f.server.running.events.once('transaction.event', (e) => e.stationId === 'OPS1' && e.eventType === 'Started');
    const pushed = f.server.running.events.once('plan.pushed', (e) => e.pushes.some((p) => p.stationId === 'OPS1' && p.evseId === 1));
    const res = await f.post('fmA', 'OPS1', 'transactions/start', { idToken: 'APP-3', evseId: 1 });
    expect(body(res)).toMatchObject({
      status: 'Accepted', startLimitKw: 4.2,
      detail: 'the station starts a transaction for APP-3 on EVSE 1, at most 4.2 kW until the plan takes over',
    });
    const sent = f.received.get('OPS1')!.filter((fr) => fr[0] === 2 && fr[2] === 'RequestStartTransaction').at(-1)![3] as Record<string, unknown>;
    expect(sent).toMatchObject({ evseId: 1, idToken: { idToken: 'APP-3', type: 'Central' }, remoteStartId: body(res).remoteStartId, chargingProfile: { chargingProfilePurpose: 'TxProfile', stackLevel: 0 } });
    expect(sent.chargingProfile).not.toHaveProperty('transactionId'); // F01.FR.11
    const tx = (await started).transaction;
    expect(tx).toMatchObject({ idToken: 'APP-3', remoteStartId: body(res).remoteStartId });
    // Planned without the clock moving: the Started event's trigger is leading (no debounce).
    const push = (await pushed).pushes.find((p) => p.transactionId === tx.transactionId);
    expect(push?.state).toBe('accepted');
    const plan = await f.server.running.scheduler.latestPlan('depot-a');
    expect(plan?.sessions.some((s) => s.transactionId === tx.transactionId)).toBe(true);
    // The station holds the start profile (level 0) and the plan's TxProfile above it.
    const held = ops1.profiles.report(1, {}).filter((p) => p.profile.chargingProfilePurpose === 'TxProfile');
    expect(held.map((p) => p.profile.stackLevel).sort()).toEqual([0, 1]);
  });
});
