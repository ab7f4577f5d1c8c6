/**
 * Alerts by email (issue 17) through nodemailer, when config `alerts.email` names an SMTP server: each opening and
 * closing goes to the configured recipients (all alerts) and to those of the alert's fleet. Sent on a DeliveryQueue
 * like webhooks: bounded, timed out, retried with backoff, never awaited by the engine.
 */
import { createTransport, type Transporter } from 'nodemailer';
import type { AlertNotice } from '../../domain/alerts.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { KIND_WORDS } from '../../domain/alert-words.js';
import { DeliveryQueue, type DeliveryPolicy } from './delivery-queue.js';

export interface EmailSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  /** Receives every alert. */
  to: string[];
  /** Receive the alerts of their fleet's sites. */
  fleets: Record<string, string[]>;
}

interface Mail {
  to: string[];
  subject: string;
  text: string;
}

export function mailFor(notice: AlertNotice): Pick<Mail, 'subject' | 'text'> {
  const a = notice.alert;
  const title = KIND_WORDS[a.kind].title;
  const where = a.siteId ? ` at ${a.siteId}` : '';
  const subject = `[chargeplan] ${notice.event === 'opened' ? 'OPEN' : 'CLOSED'} ${a.severity}: ${title}${where}`;
  const lines = [
    a.message,
    '',
    `Alert #${a.id} (${a.kind}${a.grouped ? `, grouped: ${a.memberCount}` : ''})`,
    `Opened: ${a.openedAt}`,
    ...(a.closedAt ? [`Closed: ${a.closedAt}`] : []),
    ...(a.grouped ? ['', 'Members:', ...a.members.map((m) => `  ${m}`)] : []),
  ];
  return { subject, text: lines.join('\n') };
}

export class EmailDelivery {
  readonly queue: DeliveryQueue<Mail>;
  private readonly transport: Transporter;

  constructor(private readonly settings: EmailSettings, deps: { clock: Clock; logger: Logger; random: () => number; policy: DeliveryPolicy }) {
    this.transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      // nodemailer's own timers are the outer bound; the queue's timeout on the injected clock is the inner one.
      connectionTimeout: deps.policy.timeoutMs,
      greetingTimeout: deps.policy.timeoutMs,
      socketTimeout: deps.policy.timeoutMs,
    });
    this.queue = new DeliveryQueue<Mail>('email', {
      ...deps,
      send: async (mail) => {
        await this.transport.sendMail({ from: this.settings.from, to: mail.to, subject: mail.subject, text: mail.text });
      },
    });
  }

  enqueue(notice: AlertNotice): void {
    const to = [...new Set([...this.settings.to, ...(notice.fleet ? this.settings.fleets[notice.fleet] ?? [] : [])])];
    if (to.length === 0) return;
    this.queue.push({ to, ...mailFor(notice) });
  }

  close(): void {
    this.queue.stop();
    this.transport.close();
  }
}
