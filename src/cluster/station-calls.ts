/**
 * `call(stationId, action, payload)` from any node (issue 19). The node that holds the station's socket answers
 * requests on the station's subject (a queue group, so a subject held for a moment by two nodes still gets each
 * request once) and keeps the one-call-in-flight queue of its own connection; every other node sends the call there
 * by NATS request/reply and gets the typed result or the typed error back. Nobody holding the station is Offline at
 * once (NATS's no-responders answer, not a timeout). Nothing is retried here: a call that timed out may have reached
 * the station, and sending it again could apply it twice; the caller decides, as with a local call.
 *
 * A call made under a lease (a site's plan pushed by its owner) carries the lease's fencing epoch, and the node that
 * holds the station refuses it when a newer epoch of that lease exists, so a stale owner's pushes never reach a
 * charger after the new owner's.
 */
import type { CallFailure, CallFailureKind, LocalStations } from '../domain/cluster.js';
import type { LeaseStore } from '../domain/leases.js';
import type { Clock } from '../platform/clock.js';
import { NoResponderError, ReplyTimeoutError, type ClusterTransport, type Subjects, type Unsubscribe } from './transport.js';

/** The lease a call is made under, and the epoch its caller holds. */
export interface Fence {
  lease: string;
  epoch: number;
}

export interface ClusterCallsOptions {
  transport: ClusterTransport;
  subjects: Subjects;
  node: string;
  local: LocalStations;
  /** The fencing check's source of truth (the shared database). */
  leases: Pick<LeaseStore, 'current'>;
  /** Rebuilds the OCPP server's typed call error on this node (main.ts: new OcppCallError(...)). */
  failure: (f: CallFailure) => Error;
  /** How long a remote call may take: the station's own call timeout plus the trip (never shorter than it). */
  remoteTimeoutMs: number;
  /**
   * The remote call's timeout runs on this clock, as every other timeout of the product does: a node that dies while
   * it answers leaves its callers waiting exactly this long, on the same time as everything else.
   */
  clock: Clock;
  onError?: (err: unknown, where: string) => void;
}

/** A fenced call this node checked for a station it holds: accepted (passed on to the station) or refused as stale. */
export interface FenceCheck {
  stationId: string;
  action: string;
  lease: string;
  epoch: number;
  accepted: boolean;
}

/** How many fence checks a node keeps for /health and for the failover tests (the newest; older ones drop off). */
export const FENCE_LOG_SIZE = 2_000;

const KINDS: ReadonlySet<string> = new Set<CallFailureKind>(['Timeout', 'CallError', 'Offline', 'InvalidRequest', 'InvalidResponse', 'NotAllowed']);
const MAX_ACTION_LENGTH = 64;
/** The transport's own timeout, as a multiple of the clock's: only a clock that never moves reaches it. */
const BACKSTOP_FACTOR = 4;

type Answer = { ok: true; result: unknown } | { ok: false; failure: CallFailure };

export class ClusterCalls {
  private readonly held = new Map<string, Unsubscribe>();
  /** The highest epoch seen per lease on this node: an older one is refused without asking the database. */
  private readonly highest = new Map<string, number>();
  /** Calls answered for other nodes and sent to other nodes, since start (for /health and /metrics). */
  readonly counts = { served: 0, sent: 0, offline: 0, fenced: 0 };
  private readonly checks: FenceCheck[] = [];

  constructor(private readonly o: ClusterCallsOptions) {}

  async call(stationId: string, action: string, payload: unknown, fence?: Fence): Promise<unknown> {
    if (this.o.local.connectedSince(stationId) !== null) {
      const refused = fence ? await this.fenceProblem(fence, stationId, action) : null;
      if (refused) throw this.o.failure({ kind: 'NotAllowed', stationId, action, message: refused });
      return this.o.local.call(stationId, action, payload);
    }
    this.counts.sent++;
    let answer: unknown;
    try {
      answer = await this.request(stationId, { action, payload, ...(fence ? { fence } : {}), from: this.o.node });
    } catch (err) {
      if (err instanceof NoResponderError) {
        this.counts.offline++;
        throw this.o.failure({ kind: 'Offline', stationId, action, message: `station ${stationId} is not connected to any node` });
      }
      if (err instanceof ReplyTimeoutError) {
        throw this.o.failure({ kind: 'Timeout', stationId, action, message: `${action} to ${stationId}: the node holding it did not answer within ${this.o.remoteTimeoutMs} ms` });
      }
      throw err;
    }
    const parsed = parseAnswer(answer, stationId, action);
    if (parsed.ok) return parsed.result;
    throw this.o.failure(parsed.failure);
  }

  /**
   * Closes the station's connection on whichever node holds it (issue 16: an adopted or re-keyed station must drop
   * its connection to come back with its new password, and its socket may be on another node than the admin's
   * request). The request goes on the station's call subject, which only the holder answers. Resolves true when a
   * node closed a connection; false when none holds it or none answered in time. Never rejects (a failure is
   * reported through onError): a caller that has changed the password already cannot undo that.
   */
  async disconnect(stationId: string, code: number, reason: string): Promise<boolean> {
    if (this.o.local.connectedSince(stationId) !== null) {
      this.o.local.disconnect(stationId, code, reason);
      return true;
    }
    try {
      const answer = await this.request(stationId, { disconnect: { code, reason }, from: this.o.node }) as { ok?: unknown } | null;
      return answer?.ok === true;
    } catch (err) {
      if (!(err instanceof NoResponderError)) this.o.onError?.(err, `disconnect ${stationId}`);
      return false;
    }
  }

  /**
   * The NATS request, timed out on the injected clock. The transport's own timeout stays as a backstop, well beyond
   * it, for a clock that never moves.
   */
  private request(stationId: string, body: unknown): Promise<unknown> {
    const subject = this.o.subjects.call(stationId);
    return new Promise((resolve, reject) => {
      const timer = this.o.clock.setTimer(this.o.remoteTimeoutMs, () => reject(new ReplyTimeoutError(subject, this.o.remoteTimeoutMs)));
      this.o.transport.request(subject, body, this.o.remoteTimeoutMs * BACKSTOP_FACTOR).then(
        (answer) => {
          timer.cancel();
          resolve(answer);
        },
        (err: unknown) => {
          timer.cancel();
          reject(err);
        },
      );
    });
  }

  /** This node now holds the station's socket: it answers the station's calls from other nodes. */
  hold(stationId: string): void {
    if (this.held.has(stationId)) return;
    const off = this.o.transport.respond(this.o.subjects.call(stationId), 'holder', (body) => this.serve(stationId, body));
    this.held.set(stationId, off);
  }

  /** The socket is gone: other nodes' calls go to whoever holds it next (or are Offline). */
  release(stationId: string): void {
    const off = this.held.get(stationId);
    if (!off) return;
    this.held.delete(stationId);
    off();
  }

  releaseAll(): void {
    for (const id of [...this.held.keys()]) this.release(id);
  }

  heldCount(): number {
    return this.held.size;
  }

  /**
   * The newest fence checks of calls to stations this node holds, oldest first (at most FENCE_LOG_SIZE): which
   * owner's epoch reached which charger, in the order the charger got them.
   */
  fenceLog(): readonly FenceCheck[] {
    return [...this.checks];
  }

  private async serve(stationId: string, body: unknown): Promise<Answer> {
    if (typeof body === 'object' && body !== null && 'disconnect' in body) return this.serveDisconnect(stationId, (body as { disconnect: unknown }).disconnect);
    const request = parseRequest(body);
    if (typeof request === 'string') {
      return { ok: false, failure: { kind: 'InvalidRequest', stationId, action: '?', message: `cluster call to ${stationId}: ${request}` } };
    }
    const { action, payload, fence } = request;
    this.counts.served++;
    if (fence) {
      const refused = await this.fenceProblem(fence, stationId, action);
      if (refused) return { ok: false, failure: { kind: 'NotAllowed', stationId, action, message: refused } };
    }
    if (this.o.local.connectedSince(stationId) === null) {
      return { ok: false, failure: { kind: 'Offline', stationId, action, message: `station ${stationId} disconnected from node ${this.o.node}` } };
    }
    try {
      return { ok: true, result: await this.o.local.call(stationId, action, payload) };
    } catch (err) {
      return { ok: false, failure: toFailure(err, stationId, action) };
    }
  }

  /** Another node's disconnect (see disconnect): a close code an application may send (RFC 6455, 7.4) and a short reason. */
  private serveDisconnect(stationId: string, d: unknown): Answer {
    const { code, reason } = (typeof d === 'object' && d !== null ? d : {}) as { code?: unknown; reason?: unknown };
    if (!(code === 1000 || (Number.isInteger(code) && (code as number) >= 3000 && (code as number) <= 4999)) || typeof reason !== 'string' || Buffer.byteLength(reason) > 123) {
      return { ok: false, failure: { kind: 'InvalidRequest', stationId, action: 'disconnect', message: `cluster disconnect of ${stationId}: code must be 1000 or 3000-4999 and reason at most 123 bytes` } };
    }
    if (this.o.local.connectedSince(stationId) === null) {
      return { ok: false, failure: { kind: 'Offline', stationId, action: 'disconnect', message: `station ${stationId} disconnected from node ${this.o.node}` } };
    }
    this.o.local.disconnect(stationId, code as number, reason);
    return { ok: true, result: null };
  }

  /** Why a call under `fence` must be refused (a newer owner exists), or null; either way it goes in the log. */
  private async fenceProblem(fence: Fence, stationId: string, action: string): Promise<string | null> {
    const problem = await this.staleness(fence);
    this.checks.push({ stationId, action, lease: fence.lease, epoch: fence.epoch, accepted: problem === null });
    if (this.checks.length > FENCE_LOG_SIZE) this.checks.splice(0, this.checks.length - FENCE_LOG_SIZE);
    return problem;
  }

  private async staleness(fence: Fence): Promise<string | null> {
    const seen = this.highest.get(fence.lease) ?? 0;
    let newest = seen;
    if (fence.epoch >= seen) {
      try {
        newest = Math.max(seen, (await this.o.leases.current(fence.lease))?.epoch ?? 0);
      } catch (err) {
        this.o.onError?.(err, `fence ${fence.lease}`);
        return `cannot check lease ${fence.lease}: the database did not answer`;
      }
    }
    if (fence.epoch < newest) {
      this.counts.fenced++;
      return `lease ${fence.lease}: epoch ${fence.epoch} is stale (epoch ${newest} exists); its holder no longer owns it`;
    }
    this.highest.set(fence.lease, Math.max(seen, fence.epoch));
    return null;
  }
}

function parseRequest(body: unknown): { action: string; payload: unknown; fence: Fence | undefined } | string {
  if (typeof body !== 'object' || body === null) return 'the request is not an object';
  const b = body as Record<string, unknown>;
  if (typeof b.action !== 'string' || b.action.length === 0 || b.action.length > MAX_ACTION_LENGTH) return 'action must be a non-empty string';
  if (typeof b.payload !== 'object' || b.payload === null) return 'payload must be an object';
  let fence: Fence | undefined;
  if (b.fence !== undefined) {
    const f = b.fence as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null || typeof f.lease !== 'string' || !Number.isSafeInteger(f.epoch)) return 'fence must be { lease, epoch }';
    fence = { lease: f.lease, epoch: f.epoch as number };
  }
  return { action: b.action, payload: b.payload, fence };
}

function parseAnswer(answer: unknown, stationId: string, action: string): Answer {
  const a = answer as { ok?: unknown; result?: unknown; failure?: Partial<CallFailure> } | null;
  if (a && a.ok === true) return { ok: true, result: a.result };
  const f = a?.failure;
  if (a && a.ok === false && f && typeof f.kind === 'string' && KINDS.has(f.kind)) {
    return { ok: false, failure: { kind: f.kind, stationId, action, message: String(f.message ?? f.kind), ...(f.ocppError ? { ocppError: f.ocppError } : {}) } };
  }
  return { ok: false, failure: { kind: 'InvalidResponse', stationId, action, message: `${action} to ${stationId}: the holding node's answer is not a cluster answer` } };
}

/** The OCPP server's call error (kind, message, ocppError) as it crosses the cluster; anything else is InvalidResponse. */
function toFailure(err: unknown, stationId: string, action: string): CallFailure {
  const e = err as { kind?: unknown; message?: unknown; ocppError?: CallFailure['ocppError'] };
  const kind = typeof e?.kind === 'string' && KINDS.has(e.kind) ? (e.kind as CallFailureKind) : 'InvalidResponse';
  return { kind, stationId, action, message: typeof e?.message === 'string' ? e.message : String(err), ...(e?.ocppError ? { ocppError: e.ocppError } : {}) };
}
