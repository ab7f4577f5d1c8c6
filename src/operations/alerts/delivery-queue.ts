/**
 * A bounded queue of deliveries with retries (issue 17): a webhook receiver or a mail server that fails or hangs never
 * slows the server. Nothing awaits a delivery on a request path or in the alert engine: `push` returns at once; at
 * most `concurrency` sends run; each send has a timeout on the injected clock; a failure is retried with exponential
 * backoff ("equal jitter": half the step fixed, half random) up to `maxAttempts`; beyond `capacity` waiting jobs the
 * oldest is dropped and counted.
 */
import type { Clock, TimerHandle } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';

export interface DeliveryPolicy {
  timeoutMs: number;
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  capacity: number;
  concurrency: number;
}

export interface DeliveryOutcome {
  ok: boolean;
  attempt: number;
  error: string | null;
  /** The last attempt: delivered, or given up. */
  final: boolean;
}

interface Job<T> {
  item: T;
  attempt: number;
}

/** The delay before attempt `attempt + 1` after `attempt` failed. */
export function retryDelay(attempt: number, p: Pick<DeliveryPolicy, 'initialBackoffMs' | 'maxBackoffMs'>, random: () => number): number {
  const step = Math.min(p.maxBackoffMs, p.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

export class DeliveryQueue<T> {
  private readonly ready: Job<T>[] = [];
  private readonly waiting = new Set<TimerHandle>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  /** Jobs dropped because the queue was full (also logged). */
  dropped = 0;
  delivered = 0;
  failed = 0;

  constructor(
    private readonly name: string,
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      random: () => number;
      policy: DeliveryPolicy;
      /** One attempt; rejects (or throws) on failure. `signal` aborts when the timeout passes. */
      send(item: T, signal: AbortSignal, attempt: number): Promise<void>;
      /** After each attempt (the webhook row keeps its last success and failure). */
      outcome?(item: T, outcome: DeliveryOutcome): void;
    },
  ) {}

  push(item: T): void {
    if (this.stopped) return;
    this.enqueue({ item, attempt: 1 });
  }

  /** Jobs waiting to be sent now (not counting those waiting for a retry). */
  get backlog(): number {
    return this.ready.length;
  }

  /** Retries scheduled for later. */
  get retrying(): number {
    return this.waiting.size;
  }

  /** Resolves when no send is in flight and none is ready (scheduled retries are not waited for). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.ready.length > 0) await Promise.all([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.waiting) t.cancel();
    this.waiting.clear();
    this.ready.length = 0;
  }

  private enqueue(job: Job<T>): void {
    this.ready.push(job);
    if (this.ready.length > this.deps.policy.capacity) {
      this.ready.shift();
      this.dropped++;
      this.deps.logger.warn({ queue: this.name, capacity: this.deps.policy.capacity }, 'alert delivery queue full: the oldest delivery was dropped');
    }
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.deps.policy.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      const run = this.attempt(job).finally(() => {
        this.inFlight.delete(run);
        this.pump();
      });
      this.inFlight.add(run);
    }
  }

  private async attempt(job: Job<T>): Promise<void> {
    const { clock, policy } = this.deps;
    const abort = new AbortController();
    const timer = clock.setTimer(policy.timeoutMs, () => abort.abort(new Error(`no answer within ${policy.timeoutMs} ms`)));
    let error: string | null = null;
    try {
      // The timeout also ends a send that ignores its signal: the queue never waits past it.
      await Promise.race([
        Promise.resolve().then(() => this.deps.send(job.item, abort.signal, job.attempt)),
        new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true })),
      ]);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    } finally {
      timer.cancel();
    }
    const final = error === null || job.attempt >= policy.maxAttempts;
    if (error === null) this.delivered++;
    else if (final) this.failed++;
    try {
      this.deps.outcome?.(job.item, { ok: error === null, attempt: job.attempt, error, final });
    } catch (err) {
      this.deps.logger.error({ err, queue: this.name }, 'alert delivery outcome failed');
    }
    if (error === null || this.stopped) return;
    if (final) {
      this.deps.logger.warn({ queue: this.name, attempts: job.attempt, error }, 'alert delivery given up');
      return;
    }
    const handle = clock.setTimer(retryDelay(job.attempt, policy, this.deps.random), () => {
      this.waiting.delete(handle);
      if (!this.stopped) this.enqueue({ item: job.item, attempt: job.attempt + 1 });
    });
    this.waiting.add(handle);
  }
}
