/**
 * One admitted station's connection (Part 4): the RpcConnection with its B01-B03 boot guard, the handlers, the
 * presence record, the message-log tap and the WebSocket ping keepalive. The server (server.ts) admits the
 * handshake and keeps the map of live connections; this is what happens once a WebSocket is open.
 */
import type { WebSocket } from 'ws';
import type { StationRecord } from '../domain/stations.js';
import { isoUtc, type TimerHandle } from '../platform/clock.js';
import type { OcppObserver } from '../platform/metrics.js';
import { STATION_ACTIONS, type CsmsAction, type RequestOf, type ResponseOf } from './schemas/generated/index.js';
import { RpcConnection } from './rpc/connection.js';
import { RpcError } from './rpc/errors.js';
import type { OcppValidator } from './rpc/validator.js';
import { stationHandlers } from './handlers/index.js';
import type { HandlerContext, OcppServices, StationSession } from './handlers/types.js';
import type { PresenceRecorder } from './presence-writer.js';
import { ALWAYS_PERMITTED } from './session-permits.js';
import { emitEvent, runLogged } from './emit.js';
import type { InboundByteBudgets } from './frame-limits.js';
import type { HandshakeGuard } from './handshake-guard.js';
import { actionLabel } from './observer.js';
import type { FrameLog } from './frame-log.js';
import { frameRecord } from './frame-record.js';

export const SUBPROTOCOL = 'ocpp2.0.1';
const INBOUND: ReadonlySet<string> = new Set(STATION_ACTIONS);

/** A station's live connection on this node. */
export interface Live {
  conn: RpcConnection;
  socket: WebSocket;
  session: StationSession;
  alive: boolean;
  ping: TimerHandle | undefined;
  tls: boolean;
  /** When this node accepted the connection (UTC ISO-8601; the station.connected event's `at`). */
  connectedAt: string;
}

/** What a connection needs of its server: shared state, never the server itself. */
export interface StationLinkDeps {
  services: OcppServices;
  observer: OcppObserver;
  validator: OcppValidator;
  presence: PresenceRecorder;
  /** The station page's message log; null without a store. */
  frames: FrameLog | null;
  inbound: InboundByteBudgets;
  guard: HandshakeGuard;
  live: Map<string, Live>;
  settings: { callTimeoutMs: number; maxBadMessages: number; badMessageWindowMs: number; pingIntervalMs: number };
  /** Names the connection in the message log (with the time): a count of connections accepted since start. */
  nextConnection(): number;
  /** The server's typed call (handlers call back to their station through it). */
  call<A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>>;
}

/** Opens the station's session on `ws` (already past authentication) and records it live, replacing an older one. */
export function acceptStation(d: StationLinkDeps, stationId: string, ws: WebSocket, tls: boolean, stored: StationRecord): void {
  const { services } = d;
  const log = services.logger;
  if (ws.protocol !== SUBPROTOCOL) {
    log.warn({ station: stationId }, 'OCPP handshake without the ocpp2.0.1 subprotocol: closing');
    // 1002 = protocol error (RFC 6455, 7.4.1).
    ws.close(1002, 'subprotocol ocpp2.0.1 required');
    return;
  }
  const previous = d.live.get(stationId);
  if (previous) {
    log.warn({ station: stationId }, 'station reconnected: replacing its previous connection');
    d.live.delete(stationId);
    previous.conn.close(4000, 'replaced by a newer connection');
  }
  // A station that reconnects need not boot again (Part 4, 5.3): its last boot status still holds.
  const session: StationSession = { bootStatus: stored.lastBootStatus, permitted: new Set() };
  const stamp = new IsoStamp(services.clock);
  const at = () => stamp.now();
  // `let`: the connection's callbacks need the record it lives in, made after the connection
  let l: Live;
  // The station is recorded connected (and announced) before the first of its CALLs is handled.
  const connectedAt = at();
  // A value, not `stored`: a closure that named the record would keep it (and its password hash) for the connection's life.
  const acceptedBefore = stored.lastBootStatus === 'Accepted';
  const recorded = d.presence.record(stationId, 'connected', connectedAt, () => emitEvent(services, 'station.connected', { stationId, at: connectedAt, acceptedBefore }));
  const conn: RpcConnection = new RpcConnection({
    identity: stationId,
    socket: ws,
    validator: d.validator,
    clock: services.clock,
    logger: log,
    callTimeoutMs: d.settings.callTimeoutMs,
    maxBadMessages: d.settings.maxBadMessages,
    badMessageWindowMs: d.settings.badMessageWindowMs,
    inboundActions: INBOUND,
    ready: recorded,
    admitFrame: (bytes) => d.inbound.admit(stationId, bytes),
    guard: (action) => {
      if (session.bootStatus === 'Accepted' || ALWAYS_PERMITTED.has(action) || session.permitted.has(action)) return;
      throw new RpcError('SecurityError', session.bootStatus === null
        ? `${action} before an accepted BootNotification (B01.FR.08)`
        : `${action} while the station's boot is ${session.bootStatus} (B02.FR.09, B03.FR.07)`);
    },
    // Any readable message proves the station alive as well as a pong does.
    onActivity: () => void (l.alive = true),
    ...(d.frames ? { onFrame: tapFrames(stationId, `${connectedAt}#${d.nextConnection()}`, d.frames, stamp) } : {}),
    onClosed: (code, reason) => {
      l.ping?.cancel();
      // 1008: closed for misbehaving (rpc/connection.ts); its reconnects are refused for a growing while.
      if (code === 1008) d.guard.backoff.strike(stationId);
      if (d.live.get(stationId) === l) {
        d.live.delete(stationId);
        const when = at();
        void d.presence.record(stationId, 'disconnected', when, () =>
          emitEvent(services, 'station.disconnected', { stationId, at: when, reason: `${code} ${reason}`.trim() }));
      }
      log.info({ station: stationId, code }, 'station disconnected');
    },
    handle: async (action, payload) => {
      const ctx = new MessageContext(d, stationId, session, at());
      const handler = stationHandlers[action as keyof typeof stationHandlers] as (req: unknown, c: HandlerContext) => unknown;
      // A handler that throws at once is not counted (as before); one whose promise rejects is counted 'error'.
      const pending = handler(payload, ctx);
      let response: unknown;
      try {
        response = await pending;
      } catch (err) {
        d.observer.handled?.(actionLabel(action), 'error');
        throw err;
      }
      d.observer.handled?.(actionLabel(action), 'ok');
      // Triggered messages are permitted once.
      if (session.bootStatus !== 'Accepted' && action !== 'NotifyReport') session.permitted.delete(action);
      return { response, after: () => ctx.replied(action) };
    },
  });
  l = { conn, socket: ws, session, alive: true, ping: undefined, tls, connectedAt };
  d.live.set(stationId, l);
  log.info({ station: stationId, tls }, 'station connected');
  ws.on('pong', () => void (l.alive = true));
  ws.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // ws closes with 1009; backed off like a 1008, or the station would resend the same frame at once.
      d.inbound.counts.oversized++;
      d.guard.backoff.strike(stationId);
    }
    log.warn({ err, station: stationId }, 'WebSocket error');
  });
  schedulePing(d, l);
}

/**
 * One inbound CALL's HandlerContext: its methods live on the prototype, so a message costs one object and no closures
 * (under tsx each closure made per message also had its name defined: issue 15's Heartbeat row).
 */
class MessageContext implements HandlerContext {
  readonly services: OcppServices;
  /** Post-reply steps, made on first use (most messages have none). */
  private after: (() => void | Promise<void>)[] | null = null;

  constructor(private readonly d: StationLinkDeps, readonly stationId: string, readonly session: StationSession, readonly now: string) {
    this.services = d.services;
  }

  afterReply(fn: () => void | Promise<void>): void {
    (this.after ??= []).push(fn);
  }

  call<A extends CsmsAction>(action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    return this.d.call(this.stationId, action, payload);
  }

  /** After the CALLRESULT: each step on its own (one that fails, logged, neither stops the others nor the message.handled event). */
  replied(action: string): void {
    if (this.after !== null) {
      for (const fn of this.after) runLogged(fn, (err) => this.services.logger.error({ err, station: this.stationId, action }, 'post-reply step failed'));
    }
    emitEvent(this.services, 'message.handled', { stationId: this.stationId, action });
  }
}

/**
 * The injected clock's time as UTC ISO-8601 text, made once per millisecond: a CALL, its handler's `now` and the
 * message log's records of it and its reply mostly fall within one (per connection, so nothing is shared between them).
 */
class IsoStamp {
  private ms = Number.NaN;
  private text = '';

  constructor(private readonly clock: { now(): number }) {}

  now(): string {
    const ms = this.clock.now();
    if (ms !== this.ms) {
      this.ms = ms;
      this.text = isoUtc(ms);
    }
    return this.text;
  }
}

/** The connection's frames to the message log, stamped with the injected clock and redacted (frame-record.ts). */
function tapFrames(stationId: string, connection: string, frames: FrameLog, stamp: IsoStamp): NonNullable<ConstructorParameters<typeof RpcConnection>[0]['onFrame']> {
  return (direction, type, messageId, action, payload, json) =>
    frames.add(frameRecord(stationId, stamp.now(), { direction, type, messageId, action, payload, json }, connection));
}

/** WebSocket ping keepalive (Part 4, 5.2): a station that misses a whole interval is dropped. */
function schedulePing(d: StationLinkDeps, l: Live): void {
  if (d.settings.pingIntervalMs <= 0) return;
  l.ping = d.services.clock.setTimer(d.settings.pingIntervalMs, () => {
    if (!l.conn.isOpen) return;
    if (!l.alive) {
      d.services.logger.warn({ station: l.conn.identity }, 'no pong within the ping interval: terminating');
      l.socket.terminate();
      return;
    }
    l.alive = false;
    l.socket.ping();
    schedulePing(d, l);
  });
}
