/**
 * The utilisation recorder's batches (issue 15: bench:ocpp's connect paid a commit per state-log row, and at 1,000
 * stations most turns' single row was a commit of its own): the rows of a window on the clock are one write, each
 * with the moment it was received; an Updated's time comes from the event, and only an event without it reads the
 * stored event back. On both databases.
 */
import { describe, expect, it } from 'vitest';
import type { OcppEvents } from '../../src/domain/ocpp-events.js';
import type { ReceivedEvseStateRow } from '../../src/domain/utilisation.js';
import { ManualClock } from '../../src/platform/clock.js';
import { TypedEvents } from '../../src/platform/events.js';
import { silentLogger } from '../../src/platform/logger.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import { UtilisationRepository } from '../../src/storage/utilisation-repository.js';
import { BATCH_ROWS, UtilisationRecorder, WINDOW_MS } from '../../src/wiring/utilisation-recorder.js';
import { testDatabase } from '../helpers/test-database.js';

async function setup() {
  const storage = await (await testDatabase()).open();
  const repos = createOcppRepositories(storage.db);
  await repos.stations.register({ id: 'S1', passwordHash: null, securityProfile: 0 }, '2026-09-01T00:00:00Z');
  const log = new UtilisationRepository(storage.db);
  const writes: ReceivedEvseStateRow[][] = [];
  const eventTimes: number[] = [];
  const counted = {
    record: log.record.bind(log),
    recordReceived: (rows: readonly ReceivedEvseStateRow[]) => {
      writes.push([...rows]);
      return log.recordReceived(rows);
    },
    eventTime: (stationId: string, transactionId: string, seqNo: number) => {
      eventTimes.push(seqNo);
      return log.eventTime(stationId, transactionId, seqNo);
    },
  };
  const clock = new ManualClock('2026-10-01T08:00:00Z');
  const events = new TypedEvents<OcppEvents>();
  const recorder = new UtilisationRecorder(counted, clock, silentLogger());
  recorder.start(events);
  const history = async () =>
    (await log.history(['S1'], '2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z')).log.map((r) => [r.kind, r.value, new Date(r.at).toISOString()]).sort();
  return { storage, repos, events, recorder, clock, writes, eventTimes, history };
}

describe('the utilisation recorder writes one batch per window', () => {
  it("a window's rows are one write, each with the moment it was received", async () => {
    const { events, recorder, clock, writes, history } = await setup();
    events.emit('station.connected', { stationId: 'S1', at: '2026-10-01T08:00:00.000Z', acceptedBefore: true });
    clock.advance(5);
    events.emit('connector.status', { stationId: 'S1', evseId: 1, connectorId: 1, status: 'Occupied', at: '2026-10-01T08:00:01.000Z' });
    clock.advance(5);
    events.emit('message.handled', { stationId: 'S1', action: 'Authorize' });
    await recorder.settled();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((r) => [r.kind, r.receivedAt])).toEqual([
      ['link', '2026-10-01T08:00:00.000Z'], ['connector', '2026-10-01T08:00:00.005Z'], ['authorize', '2026-10-01T08:00:00.010Z'],
    ]);
    expect(await history()).toEqual([
      ['authorize', 'Authorize', '2026-10-01T08:00:00.010Z'],
      ['connector', 'Occupied', '2026-10-01T08:00:01.000Z'],
      ['link', 'connected', '2026-10-01T08:00:00.000Z'],
    ]);
    // A later window is a write of its own.
    events.emit('station.disconnected', { stationId: 'S1', at: '2026-10-01T09:00:00.000Z', reason: 'test' });
    await recorder.settled();
    expect(writes).toHaveLength(2);
  });

  it(`rows of several turns share one write when the window ends on the clock (${WINDOW_MS} ms), without settled()`, async () => {
    const { events, clock, recorder, writes, history } = await setup();
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    events.emit('station.connected', { stationId: 'S1', at: '2026-10-01T08:00:00.000Z', acceptedBefore: true });
    await turn();
    events.emit('connector.status', { stationId: 'S1', evseId: 1, connectorId: 1, status: 'Occupied', at: '2026-10-01T08:00:00.100Z' });
    await turn();
    expect(writes).toHaveLength(0);
    clock.advance(WINDOW_MS);
    expect(writes.map((w) => w.map((r) => r.kind))).toEqual([['link', 'connector']]);
    await recorder.settled(); // the write under way; nothing else waits
    expect(writes).toHaveLength(1);
    expect(await history()).toHaveLength(2);
  });

  it(`more than ${BATCH_ROWS} rows in one turn are written ${BATCH_ROWS} at a time, every one of them`, async () => {
    const { events, recorder, writes, history } = await setup();
    const n = BATCH_ROWS + 20;
    for (let i = 0; i < n; i++) events.emit('connector.status', { stationId: 'S1', evseId: 1, connectorId: 1, status: i % 2 ? 'Occupied' : 'Available', at: new Date(Date.parse('2026-10-01T10:00:00Z') + i * 1000).toISOString() });
    await recorder.settled();
    expect(writes.map((w) => w.length)).toEqual([BATCH_ROWS, 20]);
    expect(await history()).toHaveLength(n);
  });

  it("an Updated that changes the charging state is logged at the event's timestamp, without reading the event back unless the bus lacks it", async () => {
    const { repos, events, recorder, eventTimes, history } = await setup();
    const apply = async (seqNo: number, eventType: 'Started' | 'Updated', timestamp: string, chargingState: string, withTimestamp: boolean) => {
      const r = await repos.transactions.applyEvent({
        stationId: 'S1', transactionId: 'T1', seqNo, eventType, triggerReason: 'ChargingStateChanged', timestamp, offline: false, evseId: 1, connectorId: 1,
        chargingState, meterValues: [], payload: {},
      }, timestamp);
      const base = { stationId: 'S1', transaction: r.transaction, eventType, seqNo, duplicate: r.duplicate };
      events.emit('transaction.event', withTimestamp ? { ...base, timestamp } : base);
      await recorder.settled();
    };
    await apply(0, 'Started', '2026-10-01T11:00:00+02:00', 'EVConnected', true);
    await apply(1, 'Updated', '2026-10-01T11:05:00+02:00', 'Charging', true);
    await apply(2, 'Updated', '2026-10-01T11:06:00+02:00', 'Charging', true); // the same state: no row
    await apply(3, 'Updated', '2026-10-01T11:30:00+02:00', 'SuspendedEV', false); // relayed by an older node
    expect(eventTimes).toEqual([3]);
    expect(await history()).toEqual([
      ['charging', 'Charging', '2026-10-01T09:05:00.000Z'],
      ['charging', 'EVConnected', '2026-10-01T09:00:00.000Z'],
      ['charging', 'SuspendedEV', '2026-10-01T09:30:00.000Z'],
    ]);
  });
});
