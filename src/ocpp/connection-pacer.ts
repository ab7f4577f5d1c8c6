import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ConnectLimits } from './handshake-limits.js';

interface Waiting {
  socket: Socket;
  at: number;
  /** The HTTP(S) server the socket is for. */
  target: HttpServer;
}

/**
 * Lets new TCP connections reach the HTTP(S) server a few per event-loop turn (issue 20, the reconnect storm's probe
 * heartbeat). Node reads and parses the upgrade request of every connection it accepted in one poll phase, all in that
 * phase: after a restart thousands of stations connect within a second, and the restarted server's longest
 * iterations (185 ms CPU) were that phase, parsing a few hundred upgrade requests and running their 'upgrade'
 * handlers while every connected station's frames waited. Here a plain listener accepts with `pauseOnConnect` (no
 * byte is read), and each turn hands at most `perTurn` waiting sockets to the HTTP server ('connection', the
 * documented way to pass it a socket) and resumes them: their requests are read in the next poll phase, a bounded
 * number at a time. The handshake queue (handshake-guard.ts) then bounds what their handshakes cost per turn.
 *
 * Each socket has an error listener from its first moment (`watch`); one that waited longer than the handshake
 * timeout is closed unread (its station has given up on it and retries); the listener holds at most maxConnections +
 * maxPendingHandshakes sockets (Node closes the rest at accept) and an accept failure (EMFILE) is logged, not thrown.
 */
export class ConnectionPacer {
  private readonly listeners: NetServer[] = [];
  private queue: Waiting[] = [];
  private head = 0;
  private pumping = false;
  private closed = false;

  /** `yieldTurn` resolves in the event loop's next turn (tests count turns with it). */
  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly logger: Logger,
    private readonly limits: Pick<ConnectLimits, 'maxConnections' | 'maxPendingHandshakes' | 'handshakeTimeoutSeconds' | 'listenBacklog'>,
    private readonly perTurn: number,
    private readonly watch: (socket: Socket) => void,
    private readonly yieldTurn: () => Promise<unknown> = () => nextTurn(),
  ) {}

  /** Listens for `target` (which never listens itself) and resolves with the port. */
  listen(target: HttpServer, port: number, host: string): Promise<number> {
    const listener = createNetServer({ pauseOnConnect: true }, (socket) => this.arrived(target, socket));
    listener.maxConnections = this.limits.maxConnections + this.limits.maxPendingHandshakes;
    this.listeners.push(listener);
    return new Promise<number>((resolve, reject) => {
      listener.once('error', reject);
      // A short accept queue (listen(2) backlog): a storm's surplus waits in the stations' TCP retries (issue 20).
      listener.listen({ port, host, backlog: this.limits.listenBacklog }, () => {
        listener.off('error', reject);
        listener.on('error', (err) => this.logger.error({ err }, 'OCPP listener error'));
        // The HTTP server tracks its connections' header and request timeouts from its 'listening' on.
        target.emit('listening');
        resolve((listener.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting and closes the sockets still waiting for their turn. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.queue.slice(this.head)) w.socket.destroy();
    this.queue = [];
    this.head = 0;
    await Promise.all(this.listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
  }

  /** Sockets accepted and not yet handed to the HTTP server. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private arrived(target: HttpServer, socket: Socket): void {
    this.watch(socket);
    if (this.closed) return void socket.destroy();
    this.queue.push({ socket, at: this.clock.now(), target });
    if (!this.pumping) {
      this.pumping = true;
      void this.pump();
    }
  }

  /** From the turn after the first arrival on: hands over up to `perTurn` sockets per turn, in order, until none waits. */
  private async pump(): Promise<void> {
    const timeoutMs = this.limits.handshakeTimeoutSeconds * 1000;
    while (!this.closed && this.head < this.queue.length) {
      await this.yieldTurn();
      const now = this.clock.now();
      let handed = 0;
      while (handed < this.perTurn && this.head < this.queue.length) {
        const { socket, at, target } = this.queue[this.head++]!;
        if (socket.destroyed) continue;
        if (now - at > timeoutMs) {
          socket.destroy();
          continue;
        }
        target.emit('connection', socket);
        socket.resume();
        handed++;
      }
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
    this.pumping = false;
  }
}
