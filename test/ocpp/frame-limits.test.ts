/**
 * What one station's frames may cost the server (issue 20, findings 9 and 10): deep nesting is refused before
 * anything walks it, what the station chose reaches a log line only truncated, and a station that keeps sending
 * what fails is disconnected even if it mixes in valid messages.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables, type RawFrame } from '../helpers/scripted-station.js';
import { LOG_STRING_MAX } from '../../src/platform/truncate.js';

const PASSWORD = 'correct-horse-battery';
let server: TestServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function bootedStation(overrides: Parameters<typeof startTestServer>[0] = {}, opts: Parameters<typeof startTestServer>[1] = {}) {
  server = await startTestServer(overrides, opts);
  await server.addStation('CS1', PASSWORD);
  const cs = await ScriptedStation.connect(server.wsUrl, { id: 'CS1', password: PASSWORD });
  cs.respond('GetVariables', smartChargingVariables());
  await cs.boot();
  return cs;
}

/** Sends raw text and resolves with the reply to message id `id`. */
function reply(cs: ScriptedStation, id: string, text: string): Promise<RawFrame> {
  const r = cs.next((f) => f[1] === id);
  cs.sendRaw(text);
  return r;
}

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('frame depth (finding 9)', () => {
  it('refuses a DataTransfer whose data nests 10,000 deep with FormatViolation, and counts it as invalid', async () => {
    const cs = await bootedStation({ ocpp: { maxBadMessages: 2, badMessageWindowSeconds: 60 } });
    const frame = await reply(cs, 'deep-1', `[2,"deep-1","DataTransfer",{"vendorId":"acme","data":${deep(10_000)}}]`);
    expect(frame.slice(0, 3)).toEqual([4, 'deep-1', 'FormatViolation']);
    expect(frame[3]).toContain('deeper than 32');
    // Nothing of it was stored.
    expect(await server!.running.repositories.stationLog.messages('CS1', 'DataTransfer')).toEqual([]);
    // It counted: the second invalid message within the window closes the connection (policy violation).
    cs.sendRaw(`[2,"deep-2","DataTransfer",{"vendorId":"acme","data":${deep(10_000)}}]`);
    expect((await cs.closed).code).toBe(1008);
  });

  it('accepts a frame 31 levels deep (a vendor may nest its data; the limit is far beyond every official schema)', async () => {
    const cs = await bootedStation();
    const data = { nested: JSON.parse(deep(28)) as unknown };
    expect(await cs.call('DataTransfer', { vendorId: 'acme', data })).toEqual({ status: 'UnknownVendorId' });
  });

  it('never answers a too-deep CALLRESULT, but counts it', async () => {
    const cs = await bootedStation({ ocpp: { maxBadMessages: 3 } });
    cs.sendRaw(`[3,"r-1",${deep(100)}]`);
    cs.sendRaw(`[4,"r-2","GenericError","",${deep(100)}]`);
    await cs.call('Heartbeat', {}, 'hb-after');
    expect(cs.received.filter((f) => f[1] === 'r-1' || f[1] === 'r-2' || f[1] === '-1')).toEqual([]);
    cs.sendRaw('garbage');
    expect((await cs.closed).code).toBe(1008);
  });
});

describe('log lines (finding 10)', () => {
  it('a 1 MB action name gives a log line below the cap, and the reply quotes at most 255 characters', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
    // A frame over the default maxFrameBytes (1 MiB) would be closed with 1009 unread (frame-size.test.ts).
    const cs = await bootedStation({ ocpp: { limits: { maxFrameBytes: 2 * 1024 * 1024 } } }, { logger: pino({ level: 'info' }, sink) });
    const action = 'A'.repeat(1024 * 1024);
    const frame = await reply(cs, 'big-action', JSON.stringify([2, 'big-action', action, {}]));
    expect(frame.slice(0, 3)).toEqual([4, 'big-action', 'NotImplemented']);
    expect((frame[3] as string).length).toBeLessThanOrEqual(255);
    const warned = lines.filter((l) => l.includes('invalid message from station'));
    expect(warned).toHaveLength(1);
    // The whole line, JSON and all, stays within a few hundred bytes of the string cap.
    for (const line of lines) expect(line.length).toBeLessThan(LOG_STRING_MAX + 400);
    expect(warned[0]).toContain(`(${(1024 * 1024 + 'NotImplemented: '.length + ' is not an OCPP 2.0.1 action'.length)} chars)`);
  });

  it('a CALLERROR with a huge description and details reaches the caller bounded', async () => {
    // 2.1 MB: over the default maxFrameBytes (1 MiB), which would close it with 1009 unread.
    const cs = await bootedStation({ ocpp: { limits: { maxFrameBytes: 4 * 1024 * 1024 } } });
    const pending = server!.running.ocpp.call('CS1', 'ClearCache', {});
    const call = await cs.next((f) => f[0] === 2 && f[2] === 'ClearCache');
    cs.sendRaw(JSON.stringify([4, call[1], 'X'.repeat(100_000), 'd'.repeat(1_000_000), { blob: 'b'.repeat(1_000_000) }]));
    const err = await pending.catch((e: unknown) => e) as { message: string; ocppError: { code: string; description: string; details: unknown } };
    expect(err.ocppError.code.length).toBeLessThanOrEqual(50);
    expect(err.ocppError.description.length).toBeLessThanOrEqual(255);
    expect(JSON.stringify(err.ocppError.details).length).toBeLessThan(200);
    expect(err.message.length).toBeLessThan(600);
  });
});

describe('a station that keeps sending what fails (maxBadMessages within badMessageWindowSeconds)', () => {
  it('is disconnected with 1008 even when it sends a valid message between the invalid ones', async () => {
    const cs = await bootedStation({ ocpp: { maxBadMessages: 5, badMessageWindowSeconds: 60 } });
    for (let i = 0; i < 4; i++) {
      expect((await reply(cs, '-1', 'garbage'))[2]).toBe('RpcFrameworkError');
      await cs.call('Heartbeat', {});
    }
    cs.sendRaw('garbage');
    expect((await cs.closed).code).toBe(1008);
    expect(server!.running.ocpp.isConnected('CS1')).toBe(false);
  });

  it('is not disconnected for invalid messages spread wider than the window', async () => {
    const cs = await bootedStation({ ocpp: { maxBadMessages: 3, badMessageWindowSeconds: 60 } });
    for (let i = 0; i < 12; i++) {
      expect((await reply(cs, '-1', 'garbage'))[2]).toBe('RpcFrameworkError');
      server!.clock.advance(31_000);
    }
    await cs.call('Heartbeat', {});
    expect(server!.running.ocpp.isConnected('CS1')).toBe(true);
  });

  it('counts replies to calls we never made', async () => {
    const cs = await bootedStation({ ocpp: { maxBadMessages: 4 } });
    for (let i = 0; i < 4; i++) cs.sendRaw(JSON.stringify([3, `nothing-${i}`, {}]));
    expect((await cs.closed).code).toBe(1008);
    expect(cs.received.filter((f) => String(f[1]).startsWith('nothing-'))).toEqual([]);
  });
});
