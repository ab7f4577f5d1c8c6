/**
 * Alerts (issue 17) on the real product (main.ts on SQLite or PostgreSQL, a ManualClock): every condition opens one
 * alert, updates it while it holds, and closes it when it clears, each stored with its history; 200 stations offline
 * at one site are one grouped alert. The station-side conditions come over real OCPP (a scripted station); the
 * others through the product's event bus and the firmware module's input hook, as the product raises them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertKind, AlertRecord } from '../../src/domain/alerts.js';
import type { PlanRecord } from '../../src/domain/plans.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const T0 = '2026-11-23T08:00:00Z';
const site = (id: string, fleet: string, stations: string[]) => ({
  id, fleet, timeZone: 'Europe/Copenhagen', tariff: 'Z1', gridLimitKw: 22, slotMinutes: 15,
  evses: stations.map((stationId) => ({ stationId, evseId: 1, maxKw: 11 })),
});
const CONFIG = {
  prices: { zones: [{ id: 'Z1', currency: 'EUR', timeZone: 'Europe/Copenhagen' }], tariffs: { Z1: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'Z1' } } } },
  alerts: { offlineMinutes: 5, settleSeconds: 1, tickSeconds: 60, groupThreshold: 5 },
};

let server: TestServer | undefined;
const stations: PlanningStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.cs.close().catch(() => undefined);
  await server?.stop();
  server = undefined;
}, 120_000);

async function start(sites: ReturnType<typeof site>[]): Promise<TestServer> {
  const { ManualClock } = await import('../../src/platform/clock.js');
  server = await startTestServer({ ...CONFIG, sites } as never, { clock: new ManualClock(T0) });
  return server;
}

/** Lets the settle window pass and waits for the evaluation (and the event listeners' reads) to finish. */
async function evaluate(s: TestServer, ms = 1000): Promise<void> {
  await s.running.alerts.settled();
  s.clock.advance(ms);
  await s.running.alerts.settled();
}

async function alertsOf(s: TestServer, kind: AlertKind): Promise<AlertRecord[]> {
  return (await s.running.alerts.store.list({ sites: 'all', kind, limit: 200 })).reverse();
}

async function expectOpensAndCloses(s: TestServer, kind: AlertKind, open: () => void | Promise<void>, clear: () => void | Promise<void>, message: RegExp) {
  await open();
  await evaluate(s);
  let [a, ...rest] = await alertsOf(s, kind);
  expect(rest).toHaveLength(0);
  expect(a!.state).toBe('open');
  expect(a!.message).toMatch(message);
  // Holding on: still one alert.
  await open();
  await evaluate(s);
  expect(await alertsOf(s, kind)).toHaveLength(1);
  await clear();
  await evaluate(s);
  [a, ...rest] = await alertsOf(s, kind);
  expect(rest).toHaveLength(0);
  expect(a!.state).toBe('closed');
  expect(a!.closedAt).not.toBeNull();
  const history = await s.running.alerts.store.history(a!.id);
  expect(history.map((h) => h.event)).toEqual(['opened', 'closed']);
  return a!;
}

describe('each condition opens once and closes when it clears', { timeout: 180_000 }, () => {
  it('a station offline longer than offlineMinutes (real OCPP disconnect and reconnect)', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1'])]);
    const cs = await PlanningStation.connect(s, { id: 'CS-1' });
    await cs.boot();
    const gone = s.running.events.once('station.disconnected', (e) => e.stationId === 'CS-1');
    await cs.cs.close();
    await gone;
    await evaluate(s, 4 * 60_000);
    expect(await alertsOf(s, 'station-offline')).toHaveLength(0); // not yet 5 minutes
    await evaluate(s, 2 * 60_000);
    const [open] = await alertsOf(s, 'station-offline');
    expect(open).toMatchObject({ state: 'open', siteId: 'site-a', stationId: 'CS-1', severity: 'critical' });
    expect(open!.message).toMatch(/CS-1 has been offline since 2026-11-23T08:00/);
    // Issue 18: the same as an id and values for the pages' languages.
    expect(open!.details).toMatchObject({ phrase: { id: 'alert.stationOffline', params: { station: 'CS-1', sinceAt: expect.stringMatching(/^2026-11-23T08:00/) } } });
    const back = await PlanningStation.connect(s, { id: 'CS-1' }, false);
    stations.push(back);
    await evaluate(s);
    const [closed] = await alertsOf(s, 'station-offline');
    expect(closed).toMatchObject({ id: open!.id, state: 'closed' });
  });

  it('a connector Faulted (G01 StatusNotification), then Available', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1'])]);
    const cs = await PlanningStation.connect(s, { id: 'CS-1' });
    stations.push(cs);
    await cs.boot();
    const status = (connectorStatus: 'Faulted' | 'Available') =>
      cs.cs.call('StatusNotification', { timestamp: new Date(s.clock.now()).toISOString(), connectorStatus, evseId: 1, connectorId: 1 });
    await expectOpensAndCloses(s, 'connector-faulted', () => status('Faulted').then(() => undefined), () => status('Available').then(() => undefined), /CS-1 EVSE 1 connector 1 is Faulted/);
  });

  it('a security event (A04 SecurityEventNotification) holds until the quiet period passes', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1'])]);
    const cs = await PlanningStation.connect(s, { id: 'CS-1' });
    stations.push(cs);
    await cs.boot();
    // The server announces a handled message after its reply: wait for that, not only for the reply.
    const event = async () => {
      const handled = s.running.events.once('message.handled', (e) => e.action === 'SecurityEventNotification');
      await cs.cs.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: new Date(s.clock.now()).toISOString(), techInfo: 'lid opened' });
      await handled;
    };
    await event();
    await evaluate(s);
    await event();
    await evaluate(s);
    const [a, ...rest] = await alertsOf(s, 'security-event');
    expect(rest).toHaveLength(0);
    expect(a).toMatchObject({ state: 'open', stationId: 'CS-1' });
    expect(a!.message).toMatch(/2 security events, the latest TamperDetectionActivated .*lid opened/);
    // Issue 18: the update carries the phrase with the new count; the station's techInfo is a value, said as it is.
    expect(a!.details).toMatchObject({ phrase: { id: 'alert.securityEventsInfo', params: { station: 'CS-1', count: 2, eventType: 'TamperDetectionActivated', info: 'lid opened', latestAt: expect.stringMatching(/^2026-11-23T08:00/) } } });
    await evaluate(s, 61 * 60_000);
    expect((await alertsOf(s, 'security-event'))[0]!.state).toBe('closed');
    expect((await s.running.alerts.store.history(a!.id)).map((h) => h.event)).toEqual(['opened', 'updated', 'closed']);
  });

  it('a firmware update that failed (L01 FirmwareStatusNotification) closes on Installed; the input hook does the same for log uploads', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1'])]);
    const cs = await PlanningStation.connect(s, { id: 'CS-1' });
    stations.push(cs);
    await cs.boot();
    const fw = async (status: 'InstallationFailed' | 'Installed') => {
      const handled = s.running.events.once('message.handled', (e) => e.action === 'FirmwareStatusNotification');
      await cs.cs.call('FirmwareStatusNotification', { status, requestId: 7 });
      await handled;
    };
    const firmware = await expectOpensAndCloses(s, 'firmware-failed', () => fw('InstallationFailed'), () => fw('Installed'), /CS-1: firmware update failed with InstallationFailed/);
    expect(firmware.details).toMatchObject({ phrase: { id: 'alert.firmwareFailed', params: { station: 'CS-1', status: 'InstallationFailed', failedAt: expect.stringMatching(/^2026-11-23T08:00/) } } });
    const hook = s.running.alerts.failures;
    const logs = await expectOpensAndCloses(s, 'log-upload-failed', () => hook.failed('log-upload-failed', 'CS-1', 'UploadFailure', 'HTTP 500 from the upload URL'),
      () => hook.resolved('log-upload-failed', 'CS-1'), /CS-1: log upload failed with UploadFailure .*HTTP 500/);
    expect(logs.details).toMatchObject({ phrase: { id: 'alert.logUploadFailed', params: { station: 'CS-1', status: 'UploadFailure' } } });
  });

  it('a charger that ignores profiles (the scheduler’s verdict), then follows them again', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1'])]);
    const verdict = (compliance: 'ignores-profiles' | 'follows') =>
      s.running.events.emit('charger.status', { stationId: 'CS-1', evseId: 1, compliance, detail: compliance === 'follows' ? null : 'draws 11.00 kW against a limit of 4.00 kW', since: new Date(s.clock.now()).toISOString() });
    await expectOpensAndCloses(s, 'charger-ignores-profiles', () => verdict('ignores-profiles'), () => verdict('follows'), /accepts charging profiles but does not follow them: draws 11.00 kW/);
  });

  it('stale prices for the site’s zone, until new prices arrive', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1'])]);
    const a = await expectOpensAndCloses(s, 'prices-stale',
      () => s.running.events.emit('prices.stale', { zone: 'Z1', lastFetchedAt: undefined, ageMs: undefined, maxAgeMs: 3_600_000 }),
      () => s.running.events.emit('prices.updated', { zone: 'Z1', source: 'test', start: 0, end: 1, intervals: 1 }),
      /prices for zone Z1 are stale \(never received/);
    expect(a.siteId).toBe('site-a');
    expect(a.details).toMatchObject({ phrase: { id: 'alert.pricesNeverReceived', params: { priceZone: 'Z1', noticedAt: expect.stringMatching(/^2026-11-23T08:00/) } } });
    // Issue 18: prices that did arrive once say their age in whole hours, as the English does.
    s.running.events.emit('prices.stale', { zone: 'Z1', lastFetchedAt: undefined, ageMs: 26 * 3_600_000, maxAgeMs: 3_600_000 });
    await evaluate(s);
    const [again] = (await alertsOf(s, 'prices-stale')).filter((x) => x.state === 'open');
    expect(again!.message).toMatch(/stale \(26 h old, noticed /);
    expect(again!.details).toMatchObject({ phrase: { id: 'alert.pricesStale', params: { priceZone: 'Z1', ageHours: 26 } } });
  });

  it('a car that will miss its departure target (the plan’s shortfall), until a plan without it', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1'])]);
    const session = { stationId: 'CS-1', evseId: 1, transactionId: 'TX-1', vehicleId: 'VAN-1', shortfallKwh: 6.2, departureMs: Date.parse('2026-11-23T10:00:00Z'), shortfallReason: 'car-or-charger-power', shortfallMessage: 'even alone at its full 11 kW the car gets 13.8 of 20 kWh before 11:00' };
    const plan = (sessions: unknown[]) => ({ id: 1, siteId: 'site-a', sessions }) as unknown as PlanRecord;
    await expectOpensAndCloses(s, 'departure-shortfall', () => s.running.alerts.siteConditions.planMade(plan([session])), () => s.running.alerts.siteConditions.planMade(plan([{ ...session, shortfallKwh: 0 }])),
      /VAN-1 will be 6.2 kWh short at 2026-11-23T10:00:00.000Z: even alone at its full 11 kW/);
    // Issue 18: the message and its reason as ids and values (a plan stored before ids has no reason phrase).
    s.running.alerts.siteConditions.planMade(plan([{ ...session, shortfallPhrase: { id: 'shortfall.carPower', params: { maxKw: 11, kwh: 13.8, needKwh: 20, byAt: '2026-11-23T10:00:00.000Z' } } }]));
    await evaluate(s);
    const [open] = (await alertsOf(s, 'departure-shortfall')).filter((a) => a.state === 'open');
    expect(open!.details).toMatchObject({
      phrase: { id: 'alert.departureShortfall', params: { car: 'VAN-1', shortKwh: 6.2, departureAt: '2026-11-23T10:00:00.000Z' } },
      reasonPhrase: { id: 'shortfall.carPower' },
    });
  });

  it('metered power above the site’s grid limit, until it drops', async () => {
    const s = await start([site('site-a', 'fleet-a', ['CS-1', 'CS-2', 'CS-3'])]);
    const c = s.running.alerts.siteConditions;
    const at = () => s.clock.now();
    await expectOpensAndCloses(s, 'site-limit-exceeded',
      () => { c.meteredPower('CS-1', 1, 11, at()); c.meteredPower('CS-2', 1, 11, at()); c.meteredPower('CS-3', 1, 7, at()); },
      () => c.meteredPower('CS-3', 1, 0, at()),
      /site site-a draws 29 kW by its meters, above its 22 kW limit/);
    const [limit] = await alertsOf(s, 'site-limit-exceeded');
    expect(limit!.details).toMatchObject({ limitKw: 22, phrase: { id: 'alert.siteLimitExceeded', params: { site: 'site-a', drawKw: 29, limitKw: 22 } } });
  });
});

describe('no alert storm', { timeout: 180_000 }, () => {
  it('200 stations of one site offline after a network outage are one grouped alert for the site', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `CS-${String(i + 1).padStart(3, '0')}`);
    const s = await start([site('depot', 'fleet-a', ids), site('other', 'fleet-b', ['CS-X'])]);
    await evaluate(s, 6 * 60_000);
    const offline = await alertsOf(s, 'station-offline');
    const depot = offline.filter((a) => a.siteId === 'depot');
    expect(depot).toHaveLength(1);
    expect(depot[0]).toMatchObject({ grouped: true, memberCount: 200, subject: '*', state: 'open' });
    expect(depot[0]!.members).toEqual(ids);
    expect(depot[0]!.message).toMatch(/^200 stations offline at site depot: CS-001, CS-002/);
    // The other site's one station is its own alert.
    expect(offline.filter((a) => a.siteId === 'other')).toMatchObject([{ grouped: false, stationId: 'CS-X' }]);
    // A station of the depot comes back: the group updates, no new alert opens.
    const cs = await PlanningStation.connect(s, { id: 'CS-007' });
    stations.push(cs);
    await evaluate(s);
    const after = (await alertsOf(s, 'station-offline')).filter((a) => a.siteId === 'depot');
    expect(after).toMatchObject([{ id: depot[0]!.id, memberCount: 199, state: 'open' }]);
    expect(after[0]!.members).not.toContain('CS-007');
  });
});
