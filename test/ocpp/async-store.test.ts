/**
 * The OCPP server on an asynchronous store (issue 15): a station's CALLs are still handled one at a time in arrival
 * order while their handlers await the store; a handshake whose socket closes, whose store does not answer in time,
 * or that the server's close() overtakes, admits nobody, writes nothing to a dead socket and holds no admission slot;
 * a store failure is a logged InternalError and a failing event listener a log line, never an unhandled rejection.
 *
 * The station store is the real repository; `HeldStations` only lets the test choose when one `get` answers (or that it
 * fails), which is what a slow or unreachable database does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { OcppServer, type OcppServerConfig } from '../../src/ocpp/server.js';
import { emitEvent } from '../../src/ocpp/emit.js';
import { hashPassword } from '../../src/ocpp/auth/password.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import type { StationBootFacts, StationRecord } from '../../src/domain/stations.js';
import type { OcppEvents } from '../../src/domain/ocpp-events.js';
import { ManualClock } from '../../src/platform/clock.js';
import { TypedEvents } from '../../src/platform/events.js';
import { openTestStorage } from '../helpers/test-database.js';
import { ScriptedStation, type RawFrame } from '../helpers/scripted-station.js';
import { handshake } from '../helpers/ocpp-handshake.js';

const PASSWORD = 'a-long-station-secret-0001';

/** The real station repository, whose next read (`get`, `bootFacts`) of one id waits until the test releases it (or fails it). */
class HeldStations extends StationRepository {
  private held: { id: string; entered: () => void; released: Promise<void>; answer: () => void } | null = null;

  hold(id: string): { reached: Promise<void>; release: () => void; fail: (err: Error) => void; answered: Promise<void> } {
    let entered!: () => void;
    const reached = new Promise<void>((resolve) => (entered = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    let release!: () => void;
    let fail!: (err: Error) => void;
    const released = new Promise<void>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
    this.held = { id, entered, released, answer };
    return { reached, release, fail, answered };
  }

  override get(id: string): Promise<StationRecord | undefined> {
    return this.through(id, () => super.get(id));
  }

  /** A BootNotification's read of the station (its status columns). */
  override bootFacts(id: string): Promise<StationBootFacts | undefined> {
    return this.through(id, () => super.bootFacts(id));
  }

  private async through<T>(id: string, read: () => Promise<T>): Promise<T> {
    const h = this.held;
    if (h?.id === id) {
      this.held = null;
      h.entered();
      await h.released;
      // The real read after the release is a round trip on PostgreSQL: say when its answer is back.
      const record = await read();
      h.answer();
      return record;
    }
    return read();
  }
}

interface Harness {
  ocpp: OcppServer;
  stations: HeldStations;
  events: TypedEvents<OcppEvents>;
  clock: ManualClock;
  lines: Record<string, unknown>[];
  base: string;
  add(id: string): Promise<void>;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.ocpp.close();
  harness = undefined;
});

/** A logger that keeps every line. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  }));
  return { logger, lines };
}

async function startServer(limits: Partial<OcppServerConfig['limits']> = {}): Promise<Harness> {
  const storage = await openTestStorage();
  const stations = new HeldStations(storage.db);
  const clock = new ManualClock('2026-03-29T00:00:00Z');
  const { logger, lines } = capturingLogger();
  const events = new TypedEvents<OcppEvents>();
  const ocpp = new OcppServer({
    host: '127.0.0.1', port: 0, tlsPort: null, tls: null, path: '/ocpp', callTimeoutMs: 30_000, pingIntervalMs: 0,
    maxBadMessages: 10, badMessageWindowMs: 60_000, replaceExistingConnection: true, autoRegister: false, perMessageDeflate: false,
    limits: {
      handshakesPerAddressPerMinute: 1000, failuresPerAddressPerMinute: 1000, maxPendingHandshakes: 1, maxConnections: 100,
      listenBacklog: 50, handshakeTimeoutSeconds: 10, backoffInitialSeconds: 10, backoffMaxSeconds: 600, ...limits,
    },
  }, {
    ...createOcppRepositories(storage.db), stations, events, clock, logger, certificates: null,
    behaviour: {
      bootStatus: 'Accepted', heartbeatIntervalS: 300, bootRetryIntervalS: 30, acceptUnknownIdTokens: false,
      dataTransferVendors: [], readCapabilitiesOnBoot: false,
    },
  });
  const { port } = await ocpp.listen();
  return {
    ocpp, stations, events, clock, lines, base: `ws://127.0.0.1:${port}`,
    add: async (id) => {
      await stations.register({ id, passwordHash: hashPassword(PASSWORD), securityProfile: 1 }, '2026-03-29T00:00:00.000Z');
    },
  };
}

/** The server side of the next upgrade request (the test needs to see that socket close before the store answers). */
function nextUpgradeSocket(ocpp: OcppServer): Promise<Duplex> {
  const [server] = (ocpp as unknown as { servers: Server[] }).servers;
  return new Promise((resolve) => server!.once('upgrade', (_req, socket: Duplex) => resolve(socket)));
}

function sendUpgrade(port: number, id: string): Socket {
  const s = connect(port, '127.0.0.1', () => {
    s.write([
      `GET /ocpp/${id} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: ocpp2.0.1',
      `Authorization: Basic ${Buffer.from(`${id}:${PASSWORD}`).toString('base64')}`, '', '',
    ].join('\r\n'));
  });
  s.on('error', () => {});
  return s;
}

const portOf = (h: Harness) => Number(new URL(h.base).port);
const isReply = (f: RawFrame) => f[0] === 3 || f[0] === 4;

async function replies(cs: ScriptedStation, count: number): Promise<RawFrame[]> {
  for (;;) {
    const got = cs.received.filter(isReply);
    if (got.length >= count) return got;
    await cs.next(isReply);
  }
}

describe('a handshake waiting for the store', () => {
  it('whose client goes meanwhile is not upgraded, is not written to, records nothing and frees its admission slot', async () => {
    harness = await startServer();
    await harness.add('CS1');
    const connected: string[] = [];
    harness.events.on('station.connected', (e) => connected.push(e.stationId));
    const held = harness.stations.hold('CS1');
    const serverSide = nextUpgradeSocket(harness.ocpp);
    const client = sendUpgrade(portOf(harness), 'CS1');
    await held.reached;
    const gone = new Promise((resolve) => void serverSide.then((s) => s.once('close', resolve)));
    client.resetAndDestroy();
    await gone;
    held.release();
    // The first handshake frees its slot once its store answer is back and it sees the socket gone.
    await held.answered;
    await new Promise((resolve) => setImmediate(resolve));
    // maxPendingHandshakes is 1: a slot the first handshake still held would turn this one away with 503.
    const announced = harness.events.once('station.connected');
    const next = await handshake(harness.base, 'CS1', PASSWORD);
    expect(next.status).toBe(101);
    await announced;
    next.ws!.terminate();
    // Only the second handshake was admitted; the first ended without an error logged.
    expect(connected).toEqual(['CS1']);
    expect(harness.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('that the store does not answer within the handshake timeout is answered 503 + Retry-After, and the late answer admits nobody', async () => {
    harness = await startServer();
    await harness.add('CS1');
    const held = harness.stations.hold('CS1');
    const slow = handshake(harness.base, 'CS1', PASSWORD);
    await held.reached;
    harness.clock.advance(10_000);
    expect(await slow).toMatchObject({ status: 503, retryAfter: 5 });
    held.release();
    const next = await handshake(harness.base, 'CS1', PASSWORD);
    expect(next.status).toBe(101);
    expect(harness.ocpp.connectedCount()).toBe(1);
    next.ws!.terminate();
  });

  it('that close() overtakes: close waits for it, and it is refused, not admitted', async () => {
    harness = await startServer();
    await harness.add('CS1');
    const held = harness.stations.hold('CS1');
    const outcome = handshake(harness.base, 'CS1', PASSWORD).then((r) => r.status, () => 'connection closed');
    await held.reached;
    let closed = false;
    const closing = harness.ocpp.close().then(() => void (closed = true));
    // A round of the event loop: close() is waiting for the handshake, not done.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    held.release();
    await closing;
    expect(['connection closed', 503]).toContain(await outcome);
    expect(harness.ocpp.connectedCount()).toBe(0);
  });
});

describe("a station's CALLs while their handlers await the store", () => {
  it('are handled one at a time in arrival order: the boot admits what follows it, every reply in order, more than the read queue holds', async () => {
    harness = await startServer({ maxPendingHandshakes: 10 });
    await harness.add('CS1');
    await harness.add('CS2');
    const cs = await ScriptedStation.connect(harness.base, { id: 'CS1', password: PASSWORD });
    const held = harness.stations.hold('CS1');
    const ids = ['boot', 'status', ...Array.from({ length: 40 }, (_, i) => `hb-${i}`)];
    cs.sendRaw(JSON.stringify([2, 'boot', 'BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }]));
    cs.sendRaw(JSON.stringify([2, 'status', 'StatusNotification', { timestamp: '2026-03-29T00:00:00Z', connectorStatus: 'Available', evseId: 1, connectorId: 1 }]));
    for (const id of ids.slice(2)) cs.sendRaw(JSON.stringify([2, id, 'Heartbeat', {}]));
    await held.reached;
    // Another station is served meanwhile; this one's Heartbeats wait behind its boot.
    const other = await ScriptedStation.connect(harness.base, { id: 'CS2', password: PASSWORD });
    expect((await other.boot()).status).toBe('Accepted');
    expect(cs.received).toEqual([]);
    held.release();
    const got = await replies(cs, ids.length);
    expect(got.map((f) => [f[0], f[1]])).toEqual(ids.map((id) => [3, id]));
    expect(got.length).toBe(ids.length);
    expect((await harness.stations.get('CS1'))?.lastBootStatus).toBe('Accepted');
    await cs.close();
    await other.close();
  });

  it('a connection closed while its reading is paused (a full queue behind a slow store) closes at once', async () => {
    harness = await startServer();
    await harness.add('CS1');
    const cs = await ScriptedStation.connect(harness.base, { id: 'CS1', password: PASSWORD });
    const held = harness.stations.hold('CS1');
    cs.sendRaw(JSON.stringify([2, 'boot', 'BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }]));
    for (let i = 0; i < 40; i++) cs.sendRaw(JSON.stringify([2, `hb-${i}`, 'Heartbeat', {}]));
    await held.reached;
    // Without reading again, the close handshake would wait for ws's 30 s close timeout (beyond this test's).
    const closing = harness.ocpp.close();
    expect((await cs.closed).code).toBe(1001);
    await closing;
    held.release();
    expect(cs.received.filter(isReply)).toEqual([]);
  });

  it('a store failure is answered InternalError and logged, and the next CALL is handled', async () => {
    harness = await startServer();
    await harness.add('CS1');
    const cs = await ScriptedStation.connect(harness.base, { id: 'CS1', password: PASSWORD });
    const held = harness.stations.hold('CS1');
    const first = cs.callRaw('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }, 'boot-1')
      .then(() => 'result', (err: { code?: string }) => err.code);
    await held.reached;
    held.fail(new Error('the database went away'));
    expect(await first).toBe('InternalError');
    expect(harness.lines.find((l) => l.msg === 'handler failed')).toMatchObject({ station: 'CS1', action: 'BootNotification', err: { message: 'the database went away' } });
    expect((await cs.boot()).status).toBe('Accepted');
    await cs.close();
  });
});

describe('presence and events', () => {
  it('connected is written and announced before disconnected, and close() waits for the writes', async () => {
    harness = await startServer();
    await harness.add('CS1');
    const order: string[] = [];
    harness.events.on('station.connected', () => void order.push('connected'));
    harness.events.on('station.disconnected', () => void order.push('disconnected'));
    const cs = await ScriptedStation.connect(harness.base, { id: 'CS1', password: PASSWORD });
    harness.clock.advance(60_000);
    const gone = harness.events.once('station.disconnected');
    await cs.close();
    await gone;
    const cs2 = await ScriptedStation.connect(harness.base, { id: 'CS1', password: PASSWORD });
    harness.clock.advance(60_000);
    await harness.ocpp.close();
    expect(order).toEqual(['connected', 'disconnected', 'connected', 'disconnected']);
    expect(await harness.stations.get('CS1')).toMatchObject({
      lastConnectedAt: '2026-03-29T00:01:00.000Z', lastDisconnectedAt: '2026-03-29T00:02:00.000Z',
    });
    await cs2.closed;
  });

  it('a listener that throws is logged, and the station is served all the same', async () => {
    harness = await startServer();
    await harness.add('CS1');
    harness.events.on('station.connected', () => {
      throw new Error('listener broke on connect');
    });
    harness.events.on('message.handled', () => {
      throw new Error('listener broke on a message');
    });
    const cs = await ScriptedStation.connect(harness.base, { id: 'CS1', password: PASSWORD });
    expect((await cs.boot()).status).toBe('Accepted');
    expect((await cs.call('Heartbeat', {})).currentTime).toBe('2026-03-29T00:00:00.000Z');
    const failures = harness.lines.filter((l) => l.msg === 'OCPP event listener failed').map((l) => [l.event, (l.err as { message: string }).message]);
    expect(failures).toContainEqual(['station.connected', 'listener broke on connect']);
    expect(failures).toContainEqual(['message.handled', 'listener broke on a message']);
    await cs.close();
  });

  it('emitEvent logs a sink whose emit hands back a rejected promise, leaving no rejection unhandled', async () => {
    const { logger, lines } = capturingLogger();
    let rejected!: Promise<never>;
    const sink = {
      emit: (): void => {
        rejected = Promise.reject(new Error('async listener failed'));
        return rejected as unknown as void;
      },
    };
    emitEvent({ events: sink, logger }, 'message.handled', { stationId: 'CS1', action: 'Heartbeat' });
    await rejected.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.msg, l.event, (l.err as { message: string }).message])).toEqual([
      ['OCPP event listener failed', 'message.handled', 'async listener failed'],
    ]);
  });
});
