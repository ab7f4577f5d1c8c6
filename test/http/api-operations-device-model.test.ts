/**
 * The device model through the API against a simulated station over real WebSockets (issue 17): GetBaseReport (B07)
 * stored from the station's NotifyReport messages, the browsable table (attributes, mutability, labels, units, pages),
 * and SetVariables (B05) with the station's result per variable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opsFixture, type OpsFixture } from './api-operations-fixture.js';

let f: OpsFixture;
// Starting the product and connecting the stations takes a few seconds, more on PostgreSQL on a busy machine.
beforeAll(async () => {
  f = await opsFixture();
  await f.station('OPS4');
}, 120_000);
afterAll(async () => f.close());

const body = (res: { body: string }) => JSON.parse(res.body) as Record<string, unknown>;
type Row = { component: string; variable: string; variableInstance: string | null; value: string | null; mutability: string | null; writable: boolean; unit: string | null; label: string | null; dataType: string | null };
const table = async (query = '') => body(await f.as('fmA', { method: 'GET', url: `/api/v1/stations/OPS4/device-model${query}` }));
const rows = async (query = '') => (await table(query)).variables as Row[];
const find = (list: Row[], component: string, variable: string) => list.find((r) => r.component === component && r.variable === variable);

/** Asks for a report; the station's NotifyReports follow its answer and are stored once it is idle again. */
async function reportStored(reportBase: string): Promise<Record<string, unknown>> {
  const res = await f.post('fmA', 'OPS4', 'device-model/report', { reportBase });
  await f.stations.get('OPS4')!.idle();
  return body(res);
}

describe('the device model', () => {
  it('FullInventory: every variable stored with its mutability, type and unit; known ones labelled', async () => {
    const before = (await table()).total as number;
    const answer = await reportStored('FullInventory');
    expect(answer).toMatchObject({ action: 'GetBaseReport', status: 'Accepted' });
    expect(answer.detail).toBe(`the station sends its FullInventory in NotifyReport (requestId ${answer.requestId})`);
    const all = await rows();
    // The simulator reports 21 variables: SmartChargingCtrlr 8, SampledDataCtrlr 5, OCPPCommCtrlr 3, TxCtrlr 3,
    // AuthCacheCtrlr 1, SecurityCtrlr 1 (BasicAuthPassword: it never reads back, its value is empty).
    expect(all).toHaveLength(21);
    expect(before).toBeLessThan(21);
    expect(find(all, 'SecurityCtrlr', 'BasicAuthPassword')!.value ?? '').toBe('');
    expect(find(all, 'OCPPCommCtrlr', 'HeartbeatInterval')).toMatchObject({
      mutability: 'ReadWrite', writable: true, unit: 's', dataType: 'integer', label: 'Seconds between heartbeats when nothing else is sent',
    });
    expect(find(all, 'SmartChargingCtrlr', 'RateUnit')).toMatchObject({ value: 'A,W', mutability: 'ReadOnly', writable: false, dataType: 'MemberList' });
    expect(find(all, 'TxCtrlr', 'TxStartPoint')).toMatchObject({ value: 'Authorized', mutability: 'ReadOnly', label: 'What starts a transaction (Authorized, EVConnected, PowerPathClosed...)' });
    expect(find(all, 'OCPPCommCtrlr', 'MessageTimeout')).toMatchObject({ variableInstance: 'Default', value: '30' });
    // A page at a time, and one component.
    const page = await table('?limit=5&offset=5');
    expect([page.total, (page.variables as Row[]).length, page.offset]).toEqual([21, 5, 5]);
    expect((await rows('?component=TxCtrlr')).map((r) => r.variable)).toEqual(['EVConnectionTimeOut', 'StopTxOnInvalidId', 'TxStartPoint']);
  });

  it('ConfigurationInventory: the writable variables; SummaryInventory is NotSupported by this station', async () => {
    const frames = f.received.get('OPS4')!;
    const answer = await reportStored('ConfigurationInventory');
    expect(answer.status).toBe('Accepted');
    const notSupported = await f.post('fmA', 'OPS4', 'device-model/report', { reportBase: 'SummaryInventory' });
    expect([notSupported.statusCode, body(notSupported).message]).toEqual([409, 'OPS4 answered GetBaseReport with NotSupported']);
    expect(frames.filter((fr) => fr[0] === 2 && fr[2] === 'GetBaseReport')).toHaveLength(3);
  });

  it('SetVariables: Accepted (stored), RebootRequired, Rejected, UnknownVariable and UnknownComponent, one result each', async () => {
    const res = await f.post('fmA', 'OPS4', 'device-model/variables', {
      variables: [
        { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '120' },
        { component: 'OCPPCommCtrlr', variable: 'WebSocketPingInterval', value: '60' },
        { component: 'SmartChargingCtrlr', variable: 'RateUnit', value: 'W' },
        { component: 'TxCtrlr', variable: 'EVConnectionTimeOut', value: 'soon' },
        { component: 'TxCtrlr', variable: 'NoSuchVariable', value: '1' },
        { component: 'NoSuchCtrlr', variable: 'X', value: '1' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const results = body(res).results as { variable: string; status: string; detail: string }[];
    expect(results.map((r) => [r.variable, r.status])).toEqual([
      ['HeartbeatInterval', 'Accepted'], ['WebSocketPingInterval', 'RebootRequired'], ['RateUnit', 'Rejected'],
      ['EVConnectionTimeOut', 'Rejected'], ['NoSuchVariable', 'UnknownVariable'], ['X', 'UnknownComponent'],
    ]);
    expect(results[1]!.detail).toBe('set; it takes effect after the station reboots');
    const all = await rows();
    expect(find(all, 'OCPPCommCtrlr', 'HeartbeatInterval')).toMatchObject({ value: '120', mutability: 'ReadWrite' });
    expect(find(all, 'OCPPCommCtrlr', 'WebSocketPingInterval')?.value).toBe('60');
    expect(find(all, 'SmartChargingCtrlr', 'RateUnit')?.value).toBe('A,W');
    // The station acts on it: its next heartbeat comes 120 s after the change.
    const station = f.stations.get('OPS4')!;
    let heartbeats = 0;
    const off = f.server.running.events.on('message.handled', (e) => void (e.stationId === 'OPS4' && e.action === 'Heartbeat' && heartbeats++));
    f.server.clock.advance(119_000);
    await station.idle();
    expect(heartbeats).toBe(0);
    const heartbeat = f.server.running.events.once('message.handled', (e) => e.stationId === 'OPS4' && e.action === 'Heartbeat');
    f.server.clock.advance(1_000);
    await station.idle();
    await heartbeat;
    off();
    expect(heartbeats).toBe(1);
  });

  it('bounds: at most 50 variables, names at most 50 characters; access as for the operations', async () => {
    const many = Array.from({ length: 51 }, () => ({ component: 'TxCtrlr', variable: 'EVConnectionTimeOut', value: '60' }));
    const res = await f.post('admin', 'OPS4', 'device-model/variables', { variables: many });
    expect([res.statusCode, body(res).field]).toEqual([400, 'variables']);
    const long = await f.post('admin', 'OPS4', 'device-model/variables', { variables: [{ component: 'x'.repeat(51), variable: 'v', value: '1' }] });
    expect([long.statusCode, body(long).field]).toEqual([400, 'variables[0].component']);
    expect((await f.as('fmB', { method: 'GET', url: '/api/v1/stations/OPS4/device-model' })).statusCode).toBe(404);
    expect((await f.as('home', { method: 'GET', url: '/api/v1/stations/OPS4/device-model' })).statusCode).toBe(403);
  });
});
