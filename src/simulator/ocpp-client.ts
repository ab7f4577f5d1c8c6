/**
 * The station side of OCPP-J (Part 4) over one WebSocket: typed CALLs out with their CALLRESULT or CALLERROR
 * back, and the CSMS's CALLs in, answered by a handler. The simulator's only way to talk to the product.
 */
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { RequestOf, ResponseOf, StationAction } from '../ocpp/schemas/generated/index.js';

export type Frame = unknown[];

/** A handler's answer to a CSMS CALL: the payload, and what to do once the CALLRESULT is on the wire. */
export interface Answer {
  response: unknown;
  after?: () => void;
  /** No reply at all (a station that hangs on this call; the quirk `silentOn`). */
  silent?: boolean;
}

/** Thrown at the handler to answer with a CALLERROR instead. */
export class CallErrorReply extends Error {
  constructor(readonly code: string, readonly description: string) {
    super(`${code}: ${description}`);
  }
}

/** The CSMS answered a CALL with a CALLERROR. */
export class CsmsCallError extends Error {
  constructor(readonly code: string, readonly description: string) {
    super(`${code}: ${description}`);
  }
}

/** The connection closed before the answer came. */
export class ConnectionClosed extends Error {}

/** No answer within OCPPCommCtrlr.MessageTimeout: the CALL counts as lost (a late answer is ignored). */
export class CallTimeout extends Error {}

export interface ClientOptions {
  url: string;
  stationId: string;
  /** Security profile 1: Basic auth with the station id as user (A00.FR.207). */
  password?: string;
  /** Message ids must be unique per connection direction; the station hands out its own sequence. */
  nextMessageId: () => string;
  /** Answers a CSMS CALL; returns undefined when the action is not implemented. */
  onCall: (action: string, payload: unknown) => Answer | undefined;
  onClose: (code: number, reason: string) => void;
  /** Sees every frame sent and received (tests validate the sent ones against the schemas). */
  tap?: (direction: 'sent' | 'received', frame: Frame) => void;
  /** The clock the timeout runs on, and OCPPCommCtrlr.MessageTimeout in ms (0: wait for ever). */
  clock?: Clock;
  callTimeoutMs?: number;
}

export class OcppClient {
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: TimerHandle }>();

  private constructor(private readonly ws: WebSocket, private readonly o: ClientOptions) {
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', (code, reason) => {
      for (const p of this.pending.values()) {
        p.timer?.cancel();
        p.reject(new ConnectionClosed(`closed ${code}`));
      }
      this.pending.clear();
      o.onClose(code, reason.toString());
    });
  }

  /** Opens the connection with subprotocol ocpp2.0.1 (Part 4, 3.2); rejects if the handshake is refused. */
  static connect(o: ClientOptions): Promise<OcppClient> {
    const headers: Record<string, string> = {};
    if (o.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${o.stationId}:${o.password}`).toString('base64')}`;
    const ws = new WebSocket(`${o.url.replace(/\/$/, '')}/${encodeURIComponent(o.stationId)}`, ['ocpp2.0.1'], { headers, perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(err);
      };
      ws.once('unexpected-response', (_req, res) => fail(new Error(`handshake refused: HTTP ${res.statusCode}`)));
      ws.once('error', fail);
      ws.once('open', () => {
        ws.removeAllListeners('unexpected-response');
        ws.removeAllListeners('error');
        ws.on('error', () => undefined);
        resolve(new OcppClient(ws, o));
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a CALL; resolves with the CALLRESULT payload, rejects with CsmsCallError or ConnectionClosed. */
  call<A extends StationAction>(action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    if (!this.isOpen) return Promise.reject(new ConnectionClosed('not open'));
    const id = this.o.nextMessageId();
    const p = new Promise<unknown>((resolve, reject) => {
      const { clock, callTimeoutMs } = this.o;
      const timer = clock && callTimeoutMs ? clock.setTimer(callTimeoutMs, () => {
        if (!this.pending.delete(id)) return;
        reject(new CallTimeout(`${action} got no answer within ${callTimeoutMs / 1000} s`));
      }) : undefined;
      this.pending.set(id, { resolve, reject, ...(timer ? { timer } : {}) });
    });
    this.send([2, id, action, payload]);
    return p as Promise<ResponseOf<A>>;
  }

  /** A clean close (1000) or, with `abrupt`, a dropped TCP connection as a crash or a network fault looks. */
  close(abrupt = false): void {
    if (abrupt) this.ws.terminate();
    else this.ws.close(1000);
  }

  private send(frame: Frame): void {
    this.o.tap?.('sent', frame);
    this.ws.send(JSON.stringify(frame));
  }

  private onMessage(text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    this.o.tap?.('received', frame);
    const [type, id] = frame as [number, string];
    if (type === 2) return this.answer(id, frame[2] as string, frame[3]);
    const p = this.pending.get(id);
    if (!p || (type !== 3 && type !== 4)) return;
    this.pending.delete(id);
    p.timer?.cancel();
    if (type === 3) p.resolve(frame[2]);
    else p.reject(new CsmsCallError(String(frame[2]), String(frame[3])));
  }

  /** Exactly one reply per CALL (Part 4, 4.1): the handler's CALLRESULT, or a CALLERROR. */
  private answer(id: string, action: string, payload: unknown): void {
    let answer: Answer | undefined;
    try {
      answer = this.o.onCall(action, payload);
    } catch (err) {
      const e = err instanceof CallErrorReply ? err : new CallErrorReply('InternalError', String(err));
      this.send([4, id, e.code, e.description, {}]);
      return;
    }
    if (!answer) {
      this.send([4, id, 'NotImplemented', `${action} is not implemented by this simulator`, {}]);
      return;
    }
    if (answer.silent) return;
    this.send([3, id, answer.response]);
    answer.after?.();
  }
}
