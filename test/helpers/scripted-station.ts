/**
 * A scripted Charging Station that speaks real OCPP-J over a real WebSocket: tests (and later issues' end-to-end
 * profile tests) drive it message by message. It validates nothing itself, so tests can send broken frames.
 */
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import type { CsmsAction, RequestOf, ResponseOf, StationAction } from '../../src/ocpp/schemas/generated/index.js';

export type RawFrame = unknown[];

export class CallErrorReply extends Error {
  constructor(readonly code: string, readonly description: string, readonly details: unknown) {
    super(`${code}: ${description}`);
  }
}

export interface ConnectOptions {
  id: string;
  password?: string;
  protocols?: string[];
  /** Override the Basic user (default: the station id). */
  user?: string;
  path?: string;
  ca?: Buffer | string;
  /** Security profile 3: the station's TLS client certificate (PEM, leaf first) and its private key. */
  cert?: Buffer | string;
  key?: Buffer | string;
  perMessageDeflate?: boolean;
}

type Responder<A extends CsmsAction> = (req: RequestOf<A>) => ResponseOf<A> | Promise<ResponseOf<A>> | RawReply;
/** Lets a responder answer with a CALLERROR or nothing at all. */
export type RawReply = { raw: RawFrame | null };

export class ScriptedStation {
  /** Every frame received, in order. */
  readonly received: RawFrame[] = [];
  /** CSMS-initiated CALLs received: [action, payload]. */
  readonly calls: { action: string; payload: unknown }[] = [];
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly responders = new Map<string, (req: unknown) => unknown>();
  private readonly waiters: { match: (f: RawFrame) => boolean; resolve: (f: RawFrame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket, readonly id: string) {
    ws.on('message', (data) => this.onMessage(data.toString()));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static url(base: string, id: string, path = '/ocpp'): string {
    return `${base}${path}/${encodeURIComponent(id)}`;
  }

  /** Opens the connection; rejects with the HTTP status if the handshake is refused. */
  static connect(base: string, o: ConnectOptions): Promise<ScriptedStation> {
    const headers: Record<string, string> = {};
    if (o.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${o.user ?? o.id}:${o.password}`).toString('base64')}`;
    }
    const ws = new WebSocket(ScriptedStation.url(base, o.id, o.path), o.protocols ?? ['ocpp2.0.1'], {
      headers,
      perMessageDeflate: o.perMessageDeflate ?? false,
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.cert ? { cert: o.cert } : {}),
      ...(o.key ? { key: o.key } : {}),
    });
    const station = new ScriptedStation(ws, o.id);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(station));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode, headers: res.headers }));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Sends a CALL and resolves with the CALLRESULT payload; rejects with CallErrorReply on a CALLERROR. */
  call<A extends StationAction>(action: A, payload: RequestOf<A>, id: string = randomUUID()): Promise<ResponseOf<A>> {
    return this.callRaw(action, payload, id) as Promise<ResponseOf<A>>;
  }

  /** Like call, without type checks on the payload (for invalid payloads). */
  callRaw(action: string, payload: unknown, id: string = randomUUID()): Promise<unknown> {
    const p = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.ws.send(JSON.stringify([2, id, action, payload]));
    return p;
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Answers CSMS calls of this action (until replaced). */
  respond<A extends CsmsAction>(action: A, fn: Responder<A>): this {
    this.responders.set(action, fn as unknown as (req: unknown) => unknown);
    return this;
  }

  /** The next received frame that matches (already received ones are not considered). */
  next(match: (f: RawFrame) => boolean = () => true): Promise<RawFrame> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** The next CSMS CALL of this action. */
  nextCall<A extends CsmsAction>(action: A): Promise<RequestOf<A>> {
    return this.next((f) => f[0] === 2 && f[2] === action).then((f) => f[3] as RequestOf<A>);
  }

  close(code = 1000): Promise<{ code: number; reason: string }> {
    this.ws.close(code);
    return this.closed;
  }

  /** A full boot: BootNotification, then Available on each connector. */
  async boot(evses: { evseId: number; connectors: number }[] = [{ evseId: 1, connectors: 1 }], at = new Date().toISOString()) {
    const res = await this.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { model: 'Scripted', vendorName: 'TestVendor', serialNumber: `SN-${this.id}`, firmwareVersion: '1.0.0' },
    });
    if (res.status === 'Accepted') {
      for (const e of evses) {
        for (let c = 1; c <= e.connectors; c++) {
          await this.call('StatusNotification', { timestamp: at, connectorStatus: 'Available', evseId: e.evseId, connectorId: c });
        }
      }
    }
    return res;
  }

  private onMessage(text: string): void {
    let frame: RawFrame;
    try {
      frame = JSON.parse(text) as RawFrame;
    } catch {
      return;
    }
    this.received.push(frame);
    for (const w of [...this.waiters]) {
      if (w.match(frame)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
    const [type, id] = frame as [number, string];
    if (type === 3 || type === 4) {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (type === 3) p.resolve(frame[2]);
      else p.reject(new CallErrorReply(frame[2] as string, frame[3] as string, frame[4]));
      return;
    }
    if (type === 2) {
      const [, , action, payload] = frame as [number, string, string, unknown];
      this.calls.push({ action, payload });
      const responder = this.responders.get(action);
      if (!responder) return; // unanswered: the CSMS's timeout applies
      void Promise.resolve(responder(payload)).then((out) => {
        if (out && typeof out === 'object' && 'raw' in out) {
          if ((out as RawReply).raw) this.ws.send(JSON.stringify((out as RawReply).raw));
          return;
        }
        this.ws.send(JSON.stringify([3, id, out]));
      });
    }
  }
}

/** Standard answers a well-behaved station gives to the capability read after boot. */
export function smartChargingVariables(values: Record<string, string> = {}) {
  const defaults: Record<string, string> = {
    Enabled: 'true', RateUnit: 'A,W', PeriodsPerSchedule: '24', ProfileStackLevel: '8', Entries: '0',
    Phases3to1: 'false', ACPhaseSwitchingSupported: 'false', ...values,
  };
  return (req: RequestOf<'GetVariables'>): ResponseOf<'GetVariables'> => ({
    getVariableResult: req.getVariableData.map((d) => {
      const value = defaults[d.variable.name];
      return value === undefined
        ? { attributeStatus: 'UnknownVariable' as const, component: d.component, variable: d.variable }
        : { attributeStatus: 'Accepted' as const, attributeValue: value, component: d.component, variable: d.variable };
    }) as ResponseOf<'GetVariables'>['getVariableResult'],
  });
}
