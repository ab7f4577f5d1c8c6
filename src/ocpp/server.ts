import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { StationDirectory } from '../domain/ports.js';
import type { TimerHandle } from '../platform/clock.js';
import type { CsmsAction, RequestOf, ResponseOf } from './schemas/generated/index.js';
import { OcppValidator } from './rpc/validator.js';
import { OcppCallError } from './rpc/call-error.js';
import { stationIdProblem } from '../domain/station-id.js';
import { turnLimits, type ConnectLimits, type TurnLimits } from './handshake-limits.js';
import { HandshakeGuard, remoteOf, type HandshakeRefusal } from './handshake-guard.js';
import { refuse } from './refuse.js';
import type { ClientCertTlsOptions } from './auth/client-cert.js';
import type { OcppServices } from './handlers/types.js';
import { PresenceRecorder } from './presence-writer.js';
import { ConnectionPacer } from './connection-pacer.js';
import { permitAfter } from './session-permits.js';
import { StationAuthenticator, type AuthVerdict } from './station-auth.js';
import { DEFAULT_FRAME_LIMITS, InboundByteBudgets, type FrameLimits } from './frame-limits.js';
import type { OcppObserver } from '../platform/metrics.js';
import { observeCall, ObservedValidator } from './observer.js';
import { FrameLog } from './frame-log.js';
import { acceptStation, SUBPROTOCOL, type Live, type StationLinkDeps } from './station-link.js';

export { SUBPROTOCOL };
export interface OcppServerConfig {
  host: string;
  /** Plain ws port (security profile 1); null to disable. 0 picks a free port. */
  port: number | null;
  /** wss port (security profile 2); needs `tls`. */
  tlsPort: number | null;
  /** With a CA (`ca`, `requestCert`), station certificates are asked for: security profile 3 (auth/client-cert.ts). */
  tls: ({ cert: string | Buffer; key: string | Buffer } & ClientCertTlsOptions) | null;
  /** The OCPP-J endpoint path; stations append `/{stationId}`. */
  path: string;
  callTimeoutMs: number;
  pingIntervalMs: number;
  maxBadMessages: number;
  /** The window over which `maxBadMessages` invalid messages end a connection (close 1008). */
  badMessageWindowMs: number;
  /** A second connection with the same station id replaces the first (true) or is refused (false). */
  replaceExistingConnection: boolean;
  /** Lab mode: unknown stations are registered on first connection. Never in production. */
  autoRegister: boolean;
  /** RFC 7692 compression; Part 4, 3.3 makes it required for a CSMS. */
  perMessageDeflate: boolean;
  /**
   * Rate limits, caps, timeouts and back-off of the handshake (handshake-limits.ts, docs/security.md), and the frame
   * size and per-station inbound byte rate (frame-limits.ts; DEFAULT_FRAME_LIMITS where absent).
   */
  limits: ConnectLimits & Partial<FrameLimits> & Partial<TurnLimits>;
}


type Refusal = HandshakeRefusal;

/**
 * The embedded OCPP 2.0.1 CSMS endpoint (Part 4): WebSocket upgrade with subprotocol and Basic-auth checks
 * (A00), one RpcConnection per station, keepalive, and the typed `call` the rest of the product uses.
 */
export class OcppServer implements StationDirectory {
  private readonly validator: OcppValidator;
  private readonly wss: WebSocketServer;
  private readonly live = new Map<string, Live>();
  private readonly servers: Server[] = [];
  private readonly guard: HandshakeGuard;
  /** New connections reach the HTTP server a few per turn (connection-pacer.ts). */
  private readonly pacer: ConnectionPacer;
  private readonly auth: StationAuthenticator;
  private readonly inbound: InboundByteBudgets;
  /** Handshakes past admission and not yet finished (close() waits for them before the store is closed). */
  private readonly upgrading = new Set<Promise<void>>();
  /** Presence changes, per station in order, batched per turn (presence-writer.ts). */
  private readonly presence: PresenceRecorder;
  /** Issue 16: every frame in and out, written once a second for the station page (frame-log.ts); null without a store. */
  private readonly frames: FrameLog | null;
  /** What each station's connection shares with this server (station-link.ts). */
  private readonly link: StationLinkDeps;
  private closed = false;

  constructor(
    private readonly config: OcppServerConfig,
    private readonly services: OcppServices,
    /** Metrics (issue 17): calls, handled messages, schema failures; nothing reported without one. */
    private readonly observer: OcppObserver = {},
  ) {
    this.validator = new ObservedValidator(observer);
    this.guard = new HandshakeGuard(services.clock, services.logger, config.limits);
    this.pacer = new ConnectionPacer(services.clock, services.logger, config.limits, turnLimits(config.limits).connectionsPerTurn,
      (socket) => this.guard.watch(socket, socket.remoteAddress));
    this.auth = new StationAuthenticator(services, config.autoRegister);
    this.presence = new PresenceRecorder(services.stations, services.logger, services.clock, config.limits);
    // The message log is written once a second (frame-log.ts says why); the page's read writes what waits first.
    this.frames = services.frames ? new FrameLog(services.frames, services.logger, undefined, { clock: services.clock, ms: 1000 }) : null;
    const { maxFrameBytes, inboundBytesPerMinute, inboundBurstBytes } = { ...DEFAULT_FRAME_LIMITS, ...config.limits };
    const frames: FrameLimits = { maxFrameBytes, inboundBytesPerMinute, inboundBurstBytes };
    this.inbound = new InboundByteBudgets(services.clock, frames);
    let connections = 0;
    this.link = {
      services, observer, validator: this.validator, presence: this.presence, frames: this.frames, inbound: this.inbound, guard: this.guard,
      live: this.live, settings: config, nextConnection: () => ++connections, call: (id, a, p) => this.call(id, a, p),
    };
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: config.perMessageDeflate ? { threshold: 256, serverNoContextTakeover: true } : false,
      // Part 4, 3.2: if the station offers no ocpp2.0.1, finish the handshake without a subprotocol, then close.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      // A larger frame is closed with 1009 before it is buffered whole (also after inflating: ws checks both).
      maxPayload: frames.maxFrameBytes,
    });
  }

  async listen(): Promise<{ port: number | null; tlsPort: number | null }> {
    // The pacer listens (short accept queue, ocpp.limits.listenBacklog) and hands connections over a few per turn.
    const start = (server: Server, port: number) => this.pacer.listen(server, port, this.config.host);
    let port: number | null = null;
    let tlsPort: number | null = null;
    if (this.config.port !== null) {
      const server = createHttpServer(this.guard.serverOptions(), (_req, res) => res.writeHead(426, { Upgrade: 'websocket' }).end('OCPP-J endpoint: use a WebSocket\n'));
      this.attach(server, false);
      port = await start(server, this.config.port);
    }
    if (this.config.tlsPort !== null) {
      if (!this.config.tls) throw new Error('ocpp.tlsPort is set but ocpp.tls has no certificate and key');
      // A00.FR.313: TLS 1.2 or above only.
      const server = createHttpsServer({ ...this.config.tls, minVersion: 'TLSv1.2', ...this.guard.serverOptions() }, (_req, res) => res.writeHead(426).end());
      this.attach(server, true);
      tlsPort = await start(server, this.config.tlsPort);
    }
    return { port, tlsPort };
  }

  /**
   * Stops listening and closes every connection. Resolves once handshakes still waiting for the store have finished
   * (each refused: nothing is admitted after close) and every presence write is done, so the store can be closed next.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const [, l] of this.live) l.conn.close(1001, 'server shutting down');
    this.live.clear();
    this.guard.close();
    // The listeners close once every socket they accepted has ended: after the servers close their connections.
    const listenersClosed = this.pacer.close();
    await Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      })),
    );
    await listenersClosed;
    await Promise.all([...this.upgrading]);
    await this.presence.settled();
    await this.frames?.settled();
    this.wss.close();
  }

  isConnected(stationId: string): boolean {
    return this.live.has(stationId);
  }

  connectedCount(): number {
    return this.live.size;
  }

  connectedStations(): string[] {
    return [...this.live.keys()];
  }

  /** When this server accepted the station's current connection, or null (issue 19: the newest connection wins across nodes). */
  connectedSince(stationId: string): string | null {
    return this.live.get(stationId)?.connectedAt ?? null;
  }

  /** Closes the station's connection here, if any (4000 when a newer connection on another node replaced it). */
  disconnect(stationId: string, code: number, reason: string): void {
    this.live.get(stationId)?.conn.close(code, reason);
  }

  /** Resolves once every frame read or sent so far is in the station page's message log (tests, shutdown). */
  framesWritten(): Promise<void> {
    return this.frames?.settled() ?? Promise.resolve();
  }

  /** Frames refused for a station's byte budget (closed 1008) and over maxFrameBytes (closed 1009), since start. */
  frameLimitCounts(): { overBudget: number; oversized: number } {
    return { ...this.inbound.counts };
  }

  /**
   * Calls a station and resolves with its validated response. Rejects with an OcppCallError: Offline,
   * Timeout, CallError (the station's CALLERROR), InvalidRequest/InvalidResponse, or NotAllowed.
   */
  call<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    const l = this.live.get(stationId);
    // B03.FR.03: the CSMS initiates nothing with a rejected station.
    const refused = !l ? new OcppCallError('Offline', stationId, action, `station ${stationId} is not connected`)
      : l.session.bootStatus === 'Rejected' ? new OcppCallError('NotAllowed', stationId, action, `station ${stationId} was rejected at boot`) : null;
    if (!l || refused) return observeCall(this.observer, action, Promise.reject(refused));
    if (l.session.bootStatus !== 'Accepted') permitAfter(l.session, action, payload);
    return observeCall(this.observer, action, l.conn.call(action, payload));
  }

  private attach(server: Server, tls: boolean): void {
    this.servers.push(server);
    this.guard.protect(server);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Issue 20, finding 1: Node hands the socket over without an error listener; a reset would end the process.
      this.guard.watch(socket, req.socket.remoteAddress);
      const remote = remoteOf(req);
      this.guard.handle(socket, remote, this.live.size, () => {
        const run = this.upgrade(req, socket, head, tls, remote).catch((err: unknown) => {
          this.services.logger.error({ err }, 'WebSocket upgrade failed');
          refuse(socket, 500);
        });
        this.upgrading.add(run);
        return run.finally(() => this.upgrading.delete(run));
      });
    });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, tls: boolean, remote: string): Promise<void> {
    const url = req.url ?? '';
    const parsed = this.stationIdFrom(url);
    if (typeof parsed !== 'string') return this.guard.refuse(socket, remote, parsed, { url });
    const stationId = parsed;
    const verdict = await this.inTime(this.auth.authenticate(stationId, req, tls), stationId);
    if (!verdict) {
      return this.guard.refuse(socket, remote, { status: 503, reason: 'the station store did not answer within the handshake timeout', retryAfterS: 5 }, { station: stationId });
    }
    if (verdict.refusal) return this.guard.refuse(socket, remote, verdict.refusal, { station: stationId });
    // From here to handleUpgrade nothing is awaited: the checks below still hold when the station is admitted.
    // Issue 20: a station closed for misbehaving (1008) is backed off; only it learns so, after authenticating.
    const refusal = this.guard.backoff.check(stationId)
      ?? (this.live.has(stationId) && !this.config.replaceExistingConnection ? { status: 409, reason: 'station already connected' } : null)
      ?? (this.closed ? { status: 503, reason: 'server shutting down', retryAfterS: 5 } : null);
    if (refusal) return this.guard.refuse(socket, remote, refusal, { station: stationId });
    // The client may have gone while the store was asked: nothing to upgrade, nothing to write to then.
    if (socket.destroyed) return;
    const { station } = verdict;
    this.wss.handleUpgrade(req, socket, head, (ws) => acceptStation(this.link, stationId, ws, tls, station));
  }

  /**
   * The store's verdict, or null when it took longer than the handshake timeout: the handshake is then answered 503
   * rather than holding its socket and its admission slot while the store is unreachable. A late verdict is dropped
   * (a late failure logged).
   */
  private async inTime(work: Promise<AuthVerdict>, stationId: string): Promise<AuthVerdict | null> {
    let timer: TimerHandle | undefined;
    const late = new Promise<null>((resolve) => {
      timer = this.services.clock.setTimer(this.config.limits.handshakeTimeoutSeconds * 1000, () => resolve(null));
    });
    let verdict: AuthVerdict | null;
    try {
      verdict = await Promise.race([work, late]);
    } finally {
      timer?.cancel();
    }
    if (verdict === null) {
      work.catch((err: unknown) => this.services.logger.error({ err, station: stationId }, 'station authentication failed after its handshake timed out'));
    }
    return verdict;
  }

  /** `{path}/{stationId}`, percent-decoded; the id must pass the one rule the CLI also applies (domain/station-id.ts). */
  private stationIdFrom(url: string): string | Refusal {
    const path = url.split('?')[0] ?? '';
    const prefix = `${this.config.path.replace(/\/$/, '')}/`;
    if (!path.startsWith(prefix)) return { status: 404, reason: 'not an OCPP endpoint URL' };
    let id: string;
    try {
      id = decodeURIComponent(path.slice(prefix.length));
    } catch {
      return { status: 400, reason: 'the station id is not valid percent-encoding' };
    }
    const problem = stationIdProblem(id);
    return problem === null ? id : { status: 400, reason: problem };
  }

}
