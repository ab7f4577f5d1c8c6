/**
 * What the cluster needs of a message bus (issue 19): request/reply to whoever holds a subject, fire-and-forget
 * events, and a clean drain. NATS implements it (nats-transport.ts); nothing else in src/cluster knows NATS.
 */

/** No subscriber holds the subject right now (NATS answers such a request at once with status 503). */
export class NoResponderError extends Error {
  override readonly name = 'NoResponderError';
  constructor(readonly subject: string) {
    super(`no node answers on ${subject}`);
  }
}

/** A subscriber holds the subject but did not answer within the timeout. */
export class ReplyTimeoutError extends Error {
  override readonly name = 'ReplyTimeoutError';
  constructor(readonly subject: string, readonly timeoutMs: number) {
    super(`no answer on ${subject} within ${timeoutMs} ms`);
  }
}

export type Unsubscribe = () => void;

export interface ClusterTransport {
  /** Sends `body` (JSON) to one subscriber of `subject` and resolves with its answer; NoResponderError, ReplyTimeoutError. */
  request(subject: string, body: unknown, timeoutMs: number): Promise<unknown>;
  /**
   * Answers requests on `subject`. With a queue name, each request goes to one subscriber of the queue only, so a
   * subject held for a moment by two nodes (a station moving) still gets each request handled once.
   */
  respond(subject: string, queue: string | null, handler: (body: unknown) => Promise<unknown>): Unsubscribe;
  /** Fire-and-forget; lost when nobody listens (the database is the truth, events only hurry things up). */
  publish(subject: string, body: unknown): void;
  /** Every message on `subject` (NATS wildcards allowed: `*` one token, `>` the rest). */
  subscribe(subject: string, handler: (body: unknown, subject: string) => void): Unsubscribe;
  /** Round trips to the server, for /health: how long the last flush took (ms), or null when not connected. */
  rtt(): Promise<number | null>;
  /** Drains: answers in flight are sent, then the connection closes. */
  close(): Promise<void>;
}

/**
 * A station id as one subject token. Station ids may hold `.` and `*` (OCPP identifierString), which are NATS
 * separators and wildcards, so the id is sent as base64url (A-Z a-z 0-9 - _): 48 characters become at most 64.
 */
export function stationToken(stationId: string): string {
  return Buffer.from(stationId, 'utf8').toString('base64url');
}

export function stationFromToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** Subject prefixes are dot-separated tokens of letters, digits, `-` and `_`, none empty (config checks the same). */
export function subjectPrefixProblem(prefix: string): string | null {
  const tokens = prefix.split('.');
  return prefix.length > 100 || tokens.some((t) => !/^[A-Za-z0-9_-]+$/.test(t))
    ? `cluster.subjectPrefix "${prefix}" must be dot-separated tokens of A-Z a-z 0-9 - _ (at most 100 characters)`
    : null;
}

/** The subjects of one cluster, under its prefix. */
export class Subjects {
  constructor(readonly prefix: string) {
    const problem = subjectPrefixProblem(prefix);
    if (problem) throw new RangeError(problem);
  }

  /** Requests for a station's socket: answered by the node that holds it. */
  call(stationId: string): string {
    return `${this.prefix}.station.${stationToken(stationId)}.call`;
  }

  /** A node accepted a station's connection: the older holder, if any, closes its own. */
  takeover(stationId: string): string {
    return `${this.prefix}.station.${stationToken(stationId)}.takeover`;
  }

  takeovers(): string {
    return `${this.prefix}.station.*.takeover`;
  }

  /** A node's connection to a station ended (the others forget that node holds it). */
  left(stationId: string): string {
    return `${this.prefix}.station.${stationToken(stationId)}.left`;
  }

  departures(): string {
    return `${this.prefix}.station.*.left`;
  }

  /** Events that other nodes act on (scheduler triggers, people's changes, the live page stream). */
  event(name: string): string {
    return `${this.prefix}.event.${name}`;
  }

  events(): string {
    return `${this.prefix}.event.>`;
  }
}
