/**
 * What one station can store (issue 20, findings 10 and 12): payloads capped with size and SHA-256 kept for what
 * is cut, a per-station budget per minute of the injected clock, and NotifyEvent rows that no longer copy the
 * whole request into every event.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/index.js';
import { StationLogRepository } from '../../src/storage/station-log-repository.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { openTestStorage } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';

const PASSWORD = 'correct-horse-battery';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let server: TestServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function bootedStation(id = 'CS1') {
  // The finding's 3.9 MB frame is now refused whole (1009) by the default ocpp.limits.maxFrameBytes (1 MiB,
  // frame-size.test.ts); a deployment that raises the limits still stores no more than the cap, which this checks.
  server ??= await startTestServer({ ocpp: { limits: { maxFrameBytes: 4 * 1024 * 1024, inboundBurstBytes: 16 * 1024 * 1024, inboundBytesPerMinute: 16 * 1024 * 1024 } } });
  await server.addStation(id, PASSWORD);
  // Compressed like the finding's: 3.9 MB of payload is a few KB on the wire.
  const cs = await ScriptedStation.connect(server.wsUrl, { id, password: PASSWORD, perMessageDeflate: true });
  cs.respond('GetVariables', smartChargingVariables());
  await cs.boot();
  return cs;
}

/** What each row stores: the payload's UTF-8 bytes as kept, the size it had, its hash when cut (in insertion order). */
async function storedRows(d: Db, table: 'station_messages' | 'station_events' = 'station_messages') {
  const rows = await d.selectFrom(table).select(['payload', 'payload_bytes', 'payload_sha256']).orderBy('id').execute();
  return rows.map((r) => ({ stored: Buffer.byteLength(r.payload), bytes: r.payload_bytes, sha: r.payload_sha256 }));
}

describe('stored payloads are capped (finding 10)', () => {
  it('a 3.9 MB DataTransfer of an unknown vendor stores at most the cap, plus its size and SHA-256', async () => {
    const cs = await bootedStation();
    const payload = { vendorId: 'no.such.vendor', messageId: 'dump', data: { dump: 'x'.repeat(3_900_000) } };
    expect(await cs.call('DataTransfer', payload)).toEqual({ status: 'UnknownVendorId' });
    const json = JSON.stringify(payload);
    const [row] = await storedRows(server!.running.db);
    expect(row!.stored).toBeLessThanOrEqual(65_536);
    expect(row!.bytes).toBe(Buffer.byteLength(json));
    expect(row!.sha).toBe(sha256(json));
    const [message] = await server!.running.repositories.stationLog.messages('CS1', 'DataTransfer');
    expect(message!.payload).toBeNull();
    expect(message!.cut).toEqual({ bytes: json.length, sha256: sha256(json), head: json.slice(0, 65_536) });
  });

  it('a small one is kept verbatim, with its size and no hash', async () => {
    const cs = await bootedStation();
    const payload = { vendorId: 'no.such.vendor', data: { a: [1, 2, 3] } };
    await cs.call('DataTransfer', payload);
    expect(await server!.running.repositories.stationLog.messages('CS1')).toEqual([
      { action: 'DataTransfer', payload, receivedAt: '2026-03-29T00:00:00.000Z' },
    ]);
    expect((await storedRows(server!.running.db))[0]).toMatchObject({ bytes: JSON.stringify(payload).length, sha: null });
  });

  it('each NotifyEvent row keeps its own event, not a copy of the whole request (N copies grew as N x size)', async () => {
    const cs = await bootedStation();
    const event = (eventId: number) => ({
      eventId, timestamp: '2026-03-29T00:00:00Z', trigger: 'Alerting' as const, eventNotificationType: 'HardWiredNotification' as const,
      actualValue: 'v'.repeat(2_000), component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'Problem' },
    });
    const eventData = Array.from({ length: 50 }, (_, i) => event(i + 1));
    await cs.callRaw('NotifyEvent', { generatedAt: '2026-03-29T00:00:00Z', seqNo: 0, eventData });
    const rows = await server!.running.db.selectFrom('station_events').select(['event_id', 'payload']).orderBy('id').execute();
    expect(rows).toHaveLength(50);
    rows.forEach((r, i) => expect(JSON.parse(r.payload)).toEqual(eventData[i]));
  });
});

describe('a per-station storage budget per minute of the injected clock (finding 12)', () => {
  async function repository(limits: { maxPayloadBytes: number; stationBytesPerMinute: number }) {
    const { db } = await openTestStorage();
    const stations = new StationRepository(db);
    for (const id of ['A', 'B']) await stations.register({ id, passwordHash: null, securityProfile: 0 }, '2026-03-29T00:00:00.000Z');
    return { db, log: new StationLogRepository(db, limits) };
  }
  const payloadOf = (bytes: number) => ({ vendorId: 'v', data: 'd'.repeat(bytes - '{"vendorId":"v","data":""}'.length) });

  it('beyond the budget only the size and hash are stored, per station, until the next minute', async () => {
    const { db, log } = await repository({ maxPayloadBytes: 1_000, stationBytesPerMinute: 2_500 });
    const p = payloadOf(600);
    for (let i = 0; i < 6; i++) await log.recordMessage('A', 'DataTransfer', p, `2026-03-29T00:00:${String(10 + i * 5)}.000Z`);
    await log.recordMessage('B', 'DataTransfer', p, '2026-03-29T00:00:59.000Z');
    await log.recordMessage('A', 'DataTransfer', p, '2026-03-29T00:01:00.000Z');
    const json = JSON.stringify(p);
    expect((await storedRows(db)).map((r) => [r.stored, r.bytes, r.sha])).toEqual([
      [600, 600, null], [600, 600, null], [600, 600, null], [600, 600, null],
      // 2,400 of 2,500 used: the fifth keeps a 100-byte head, the sixth only its size and hash.
      [100, 600, sha256(json)], [0, 600, sha256(json)],
      // Another station has its own budget; the next minute starts afresh.
      [600, 600, null], [600, 600, null],
    ]);
  });

  it('a station sending 200 kB every 100 ms for a simulated minute stores the budget, not 120 MB', async () => {
    const { db, log } = await repository({ maxPayloadBytes: 65_536, stationBytesPerMinute: 1_048_576 });
    const p = payloadOf(200_000);
    const start = Date.parse('2026-03-29T00:00:00.000Z');
    for (let i = 0; i < 600; i++) await log.recordMessage('A', 'DataTransfer', p, new Date(start + i * 100).toISOString());
    const rows = await storedRows(db);
    expect(rows).toHaveLength(600);
    expect(rows.reduce((s, r) => s + r.stored, 0)).toBeLessThanOrEqual(1_048_576);
  });
});
