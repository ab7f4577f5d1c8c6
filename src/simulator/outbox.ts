/**
 * The station's outgoing CALLs, in the order they happened, one in flight at a time (Part 4, 4.1.1). While the
 * station is offline, TransactionEvents wait here (E04: offline transaction events are sent later, in order);
 * a CALL cut off by a dropped connection is sent again, with the same seqNo, after reconnecting.
 */
import type { RequestOf, ResponseOf, StationAction } from '../ocpp/schemas/generated/index.js';
import { CallTimeout, ConnectionClosed } from './ocpp-client.js';

export interface Message<A extends StationAction = StationAction> {
  action: A;
  payload: RequestOf<A>;
  onResult?: (res: ResponseOf<A>) => void;
}

export interface OutboxDeps {
  /** Whether CALLs may go out now (connected and accepted at boot). */
  ready(): boolean;
  call<A extends StationAction>(action: A, payload: RequestOf<A>): Promise<ResponseOf<A>>;
  /** A CALLERROR from the CSMS, or no answer to a message that is not retried: the message is dropped. */
  onRefused(msg: Message, err: Error): void;
  /**
   * OCPPCommCtrlr.MessageAttemptsTransactionEvent: how often a TransactionEvent without an answer is sent in all
   * (E: transaction messages are retried, every other message is lost on a timeout). Default 3.
   */
  transactionAttempts?: number;
}

export class Outbox {
  private readonly queue: Message[] = [];
  private inFlight = false;
  private waiters: (() => void)[] = [];
  private attempts = 0;

  constructor(private readonly deps: OutboxDeps) {}

  get length(): number {
    return this.queue.length;
  }

  /** Messages waiting (for tests and the offline-queue report). */
  pending(): readonly Message[] {
    return this.queue;
  }

  push<A extends StationAction>(msg: Message<A>): void {
    this.queue.push(msg as unknown as Message);
    this.pump();
  }

  /** Nothing more can go out now: the queue is empty, or the station is not ready and nothing is in flight. */
  get settled(): boolean {
    return !this.inFlight && (this.queue.length === 0 || !this.deps.ready());
  }

  /** Resolves once settled. */
  whenSettled(): Promise<void> {
    if (this.settled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Sends the head of the queue if it can; called on every push and whenever the station becomes ready. */
  pump(): void {
    if (this.inFlight || !this.deps.ready()) return this.notify();
    const msg = this.queue[0];
    if (!msg) return this.notify();
    this.inFlight = true;
    this.deps.call(msg.action, msg.payload).then(
      (res) => {
        this.queue.shift();
        this.inFlight = false;
        this.attempts = 0;
        msg.onResult?.(res as never);
        this.pump();
      },
      (err: Error) => {
        this.inFlight = false;
        // Cut off: keep it at the head for the next connection. A TransactionEvent without an answer: send it again
        // (same seqNo) up to the attempt limit. Refused, or lost otherwise: drop it and go on.
        const retry = err instanceof ConnectionClosed
          || (err instanceof CallTimeout && msg.action === 'TransactionEvent' && ++this.attempts < (this.deps.transactionAttempts ?? 3));
        if (!retry) {
          this.queue.shift();
          this.attempts = 0;
          this.deps.onRefused(msg, err);
        }
        this.pump();
      },
    );
  }

  /** Forgets everything (a station that loses its volatile memory); returns what was dropped. */
  clear(): Message[] {
    return this.queue.splice(0);
  }

  private notify(): void {
    if (!this.settled) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
