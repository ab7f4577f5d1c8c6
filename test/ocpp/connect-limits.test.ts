/**
 * Issue 20, findings 11 and 13: handshakes and refusals limited per remote address on the injected clock, caps on
 * pending handshakes and connections, 503 + Retry-After for load, the back-off of a station closed with 1008, and
 * sampled refusal log lines. Several loopback source addresses (127.0.0.x) stand for several sites.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { start, type Running } from '../../src/main.js';
import { ManualClock } from '../../src/platform/clock.js';
import { hashPassword } from '../../src/ocpp/auth/password.js';
import { HandshakeGate, StationBackoff, type ConnectLimits } from '../../src/ocpp/handshake-limits.js';
import { lastResort } from '../../src/platform/last-resort.js';
import { handshake } from '../helpers/ocpp-handshake.js';
import { testDatabase } from '../helpers/test-database.js';

const PASSWORD = 'a-long-station-secret-0001';
const WRONG = 'a-wrong-password-000001';
const LIMITS: ConnectLimits = {
  handshakesPerAddressPerMinute: 1000, failuresPerAddressPerMinute: 1000, maxPendingHandshakes: 100, maxConnections: 1000, listenBacklog: 200,
  handshakeTimeoutSeconds: 10, backoffInitialSeconds: 10, backoffMaxSeconds: 600,
};

/** A log that keeps every line, to count them. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

interface Product {
  running: Running;
  clock: ManualClock;
  base: string;
  lines: Record<string, unknown>[];
  add(id: string): Promise<void>;
}

let product: Product | undefined;
afterEach(async () => {
  await product?.running.close();
  product = undefined;
});

async function startProduct(limits: Partial<ConnectLimits>, ocpp: Record<string, unknown> = {}): Promise<Product> {
  const db = await testDatabase();
  const clock = new ManualClock('2026-03-29T00:00:00Z');
  const { logger, lines } = capturingLogger();
  const config = loadConfig({}, {
    database: db.options,
    http: { host: '127.0.0.1', port: 0 },
    ocpp: { host: '127.0.0.1', port: 0, pingIntervalSeconds: 0, ...ocpp, limits: { ...LIMITS, ...limits } },
    log: { level: 'info' },
  });
  const running = await start(config, { clock, logger });
  return {
    running, clock, lines, base: `ws://127.0.0.1:${running.ports.ocpp}`,
    add: async (id) => {
      await running.repositories.stations.register({ id, passwordHash: hashPassword(PASSWORD), securityProfile: 1 }, '2026-03-29T00:00:00Z');
    },
  };
}

describe('per-address limits on the manual clock (issue 20, finding 11)', () => {
  it('an address that keeps failing is turned away with 503 + Retry-After, before its password is checked; others are not', async () => {
    product = await startProduct({ failuresPerAddressPerMinute: 3 });
    await product.add('CS1');
    const from = { localAddress: '127.0.0.2' };
    for (let i = 0; i < 3; i++) expect((await handshake(product.base, 'CS1', WRONG, from)).status).toBe(401);
    const refused = await handshake(product.base, 'CS1', PASSWORD, from);
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe(20); // one failure's worth refills in 60 s / 3
    // Another address is not affected.
    const other = await handshake(product.base, 'CS1', PASSWORD, { localAddress: '127.0.0.3' });
    expect(other.status).toBe(101);
    other.ws!.terminate();
    product.clock.advance(19_000);
    expect((await handshake(product.base, 'CS1', PASSWORD, from)).status).toBe(503);
    product.clock.advance(1_000);
    const back = await handshake(product.base, 'CS1', PASSWORD, from);
    expect(back.status).toBe(101);
    back.ws!.terminate();
  });

  it('handshakes per address per minute: the burst passes, the next waits for the bucket to refill', async () => {
    product = await startProduct({ handshakesPerAddressPerMinute: 2 });
    await product.add('CS1');
    const from = { localAddress: '127.0.0.4' };
    for (let i = 0; i < 2; i++) {
      const ok = await handshake(product.base, 'CS1', PASSWORD, from);
      expect(ok.status).toBe(101);
      ok.ws!.terminate();
    }
    const refused = await handshake(product.base, 'CS1', PASSWORD, from);
    expect([refused.status, refused.retryAfter]).toEqual([503, 30]);
    product.clock.advance(30_000);
    const ok = await handshake(product.base, 'CS1', PASSWORD, from);
    expect(ok.status).toBe(101);
    ok.ws!.terminate();
  });

  it('the connection cap answers 503 + Retry-After', async () => {
    product = await startProduct({ maxConnections: 1 });
    await product.add('CS1');
    await product.add('CS2');
    const first = await handshake(product.base, 'CS1', PASSWORD);
    expect(first.status).toBe(101);
    const second = await handshake(product.base, 'CS2', PASSWORD);
    expect(second.status).toBe(503);
    expect(second.retryAfter).toBeGreaterThan(0);
    first.ws!.terminate();
  });

  it('the gate caps handshakes in progress over all addresses', () => {
    const gate = new HandshakeGate(new ManualClock(), { ...LIMITS, maxPendingHandshakes: 2 });
    expect(gate.admit('10.0.0.1', 0)).toBeNull();
    gate.begin();
    expect(gate.admit('10.0.0.2', 0)).toBeNull();
    gate.begin();
    expect(gate.admit('10.0.0.3', 0)).toMatchObject({ status: 503, retryAfterS: 1 });
    gate.end();
    expect(gate.admit('10.0.0.3', 0)).toBeNull();
  });
});

describe('back-off of a station closed for misbehaving (1008)', () => {
  async function misbehave(p: Product): Promise<number> {
    const r = await handshake(p.base, 'BAD', PASSWORD);
    expect(r.status).toBe(101);
    const ws = r.ws!;
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    for (let i = 0; i < 2; i++) ws.send(JSON.stringify([2, `m${i}`, 'NoSuchAction', {}]));
    return closed;
  }

  it('refuses its reconnects with 503 for 10 s, then 20 s, and lets it back after each window', async () => {
    product = await startProduct({}, { maxBadMessages: 2 });
    await product.add('BAD');
    expect(await misbehave(product)).toBe(1008);
    const refused = await handshake(product.base, 'BAD', PASSWORD);
    expect([refused.status, refused.retryAfter]).toEqual([503, 10]);
    product.clock.advance(10_000);
    expect(await misbehave(product)).toBe(1008);
    const again = await handshake(product.base, 'BAD', PASSWORD);
    expect([again.status, again.retryAfter]).toEqual([503, 20]);
    product.clock.advance(20_000);
    const ok = await handshake(product.base, 'BAD', PASSWORD);
    expect(ok.status).toBe(101);
    ok.ws!.terminate();
  });

  it('doubles up to the maximum and starts over after a clean period', () => {
    const clock = new ManualClock();
    const backoff = new StationBackoff(clock, { backoffInitialSeconds: 10, backoffMaxSeconds: 60 });
    const windows: number[] = [];
    for (let i = 0; i < 5; i++) {
      backoff.strike('CS');
      windows.push(backoff.check('CS')!.retryAfterS);
      clock.advance(windows.at(-1)! * 1000);
      expect(backoff.check('CS')).toBeNull();
    }
    expect(windows).toEqual([10, 20, 40, 60, 60]);
    clock.advance(180_000);
    backoff.strike('CS');
    expect(backoff.check('CS')!.retryAfterS).toBe(10);
  });
});

describe('sampled refusal log lines (issue 20, finding 11)', () => {
  it('a flood of 50 refusals writes the first 20 lines and then one summary with the rest counted', async () => {
    product = await startProduct({});
    await product.add('CS1');
    for (let i = 0; i < 50; i++) expect((await handshake(product.base, 'CS1', WRONG)).status).toBe(401);
    const refusals = () => product!.lines.filter((l) => l.msg === 'OCPP handshake refused');
    expect(refusals()).toHaveLength(20);
    expect(refusals()[0]).toMatchObject({ station: 'CS1', status: 401, reason: 'wrong password' });
    product.clock.advance(10_000);
    const summary = product.lines.filter((l) => l.kind === 'OCPP handshake refused' && l.suppressed !== undefined);
    expect(summary).toHaveLength(1);
    expect(summary[0]!.suppressed).toBe(30);
  });
});

describe('the last-resort handler (issue 20, finding 1)', () => {
  it('logs a socket-level error and keeps the process; anything else is fatal and exits', () => {
    const { logger, lines } = capturingLogger();
    const exits: number[] = [];
    const h = lastResort({ logger, exit: (code) => void exits.push(code) });
    h.uncaughtException(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    h.unhandledRejection(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([]);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(2);
    h.uncaughtException(new TypeError('undefined is not a function'));
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toMatchObject({ level: 60, origin: 'uncaughtException' });
  });
});
