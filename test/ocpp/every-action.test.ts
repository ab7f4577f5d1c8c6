/**
 * Every action a Charging Station may send (STATION_ACTIONS) is answered with a schema-valid CALLRESULT by the
 * real product over a real WebSocket, and what matters is persisted. The requests come from one realistic
 * AC-wallbox session in test/fixtures/ocpp/station-requests.json.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcppValidator } from '../../src/ocpp/rpc/validator.js';
import { STATION_ACTIONS, type StationAction } from '../../src/ocpp/schemas/generated/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { CallErrorReply, ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { instant } from './same-instant.js';

const FIXTURE = new URL('../fixtures/ocpp/station-requests.json', import.meta.url);
const raw = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
/** Fixture entries in file (= session) order; keys starting with `$` are comments. */
const requests = Object.entries(raw).filter(([k]) => !k.startsWith('$')) as [StationAction, Record<string, unknown>][];
const request = (action: StationAction) => raw[action] as Record<string, unknown>;

const validator = new OcppValidator();
const STATION = 'CP-AC22-0001';
const PASSWORD = 'wallbox-secret-0001-abcdef';
const TX = (request('TransactionEvent').transactionInfo as { transactionId: string }).transactionId;
const TOKEN = (request('Authorize').idToken as { idToken: string; type: string });

describe('station request fixtures', () => {
  it('cover exactly the 25 station-to-CSMS actions, BootNotification first', () => {
    expect(requests.map(([a]) => a).sort()).toEqual([...STATION_ACTIONS].sort());
    expect(requests).toHaveLength(25);
    expect(requests[0]?.[0]).toBe('BootNotification');
  });

  it.each(requests)('%s is valid against its official request schema', (action, payload) => {
    expect(validator.validate(action, 'Request', payload)).toBeNull();
  });
});

type Outcome = { kind: 'result'; payload: unknown } | { kind: 'error'; code: string; description: string };

describe('every station action over a real WebSocket', () => {
  let server: TestServer;
  let cs: ScriptedStation;
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    server = await startTestServer();
    await server.addStation(STATION, PASSWORD);
    // The id token the wallbox reads from the driver's RFID card is known and valid.
    await server.running.repositories.idTokens.upsert(
      { idToken: TOKEN.idToken, type: TOKEN.type, status: 'Accepted', groupIdToken: null, expiresAt: null, vehicleId: null },
      '2026-03-01T00:00:00Z',
    );
    cs = await ScriptedStation.connect(server.wsUrl, { id: STATION, password: PASSWORD });
    cs.respond('GetVariables', smartChargingVariables());
    const caps = server.running.events.once('station.capabilities', (e) => e.stationId === STATION);
    for (const [action, payload] of requests) {
      try {
        outcomes.set(action, { kind: 'result', payload: await cs.callRaw(action, payload) });
      } catch (err) {
        if (!(err instanceof CallErrorReply)) throw err;
        outcomes.set(action, { kind: 'error', code: err.code, description: err.description });
      }
      // B01: the capability read follows the accepted boot; let it finish before the session goes on.
      if (action === 'BootNotification') await caps;
    }
  });

  afterAll(async () => {
    await cs?.close();
    await server?.stop();
  });

  it.each(requests.map(([a]) => a))('%s gets a CALLRESULT valid against its official response schema', (action) => {
    const outcome = outcomes.get(action);
    expect(outcome, `${action} got no answer`).toBeDefined();
    if (outcome?.kind === 'error') expect.fail(`${action} got CALLERROR ${outcome.code}: ${outcome.description}`);
    expect(validator.validate(action, 'Response', outcome?.payload)).toBeNull();
  });

  it('sent no CALLERROR at all, and read the capabilities once after boot', () => {
    expect(cs.received.filter((f) => f[0] === 4)).toEqual([]);
    expect(cs.calls.map((c) => c.action)).toEqual(['GetVariables']);
  });

  const result = <T>(action: StationAction) => (outcomes.get(action) as { payload: T }).payload;

  it('boot: the station is accepted and what it is was recorded', async () => {
    expect(result<{ status: string; interval: number }>('BootNotification')).toMatchObject({ status: 'Accepted', interval: 300 });
    const rec = await server.running.repositories.stations.get(STATION);
    expect(rec).toMatchObject({
      vendorName: 'ExampleCharge', model: 'AC22-T2S', serialNumber: 'EC22-2403-00117',
      firmwareVersion: '2.4.1-build.318', lastBootStatus: 'Accepted',
    });
    expect(result<{ currentTime: string }>('Heartbeat').currentTime).toBe('2026-03-29T00:00:00.000Z');
  });

  it('connector status and the running transaction with its meter start are stored', async () => {
    const { evses, transactions, meterValues } = server.running.repositories;
    expect(await evses.evses(STATION)).toEqual([
      expect.objectContaining({ evseId: 1, currentTransactionId: TX, connectors: [expect.objectContaining({ connectorId: 1, status: 'Occupied' })] }),
    ]);
    expect(result('Authorize')).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(result('TransactionEvent')).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(await transactions.get(STATION, TX)).toMatchObject({
      state: 'Started', evseId: 1, connectorId: 1, idToken: TOKEN.idToken, idTokenType: 'ISO14443',
      idTokenStatus: 'Accepted', chargingState: 'EVConnected', meterStartWh: 1843270, startedAt: instant('2026-03-28T23:58:30Z'),
    });
    // J01: MeterValues during a transaction attach to it; kW stays kW (multiplier 0).
    const samples = await meterValues.forTransaction(STATION, TX);
    expect(samples).toEqual(expect.arrayContaining([
      expect.objectContaining({ measurand: 'Energy.Active.Import.Register', value: 1843270, unit: 'Wh', context: 'Transaction.Begin' }),
      expect.objectContaining({ measurand: 'Power.Active.Import', value: 10.98, unit: 'kW' }),
      expect.objectContaining({ measurand: 'SoC', value: 42, location: 'EV' }),
    ]));
  });

  it('ISO 15118 charging needs are stored against the running transaction', async () => {
    expect(result('NotifyEVChargingNeeds')).toEqual({ status: 'Accepted' });
    expect(await server.running.repositories.chargingNeeds.latest(STATION, 1)).toMatchObject({
      transactionId: TX, requestedEnergyTransfer: 'AC_three_phase', departureTime: instant('2026-03-29T05:30:00Z'),
      energyAmountWh: 32000, evMinCurrentA: 6, evMaxCurrentA: 32, evMaxVoltageV: 400, maxScheduleTuples: 24,
    });
    expect(result('NotifyEVChargingSchedule')).toEqual({ status: 'Accepted' });
  });

  it('the device model holds the reported variables and the event-updated ones', async () => {
    const dm = server.running.repositories.deviceModel;
    expect(await dm.get(STATION, 'SmartChargingCtrlr', 'LimitChangeSignificance')).toMatchObject({
      value: '10', mutability: 'ReadWrite', dataType: 'decimal', unit: 'Percent',
    });
    expect((await dm.get(STATION, 'SmartChargingCtrlr', 'RateUnit'))?.value).toBe('A,W');
    // N07: NotifyEvent updates the variable's actual value.
    expect(await dm.get(STATION, 'Connector', 'AvailabilityState')).toMatchObject({ value: 'Occupied', evseId: 1, connectorId: 1 });
  });

  it('external limits: the EMS limit is active, clearing an SO limit leaves it', async () => {
    expect(await server.running.repositories.stationLog.activeChargingLimits(STATION)).toEqual([
      expect.objectContaining({ evseId: 1, source: 'EMS', isGridCritical: false, schedule: request('NotifyChargingLimit').chargingSchedule }),
    ]);
  });

  it.each([
    'SecurityEventNotification', 'FirmwareStatusNotification', 'LogStatusNotification', 'PublishFirmwareStatusNotification',
    'NotifyCustomerInformation', 'NotifyDisplayMessages', 'NotifyMonitoringReport', 'ReportChargingProfiles',
    'ReservationStatusUpdate', 'NotifyEVChargingSchedule', 'SignCertificate', 'GetCertificateStatus', 'DataTransfer',
  ] as const)('%s is kept verbatim in the station log', async (action) => {
    const kept = await server.running.repositories.stationLog.messages(STATION, action);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.payload).toEqual(request(action));
  });

  it('Get15118EVCertificate is logged without the EXI blob', async () => {
    const kept = await server.running.repositories.stationLog.messages(STATION, 'Get15118EVCertificate');
    expect(kept).toHaveLength(1);
    expect(kept[0]?.payload).toMatchObject({ action: 'Install', iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef' });
  });

  it('certificate requests are refused honestly (no CA, no OCSP, no 15118 certificate service)', () => {
    expect(result('SignCertificate')).toMatchObject({ status: 'Rejected' });
    expect(result('GetCertificateStatus')).toMatchObject({ status: 'Failed' });
    expect(result('Get15118EVCertificate')).toMatchObject({ status: 'Failed' });
  });

  it('DataTransfer from a vendor we do not know answers UnknownVendorId (P01.FR.06)', () => {
    expect(result('DataTransfer')).toEqual({ status: 'UnknownVendorId' });
  });
});
