/**
 * New connections reach the HTTP server a few per event-loop turn (src/ocpp/connection-pacer.ts, issue 20: the
 * restarted server's longest iterations were one poll phase parsing hundreds of upgrade requests while connected
 * stations' frames waited). A real listener on port 0 and real sockets; the pacer's yieldTurn counts the turns; a
 * manual clock stands for the time a socket waited.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionPacer } from '../../src/ocpp/connection-pacer.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';

const LIMITS = { maxConnections: 100, maxPendingHandshakes: 100, handshakeTimeoutSeconds: 10, listenBacklog: 200 };

describe('ConnectionPacer: connections handed to the HTTP server per event-loop turn', () => {
  let clock: ManualClock;
  let turns: number;
  let http: Server;
  let pacer: ConnectionPacer;
  let clients: Socket[];
  /** Per connection the HTTP server was given, the turn it was given in. */
  let handedIn: number[];
  let watched: number;
  let hold: Promise<void> | null;

  const pacerWith = (perTurn: number) => new ConnectionPacer(clock, silentLogger(), LIMITS, perTurn, () => void watched++, async () => {
    await hold;
    await nextTurn();
    turns++;
  });
  /** Opens `n` client connections and resolves once the listener accepted them all (`watch` saw each). */
  const open = async (port: number, n: number) => {
    const before = watched;
    for (let i = 0; i < n; i++) {
      const c = connect(port, '127.0.0.1');
      c.on('error', () => {});
      clients.push(c);
    }
    while (watched < before + n) await new Promise((r) => setTimeout(r, 5));
  };
  const closed = (c: Socket) => new Promise<void>((resolve) => (c.destroyed ? resolve() : c.once('close', () => resolve())));

  beforeEach(() => {
    clock = new ManualClock('2026-10-25T00:00:00Z');
    turns = 0;
    handedIn = [];
    watched = 0;
    clients = [];
    hold = null;
    http = createServer((_req: IncomingMessage, res) => res.end('ok'));
    http.on('connection', () => handedIn.push(turns));
  });
  afterEach(async () => {
    for (const c of clients) c.destroy();
    await pacer.close();
  });

  it('hands at most perTurn sockets to the HTTP server in a turn, in arrival order, and each is then served', async () => {
    pacer = pacerWith(4);
    // Held until all ten are accepted: they arrive in one go, as in a storm.
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    const port = await pacer.listen(http, 0, '127.0.0.1');
    await open(port, 10);
    expect(pacer.waiting).toBe(10);
    expect(handedIn).toEqual([]);
    release();
    while (handedIn.length < 10) await nextTurn();
    const perTurn = [...handedIn.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<number, number>()).values()];
    expect(perTurn).toEqual([4, 4, 2]);
    expect(pacer.waiting).toBe(0);
    // A socket handed over is read and answered like any (the HTTP server never listened itself).
    const c = clients[9]!;
    const answer = new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())));
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await answer).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });

  it('closes unread a socket that waited longer than the handshake timeout; close() closes those still waiting', async () => {
    pacer = pacerWith(1);
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    const port = await pacer.listen(http, 0, '127.0.0.1');
    await open(port, 3);
    clock.advance(LIMITS.handshakeTimeoutSeconds * 1000 + 1);
    release();
    await Promise.all(clients.map(closed));
    expect(handedIn).toEqual([]);

    hold = new Promise<void>(() => {});
    clients = [];
    await open(port, 2);
    expect(pacer.waiting).toBe(2);
    await pacer.close();
    await Promise.all(clients.map(closed));
    expect(pacer.waiting).toBe(0);
    expect(handedIn).toEqual([]);
  });
});
