/**
 * What one station's frames may weigh (issue 20: a valid 4 MiB frame cost ~250 ms of JSON.parse and held the event
 * loop for every other station): frames over `ocpp.limits.maxFrameBytes` close with 1009 and are counted, and a
 * station that sends more bytes than its budget (a token bucket on the injected clock, kept per station) is closed
 * with 1008 before the frame is parsed, then backed off like any other misbehaving station. Over real WebSockets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { DEFAULT_FRAME_LIMITS, InboundByteBudgets } from '../../src/ocpp/frame-limits.js';
import { ManualClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/config.js';

const PASSWORD = 'correct-horse-battery';
let server: TestServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function booted(limits: Record<string, number>, perMessageDeflate = false) {
  server = await startTestServer({ ocpp: { limits, perMessageDeflate } });
  await server.addStation('CS1', PASSWORD);
  const cs = await connect(perMessageDeflate);
  cs.respond('GetVariables', smartChargingVariables());
  await cs.boot();
  return cs;
}

const connect = (perMessageDeflate = false) => ScriptedStation.connect(server!.wsUrl, { id: 'CS1', password: PASSWORD, perMessageDeflate });

/** A DataTransfer frame of exactly `bytes` bytes of JSON text. */
function dataTransfer(id: string, bytes: number): string {
  const empty = JSON.stringify([2, id, 'DataTransfer', { vendorId: 'acme', data: '' }]);
  return JSON.stringify([2, id, 'DataTransfer', { vendorId: 'acme', data: 'x'.repeat(bytes - empty.length) }]);
}

describe('maxFrameBytes', () => {
  it('the default is 1 MiB, far below ws\'s old 4 MiB, and the shipped configuration says so', () => {
    expect(DEFAULT_FRAME_LIMITS.maxFrameBytes).toBe(1024 * 1024);
    expect(loadConfig({}).ocpp.limits).toMatchObject({ maxFrameBytes: 1024 * 1024, inboundBytesPerMinute: 4 * 1024 * 1024, inboundBurstBytes: 4 * 1024 * 1024 });
  });

  it('a frame of exactly the limit is handled; one byte more closes with 1009, is counted and backs the station off', async () => {
    const cs = await booted({ maxFrameBytes: 16_384 });
    const ok = cs.next((f) => f[1] === 'at-limit');
    cs.sendRaw(dataTransfer('at-limit', 16_384));
    expect((await ok)[0]).toBe(3);
    cs.sendRaw(dataTransfer('over', 16_385));
    expect((await cs.closed).code).toBe(1009);
    expect(cs.received.some((f) => f[1] === 'over')).toBe(false);
    expect(server!.running.ocpp.frameLimitCounts()).toEqual({ overBudget: 0, oversized: 1 });
    // Reconnecting at once is refused for the back-off (503 + Retry-After), as after a 1008; later it is welcome.
    await expect(connect()).rejects.toMatchObject({ status: 503 });
    server!.clock.advance(10_001);
    const again = await connect();
    expect(await again.call('Heartbeat', {})).toHaveProperty('currentTime');
    await again.close();
  });

  it('the limit holds for the inflated size: a compressed frame a few hundred bytes on the wire is closed with 1009', async () => {
    const cs = await booted({ maxFrameBytes: 16_384 }, true);
    cs.sendRaw(dataTransfer('zipped', 200_000));
    expect((await cs.closed).code).toBe(1009);
    expect(server!.running.ocpp.frameLimitCounts().oversized).toBe(1);
  });
});

describe('inbound byte budget', () => {
  it('a station over its burst is closed with 1008 before the frame is read, counted, and backed off', async () => {
    const cs = await booted({ inboundBurstBytes: 40_000, inboundBytesPerMinute: 60_000 });
    const stored = () => server!.running.repositories.stationLog.messages('CS1', 'DataTransfer');
    const before = (await stored()).length;
    // The boot used a little of the 40,000; three 10,000-byte frames fit, the fourth does not.
    for (const id of ['a', 'b', 'c']) {
      const r = cs.next((f) => f[1] === id);
      cs.sendRaw(dataTransfer(id, 10_000));
      expect((await r)[0]).toBe(3);
    }
    cs.sendRaw(dataTransfer('d', 10_000));
    expect(await cs.closed).toEqual({ code: 1008, reason: 'inbound byte rate exceeded' });
    expect(cs.received.some((f) => f[1] === 'd')).toBe(false);
    expect(await stored()).toHaveLength(before + 3);
    expect(server!.running.ocpp.frameLimitCounts()).toEqual({ overBudget: 1, oversized: 0 });
    await expect(connect()).rejects.toMatchObject({ status: 503 });
  });

  it('the budget refills on the injected clock: the same bytes spread over time are never refused', async () => {
    const cs = await booted({ inboundBurstBytes: 40_000, inboundBytesPerMinute: 60_000 });
    // 60,000 bytes a minute is 10,000 per 10 s: 20 frames of 10,000 bytes, one every 10 s, all answered.
    for (let i = 0; i < 20; i++) {
      server!.clock.advance(10_000);
      const r = cs.next((f) => f[1] === `t${i}`);
      cs.sendRaw(dataTransfer(`t${i}`, 10_000));
      expect((await r)[0]).toBe(3);
    }
    expect(server!.running.ocpp.frameLimitCounts().overBudget).toBe(0);
    await cs.close();
  });

  it('the budget is kept per station, not per connection: reconnecting buys no fresh burst', () => {
    const clock = new ManualClock('2026-03-29T00:00:00Z');
    const budgets = new InboundByteBudgets(clock, { maxFrameBytes: 1024, inboundBurstBytes: 1000, inboundBytesPerMinute: 600 });
    expect(budgets.admit('CS1', 900)).toBe(true);
    expect(budgets.admit('CS1', 200)).toBe(false);
    // Another station has its own.
    expect(budgets.admit('CS2', 1000)).toBe(true);
    // 10 bytes a second: after 10 s, 100 more.
    clock.advance(10_000);
    expect(budgets.admit('CS1', 200)).toBe(true);
    expect(budgets.admit('CS1', 1)).toBe(false);
    expect(budgets.counts).toEqual({ overBudget: 2, oversized: 0 });
  });
});
