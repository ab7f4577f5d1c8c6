/**
 * The cluster's message bus on NATS (issue 19), with the NATS team's client (@nats-io/transport-node). Core NATS
 * only: request/reply with the server's no-responders answer (a request to a subject nobody holds fails at once,
 * not after a timeout), queue groups, plain publish. Bodies are JSON; one that does not parse is dropped and
 * counted, never thrown into the connection's loop.
 */
import { connect, errors, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { NoResponderError, ReplyTimeoutError, type ClusterTransport, type Unsubscribe } from './transport.js';

export interface NatsTransportOptions {
  /** nats://host:port, or several separated by commas. */
  servers: string;
  /** Shown by the server's monitoring (`connz`): the node's id. */
  name: string;
  /** How long the first connect may take before the start fails with the setting named. */
  connectTimeoutMs?: number;
  /** Messages larger than this are refused before sending (NATS's own default max_payload is 1 MiB). */
  maxMessageBytes?: number;
  onError?: (err: unknown, where: string) => void;
}

/** A bad cluster.nats setting or an unreachable server: the message names the setting (like DatabaseConfigError). */
export class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 64 * 1024;

export class NatsTransport implements ClusterTransport {
  private readonly maxBytes: number;
  /** Bodies that were not JSON, since start (for /health). */
  malformed = 0;

  private constructor(private readonly nc: NatsConnection, private readonly o: NatsTransportOptions) {
    this.maxBytes = o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  static async open(o: NatsTransportOptions): Promise<NatsTransport> {
    const servers = o.servers.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (servers.length === 0) throw new ClusterConfigError('cluster.nats: no server given (nats://host:port)');
    try {
      // Reconnects for ever with the client's jittered wait: a NATS restart must not end the node.
      const nc = await connect({ servers, name: o.name, timeout: o.connectTimeoutMs ?? 10_000, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
      return new NatsTransport(nc, o);
    } catch (err) {
      throw new ClusterConfigError(`cluster.nats: cannot connect to ${servers.join(', ')}: ${(err as Error).message}`, { cause: err });
    }
  }

  async request(subject: string, body: unknown, timeoutMs: number): Promise<unknown> {
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, this.encode(body, subject), { timeout: timeoutMs });
    } catch (err) {
      if (err instanceof errors.RequestError && err.isNoResponders()) throw new NoResponderError(subject);
      if (err instanceof errors.NoRespondersError) throw new NoResponderError(subject);
      if (err instanceof errors.TimeoutError) throw new ReplyTimeoutError(subject, timeoutMs);
      throw err;
    }
    return this.decode(reply, subject);
  }

  respond(subject: string, queue: string | null, handler: (body: unknown) => Promise<unknown>): Unsubscribe {
    const sub = this.nc.subscribe(subject, {
      ...(queue ? { queue } : {}),
      callback: (err, msg) => {
        if (err) return this.o.onError?.(err, subject);
        const body = this.decode(msg, subject);
        if (body === undefined || !msg.reply) return;
        void handler(body).then(
          (answer) => { msg.respond(this.encode(answer, subject)); },
          (e: unknown) => this.o.onError?.(e, subject),
        ).catch((e: unknown) => this.o.onError?.(e, subject));
      },
    });
    return () => sub.unsubscribe();
  }

  publish(subject: string, body: unknown): void {
    try {
      this.nc.publish(subject, this.encode(body, subject));
    } catch (err) {
      this.o.onError?.(err, subject); // closed or draining: an event is only a hint, the database is the truth
    }
  }

  subscribe(subject: string, handler: (body: unknown, subject: string) => void): Unsubscribe {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return this.o.onError?.(err, subject);
        const body = this.decode(msg, msg.subject);
        if (body === undefined) return;
        try {
          handler(body, msg.subject);
        } catch (e) {
          this.o.onError?.(e, msg.subject);
        }
      },
    });
    return () => sub.unsubscribe();
  }

  async rtt(): Promise<number | null> {
    if (this.nc.isClosed()) return null;
    try {
      return await this.nc.rtt();
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch (err) {
      if (!(err instanceof errors.ClosedConnectionError) && !(err instanceof errors.DrainingConnectionError)) throw err;
    }
  }

  private encode(body: unknown, subject: string): Uint8Array {
    const bytes = encoder.encode(JSON.stringify(body ?? null));
    if (bytes.byteLength > this.maxBytes) {
      throw new RangeError(`message on ${subject} is ${bytes.byteLength} bytes, over the cluster's limit of ${this.maxBytes}`);
    }
    return bytes;
  }

  private decode(msg: Msg, subject: string): unknown {
    try {
      return JSON.parse(decoder.decode(msg.data)) as unknown;
    } catch (err) {
      this.malformed++;
      this.o.onError?.(err, subject);
      return undefined;
    }
  }
}
