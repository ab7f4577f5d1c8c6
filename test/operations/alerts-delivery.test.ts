/**
 * Alert delivery (issue 17): a webhook receiver on port 0 checks the HMAC-SHA256 signature of each body; a failing
 * receiver is retried with exponential backoff on the manual clock; a receiver that never answers is given up on at
 * the timeout without holding the queue; and email reaches a real local SMTP server (smtp-server on port 0) through
 * nodemailer. Webhooks are stored in the real database (SQLite, or PostgreSQL under test:postgres).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertNotice, AlertRecord } from '../../src/domain/alerts.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { EmailDelivery } from '../../src/operations/alerts/email-delivery.js';
import { retryDelay, type DeliveryPolicy } from '../../src/operations/alerts/delivery-queue.js';
import { SIGNATURE_HEADER, WebhookDelivery } from '../../src/operations/alerts/webhook-delivery.js';
import { WebhookRepository } from '../../src/storage/webhook-repository.js';
import type { Storage } from '../../src/storage/database.js';
import { openTestStorage } from '../helpers/test-database.js';

const POLICY: DeliveryPolicy = { timeoutMs: 10_000, maxAttempts: 4, initialBackoffMs: 10_000, maxBackoffMs: 3_600_000, capacity: 100, concurrency: 2 };
const SECRET = 'a-webhook-secret-of-32-bytes-length';
const half = () => 0.5;

const alert: AlertRecord = {
  id: 41, kind: 'station-offline', siteId: 'site-a', stationId: 'CS-1', subject: 'CS-1', grouped: false, members: ['CS-1'], memberCount: 1,
  severity: 'critical', message: 'CS-1 has been offline since 2026-11-23T08:00:00.000Z', details: null, state: 'open',
  openedAt: '2026-11-23T08:05:00.000Z', updatedAt: '2026-11-23T08:05:00.000Z', closedAt: null,
};
const notice = (fleet: string | null = 'fleet-a'): AlertNotice => ({ event: 'opened', alert, fleet });

interface Received { headers: IncomingMessage['headers']; body: string }
async function receiver(answer: (n: number) => number | 'hang'): Promise<{ url: string; got: Received[]; server: Server; arrived(n: number): Promise<void> }> {
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      for (const w of waiters.filter((x) => got.length >= x.n)) w.resolve();
      const a = answer(got.length);
      if (a !== 'hang') res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, server, arrived: (n) => (got.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))) };
}

/** What a receiver does (README "Alerts"): HMAC-SHA256 of the raw body with the secret, compared in constant time. */
function verified(r: Received, secret: string): boolean {
  const header = String(r.headers[SIGNATURE_HEADER] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

let storage: Storage;
let servers: Server[] = [];
beforeEach(async () => {
  storage = await openTestStorage();
}, 60_000);
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await storage.close();
}, 60_000);

function delivery(store: WebhookRepository, clock: ManualClock) {
  return new WebhookDelivery({ store, clock, logger: silentLogger(), random: half, fetch: (url, init) => fetch(url, init), policy: POLICY });
}

async function addHook(store: WebhookRepository, url: string, scope: { kind: 'site' | 'fleet' | 'all'; id: string }, id = 'hook-1') {
  await store.add({ id, scopeKind: scope.kind, scopeId: scope.id, url, description: '', createdAt: '2026-11-23T08:00:00.000Z' }, SECRET);
}

describe('webhooks', { timeout: 180_000 }, () => {
  it('POSTs the alert signed with HMAC-SHA256 of the body, to the webhooks whose scope covers it', async () => {
    const clock = new ManualClock('2026-11-23T08:05:00Z');
    const store = new WebhookRepository(storage.db);
    const r = await receiver(() => 204);
    servers.push(r.server);
    await addHook(store, r.url, { kind: 'fleet', id: 'fleet-a' }, 'fleet-a');
    await addHook(store, r.url, { kind: 'site', id: 'site-b' }, 'site-b'); // another site: not sent
    await addHook(store, r.url, { kind: 'all', id: '*' }, 'all');
    const d = delivery(store, clock);
    d.enqueue(notice());
    await d.idle();
    expect(r.got).toHaveLength(2);
    for (const got of r.got) {
      expect(verified(got, SECRET)).toBe(true);
      expect(verified(got, 'another secret')).toBe(false);
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['x-chargeplan-event']).toBe('alert.opened');
      const body = JSON.parse(got.body);
      expect(body).toMatchObject({ event: 'alert.opened', fleet: 'fleet-a', alert: { id: 41, kind: 'station-offline', stationId: 'CS-1' } });
      expect(body.deliveryId).toBe(got.headers['x-chargeplan-delivery']);
    }
    const hooks = await store.list();
    expect(hooks.find((h) => h.id === 'fleet-a')!.lastSuccessAt).toBe('2026-11-23T08:05:00.000Z');
    expect(hooks.find((h) => h.id === 'site-b')!.lastSuccessAt).toBeNull();
  });

  it('retries a failing receiver with exponential backoff on the clock, the same signed bytes each time', async () => {
    const clock = new ManualClock('2026-11-23T08:05:00Z');
    const store = new WebhookRepository(storage.db);
    const r = await receiver((n) => (n <= 2 ? 500 : 200));
    servers.push(r.server);
    await addHook(store, r.url, { kind: 'all', id: '*' });
    const d = delivery(store, clock);
    d.enqueue(notice());
    await d.idle();
    expect(r.got).toHaveLength(1);
    expect(d.queue.retrying).toBe(1);
    // Equal jitter with random 0.5: 3/4 of each step. Step 1 is 10 s, step 2 is 20 s.
    const first = retryDelay(1, POLICY, half);
    const second = retryDelay(2, POLICY, half);
    expect([first, second]).toEqual([7_500, 15_000]);
    clock.advance(first - 1);
    await d.idle();
    expect(r.got).toHaveLength(1); // not before its time
    clock.advance(1);
    await r.arrived(2);
    await d.idle();
    clock.advance(second);
    await r.arrived(3);
    await d.idle();
    expect(r.got.map((g) => g.headers['x-chargeplan-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(r.got.map((g) => g.body)).size).toBe(1);
    expect(r.got.every((g) => verified(g, SECRET))).toBe(true);
    expect(d.queue.retrying).toBe(0);
    expect(d.queue.delivered).toBe(1);
    expect((await store.list())[0]!.lastSuccessAt).toBe('2026-11-23T08:05:22.500Z');
  });

  it('gives up on a receiver that never answers at the timeout, and records why; the queue stays free', async () => {
    const clock = new ManualClock('2026-11-23T08:05:00Z');
    const store = new WebhookRepository(storage.db);
    const r = await receiver(() => 'hang');
    servers.push(r.server);
    await addHook(store, r.url, { kind: 'all', id: '*' });
    const d = new WebhookDelivery({ store, clock, logger: silentLogger(), random: half, fetch: (url, init) => fetch(url, init), policy: { ...POLICY, maxAttempts: 1 } });
    d.enqueue(notice());
    await r.arrived(1);
    clock.advance(POLICY.timeoutMs);
    await d.idle();
    expect(d.queue.failed).toBe(1);
    const hook = (await store.list())[0]!;
    expect(hook.lastError).toMatch(/no answer within 10000 ms/);
    r.server.closeAllConnections();
  });
});

describe('email', { timeout: 180_000 }, () => {
  it('delivers the alert to a local SMTP server through nodemailer', async () => {
    const mails: { from: string; to: string[]; data: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((t) => t.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as AddressInfo).port;
    const email = new EmailDelivery(
      { host: '127.0.0.1', port, secure: false, from: 'alerts@chargeplan.test', to: ['ops@example.test'], fleets: { 'fleet-a': ['fleet-a@example.test'], 'fleet-b': ['b@example.test'] } },
      { clock: new ManualClock('2026-11-23T08:05:00Z'), logger: silentLogger(), random: half, policy: POLICY },
    );
    try {
      email.enqueue(notice());
      await email.queue.idle();
      expect(email.queue.delivered).toBe(1);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.from).toBe('alerts@chargeplan.test');
      expect(mails[0]!.to.sort()).toEqual(['fleet-a@example.test', 'ops@example.test']);
      expect(mails[0]!.data).toMatch(/Subject: \[chargeplan\] OPEN critical: Station offline at site-a/);
      expect(mails[0]!.data).toMatch(/CS-1 has been offline since 2026-11-23T08:00:00.000Z/);
    } finally {
      email.close();
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });
});
