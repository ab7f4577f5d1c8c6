/**
 * A seeded fuzz run against the real server over a real WebSocket (issue 20): 2,000 hostile frames per category,
 * each CALL answered exactly once with the code its category calls for, nothing answered that must not be, and
 * another, well-behaved station's Heartbeat still answered after every category. Speed is bench:fuzz's business.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables, type RawFrame } from '../helpers/scripted-station.js';
import { FUZZ_CATEGORIES, FuzzFrames, checkReplies, repliesFor, type FuzzFrame } from '../helpers/fuzz-frames.js';
import { seededRandom } from '../../src/prices/backoff.js';

const PASSWORD = 'correct-horse-battery';
const PER_CATEGORY = 2_000;
const SEED = 20_2026;

let server: TestServer;
let fuzzer: ScriptedStation;
let well: ScriptedStation;

async function connect(id: string): Promise<ScriptedStation> {
  await server.addStation(id, PASSWORD);
  const cs = await ScriptedStation.connect(server.wsUrl, { id, password: PASSWORD, perMessageDeflate: true });
  cs.respond('GetVariables', smartChargingVariables());
  await cs.boot();
  return cs;
}

/** Resolves once `count` replies (CALLRESULT/CALLERROR) have arrived since index `from` of `cs.received`. */
async function replies(cs: ScriptedStation, from: number, count: number): Promise<RawFrame[]> {
  const isReply = (f: RawFrame) => f[0] === 3 || f[0] === 4;
  for (;;) {
    const got = cs.received.slice(from).filter(isReply);
    if (got.length >= count) return got;
    await cs.next(isReply);
  }
}

beforeAll(async () => {
  // The fuzzing station is never disconnected here, so that every category runs on one connection; the
  // disconnect itself is tested below and in frame-limits.test.ts.
  // Nor for its bytes: every category is sent at one instant of the manual clock, beyond the default byte budget
  // (its refusal is tested in frame-size.test.ts).
  server = await startTestServer({ ocpp: { maxBadMessages: 1_000_000, limits: { inboundBurstBytes: 1024 ** 3 } } });
  fuzzer = await connect('FUZZ');
  well = await connect('WELL');
});
afterAll(async () => server?.stop());

describe(`fuzz: ${PER_CATEGORY} frames per category, seed ${SEED}`, () => {
  const frames = new FuzzFrames(seededRandom(SEED));

  for (const category of FUZZ_CATEGORIES) {
    it(`${category}: one correct reply per CALL, and the other station is still served`, async () => {
      const batch: FuzzFrame[] = Array.from({ length: PER_CATEGORY }, (_, i) => frames.frame(category, i));
      const from = fuzzer.received.length;
      for (const f of batch) for (const text of f.texts) fuzzer.sendRaw(text);
      // A sentinel after the batch: once it is answered, every frame before it has been read.
      fuzzer.sendRaw(JSON.stringify([2, `sentinel-${category}`, 'Heartbeat', {}]));
      const expectedCount = batch.reduce((n, f) => n + repliesFor(f.expected), 0) + 1;
      const got = await replies(fuzzer, from, expectedCount);
      const byId = new Map<string, RawFrame[]>();
      for (const r of got) byId.set(String(r[1]), [...(byId.get(String(r[1])) ?? []), r]);
      expect(byId.get(`sentinel-${category}`)?.map((r) => r[0])).toEqual([3]);
      if (category === 'malformed') {
        // Unreadable frames are all answered with id -1 (4.2.3).
        expect(got.filter((r) => r[1] === '-1').map((r) => r[2])).toEqual(Array(PER_CATEGORY).fill('RpcFrameworkError'));
      } else {
        const wrong = batch.map((f) => [f.replyId, checkReplies(f.expected, byId.get(f.replyId) ?? [])] as const).filter(([, w]) => w !== null);
        expect(wrong.slice(0, 5)).toEqual([]);
      }
      // Nothing answered twice, nothing answered that was not asked.
      expect(got).toHaveLength(expectedCount);
      expect(fuzzer.ws.readyState).toBe(fuzzer.ws.OPEN);
      const hb = await well.call('Heartbeat', {});
      expect(hb.currentTime).toBe(new Date(server.clock.now()).toISOString());
    });
  }
});

describe('fuzz: a flood of failures under the default limits', () => {
  it('ends with 1008 after ocpp.maxBadMessages replies, while another station is served', async () => {
    const defaults = await startTestServer();
    try {
      const station = async (id: string) => {
        await defaults.addStation(id, PASSWORD);
        const cs = await ScriptedStation.connect(defaults.wsUrl, { id, password: PASSWORD });
        cs.respond('GetVariables', smartChargingVariables());
        await cs.boot();
        return cs;
      };
      const flooder = await station('FLOOD');
      const other = await station('OTHER');
      const frames = new FuzzFrames(seededRandom(SEED + 1));
      for (let i = 0; i < PER_CATEGORY; i++) for (const text of frames.frame('unknownActions', i).texts) flooder.sendRaw(text);
      expect((await flooder.closed).code).toBe(1008);
      expect(flooder.received.filter((f) => f[0] === 4)).toHaveLength(defaults.running.config.ocpp.maxBadMessages);
      expect((await other.call('Heartbeat', {})).currentTime).toBeDefined();
    } finally {
      await defaults.stop();
    }
  });
});
