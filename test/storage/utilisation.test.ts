/**
 * Utilisation's history on both databases (issue 17, migration 0021): the fixture week (test/fixtures/utilisation/
 * week.ts) played as the OCPP server reports it (the event bus, through the recorder, and TransactionEvents through
 * the real transaction store), then read back with the one bounded read and computed: the hand-computed figures.
 */
import { describe, expect, it } from 'vitest';
import type { OcppEvents } from '../../src/domain/ocpp-events.js';
import type { MeterSample } from '../../src/domain/stations.js';
import { ManualClock } from '../../src/platform/clock.js';
import { TypedEvents } from '../../src/platform/events.js';
import { silentLogger } from '../../src/platform/logger.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import { UtilisationRepository } from '../../src/storage/utilisation-repository.js';
import { UtilisationRecorder } from '../../src/wiring/utilisation-recorder.js';
import { utilisationPeriod } from '../../src/scheduler/utilisation-calendar.js';
import { testDatabase } from '../helpers/test-database.js';
import { AUTHORIZES, FROM, LINKS, NOW, SESSIONS, STATUSES, TO, ZONE } from '../fixtures/utilisation/week.js';
import { expectFixtureWeek, fixtureWeek } from '../fixtures/utilisation/expected.js';

/** The same instant as the station might write it: with its local offset (OCPP allows any), so storage must compare instants. */
const withOffset = (iso: string, hours: number) => {
  const d = new Date(Date.parse(iso) + hours * 3_600_000).toISOString().slice(0, 19);
  return `${d}+0${hours}:00`;
};

const register = (timestamp: string, wh: number): MeterSample[] => [{ timestamp, measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh', context: 'Transaction.Begin' }];

async function playWeek() {
  const storage = await (await testDatabase()).open();
  const repos = createOcppRepositories(storage.db);
  for (const id of ['S1', 'S2']) await repos.stations.register({ id, passwordHash: null, securityProfile: 0 }, '2026-09-01T00:00:00Z');
  const log = new UtilisationRepository(storage.db);
  const clock = new ManualClock('2026-09-01T00:00:00Z');
  const events = new TypedEvents<OcppEvents>();
  const recorder = new UtilisationRecorder(log, clock, silentLogger());
  recorder.start(events);
  for (const [stationId, evseId, connectorId, status, at] of STATUSES) events.emit('connector.status', { stationId, evseId, connectorId, status, at });
  for (const [stationId, value, at] of LINKS) events.emit(value === 'connected' ? 'station.connected' : 'station.disconnected', { stationId, at, reason: 'test' });
  for (const [stationId, at] of AUTHORIZES) {
    clock.set(Date.parse(at));
    events.emit('message.handled', { stationId, action: 'Authorize' });
    events.emit('message.handled', { stationId, action: 'Heartbeat' });
  }
  for (const s of SESSIONS) {
    let seqNo = 0;
    const apply = async (eventType: 'Started' | 'Updated' | 'Ended', timestamp: string, chargingState: string | undefined, meterValues: MeterSample[]) => {
      const r = await repos.transactions.applyEvent({
        stationId: s.stationId, transactionId: s.id, seqNo: seqNo++, eventType, triggerReason: eventType === 'Updated' ? 'ChargingStateChanged' : 'Authorized',
        timestamp, offline: false, evseId: s.evseId, connectorId: 1, chargingState, meterValues, payload: {},
      }, timestamp);
      events.emit('transaction.event', { stationId: s.stationId, transaction: r.transaction, eventType, seqNo: seqNo - 1, duplicate: r.duplicate });
      await recorder.settled();
    };
    const [first, ...changes] = s.charging;
    // Station A writes its local offset (+02:00 in October before the change): compared as instants.
    await apply('Started', s.id === 'A' ? withOffset(s.startedAt, 2) : s.startedAt, first![1], s.energyWh === null ? [] : register(s.startedAt, 1_000));
    for (const [at, state] of changes) await apply('Updated', at, state, []);
    // A periodic meter event repeats the state: no new row.
    await apply('Updated', s.endedAt, undefined, []);
    await apply('Ended', s.endedAt, undefined, s.energyWh === null ? [] : register(s.endedAt, 1_000 + s.energyWh));
  }
  await recorder.settled();
  recorder.stop();
  return { storage, log, events, recorder };
}

describe('utilisation from both databases (migration 0021)', () => {
  it('the fixture week played through the recorder and the transaction store gives the hand-computed figures', async () => {
    const { log } = await playWeek();
    const p = utilisationPeriod(ZONE, Date.parse(NOW), FROM, TO);
    const history = await log.history(['S1', 'S2'], new Date(p.startMs).toISOString(), new Date(p.endMs).toISOString());
    // Inside the week one row per change: 4 statuses, 2 link changes, 3 Authorize (not the Heartbeats), 8 chargingState
    // changes (a periodic Updated repeating the state writes none); before it, the latest row per key.
    expect(history.log.filter((r) => Date.parse(r.at) >= p.startMs).length).toBe(4 + 2 + 3 + 8);
    expectFixtureWeek(fixtureWeek(history));
  });

  it('the read: the latest row before the period per key, rows inside it, sessions overlapping it, nothing of other stations', async () => {
    const { log } = await playWeek();
    const h = await log.history(['S2'], '2026-10-18T23:00:00Z', '2026-10-20T00:00:00Z');
    expect(h.sessions.map((s) => [s.stationId, s.evseId, Date.parse(s.startedAt), s.energyWh]).sort((a, b) => (a[2] as number) - (b[2] as number))).toEqual([
      ['S2', 1, Date.parse('2026-10-18T18:00:00Z'), 12_000],
      ['S2', 1, Date.parse('2026-10-19T17:00:00Z'), 10_000],
    ]);
    const rows = h.log.map((r) => [r.kind, r.evseId, r.value, new Date(r.at).toISOString()]).sort();
    expect(rows).toEqual([
      ['charging', 1, 'Charging', '2026-10-18T18:00:00.000Z'],
      ['charging', 1, 'Charging', '2026-10-19T17:00:00.000Z'],
      ['connector', 1, 'Available', '2026-10-01T08:00:00.000Z'],
      ['link', 0, 'connected', '2026-10-01T08:00:00.000Z'],
    ]);
    expect(await log.history([], '2026-10-19T00:00:00Z', '2026-10-20T00:00:00Z')).toEqual({ sessions: [], log: [] });
  });

  it('a repeated StatusNotification (queued offline and sent again) is one row', async () => {
    const { log, events, recorder } = await playWeek();
    recorder.start(events);
    events.emit('connector.status', { stationId: 'S1', evseId: 2, connectorId: 1, status: 'Faulted', at: '2026-10-22T09:00:00+02:00' });
    await recorder.settled();
    const h = await log.history(['S1'], '2026-10-22T00:00:00Z', '2026-10-23T00:00:00Z');
    expect(h.log.filter((r) => r.kind === 'connector' && r.value === 'Faulted')).toHaveLength(1);
  });
});
