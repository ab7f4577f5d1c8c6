import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { LogSampler } from '../platform/log-sampler.js';
import { truncateForLog } from '../platform/truncate.js';
import { HandshakeGate, StationBackoff, turnLimits, type Busy, type ConnectLimits, type TurnLimits } from './handshake-limits.js';
import { refuse } from './refuse.js';

/** Refusal log lines: the first 20 of every 10 s are written, then one line with the count of the rest. */
const LOG_WINDOW_MS = 10_000;
const LOG_PER_WINDOW = 20;

/** One event-loop turn of the queue's pump: when it began, what it started, and whether the next turn has come. */
interface Turn {
  start: number;
  started: number;
  passed: boolean;
  over: Promise<void>;
}

interface Queued {
  socket: Duplex;
  remote: string;
  at: number;
  run: () => Promise<void>;
}

export interface HandshakeRefusal {
  status: number;
  reason: string;
  retryAfterS?: number;
}

/**
 * What stands between the network and the OCPP handshake (issue 20): an error listener on every socket from its
 * first byte, timeouts for connections that never finish their request, admission by address and load, the back-off
 * of misbehaving stations, and refusals whose log lines are sampled.
 */
export class HandshakeGuard {
  readonly gate: HandshakeGate;
  readonly backoff: StationBackoff;
  private readonly sampler: LogSampler;
  private readonly watched = new WeakSet<Duplex>();
  private queue: Queued[] = [];
  private head = 0;
  private pumping = false;
  private readonly turns: TurnLimits;

  /** `yieldTurn` resolves in the event loop's next turn (tests count turns with it). */
  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly limits: ConnectLimits & Partial<TurnLimits>,
    private readonly yieldTurn: () => Promise<unknown> = () => nextTurn(),
  ) {
    this.turns = turnLimits(limits);
    this.gate = new HandshakeGate(clock, limits);
    this.backoff = new StationBackoff(clock, limits);
    this.sampler = new LogSampler(clock, logger, { windowMs: LOG_WINDOW_MS, perWindow: LOG_PER_WINDOW });
  }

  /**
   * Options for http(s).createServer: a connection that has not sent its whole upgrade request within the timeout
   * is answered 408 and closed (issue 20, finding 13: half-open connections were held 90 s), checked every second.
   */
  serverOptions(): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number; handshakeTimeout: number } {
    const ms = this.limits.handshakeTimeoutSeconds * 1000;
    return { headersTimeout: ms, requestTimeout: ms, connectionsCheckingInterval: Math.min(1000, ms), handshakeTimeout: ms };
  }

  /**
   * Listeners that keep one client's socket errors from ever reaching the process (finding 1). The TCP listener in
   * front of the server (connection-pacer.ts) caps the sockets and logs accept failures.
   */
  protect(server: Server): void {
    server.on('connection', (socket: Socket) => this.watch(socket, socket.remoteAddress));
    server.on('secureConnection', (socket: Socket) => this.watch(socket, socket.remoteAddress));
    server.on('tlsClientError', (err: Error, socket: Socket) => {
      this.sampler.warn('TLS handshake failed', { err: truncateForLog(err.message), remote: socket.remoteAddress }, 'TLS handshake failed');
      socket.destroy();
    });
  }

  /** Node removes its own error listener from a socket it hands to 'upgrade': ours must be there first. */
  watch(socket: Duplex, remote: string | undefined): void {
    if (this.watched.has(socket)) return;
    this.watched.add(socket);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.sampler.warn('OCPP socket error', { code: err.code, remote }, 'OCPP socket error: one client lost');
    });
  }

  /**
   * Admits a handshake (or answers 503 + Retry-After) and queues its work. The queue is worked off in the following
   * turns of the event loop, a few handshakes per turn and only for a few milliseconds (ocpp.limits.handshakesPerTurn,
   * handshakeTurnMs): a reconnect storm of thousands arriving in one poll phase otherwise held the loop while every
   * connected station's messages waited (issue 20, finding 2, and the storm's probe heartbeat). What waited in the
   * queue longer than the handshake timeout is turned away (its station has given up on it by then).
   */
  handle(socket: Duplex, remote: string, connections: number, run: () => Promise<void>): void {
    const busy: Busy | null = this.gate.admit(remote, connections);
    if (busy) return this.refuse(socket, remote, busy, {});
    this.gate.begin();
    this.queue.push({ socket, remote, at: this.clock.now(), run });
    if (!this.pumping) {
      this.pumping = true;
      void this.pump();
    }
  }

  private newTurn(): Turn {
    const turn: Turn = { start: this.clock.now(), started: 0, passed: false, over: Promise.resolve() };
    turn.over = this.yieldTurn().then(() => void (turn.passed = true));
    return turn;
  }

  /**
   * Starts the queued handshakes one at a time. Each one's own work (its store read, the upgrade, the station's
   * presence) runs before the next is started and before the turn's time is looked at again: on SQLite that work needs
   * no I/O and finishes within this turn, so the time measured is what the turn's handshakes cost. A handshake that
   * waits for I/O (PostgreSQL) holds nothing up: the next one starts at the latest in the next turn. The turn ends
   * after `handshakesPerTurn` handshakes, or after the first that ends `handshakeTurnMs` or more after the turn began;
   * the rest waits for the next turn, the poll phase (connected stations' frames) coming first.
   */
  private async pump(): Promise<void> {
    // Starts after the turn that queued the first handshake: every upgrade of one poll phase joins the queue first.
    await this.yieldTurn();
    let turn = this.newTurn();
    // close() replaces the queue: this pump then stops, and one started later works the new queue alone.
    const queue = this.queue;
    while (this.queue === queue && this.head < queue.length) {
      const spent = this.clock.now() - turn.start;
      if (turn.passed || turn.started >= this.turns.handshakesPerTurn || (turn.started > 0 && spent >= this.turns.handshakeTurnMs)) {
        if (!turn.passed) await turn.over;
        turn = this.newTurn();
        continue;
      }
      const q = queue[this.head++]!;
      if (q.socket.destroyed) {
        this.gate.end();
        continue;
      }
      turn.started++;
      const waited = this.clock.now() - q.at > this.limits.handshakeTimeoutSeconds * 1000;
      const refusal: HandshakeRefusal | null = this.gate.stillWelcome(q.remote)
        ?? (waited ? { status: 503, reason: 'waited too long for its turn', retryAfterS: 1 } : null);
      if (refusal) {
        this.gate.end();
        this.refuse(q.socket, q.remote, refusal, {});
        continue;
      }
      const run = q.run()
        .catch((err: unknown) => this.logger.error({ err, remote: q.remote }, 'OCPP handshake failed'))
        .finally(() => this.gate.end());
      await Promise.race([run, turn.over]);
    }
    if (this.queue !== queue) return;
    this.queue = [];
    this.head = 0;
    this.pumping = false;
  }

  /**
   * Answers a refused handshake and logs it (sampled). A refusal for what the client sent (4xx other than 409)
   * counts against its address; one for load (503) or a conflict does not.
   */
  refuse(socket: Duplex, remote: string, refusal: HandshakeRefusal, fields: { station?: string; url?: string }): void {
    if (refusal.status >= 400 && refusal.status < 500 && refusal.status !== 409) this.gate.failed(remote);
    const logged = { ...fields, ...(fields.url !== undefined ? { url: truncateForLog(fields.url) } : {}), remote, status: refusal.status, reason: refusal.reason };
    this.sampler.warn('OCPP handshake refused', logged, 'OCPP handshake refused');
    refuse(socket, refusal.status, refusal.retryAfterS);
  }

  close(): void {
    for (const q of this.queue.slice(this.head)) q.socket.destroy();
    this.queue = [];
    this.head = 0;
    this.pumping = false;
    this.sampler.close();
  }
}

/** The remote address of an upgrade request (a closed socket may have none left). */
export function remoteOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
