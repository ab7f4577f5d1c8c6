/**
 * Alerts to webhooks (issue 17; docs: README "Alerts"). Each opening and closing is POSTed as JSON to every webhook
 * whose scope covers the alert (all, its site, or its site's fleet), signed so that the receiver can tell it came
 * from us and was not changed:
 *
 *   X-Chargeplan-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the webhook's secret>
 *
 * The body carries a delivery id and the time it was made, so a receiver can refuse replays; a retry sends the same
 * bytes with the same id. Delivery runs on a DeliveryQueue: bounded, timed out, retried with backoff, never awaited.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { AlertNotice, WebhookRecord, WebhookStore } from '../../domain/alerts.js';
import { isoUtc, type Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { DeliveryQueue, type DeliveryPolicy } from './delivery-queue.js';

export const SIGNATURE_HEADER = 'x-chargeplan-signature';

export type WebhookFetch = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' }) => Promise<{ status: number; body?: { cancel(): Promise<void> } | null }>;

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface WebhookJob {
  hook: WebhookRecord & { secret: string };
  deliveryId: string;
  event: string;
  body: string;
}

export function covers(hook: Pick<WebhookRecord, 'scopeKind' | 'scopeId'>, notice: AlertNotice): boolean {
  if (hook.scopeKind === 'all') return true;
  if (hook.scopeKind === 'site') return notice.alert.siteId === hook.scopeId;
  return notice.fleet !== null && notice.fleet === hook.scopeId;
}

export class WebhookDelivery {
  readonly queue: DeliveryQueue<WebhookJob>;
  private readonly fanning = new Set<Promise<void>>();

  constructor(private readonly deps: { store: WebhookStore; clock: Clock; logger: Logger; random: () => number; fetch: WebhookFetch; policy: DeliveryPolicy }) {
    this.queue = new DeliveryQueue<WebhookJob>('webhooks', {
      clock: deps.clock,
      logger: deps.logger,
      random: deps.random,
      policy: deps.policy,
      send: (job, signal, attempt) => this.send(job, signal, attempt),
      outcome: (job, o) => {
        // Kept on the webhook's row (last success, last failure and its reason) for the admin list.
        if (!o.ok && !o.final) return;
        const write = deps.store.outcome(job.hook.id, isoUtc(deps.clock.now()), o.error)
          .catch((err: unknown) => deps.logger.warn({ err }, 'webhook outcome not stored')).finally(() => this.fanning.delete(write));
        this.fanning.add(write);
      },
    });
  }

  /** Finds the webhooks covering the notice (one read) and queues one delivery for each; never awaited by callers. */
  enqueue(notice: AlertNotice): void {
    const run = this.fanOut(notice).catch((err: unknown) => this.deps.logger.error({ err }, 'webhooks: reading the targets failed; the notice is not delivered'))
      .finally(() => this.fanning.delete(run));
    this.fanning.add(run);
  }

  /** Resolves when every queued notice has been sent or scheduled for a retry, and its outcome stored. */
  async idle(): Promise<void> {
    do {
      while (this.fanning.size > 0) await Promise.all([...this.fanning]);
      await this.queue.idle();
    } while (this.fanning.size > 0);
  }

  private async fanOut(notice: AlertNotice): Promise<void> {
    const hooks = (await this.deps.store.targets()).filter((h) => covers(h, notice));
    for (const hook of hooks) {
      const deliveryId = randomUUID();
      const event = `alert.${notice.event}`;
      const body = JSON.stringify({ event, deliveryId, sentAt: isoUtc(this.deps.clock.now()), fleet: notice.fleet, alert: notice.alert });
      this.queue.push({ hook, deliveryId, event, body });
    }
  }

  private async send(job: WebhookJob, signal: AbortSignal, attempt: number): Promise<void> {
    const res = await this.deps.fetch(job.hook.url, {
      method: 'POST',
      redirect: 'manual',
      signal,
      body: job.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'chargeplan-alerts',
        [SIGNATURE_HEADER]: signBody(job.hook.secret, job.body),
        'x-chargeplan-event': job.event,
        'x-chargeplan-delivery': job.deliveryId,
        'x-chargeplan-attempt': String(attempt),
      },
    });
    // The answer's body is never read: a receiver cannot make us hold a large or endless one.
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}`);
  }
}
