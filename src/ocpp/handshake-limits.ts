import type { Clock } from '../platform/clock.js';
import { KeyedTokenBuckets } from '../platform/token-bucket.js';

/** `ocpp.limits` (README's configuration table; docs/security.md, "OCPP connections"). */
export interface ConnectLimits {
  /** Handshakes one remote address may start per minute (also the burst): many stations may share a NAT. */
  handshakesPerAddressPerMinute: number;
  /** Refused handshakes (bad URL, 401) one address may cause per minute before it is turned away unheard. */
  failuresPerAddressPerMinute: number;
  /** Handshakes being checked at once, over all addresses. */
  maxPendingHandshakes: number;
  /** Station connections held at once. */
  maxConnections: number;
  /** The listening sockets' accept queue (listen(2) backlog): how many new connections can arrive in one go. */
  listenBacklog: number;
  /** A connection must complete its upgrade request (and TLS handshake) within this time. */
  handshakeTimeoutSeconds: number;
  /** A station closed for misbehaving (1008) is refused for this long, doubling each time... */
  backoffInitialSeconds: number;
  /** ...up to this. */
  backoffMaxSeconds: number;
}

/**
 * How much of one event-loop turn the connect path may take (`ocpp.limits`, all optional; DEFAULT_TURN_LIMITS).
 * A connected station's frame waits for the rest of the turn it arrives in: during a reconnect storm of 5,000
 * stations, handshakes and presence commits filled turns of tens of milliseconds and the probe station's heartbeat
 * p99 went near 100 ms (issue 20). Both stay bounded by count and by time.
 */
export interface TurnLimits {
  /** New connections handed to the HTTP server in one turn at most: their upgrade requests are parsed together. */
  connectionsPerTurn: number;
  /** Handshakes started in one turn at most (the queue's rest waits for the next turns)... */
  handshakesPerTurn: number;
  /** ...and none after the first once the turn's handshakes took this long (ms, on the injected clock). */
  handshakeTurnMs: number;
  /** Presence changes (connected, disconnected) written in one transaction at most... */
  presenceBatchRows: number;
  /** ...and fewer when a batch took longer than this (ms): the next is sized from the last one's time per row. */
  presenceBatchMs: number;
}

export const DEFAULT_TURN_LIMITS: TurnLimits = { connectionsPerTurn: 16, handshakesPerTurn: 8, handshakeTurnMs: 4, presenceBatchRows: 500, presenceBatchMs: 8 };

/** The turn limits of a configuration, the defaults where absent; a bad value names its field. */
export function turnLimits(limits: Partial<TurnLimits>): TurnLimits {
  const merged = { ...DEFAULT_TURN_LIMITS, ...limits };
  for (const [field, v] of Object.entries(merged)) {
    if (!(Number.isFinite(v) && v > 0) || (field.endsWith('Rows') || field.endsWith('PerTurn')) && !Number.isInteger(v)) {
      throw new Error(`ocpp.limits.${field} must be a positive ${field.endsWith('Ms') ? 'number' : 'integer'}, got ${String(v)}`);
    }
  }
  return { connectionsPerTurn: merged.connectionsPerTurn, handshakesPerTurn: merged.handshakesPerTurn, handshakeTurnMs: merged.handshakeTurnMs, presenceBatchRows: merged.presenceBatchRows, presenceBatchMs: merged.presenceBatchMs };
}

/** A handshake turned away for load or for its sender's history: 503 with Retry-After (RFC 9110, 15.6.4). */
export interface Busy {
  status: 503;
  reason: string;
  retryAfterS: number;
}

const busy = (reason: string, ms: number): Busy => ({ status: 503, reason, retryAfterS: Math.max(1, Math.ceil(ms / 1000)) });

/**
 * Admission of WebSocket upgrades before any work is spent on them: per remote address, a bucket of handshakes and
 * a tighter one of failures (an address that keeps failing is refused without its password being checked); over
 * all, caps on the handshakes in progress and on the connections held. All on the injected clock.
 */
export class HandshakeGate {
  private readonly handshakes: KeyedTokenBuckets;
  private readonly failures: KeyedTokenBuckets;
  private inProgress = 0;

  constructor(clock: Clock, private readonly limits: ConnectLimits) {
    this.handshakes = new KeyedTokenBuckets(clock, { perMinute: limits.handshakesPerAddressPerMinute });
    this.failures = new KeyedTokenBuckets(clock, { perMinute: limits.failuresPerAddressPerMinute });
  }

  /** Null to go ahead (then `begin` and `end` around the work), or why not and when to retry. */
  admit(remote: string, connections: number): Busy | null {
    const failing = this.failures.waitMs(remote);
    if (failing > 0) return busy('too many refused handshakes from this address', failing);
    if (this.inProgress >= this.limits.maxPendingHandshakes) return busy('too many handshakes in progress', 1000);
    if (connections >= this.limits.maxConnections) return busy('connection limit reached', 30_000);
    const wait = this.handshakes.take(remote);
    if (wait > 0) return busy('too many handshakes from this address', wait);
    return null;
  }

  /** The failure check again when a queued handshake gets its turn: failures charged meanwhile count. */
  stillWelcome(remote: string): Busy | null {
    const failing = this.failures.waitMs(remote);
    return failing > 0 ? busy('too many refused handshakes from this address', failing) : null;
  }

  begin(): void {
    this.inProgress++;
  }

  end(): void {
    this.inProgress--;
  }

  get pending(): number {
    return this.inProgress;
  }

  /** A handshake from `remote` was refused for what it sent (not for load). */
  failed(remote: string): void {
    this.failures.charge(remote);
  }
}

/**
 * Issue 20: a station that keeps sending what fails is disconnected (close 1008, src/ocpp/rpc) and then backed off:
 * its reconnects are refused for 10 s, 20 s, 40 s ... up to the maximum, and it starts over after a clean period of
 * three maximum windows without a 1008.
 */
export class StationBackoff {
  private readonly entries = new Map<string, { strikes: number; until: number; last: number }>();

  constructor(private readonly clock: Clock, private readonly limits: Pick<ConnectLimits, 'backoffInitialSeconds' | 'backoffMaxSeconds'>) {}

  private get resetMs(): number {
    return 3 * this.limits.backoffMaxSeconds * 1000;
  }

  /** The station was closed for misbehaving. */
  strike(stationId: string): void {
    const now = this.clock.now();
    const prev = this.entries.get(stationId);
    const strikes = prev && now - prev.last < this.resetMs ? prev.strikes + 1 : 1;
    const windowMs = Math.min(this.limits.backoffInitialSeconds * 1000 * 2 ** (strikes - 1), this.limits.backoffMaxSeconds * 1000);
    this.entries.set(stationId, { strikes, until: now + windowMs, last: now });
    this.prune(now);
  }

  /** Null when the station may connect, otherwise the refusal. */
  check(stationId: string): Busy | null {
    const e = this.entries.get(stationId);
    const now = this.clock.now();
    if (!e || e.until <= now) return null;
    return busy(`backed off after closing for misbehaviour (${e.strikes} time(s))`, e.until - now);
  }

  private prune(now: number): void {
    if (this.entries.size < 10_000) return;
    for (const [id, e] of this.entries) if (now - e.last >= this.resetMs) this.entries.delete(id);
  }
}
