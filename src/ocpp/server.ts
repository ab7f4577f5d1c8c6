import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StationDirectory } from '../domain/ports.js';
import type { SecurityProfile, StationRecord } from '../domain/stations.js';
import { isoUtc, type TimerHandle } from '../platform/clock.js';
import { STATION_ACTIONS, type CsmsAction, type RequestOf, type ResponseOf } from './schemas/generated/index.js';
import { RpcConnection } from './rpc/connection.js';
import { RpcError } from './rpc/errors.js';
import { OcppValidator } from './rpc/validator.js';
import { OcppCallError } from './rpc/call-error.js';
import { checkPasswordRules, DUMMY_HASH, hashPassword, needsRehash, parseBasicAuth, verifyPassword } from './auth/password.js';
import { stationIdProblem } from '../domain/station-id.js';
import type { ConnectLimits } from './handshake-limits.js';
import { HandshakeGuard, remoteOf, type HandshakeRefusal } from './handshake-guard.js';
import { refuse } from './refuse.js';
import { profile3Refusal, type ClientCertTlsOptions } from './auth/client-cert.js';
import { stationHandlers } from './handlers/index.js';
import type { HandlerContext, OcppServices, StationSession } from './handlers/types.js';

export const SUBPROTOCOL = 'ocpp2.0.1';
const INBOUND: ReadonlySet<string> = new Set(STATION_ACTIONS);
/** B01.FR.10/B02.FR.09: what a station may send before it is accepted (besides what we asked for). */
const ALWAYS_PERMITTED = new Set(['BootNotification']);
/** TriggerMessage's requestedMessage values mapped to the action the station then sends. */
const TRIGGERED_ACTION: Record<string, string> = {
  BootNotification: 'BootNotification',
  LogStatusNotification: 'LogStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  SignChargingStationCertificate: 'SignCertificate',
  SignV2GCertificate: 'SignCertificate',
  StatusNotification: 'StatusNotification',
  TransactionEvent: 'TransactionEvent',
  SignCombinedCertificate: 'SignCertificate',
  PublishFirmwareStatusNotification: 'PublishFirmwareStatusNotification',
};

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
  /** Rate limits, caps, timeouts and back-off of the handshake (handshake-limits.ts, docs/security.md). */
  limits: ConnectLimits;
}

interface Live {
  conn: RpcConnection;
  socket: WebSocket;
  session: StationSession;
  alive: boolean;
  ping: TimerHandle | undefined;
  tls: boolean;
}

type Refusal = HandshakeRefusal;

/**
 * The embedded OCPP 2.0.1 CSMS endpoint (Part 4): WebSocket upgrade with subprotocol and Basic-auth checks
 * (A00), one RpcConnection per station, keepalive, and the typed `call` the rest of the product uses.
 */
export class OcppServer implements StationDirectory {
  private readonly validator = new OcppValidator();
  private readonly wss: WebSocketServer;
  private readonly live = new Map<string, Live>();
  private readonly servers: Server[] = [];
  private readonly guard: HandshakeGuard;

  constructor(
    private readonly config: OcppServerConfig,
    private readonly services: OcppServices,
  ) {
    this.guard = new HandshakeGuard(services.clock, services.logger, config.limits);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: config.perMessageDeflate ? { threshold: 256, serverNoContextTakeover: true } : false,
      // Part 4, 3.2: if the station offers no ocpp2.0.1, finish the handshake without a subprotocol, then close.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      maxPayload: 4 * 1024 * 1024,
    });
  }

  async listen(): Promise<{ port: number | null; tlsPort: number | null }> {
    const start = (server: Server, port: number) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        // A short accept queue: a storm's surplus waits in the stations' TCP retries instead of arriving in one poll
        // phase (issue 20: 511 at once held the loop ~300 ms; ocpp.limits.listenBacklog).
        server.listen({ port, host: this.config.host, backlog: this.config.limits.listenBacklog }, () => resolve((server.address() as AddressInfo).port));
      });
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

  async close(): Promise<void> {
    for (const [, l] of this.live) l.conn.close(1001, 'server shutting down');
    this.live.clear();
    this.guard.close();
    await Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      })),
    );
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

  /**
   * Calls a station and resolves with its validated response. Rejects with an OcppCallError: Offline,
   * Timeout, CallError (the station's CALLERROR), InvalidRequest/InvalidResponse, or NotAllowed.
   */
  call<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    const l = this.live.get(stationId);
    if (!l) return Promise.reject(new OcppCallError('Offline', stationId, action, `station ${stationId} is not connected`));
    if (l.session.bootStatus === 'Rejected') {
      // B03.FR.03: the CSMS initiates nothing with a rejected station.
      return Promise.reject(new OcppCallError('NotAllowed', stationId, action, `station ${stationId} was rejected at boot`));
    }
    if (l.session.bootStatus !== 'Accepted') this.permitAfter(l.session, action, payload);
    return l.conn.call(action, payload);
  }

  /** B02.FR.02: a station that is not accepted may still send what we asked it to send. */
  private permitAfter(session: StationSession, action: CsmsAction, payload: unknown): void {
    if (action === 'GetBaseReport' || action === 'GetReport') session.permitted.add('NotifyReport');
    if (action === 'TriggerMessage') {
      const requested = TRIGGERED_ACTION[(payload as RequestOf<'TriggerMessage'>).requestedMessage];
      if (requested) session.permitted.add(requested);
    }
  }

  private attach(server: Server, tls: boolean): void {
    this.servers.push(server);
    this.guard.protect(server);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Issue 20, finding 1: Node hands the socket over without an error listener; a reset would end the process.
      this.guard.watch(socket, req.socket.remoteAddress);
      const remote = remoteOf(req);
      this.guard.handle(socket, remote, this.live.size, () =>
        this.upgrade(req, socket, head, tls, remote).catch((err: unknown) => {
          this.services.logger.error({ err }, 'WebSocket upgrade failed');
          refuse(socket, 500);
        }));
    });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, tls: boolean, remote: string): Promise<void> {
    const url = req.url ?? '';
    const parsed = this.stationIdFrom(url);
    if (typeof parsed !== 'string') return this.guard.refuse(socket, remote, parsed, { url });
    const stationId = parsed;
    const refusal = (await this.authenticate(stationId, req, tls))
      // Issue 20: a station closed for misbehaving (1008) is backed off; only it learns so, after authenticating.
      ?? this.guard.backoff.check(stationId)
      ?? (this.live.has(stationId) && !this.config.replaceExistingConnection ? { status: 409, reason: 'station already connected' } : null);
    if (refusal) return this.guard.refuse(socket, remote, refusal, { station: stationId });
    // The client may have gone while its password was checked: nothing to upgrade then.
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(stationId, ws, tls));
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

  /** A00.FR.207/.324: the Basic-auth user must be the station id and the password must match its hash. */
  private async authenticate(stationId: string, req: IncomingMessage, tls: boolean): Promise<Refusal | null> {
    const unauthorized = (reason: string): Refusal => ({ status: 401, reason });
    const creds = parseBasicAuth(req.headers.authorization);
    const station: StationRecord | undefined = this.services.stations.get(stationId);
    if (!station && this.config.autoRegister) return this.autoRegister(stationId, creds, tls, req);
    if (station?.securityProfile === 0) return null;
    // A00.FR.4xx: profile 3 authenticates by the TLS client certificate alone (auth/client-cert.ts).
    if (station?.securityProfile === 3) return profile3Refusal(stationId, req, tls, this.services);
    if (!creds) return unauthorized('no Basic credentials');
    // Known or unknown, with or without a stored password: one verification of the same kind (issue 20, finding 11:
    // the time of a 401 must not tell which station ids exist).
    const stored = station?.passwordHash ?? DUMMY_HASH;
    const matches = await verifyPassword(creds.password, stored);
    if (!station) return unauthorized('unknown station');
    if (station.securityProfile === 2 && !tls) return unauthorized('security profile 2 requires TLS');
    if (creds.user !== stationId) return unauthorized('Basic user is not the station id');
    if (!station.passwordHash || !matches) return unauthorized('wrong password');
    // A hash of the former (scrypt) format is replaced with the current one now that the password is known.
    if (needsRehash(station.passwordHash)) {
      this.services.stations.setPassword(stationId, hashPassword(creds.password), station.securityProfile, isoUtc(this.services.clock.now()));
    }
    return null;
  }

  /**
   * Lab mode (ocpp.autoRegister): an unknown station is registered with the password it offers, and only with one
   * that passes A00.FR.205; one without credentials is refused, never registered open for anyone (issue 20,
   * finding 13). Nothing is awaited between the lookup and the insert, so concurrent first connections of one id
   * cannot both insert; should the insert still meet a row (another process), the password is checked against it.
   */
  private async autoRegister(stationId: string, creds: { user: string; password: string } | null, tls: boolean, req: IncomingMessage): Promise<Refusal | null> {
    if (!creds || creds.user !== stationId) return { status: 401, reason: 'auto-registration needs Basic credentials with the station id as user' };
    const bad = checkPasswordRules(creds.password);
    if (bad) return { status: 401, reason: `auto-registration refused: ${bad}` };
    const profile: SecurityProfile = tls ? 2 : 1;
    try {
      this.services.stations.register({ id: stationId, passwordHash: hashPassword(creds.password), securityProfile: profile, autoRegistered: true },
        isoUtc(this.services.clock.now()));
    } catch (err) {
      if (!this.services.stations.get(stationId)) throw err;
      return this.authenticate(stationId, req, tls);
    }
    this.services.logger.warn({ station: stationId, profile }, 'station auto-registered (lab mode)');
    return null;
  }

  private accept(stationId: string, ws: WebSocket, tls: boolean): void {
    const { services, config } = this;
    const log = services.logger;
    if (ws.protocol !== SUBPROTOCOL) {
      log.warn({ station: stationId }, 'OCPP handshake without the ocpp2.0.1 subprotocol: closing');
      // 1002 = protocol error (RFC 6455, 7.4.1).
      ws.close(1002, 'subprotocol ocpp2.0.1 required');
      return;
    }
    const previous = this.live.get(stationId);
    if (previous) {
      log.warn({ station: stationId }, 'station reconnected: replacing its previous connection');
      this.live.delete(stationId);
      previous.conn.close(4000, 'replaced by a newer connection');
    }
    const stored = services.stations.get(stationId);
    // A station that reconnects need not boot again (Part 4, 5.3): its last boot status still holds.
    const session: StationSession = { bootStatus: stored?.lastBootStatus ?? null, permitted: new Set() };
    const at = () => isoUtc(services.clock.now());
    // eslint-disable-next-line prefer-const -- the connection's callbacks need the record it lives in
    let l: Live;
    const conn: RpcConnection = new RpcConnection({
      identity: stationId,
      socket: ws,
      validator: this.validator,
      clock: services.clock,
      logger: log,
      callTimeoutMs: config.callTimeoutMs,
      maxBadMessages: config.maxBadMessages,
      badMessageWindowMs: config.badMessageWindowMs,
      inboundActions: INBOUND,
      guard: (action) => {
        if (session.bootStatus === 'Accepted' || ALWAYS_PERMITTED.has(action) || session.permitted.has(action)) return;
        throw new RpcError('SecurityError', session.bootStatus === null
          ? `${action} before an accepted BootNotification (B01.FR.08)`
          : `${action} while the station's boot is ${session.bootStatus} (B02.FR.09, B03.FR.07)`);
      },
      // Any readable message proves the station alive as well as a pong does.
      onActivity: () => void (l.alive = true),
      onClosed: (code, reason) => {
        l.ping?.cancel();
        // 1008: closed for misbehaving (rpc/connection.ts); its reconnects are refused for a growing while.
        if (code === 1008) this.guard.backoff.strike(stationId);
        if (this.live.get(stationId) === l) {
          this.live.delete(stationId);
          services.stations.recordPresence(stationId, 'disconnected', at());
          services.events.emit('station.disconnected', { stationId, at: at(), reason: `${code} ${reason}`.trim() });
        }
        log.info({ station: stationId, code }, 'station disconnected');
      },
      handle: async (action, payload) => {
        const after: (() => void)[] = [];
        const ctx: HandlerContext = {
          stationId,
          services,
          session,
          now: at(),
          afterReply: (fn) => after.push(fn),
          call: (a, p) => this.call(stationId, a, p),
        };
        const handler = stationHandlers[action as keyof typeof stationHandlers] as (req: unknown, c: HandlerContext) => unknown;
        const response = await handler(payload, ctx);
        // Triggered messages are permitted once.
        if (session.bootStatus !== 'Accepted' && action !== 'NotifyReport') session.permitted.delete(action);
        return {
          response,
          after: () => {
            for (const fn of after) fn();
            services.events.emit('message.handled', { stationId, action });
          },
        };
      },
    });
    l = { conn, socket: ws, session, alive: true, ping: undefined, tls };
    this.live.set(stationId, l);
    services.stations.recordPresence(stationId, 'connected', at());
    log.info({ station: stationId, tls }, 'station connected');
    ws.on('pong', () => void (l.alive = true));
    ws.on('error', (err) => log.warn({ err, station: stationId }, 'WebSocket error'));
    this.schedulePing(l);
    services.events.emit('station.connected', { stationId, at: at() });
  }

  /** WebSocket ping keepalive (Part 4, 5.2): a station that misses a whole interval is dropped. */
  private schedulePing(l: Live): void {
    if (this.config.pingIntervalMs <= 0) return;
    l.ping = this.services.clock.setTimer(this.config.pingIntervalMs, () => {
      if (!l.conn.isOpen) return;
      if (!l.alive) {
        this.services.logger.warn({ station: l.conn.identity }, 'no pong within the ping interval: terminating');
        l.socket.terminate();
        return;
      }
      l.alive = false;
      l.socket.ping();
      this.schedulePing(l);
    });
  }
}
