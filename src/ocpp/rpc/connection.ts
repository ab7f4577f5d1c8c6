import { randomUUID } from 'node:crypto';
import type { RawData } from 'ws';
import type { TimerHandle } from '../../platform/clock.js';
import { truncateForLog } from '../../platform/truncate.js';
import { ALL_ACTIONS, type CsmsAction, type RequestOf, type ResponseOf } from '../schemas/generated/index.js';
import { RpcError, type OcppErrorCode } from './errors.js';
import { CALL, CALLERROR, CALLRESULT, FrameError, callFrameOf, errorFrame, parseFrame, payloadJson, resultFrameOf } from './frames.js';
import { OcppCallError } from './call-error.js';
import type { InboundResult, RpcConnectionOptions } from './connection-options.js';
import { runLogged } from '../emit.js';

const KNOWN_ACTIONS: ReadonlySet<string> = new Set(ALL_ACTIONS);
/**
 * CALLs read but not yet handled, beyond which the socket is no longer read (TCP pushes back on the station) until
 * the queue is down to half. OCPP-J 4.1.1 has a station wait for each answer; one that does not is not refused for
 * it, but its frames wait in the network rather than in our memory (each may be up to ws's maxPayload).
 */
const MAX_QUEUED_CALLS = 16;
/** CALLs handled one after another before the queue yields a turn of the event loop to every other station. */
const CALLS_PER_TURN = 16;

export type { InboundResult, RpcConnectionOptions } from './connection-options.js';

interface Incoming {
  id: string;
  action: string;
  payload: unknown;
}

interface Outgoing {
  id: string;
  action: string;
  payload: unknown;
  resolve: (value: unknown) => void;
  reject: (err: OcppCallError) => void;
}

/**
 * OCPP-J over one WebSocket (Part 4). All of the RPC discipline lives here (convention 6): validation in both
 * directions, exactly one reply per CALL, never a reply to a CALLRESULT or CALLERROR, one outgoing CALL in
 * flight at a time (4.1.1) with the rest queued, a timeout on every call; incoming CALLs handled one at a time in
 * arrival order, however long their handler awaits.
 */
export class RpcConnection {
  private readonly queue: Outgoing[] = [];
  private inFlight: { call: Outgoing; timer: TimerHandle } | undefined;
  /** Message ids of the CALLs queued or being handled (a second CALL with one of them is refused). */
  private readonly handling = new Set<string>();
  /** CALLs waiting for their turn, oldest first. */
  private readonly inbound: Incoming[] = [];
  private draining = false;
  private held: boolean;
  /** When each of the last `maxBadMessages` invalid messages arrived, oldest first. */
  private readonly badAt: number[] = [];
  private closed = false;

  constructor(private readonly o: RpcConnectionOptions) {
    o.socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    o.socket.on('close', (code: number, reason: Buffer) => this.onClose(code, reason.toString()));
    this.held = o.ready !== undefined;
    const release = () => {
      this.held = false;
      this.kick();
    };
    o.ready?.then(release, release);
  }

  get identity(): string {
    return this.o.identity;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a CALL and resolves with the validated response payload. */
  call<A extends CsmsAction>(action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    const failure = this.o.validator.validate(action, 'Request', payload);
    if (failure) {
      // A bug on our side must never reach a charger.
      return Promise.reject(
        new OcppCallError('InvalidRequest', this.identity, action, `our ${action} request is invalid: ${failure.description}`),
      );
    }
    if (this.closed) {
      return Promise.reject(new OcppCallError('Offline', this.identity, action, `station ${this.identity} is offline`));
    }
    return new Promise<ResponseOf<A>>((resolve, reject) => {
      this.queue.push({ id: randomUUID(), action, payload, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Calls waiting behind the one in flight. */
  get queued(): number {
    return this.queue.length;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.o.socket.close(code, reason);
    this.onClose(code, reason);
  }

  private pump(): void {
    if (this.inFlight || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    const timer = this.o.clock.setTimer(this.o.callTimeoutMs, () => {
      if (this.inFlight?.call !== next) return;
      this.inFlight = undefined;
      next.reject(new OcppCallError('Timeout', this.identity, next.action,
        `${next.action} to ${this.identity}: no reply within ${this.o.callTimeoutMs} ms`));
      this.pump();
    });
    this.inFlight = { call: next, timer };
    const json = payloadJson(next.payload);
    this.o.onFrame?.('out', 'CALL', next.id, next.action, next.payload, json);
    this.send(callFrameOf(next.id, next.action, json));
  }

  private settle(id: string, fn: (call: Outgoing) => void): void {
    const current = this.inFlight;
    if (!current || current.call.id !== id) {
      // A late reply to a call that timed out, or one we never made: never answered (4.2), but counted, so a
      // flood of replies to nothing ends like any other flood of what fails.
      this.countBad(`reply to no pending call (message id ${id})`);
      return;
    }
    current.timer.cancel();
    this.inFlight = undefined;
    fn(current.call);
    this.pump();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (this.o.admitFrame && !this.o.admitFrame(byteLengthOf(data))) {
      this.o.logger.warn({ station: this.identity }, 'inbound byte budget exceeded: disconnecting');
      // 1008 = policy violation (RFC 6455, 7.4.1): the server backs the station off as for invalid messages.
      this.close(1008, 'inbound byte rate exceeded');
      return;
    }
    if (isBinary) {
      // 4.1.2: every message is UTF-8 JSON text.
      this.reject('-1', new RpcError('RpcFrameworkError', 'binary frames are not OCPP-J messages'));
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString();
    let frame;
    try {
      frame = parseFrame(text);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      if (err.isReply) this.countBad(`unreadable reply: ${err.message}`);
      else this.reject(err.id, err);
      return;
    }
    this.o.onActivity?.();
    if (this.o.onFrame) this.tapInbound(frame);
    if (frame.type === CALLRESULT) {
      this.settle(frame.id, (call) => {
        const failure = this.o.validator.validate(call.action, 'Response', frame.payload);
        if (failure) {
          this.countBad(`invalid ${call.action} response: ${failure.description}`);
          call.reject(new OcppCallError('InvalidResponse', this.identity, call.action,
            `${call.action} response from ${this.identity} is invalid: ${failure.description}`,
            { code: failure.code, description: failure.description, details: { errors: failure.errors } }));
        } else {
          call.resolve(frame.payload);
        }
      });
      return;
    }
    if (frame.type === CALLERROR) {
      this.settle(frame.id, (call) =>
        call.reject(new OcppCallError('CallError', this.identity, call.action,
          `${this.identity} answered ${call.action} with ${frame.code}: ${frame.description}`,
          { code: frame.code, description: frame.description, details: boundedDetails(frame.details) })));
      return;
    }
    if (frame.type !== CALL) return;
    this.receiveCall(frame.id, frame.action, frame.payload);
  }

  /**
   * What can be refused from the frame alone is refused at once (and counted); the rest waits for its turn, since the
   * guard and the handler depend on what the CALLs before it did (a BootNotification's answer admits the next).
   */
  private receiveCall(id: string, action: string, payload: unknown): void {
    if (this.handling.has(id)) {
      this.reject(id, new RpcError('RpcFrameworkError', `a CALL with message id ${id} is already being handled`));
      return;
    }
    if (!KNOWN_ACTIONS.has(action)) {
      this.reject(id, new RpcError('NotImplemented', `${action} is not an OCPP 2.0.1 action`));
      return;
    }
    if (!this.o.inboundActions.has(action)) {
      this.reject(id, new RpcError('NotSupported', `${action} is sent by the CSMS, not by a charging station`));
      return;
    }
    this.handling.add(id);
    this.inbound.push({ id, action, payload });
    if (this.inbound.length >= MAX_QUEUED_CALLS) this.o.socket.pause();
    this.kick();
  }

  private kick(): void {
    if (this.draining || this.held || this.closed || this.inbound.length === 0) return;
    this.draining = true;
    void this.drain().finally(() => {
      this.draining = false;
      // A CALL queued while the last one finished (nothing is lost between the loop's end and here).
      this.kick();
    });
  }

  /** Handles the queued CALLs one by one; yields the event loop every CALLS_PER_TURN of them. Never rejects. */
  private async drain(): Promise<void> {
    let handled = 0;
    for (let next = this.inbound.shift(); next !== undefined && !this.closed; next = this.inbound.shift()) {
      if (this.inbound.length <= MAX_QUEUED_CALLS / 2 && this.o.socket.isPaused) this.o.socket.resume();
      try {
        await this.onCall(next);
      } catch (err) {
        this.o.logger.error({ err, station: this.identity, action: next.action }, 'CALL handling failed');
      } finally {
        this.handling.delete(next.id);
      }
      if (++handled % CALLS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async onCall({ id, action, payload }: Incoming): Promise<void> {
    try {
      this.o.guard(action);
    } catch (err) {
      if (err instanceof RpcError) {
        this.sendError(id, action, err.code, err.message, err.details);
        return;
      }
      this.o.logger.error({ err, station: this.identity, action }, 'CALL guard failed');
      this.sendError(id, action, 'InternalError', `the CSMS could not process ${action}`);
      return;
    }
    const failure = this.o.validator.validate(action, 'Request', payload);
    if (failure) {
      this.reject(id, new RpcError(failure.code, failure.description, { errors: failure.errors }), action);
      return;
    }
    let result: InboundResult;
    try {
      result = await this.o.handle(action, payload, id);
    } catch (err) {
      if (err instanceof RpcError) {
        this.sendError(id, action, err.code, err.message, err.details);
      } else {
        // Never show internals to the station; the log has them.
        this.o.logger.error({ err, station: this.identity, action }, 'handler failed');
        this.sendError(id, action, 'InternalError', `the CSMS could not process ${action}`);
      }
      return;
    }
    const responseFailure = this.o.validator.validate(action, 'Response', result.response);
    if (responseFailure) {
      this.o.logger.error({ station: this.identity, action, failure: responseFailure }, 'our response failed its schema');
      this.sendError(id, action, 'InternalError', `the CSMS could not produce a valid ${action} response`);
      return;
    }
    const json = payloadJson(result.response);
    if (!this.closed) this.o.onFrame?.('out', 'CALLRESULT', id, action, result.response, json);
    this.send(resultFrameOf(id, json));
    // The post-reply step runs on its own: thrown or rejected, its failure is logged.
    if (result.after) runLogged(result.after, (err) => this.o.logger.error({ err, station: this.identity, action }, 'post-reply step failed'));
  }

  private reject(id: string, err: RpcError, action: string | null = null): void {
    this.sendError(id, action, err.code, err.message, err.details);
    this.countBad(`${err.code}: ${err.message}`);
  }

  private sendError(id: string, action: string | null, code: OcppErrorCode, description: string, details?: Record<string, unknown>): void {
    if (this.o.onFrame && !this.closed) {
      this.o.onFrame('out', 'CALLERROR', id, action, { errorCode: code, errorDescription: description, errorDetails: details ?? {} });
    }
    this.send(errorFrame(id, code, description, details));
  }

  /** A parsed frame to onFrame: a reply names the action of the call in flight it answers (else null). */
  private tapInbound(frame: ReturnType<typeof parseFrame>): void {
    const tap = this.o.onFrame!;
    if (frame.type === CALL) {
      tap('in', 'CALL', frame.id, frame.action, frame.payload);
      return;
    }
    const action = this.inFlight?.call.id === frame.id ? this.inFlight.call.action : null;
    if (frame.type === CALLRESULT) tap('in', 'CALLRESULT', frame.id, action, frame.payload);
    else if (frame.type === CALLERROR) tap('in', 'CALLERROR', frame.id, action, { errorCode: frame.code, errorDescription: frame.description, errorDetails: frame.details });
  }

  /**
   * Counts an invalid message within a sliding window on the injected clock: `maxBadMessages` of them within
   * `badMessageWindowMs` end the connection. A count of consecutive failures (reset by any valid message) let a
   * station that alternates good and bad frames go on for ever (issue 20); a window does not, while a station
   * that errs now and then over a long day is never dropped for it.
   */
  private countBad(reason: string): void {
    const now = this.o.clock.now();
    this.badAt.push(now);
    if (this.badAt.length > this.o.maxBadMessages) this.badAt.shift();
    const oldest = this.badAt[0]!;
    const inWindow = this.badAt.filter((t) => now - t < this.o.badMessageWindowMs).length;
    // The reason quotes what the station sent (an action name, a message id): never a whole frame in the log.
    this.o.logger.warn({ station: this.identity, reason: truncateForLog(reason), count: inWindow }, 'invalid message from station');
    if (this.badAt.length >= this.o.maxBadMessages && now - oldest < this.o.badMessageWindowMs) {
      this.o.logger.warn({ station: this.identity, count: this.badAt.length, windowMs: this.o.badMessageWindowMs },
        'too many invalid messages: disconnecting');
      // 1008 = policy violation (RFC 6455, 7.4.1).
      this.close(1008, 'too many invalid OCPP messages');
    }
  }

  private send(text: string): void {
    if (this.closed) return;
    this.o.socket.send(text);
  }

  private onClose(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // Queued CALLs can no longer be answered; one being handled finishes, its reply is not sent (send checks).
    this.inbound.length = 0;
    this.handling.clear();
    // A socket paused for a full queue must read again, or the peer's close frame waits there for ws's close timeout.
    if (this.o.socket.isPaused) this.o.socket.resume();
    this.o.onClosed?.(code, reason);
    const pending = [...(this.inFlight ? [this.inFlight.call] : []), ...this.queue.splice(0)];
    this.inFlight?.timer.cancel();
    this.inFlight = undefined;
    for (const call of pending) {
      call.reject(new OcppCallError('Offline', this.identity, call.action,
        `connection to ${this.identity} closed before ${call.action} was answered`));
    }
  }
}

function byteLengthOf(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** Most of a station's ErrorDetails we pass on (into OcppCallError, and so into log lines that log the error). */
const MAX_DETAILS_CHARS = 1024;

/** A station's CALLERROR details as they are when small, else only their size (the frame depth is bounded). */
function boundedDetails(details: unknown): unknown {
  const text = JSON.stringify(details) ?? '';
  return text.length <= MAX_DETAILS_CHARS ? details : { omitted: `ErrorDetails of ${text.length} characters` };
}
