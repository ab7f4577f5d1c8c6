/**
 * The station page's message log as the RPC layer writes it (issue 16): secrets redacted and payloads cut before a
 * frame is kept (frame-record.ts), and the writer (frame-log.ts) batching one write per event-loop turn, one write at
 * a time, each station's newest 100 per batch, and a bounded queue while the store is behind.
 */
import { describe, expect, it } from 'vitest';
import { frameRecord, redact, REDACTED } from '../../src/ocpp/frame-record.js';
import { FrameLog, MAX_BATCH } from '../../src/ocpp/frame-log.js';
import { FRAME_PAYLOAD_CHARS, type StationFrame, type StationFrameStore } from '../../src/domain/station-frames.js';
import { createLogger } from '../../src/platform/logger.js';
import { ManualClock } from '../../src/platform/clock.js';

const AT = '2026-12-07T03:00:00.000Z';
const logger = createLogger({ level: 'silent' });
const frame = (stationId: string, n: number): StationFrame =>
  frameRecord(stationId, AT, { direction: 'in', type: 'CALL', messageId: `m${n}`, action: 'Heartbeat', payload: {} });

describe('a frame as kept', () => {
  it('redacts BasicAuthPassword in SetVariables, GetVariables results and NotifyReport, and password or key fields anywhere', () => {
    const set = { setVariableData: [
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'hunter2-hunter2' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '60' },
    ] };
    const kept = frameRecord('S1', AT, { direction: 'out', type: 'CALL', messageId: '1', action: 'SetVariables', payload: set });
    expect(JSON.parse(kept.payload)).toEqual({ setVariableData: [
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: REDACTED },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '60' },
    ] });
    expect(set.setVariableData[0]!.attributeValue).toBe('hunter2-hunter2'); // the frame sent is not changed
    expect(redact({ getVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'x' }] }))
      .toEqual({ getVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: REDACTED }] });
    expect(redact({ reportData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, variableAttribute: [{ type: 'Actual', value: 'x' }] }] }))
      .toEqual({ reportData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, variableAttribute: [{ type: 'Actual', value: REDACTED }] }] });
    expect(redact({ connectionData: { apn: { apn: 'a', apnPassword: 'p', apnUserName: 'u' } }, data: { privateKey: 'k', private_key: 'k', clientSecret: 's' } }))
      .toEqual({ connectionData: { apn: { apn: 'a', apnPassword: REDACTED, apnUserName: 'u' } }, data: { privateKey: REDACTED, private_key: REDACTED, clientSecret: REDACTED } });
  });

  it('cuts a payload to its bound and keeps its full length', () => {
    const payload = { vendorId: 'v', data: 'x'.repeat(5000) };
    const kept = frameRecord('S1', AT, { direction: 'in', type: 'CALL', messageId: '1', action: 'DataTransfer', payload });
    expect(kept.payload).toHaveLength(FRAME_PAYLOAD_CHARS);
    expect(kept.payloadChars).toBe(JSON.stringify(payload).length);
    expect(frame('S1', 1)).toMatchObject({ payload: '{}', payloadChars: 2, at: AT, action: 'Heartbeat' });
  });
});

class SlowStore implements StationFrameStore {
  batches: StationFrame[][] = [];
  release: (() => void)[] = [];
  append(frames: readonly StationFrame[]): Promise<void> {
    this.batches.push([...frames]);
    return new Promise((resolve) => this.release.push(resolve));
  }
  newest(): Promise<StationFrame[]> { return Promise.resolve([]); }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the writer', () => {
  it('writes one batch per turn, one at a time; a station’s newest 100 of a batch', async () => {
    const store = new SlowStore();
    const log = new FrameLog(store, logger);
    for (let i = 0; i < 250; i++) log.add(frame('A', i));
    log.add(frame('B', 0));
    expect(store.batches).toHaveLength(0); // nothing written in the turn that read the frames
    await turn();
    expect(store.batches).toHaveLength(1);
    expect(store.batches[0]!.map((f) => f.messageId)).toEqual([...Array.from({ length: 100 }, (_, i) => `m${150 + i}`), 'm0']);
    // While the first write is under way, the frames of several turns wait for one next write.
    log.add(frame('A', 300));
    await turn();
    log.add(frame('A', 301));
    await turn();
    expect(store.batches).toHaveLength(1);
    const settled = log.settled();
    store.release.shift()!();
    await turn(); // the write settles, then the next is scheduled for the turn after
    await turn();
    expect(store.batches[1]!.map((f) => f.messageId)).toEqual(['m300', 'm301']);
    store.release.shift()!();
    await settled;
    expect(store.batches).toHaveLength(2);
  });

  it('drops the oldest half of its queue when the store is behind, and counts them', async () => {
    const store = new SlowStore();
    const log = new FrameLog(store, logger, 10);
    log.add(frame('A', 0));
    await turn(); // the first write hangs
    for (let i = 1; i <= 12; i++) log.add(frame(`S${i}`, i));
    expect(log.dropped).toBe(5);
    store.release.shift()!();
    await turn(); // the write settles, then the next is scheduled for the turn after
    await turn();
    expect(store.batches[1]!.map((f) => f.messageId)).toEqual(['m6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12']);
    store.release.shift()!();
    await log.settled();
  });
  it('with a window, writes one batch per window on the injected clock; settled() writes what waits at once', async () => {
    const store = new SlowStore();
    const clock = new ManualClock(AT);
    const log = new FrameLog(store, logger, 1000, { clock, ms: 1000 });
    for (let i = 0; i < 3; i++) log.add(frame('A', i));
    await turn();
    await turn();
    expect(store.batches).toHaveLength(0); // a chatty station's round trips wait for the window
    clock.advance(999);
    log.add(frame('A', 3));
    expect(store.batches).toHaveLength(0);
    clock.advance(1);
    expect(store.batches.map((b) => b.map((f) => f.messageId))).toEqual([['m0', 'm1', 'm2', 'm3']]);
    store.release.shift()!();
    await turn();
    log.add(frame('B', 4));
    const settled = log.settled(); // no clock step: written now (the page's read asks for this)
    await turn();
    expect(store.batches[1]!.map((f) => f.messageId)).toEqual(['m4']);
    store.release.shift()!();
    await settled;
    // Half the queue waiting: the next turn writes it, whatever the window.
    for (let i = 0; i < 500; i++) log.add(frame(`S${i}`, i));
    await turn();
    expect(store.batches).toHaveLength(3);
    // A write takes at most MAX_BATCH frames (it holds the event loop on SQLite); the rest follows it.
    expect(store.batches[2]).toHaveLength(MAX_BATCH);
    const rest = log.settled();
    store.release.shift()!();
    await turn();
    await turn();
    expect(store.batches[3]!.map((f) => f.messageId)).toEqual(Array.from({ length: 500 - MAX_BATCH }, (_, i) => `m${MAX_BATCH + i}`));
    store.release.shift()!();
    await rest;
  });
});
