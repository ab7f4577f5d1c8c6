/**
 * Interoperability with an OCPP-J implementation no one here wrote: the `ocpp-rpc` library's RPCClient, in strict
 * mode, validates its own requests and every response and request of ours against its own copy of the OCPP 2.0.1
 * schemas. It plays a charging station through boot, status, a transaction and a charging profile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RPCClient } from 'ocpp-rpc';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const PASSWORD = 'independent-peer-pass';
let server: TestServer;
let client: RPCClient | undefined;
/** ocpp-rpc's typings declare every option as required; the library itself defaults them. */
const peer = (options: Record<string, unknown>) => new RPCClient(options as unknown as ConstructorParameters<typeof RPCClient>[0]);
type Handler = Parameters<RPCClient['handle']>[1];

afterEach(async () => {
  await client?.close({ force: true });
  await server?.stop();
});

describe('interoperability with ocpp-rpc (strict mode)', () => {
  it('boots, reports, charges and accepts a TxProfile with every message valid on both sides', async () => {
    server = await startTestServer();
    await server.addStation('PEER-1', PASSWORD);
    client = peer({
      endpoint: `${server.wsUrl}/ocpp`,
      identity: 'PEER-1',
      password: PASSWORD,
      protocols: ['ocpp2.0.1'],
      strictMode: true,
      reconnect: false,
    });
    const getVariables: unknown[] = [];
    client.handle('GetVariables', (({ params }: { params: { getVariableData: { component: { name: string }; variable: { name: string } }[] } }) => {
      getVariables.push(params);
      return {
        getVariableResult: params.getVariableData.map((d) => ({
          attributeStatus: 'Accepted',
          attributeValue: d.variable.name === 'RateUnit' ? 'A' : d.variable.name === 'PeriodsPerSchedule' ? '10' : 'true',
          component: d.component,
          variable: d.variable,
        })),
      };
    }) as unknown as Handler);
    const profiles: unknown[] = [];
    client.handle('SetChargingProfile', (({ params }: { params: unknown }) => {
      profiles.push(params);
      return { status: 'Accepted' };
    }) as unknown as Handler);
    await client.connect();
    const caps = server.running.events.once('station.capabilities');
    const boot = (await client.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { model: 'PeerModel', vendorName: 'PeerVendor' },
    })) as { status: string; interval: number };
    expect(boot).toMatchObject({ status: 'Accepted', interval: 300 });
    expect((await caps).capabilities).toMatchObject({ rateUnits: ['A'], periodsPerSchedule: 10 });
    await client.call('StatusNotification', { timestamp: '2026-03-29T00:00:00Z', connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    await client.call('TransactionEvent', {
      eventType: 'Started', timestamp: '2026-03-29T00:00:05Z', triggerReason: 'CablePluggedIn', seqNo: 0,
      transactionInfo: { transactionId: 'P-TX-1', chargingState: 'EVConnected' }, evse: { id: 1, connectorId: 1 },
    });
    const result = await server.running.ocpp.call('PEER-1', 'SetChargingProfile', {
      evseId: 1,
      chargingProfile: {
        id: 7, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId: 'P-TX-1',
        chargingSchedule: [{ id: 1, startSchedule: '2026-03-29T00:00:00Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 3 }] }],
      },
    });
    expect(result.status).toBe('Accepted');
    expect(profiles).toHaveLength(1);
    const hb = (await client.call('Heartbeat', {})) as { currentTime: string };
    expect(hb.currentTime).toBe('2026-03-29T00:00:00.000Z');
    expect((await server.running.repositories.transactions.activeOnEvse('PEER-1', 1))?.transactionId).toBe('P-TX-1');
  });

  it("sees our CALLERROR for a payload its own strict mode would not send", async () => {
    server = await startTestServer();
    await server.addStation('PEER-2', PASSWORD);
    client = peer({ endpoint: `${server.wsUrl}/ocpp`, identity: 'PEER-2', password: PASSWORD, protocols: ['ocpp2.0.1'], strictMode: false, reconnect: false });
    await client.connect();
    await client.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }).catch(() => undefined);
    const err = await client.call('Heartbeat', { unexpected: true }).then(() => null, (e: { rpcErrorCode?: string; message: string }) => e);
    expect(err?.rpcErrorCode).toBe('OccurrenceConstraintViolation');
  });
});
