import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, type IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { LiveEventSource } from '../../src/http/api/index.js';
import { silentLogger } from '../../src/platform/logger.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { startApi, type ApiFixture, type Who } from './api-fixture.js';
import { settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';

/**
 * The live stream over a real listening server (inject cannot stream): http.get reads the events as they come.
 * The app here counts its subscriptions, so that the tests can see a stream let go of the bus when it ends.
 */
let f: ApiFixture;
let app: FastifyInstance;
let base: string;
let subscriptions = 0;
/** What the app holds with no stream open: the fleet and plan views' caches listen for their whole life (issue 18). */
let idle = 0;

async function liveApp(): Promise<FastifyInstance> {
  const bus = f.deps.events;
  const counting: LiveEventSource = {
    on(event, fn) {
      subscriptions++;
      const off = bus.on(event, fn);
      return () => {
        subscriptions--;
        off();
      };
    },
  };
  const a = await buildApp({
    clock: f.clock, logger: silentLogger(), stations: f.server.running.ocpp,
    auth: { tokens: new ApiTokenRepository(f.server.running.db), clock: f.clock }, api: { ...f.deps, events: counting },
  });
  await a.listen({ host: '127.0.0.1', port: 0 });
  return a;
}

// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  app = await liveApp();
  idle = subscriptions;
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await f?.close();
});

/** An open stream: `next(match)` resolves with the first complete event block that matches, in arrival order. */
interface Stream { res: IncomingMessage; next(match: (block: string) => boolean): Promise<string>; close(): void }

function open(who: Who, query = ''): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const headers = who === 'anonymous' ? {} : { authorization: `Bearer ${f.tokens[who]}` };
    const req = get(`${base}/api/v1/live${query}`, { headers }, (res) => {
      let buffer = '';
      const blocks: string[] = [];
      const waiting: { match: (b: string) => boolean; resolve: (b: string) => void }[] = [];
      const deliver = () => {
        for (const w of [...waiting]) {
          const i = blocks.findIndex(w.match);
          if (i < 0) continue;
          w.resolve(blocks.splice(0, i + 1)[i]!);
          waiting.splice(waiting.indexOf(w), 1);
        }
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split('\n\n');
        buffer = parts.pop()!;
        blocks.push(...parts);
        deliver();
      });
      resolve({
        res,
        next: (match) => new Promise((r) => { waiting.push({ match, resolve: r }); deliver(); }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

const dataOf = (block: string) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!);
const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
};

describe('GET /api/v1/live', () => {
  it('streams plan, status and decision events of the site as the scheduler works', async () => {
    const s = await open('north', '?site=north-depot');
    expect(s.res.statusCode).toBe(200);
    expect(s.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(await s.next((b) => b.includes(': sites north-depot'))).toContain('retry: 5000');

    const cs = await PlanningStation.connect(f.server, { id: 'CS1', evses: 2 });
    await cs.boot();
    expect(dataOf(await s.next((b) => b.startsWith('event: status')))).toMatchObject({ siteId: 'north-depot', stationId: 'CS1' });
    await f.server.running.scheduler.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 10 });
    await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
    await settle(f.server);
    const plan = dataOf(await s.next((b) => b.startsWith('event: plan')));
    expect(plan).toMatchObject({ siteId: 'north-depot', planId: (await f.server.running.scheduler.latestPlan('north-depot'))!.id, reason: 'created' });
    const decision = dataOf(await s.next((b) => b.startsWith('event: decision')));
    expect(decision).toMatchObject({ siteId: 'north-depot', id: expect.any(Number), kind: expect.any(String), message: expect.any(String) });
    s.close();
  });

  it('sends only events of sites the caller may read', async () => {
    const s = await open('north');
    await s.next((b) => b.includes(': sites north-depot'));
    const bus = f.server.running.events;
    bus.emit('plan.created', { siteId: 'south-depot', planId: 9001, triggers: ['test'] });
    bus.emit('connector.status', { stationId: 'HOME-H', evseId: 1, connectorId: 1, status: 'Occupied', at: '2026-11-23T16:00:00Z' });
    bus.emit('plan.created', { siteId: 'north-depot', planId: 9002, triggers: ['test'] });
    // The first event to arrive after the foreign ones is north's: nothing of south or home-h came before it.
    const first = await s.next((b) => b.startsWith('event:'));
    expect(dataOf(first)).toMatchObject({ siteId: 'north-depot', planId: 9002 });
    s.close();
  });

  it('lets go of the event bus when the client disconnects', async () => {
    await waitFor(() => subscriptions === idle);
    const s = await open('homeH', '?site=home-h');
    await s.next((b) => b.includes(': sites home-h'));
    expect(subscriptions).toBeGreaterThan(idle);
    s.close();
    await waitFor(() => subscriptions === idle);
  });

  it.each<[Who, string, number, string]>([
    ['south', '?site=north-depot', 403, 'AUTH_FORBIDDEN'],
    ['homeG', '?site=home-h', 403, 'AUTH_FORBIDDEN'],
    ['publisher', '', 403, 'AUTH_FORBIDDEN'],
    ['anonymous', '?site=home-h', 401, 'AUTH_MISSING'],
    ['north', '?site=nowhere', 403, 'AUTH_FORBIDDEN'],
  ])('refuses %s %s with %i before streaming', async (who, query, status, code) => {
    const res = await f.as(who, { url: `/api/v1/live${query}` });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code });
  });

  it('ends open streams when the app closes', async () => {
    const other = await liveApp();
    const port = (other.server.address() as { port: number }).port;
    const ended = new Promise<void>((resolve, reject) => {
      get(`http://127.0.0.1:${port}/api/v1/live`, { headers: { authorization: `Bearer ${f.tokens.admin}` } }, (res) => {
        res.once('data', () => void other.close());
        res.on('end', resolve);
        res.resume();
      }).on('error', reject);
    });
    await ended;
    await waitFor(() => subscriptions === idle);
  });
});
