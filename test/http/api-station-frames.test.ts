/**
 * The station page's message log through the API (issue 16) against a simulated station over real WebSockets: every
 * frame in both directions (CALL, CALLRESULT, CALLERROR) with the action a reply answers, newest first, at most 100
 * kept per station, a BasicAuthPassword sent with SetVariables never shown, and the station's scope as for the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opsFixture, type OpsFixture } from './api-operations-fixture.js';

let f: OpsFixture;
beforeAll(async () => {
  f = await opsFixture();
  await f.station('OPS1');
}, 120_000);
afterAll(async () => f.close());

interface Frame { direction: 'in' | 'out'; at: string; type: string; messageId: string; action: string | null; payload: string; payloadChars: number; cut: boolean }
const frames = async (who: 'admin' | 'fmA' = 'admin', query = '') => {
  await f.server.running.ocpp.framesWritten();
  const res = await f.as(who, { method: 'GET', url: `/api/v1/stations/OPS1/frames${query}` });
  expect(res.statusCode).toBe(200);
  return (JSON.parse(res.body) as { frames: Frame[] }).frames;
};

describe('the station’s message log', () => {
  it('holds the boot in both directions: the station’s CALL and our CALLRESULT, our GetVariables and its answer', async () => {
    const list = (await frames('fmA')).reverse(); // oldest first
    const boot = list.findIndex((m) => m.action === 'BootNotification' && m.type === 'CALL');
    // The injected clock's time (the test's ManualClock stands still).
    expect(list[boot]).toMatchObject({ direction: 'in', at: new Date(f.server.clock.now()).toISOString() });
    const answer = list.find((m) => m.type === 'CALLRESULT' && m.messageId === list[boot]!.messageId)!;
    expect(answer).toMatchObject({ direction: 'out', action: 'BootNotification', cut: false });
    expect(JSON.parse(answer.payload)).toMatchObject({ status: 'Accepted' });
    const get = list.find((m) => m.action === 'GetVariables' && m.type === 'CALL')!;
    expect(get.direction).toBe('out');
    expect(list.find((m) => m.messageId === get.messageId && m.type === 'CALLRESULT')).toMatchObject({ direction: 'in', action: 'GetVariables' });
    expect(list.some((m) => m.action === 'StatusNotification' && m.direction === 'in')).toBe(true);
  });

  it('a call we make and the CALL it triggers are both kept', async () => {
    const station = f.stations.get('OPS1')!;
    await f.server.running.ocpp.call('OPS1', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    await station.idle();
    const list = await frames();
    expect(list[0]!.at >= list[list.length - 1]!.at).toBe(true);
    expect(list.some((m) => m.action === 'TriggerMessage' && m.direction === 'out' && m.type === 'CALL')).toBe(true);
    expect(list.some((m) => m.action === 'Heartbeat' && m.direction === 'in' && m.type === 'CALL')).toBe(true);
  });

  it('never shows a BasicAuthPassword set with SetVariables', async () => {
    const secret = 'new-station-password-4242';
    const answer = await f.server.running.ocpp.call('OPS1', 'SetVariables', {
      setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: secret }],
    });
    expect(answer.setVariableResult[0]!.attributeStatus).toBe('Accepted');
    const list = await frames();
    const set = list.find((m) => m.action === 'SetVariables' && m.type === 'CALL')!;
    expect(JSON.parse(set.payload)).toEqual({ setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: '[redacted]' }] });
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(list.some((m) => m.action === 'SetVariables' && m.type === 'CALLRESULT' && m.direction === 'in')).toBe(true);
  });

  it('keeps the newest 100 of a station, newest first, and bounds the request', async () => {
    const station = f.stations.get('OPS1')!;
    for (let i = 0; i < 70; i++) station.sendHeartbeat();
    await station.idle();
    const list = await frames();
    expect(list).toHaveLength(100);
    expect(list.slice(0, 2).map((m) => [m.direction, m.type, m.action])).toEqual([['out', 'CALLRESULT', 'Heartbeat'], ['in', 'CALL', 'Heartbeat']]);
    const stored = await f.server.running.db.selectFrom('station_frames').select((eb) => eb.fn.countAll<number>().as('n')).where('station_id', '=', 'OPS1').executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(100);
    expect(await frames('admin', '?limit=3')).toEqual(list.slice(0, 3));
    const tooMany = await f.as('admin', { method: 'GET', url: '/api/v1/stations/OPS1/frames?limit=101' });
    expect([tooMany.statusCode, JSON.parse(tooMany.body).field]).toEqual([400, 'limit']);
  });

  it('answers only those whose scope covers the station: another fleet’s manager as for an unknown station, a homeowner 403', async () => {
    const other = await f.as('fmB', { method: 'GET', url: '/api/v1/stations/OPS1/frames' });
    const unknown = await f.as('admin', { method: 'GET', url: '/api/v1/stations/NOPE/frames' });
    expect([other.statusCode, JSON.parse(other.body).code]).toEqual([404, 'STATION_UNKNOWN']);
    expect([unknown.statusCode, JSON.parse(unknown.body).code]).toEqual([404, 'STATION_UNKNOWN']);
    expect((await f.as('home', { method: 'GET', url: '/api/v1/stations/OPS1/frames' })).statusCode).toBe(403);
    expect((await f.as('anonymous', { method: 'GET', url: '/api/v1/stations/OPS1/frames' })).statusCode).toBe(401);
  });
});
